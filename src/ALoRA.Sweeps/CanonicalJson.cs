using System.Collections;
using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;

namespace ALoRA.Sweeps;

/// <summary>
/// Canonical JSON for hashing: object keys sorted ordinally, no whitespace, numbers in the invariant round-trip
/// format (integers as integers), strings escaped by <see cref="Utf8JsonWriter"/>'s default encoder.
/// </summary>
internal static class CanonicalJson
{
    /// <summary>Serialises null, bool, integers, doubles, strings, string-keyed dictionaries and sequences.</summary>
    public static string Serialize(object? value)
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            Write(writer, value);
        }

        return Encoding.UTF8.GetString(buffer.ToArray());
    }

    /// <summary>Lowercase hex SHA-256 of the UTF-8 bytes of <paramref name="text"/>.</summary>
    public static string Sha256Hex(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));

    private static void Write(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case double d:
                if (!double.IsFinite(d))
                {
                    throw new ArgumentException($"{d} cannot be written as JSON", nameof(value));
                }

                writer.WriteRawValue(d.ToString("R", CultureInfo.InvariantCulture));
                break;
            case string s:
                writer.WriteStringValue(s);
                break;
            case IDictionary dictionary:
                writer.WriteStartObject();
                foreach (var key in dictionary.Keys.Cast<string>().Order(StringComparer.Ordinal))
                {
                    writer.WritePropertyName(key);
                    Write(writer, dictionary[key]);
                }

                writer.WriteEndObject();
                break;
            case IEnumerable sequence:
                writer.WriteStartArray();
                foreach (var item in sequence)
                {
                    Write(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                throw new ArgumentException($"{value.GetType()} has no canonical JSON form", nameof(value));
        }
    }
}
