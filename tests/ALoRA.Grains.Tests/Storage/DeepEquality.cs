using System.Collections;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>
/// Structural comparison by reflection (public settable properties, collections element by element, dictionaries by key,
/// NaN equal to NaN): an oracle that does not go through any serializer.
/// </summary>
internal static class DeepEquality
{
    /// <summary>The first difference between <paramref name="expected"/> and <paramref name="actual"/>, as a path; null when equal.</summary>
    public static string? FirstDifference(object? expected, object? actual, string path = "$")
    {
        if (expected is null || actual is null)
        {
            return expected is null && actual is null ? null : $"{path}: {Show(expected)} != {Show(actual)}";
        }

        if (expected is double d1 && actual is double d2)
        {
            return d1.Equals(d2) ? null : $"{path}: {d1} != {d2}";
        }

        if (expected is string || expected.GetType().IsPrimitive || expected.GetType().IsEnum || expected is DateTimeOffset)
        {
            return expected.Equals(actual) ? null : $"{path}: {Show(expected)} != {Show(actual)}";
        }

        if (expected is IDictionary e && actual is IDictionary a)
        {
            if (e.Count != a.Count)
            {
                return $"{path}: {e.Count} entries != {a.Count}";
            }

            foreach (DictionaryEntry entry in e)
            {
                if (!a.Contains(entry.Key))
                {
                    return $"{path}[{entry.Key}]: missing";
                }

                if (FirstDifference(entry.Value, a[entry.Key], $"{path}[{entry.Key}]") is { } difference)
                {
                    return difference;
                }
            }

            return null;
        }

        if (expected is IEnumerable el && actual is IEnumerable al)
        {
            var left = el.Cast<object?>().ToList();
            var right = al.Cast<object?>().ToList();
            if (left.Count != right.Count)
            {
                return $"{path}: {left.Count} items != {right.Count}";
            }

            return left.Zip(right).Select((p, i) => FirstDifference(p.First, p.Second, $"{path}[{i}]")).FirstOrDefault(x => x is not null);
        }

        foreach (var property in StateFiller.Settable(expected.GetType()))
        {
            if (FirstDifference(property.GetValue(expected), property.GetValue(actual), $"{path}.{property.Name}") is { } difference)
            {
                return difference;
            }
        }

        return null;
    }

    private static string Show(object? value) => value is null ? "null" : $"'{value}'";
}
