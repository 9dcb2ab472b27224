using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>
/// Builds instances of persisted types with every property set to a value that is not its default (strings, numbers,
/// enums, nullable values, nested records, one-element lists and dictionaries), recursively, so a round trip that drops
/// or renames any field is caught: a <c>bool</c> that defaults to true is set to false, an enum to a value other than its
/// default. Values are deterministic and differ between properties. A persisted property without a public setter (which
/// the stores could not read back) is refused.
/// </summary>
internal sealed class StateFiller
{
    private int _next = 1;

    /// <summary>A filled instance of <paramref name="type"/>.</summary>
    public object Fill(Type type, int depth = 0) => Value(type, type.Name, depth, avoid: null) ?? throw new InvalidOperationException($"cannot fill {type}");

    /// <summary>
    /// The paths in <paramref name="filled"/>, at any depth, of properties whose value equals the default of a fresh
    /// instance of their type (compared with <see cref="DeepEquality"/>): empty when every persisted field was set.
    /// </summary>
    public static List<string> PathsLeftAtDefault(object filled, string path = "$")
    {
        var left = new List<string>();
        switch (filled)
        {
            case string:
                break;
            case IDictionary dictionary:
                foreach (DictionaryEntry entry in dictionary)
                {
                    if (entry.Value is not null)
                    {
                        left.AddRange(PathsLeftAtDefault(entry.Value, $"{path}[{entry.Key}]"));
                    }
                }

                break;
            case IEnumerable items:
                var i = 0;
                foreach (var item in items)
                {
                    if (item is not null)
                    {
                        left.AddRange(PathsLeftAtDefault(item, $"{path}[{i}]"));
                    }

                    i++;
                }

                break;
            default:
                var type = filled.GetType();
                if (!type.IsClass)
                {
                    break;
                }

                var fresh = Activator.CreateInstance(type)!;
                foreach (var property in Settable(type))
                {
                    var value = property.GetValue(filled);
                    if (DeepEquality.FirstDifference(property.GetValue(fresh), value) is null)
                    {
                        left.Add($"{path}.{property.Name}");
                    }

                    if (value is not null)
                    {
                        left.AddRange(PathsLeftAtDefault(value, $"{path}.{property.Name}"));
                    }
                }

                break;
        }

        return left;
    }

    /// <summary>Public settable (or init-only) instance properties that are persisted (not <c>[JsonIgnore]</c>).</summary>
    public static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p =>
            p.CanWrite && p.SetMethod!.IsPublic && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null);

    /// <summary>Public instance auto-properties without a public setter that are persisted (not <c>[JsonIgnore]</c>).</summary>
    public static IEnumerable<PropertyInfo> PersistedWithoutSetter(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p =>
            p.CanRead && p.SetMethod?.IsPublic != true && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null
            && type.GetField($"<{p.Name}>k__BackingField", BindingFlags.NonPublic | BindingFlags.Instance) is not null);

    /// <summary>A value of <paramref name="type"/> for <paramref name="path"/>, not equal to <paramref name="avoid"/> (the property's default).</summary>
    private object? Value(Type type, string path, int depth, object? avoid)
    {
        var n = _next++;
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return Value(underlying, path, depth, avoid);
        }

        if (type == typeof(string))
        {
            return $"{path}-{n}";
        }

        if (type == typeof(int))
        {
            return avoid is int a && a == n ? n + 1000 : n;
        }

        if (type == typeof(long))
        {
            return 1_000_000_000_000L + n;
        }

        if (type == typeof(double))
        {
            return avoid is double a && a == n + 0.25 ? n + 1000.25 : n + 0.25;
        }

        if (type == typeof(bool))
        {
            return avoid is not true;
        }

        if (type == typeof(DateTimeOffset))
        {
            return new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(1)).AddSeconds(n);
        }

        if (type.IsEnum)
        {
            var values = Enum.GetValues(type).Cast<object>().ToList();
            return values.Where(v => !v.Equals(avoid)).LastOrDefault()
                ?? throw new NotSupportedException($"{path}: {type} has no value other than its default");
        }

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            if (definition == typeof(List<>))
            {
                var list = (IList)Activator.CreateInstance(type)!;
                list.Add(Value(args[0], $"{path}[0]", depth + 1, avoid: null));
                return list;
            }

            if (definition == typeof(ImmutableList<>))
            {
                var add = type.GetMethod("Add")!;
                var empty = type.GetField("Empty", BindingFlags.Public | BindingFlags.Static)!.GetValue(null);
                return add.Invoke(empty, [Value(args[0], $"{path}[0]", depth + 1, avoid: null)]);
            }

            if (definition == typeof(Dictionary<,>) && args[0] == typeof(string))
            {
                var dictionary = (IDictionary)Activator.CreateInstance(type, StringComparer.Ordinal)!;
                dictionary.Add($"{path}.key-{n}", Value(args[1], $"{path}[key]", depth + 1, avoid: null));
                return dictionary;
            }

            throw new NotSupportedException($"{path}: {type} is not a collection type persisted states may use (List<T>, ImmutableList<T>, Dictionary<string, T>)");
        }

        if (type.IsClass && depth < 6)
        {
            if (PersistedWithoutSetter(type).FirstOrDefault() is { } readOnly)
            {
                throw new NotSupportedException($"{path}.{readOnly.Name}: a persisted property without a public setter is written but never read back");
            }

            var instance = Activator.CreateInstance(type)!;
            foreach (var property in Settable(type))
            {
                var byDefault = property.GetValue(instance);
                property.SetValue(instance, Value(property.PropertyType, $"{path}.{property.Name}", depth + 1, byDefault));
            }

            return instance;
        }

        throw new NotSupportedException($"{path}: cannot make a value of {type.FullName} ({n.ToString(CultureInfo.InvariantCulture)})");
    }
}
