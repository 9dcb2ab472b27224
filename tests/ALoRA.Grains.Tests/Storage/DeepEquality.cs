using System.Collections;
using System.Reflection;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>
/// Structural comparison by reflection (the exact types, every public readable property whatever its setter,
/// collections element by element, dictionaries by key, NaN equal to NaN): an oracle that goes through no serializer
/// and does not share <see cref="StateFiller"/>'s choice of properties.
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

        if (expected.GetType() != actual.GetType())
        {
            return $"{path}: a {expected.GetType().Name} != a {actual.GetType().Name}";
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

        if (path.Count(c => c == '.') > 32)
        {
            throw new InvalidOperationException($"{path}: too deep; a cycle?");
        }

        foreach (var property in expected.GetType().GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p => p.CanRead && p.GetIndexParameters().Length == 0))
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
