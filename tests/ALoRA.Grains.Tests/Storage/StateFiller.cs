using System.Collections;
using System.Collections.Immutable;
using System.Globalization;
using System.Reflection;
using System.Text.Json.Serialization;

namespace ALoRA.Grains.Tests.Storage;

/// <summary>
/// Builds instances of persisted types with every property set to a value that is not its default (strings, numbers,
/// enums, nullable values, nested records, one-element lists and dictionaries), recursively, so a round trip that drops
/// or renames any field is caught. Values are deterministic and differ between properties.
/// </summary>
internal sealed class StateFiller
{
    private int _next = 1;

    /// <summary>A filled instance of <paramref name="type"/>.</summary>
    public object Fill(Type type, int depth = 0) => Value(type, type.Name, depth) ?? throw new InvalidOperationException($"cannot fill {type}");

    /// <summary>Public settable (or init-only) instance properties that are persisted (not <c>[JsonIgnore]</c>).</summary>
    public static IEnumerable<PropertyInfo> Settable(Type type) =>
        type.GetProperties(BindingFlags.Public | BindingFlags.Instance).Where(p =>
            p.CanWrite && p.SetMethod!.IsPublic && p.GetIndexParameters().Length == 0 && p.GetCustomAttribute<JsonIgnoreAttribute>() is null);

    private object? Value(Type type, string path, int depth)
    {
        var n = _next++;
        var underlying = Nullable.GetUnderlyingType(type);
        if (underlying is not null)
        {
            return Value(underlying, path, depth);
        }

        if (type == typeof(string))
        {
            return $"{path}-{n}";
        }

        if (type == typeof(int))
        {
            return n;
        }

        if (type == typeof(long))
        {
            return 1_000_000_000_000L + n;
        }

        if (type == typeof(double))
        {
            return n + 0.25;
        }

        if (type == typeof(bool))
        {
            return true;
        }

        if (type == typeof(DateTimeOffset))
        {
            return new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.FromHours(1)).AddSeconds(n);
        }

        if (type.IsEnum)
        {
            var values = Enum.GetValues(type);
            return values.GetValue(values.Length - 1);
        }

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var args = type.GetGenericArguments();
            if (definition == typeof(List<>))
            {
                var list = (IList)Activator.CreateInstance(type)!;
                list.Add(Value(args[0], $"{path}[0]", depth + 1));
                return list;
            }

            if (definition == typeof(ImmutableList<>))
            {
                var add = type.GetMethod("Add")!;
                var empty = type.GetField("Empty", BindingFlags.Public | BindingFlags.Static)!.GetValue(null);
                return add.Invoke(empty, [Value(args[0], $"{path}[0]", depth + 1)]);
            }

            if (definition == typeof(Dictionary<,>) && args[0] == typeof(string))
            {
                var dictionary = (IDictionary)Activator.CreateInstance(type, StringComparer.Ordinal)!;
                dictionary.Add($"{path}.key-{n}", Value(args[1], $"{path}[key]", depth + 1));
                return dictionary;
            }

            throw new NotSupportedException($"{path}: {type} is not a collection type persisted states may use (List<T>, ImmutableList<T>, Dictionary<string, T>)");
        }

        if (type.IsClass && depth < 6)
        {
            var instance = Activator.CreateInstance(type)!;
            foreach (var property in Settable(type))
            {
                property.SetValue(instance, Value(property.PropertyType, $"{path}.{property.Name}", depth + 1));
            }

            return instance;
        }

        throw new NotSupportedException($"{path}: cannot make a value of {type.FullName} ({n.ToString(CultureInfo.InvariantCulture)})");
    }
}
