using System.Buffers;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace ALoRA.Grains.Storage;

/// <summary>
/// The one stored format of a grain state, for every provider (a file of <see cref="FileGrainStorage"/>, a string value of
/// <see cref="RedisGrainStorage"/>): UTF-8 JSON (System.Text.Json, no .NET type names)
/// <c>{"schema_version": 1, "state_type": "...", "etag": "...", "written_at": "...", "state": {...}}</c>, the envelope
/// fields first and in this order. Property names are snake_case throughout (dictionary keys are kept as they are), enums
/// are written as their names, and NaN/Infinity are allowed as named literals. Documented in <c>docs/state-format.md</c>.
/// </summary>
internal static class GrainStateFormat
{
    /// <summary>The schema this build writes and reads.</summary>
    public const int SchemaVersion = 1;

    /// <summary>How the <c>etag</c> property is spelled in the envelope (the Redis scripts find it without parsing).</summary>
    public const string ETagPropertyName = "etag";

    private const string SchemaVersionProperty = "schema_version";
    private const string StateTypeProperty = "state_type";
    private const string ETagProperty = ETagPropertyName;
    private const string WrittenAtProperty = "written_at";
    private const string StateProperty = "state";

    /// <summary>How states are (de)serialised.</summary>
    public static readonly JsonSerializerOptions Json = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.SnakeCaseLower,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter() },
        WriteIndented = true,
    };

    private static readonly JsonDocumentOptions DocumentOptions = new() { MaxDepth = 256 };

    /// <summary>
    /// The stable name of a state type: its Orleans <c>[Alias]</c> when it has one, else its class name (generic
    /// arguments spelled out the same way); never assembly-qualified.
    /// </summary>
    public static string StateTypeName(Type type)
    {
        var alias = type.GetCustomAttribute<AliasAttribute>(inherit: false)?.Alias;
        if (!string.IsNullOrEmpty(alias))
        {
            return alias;
        }

        if (!type.IsGenericType)
        {
            return type.Name;
        }

        var name = type.Name;
        var tick = name.IndexOf('`');
        return $"{(tick < 0 ? name : name[..tick])}<{string.Join(",", type.GetGenericArguments().Select(StateTypeName))}>";
    }

    /// <summary>Serialises a whole file.</summary>
    public static byte[] Serialize<T>(T state, string stateType, string etag, DateTimeOffset writtenAt)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteNumber(SchemaVersionProperty, SchemaVersion);
            writer.WriteString(StateTypeProperty, stateType);
            writer.WriteString(ETagProperty, etag);
            writer.WriteString(WrittenAtProperty, writtenAt);
            writer.WritePropertyName(StateProperty);
            JsonSerializer.Serialize(writer, state, Json);
            writer.WriteEndObject();
        }

        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>
    /// Parses a record's envelope and checks its schema version and state type; the state itself is left for
    /// <see cref="DeserializeState{T}"/>. Dispose the returned document. <paramref name="path"/> names the record in
    /// messages (a file path, a Redis key).
    /// </summary>
    /// <exception cref="InvalidDataException">The record is not valid JSON, lacks a field, or has another schema or state type.</exception>
    public static (JsonDocument Document, string ETag) ParseEnvelope(ReadOnlyMemory<byte> bytes, string path, string expectedStateType)
    {
        if (bytes.Span.StartsWith((ReadOnlySpan<byte>)[0xEF, 0xBB, 0xBF]))
        {
            bytes = bytes[3..];
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(bytes, DocumentOptions);
        }
        catch (JsonException ex)
        {
            throw Corrupt(path, $"is not valid JSON ({ex.Message})", ex);
        }

        try
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw Corrupt(path, $"holds a JSON {root.ValueKind}, not an object");
            }

            if (!root.TryGetProperty(SchemaVersionProperty, out var version) || version.ValueKind != JsonValueKind.Number
                || !version.TryGetInt32(out var schema))
            {
                throw Corrupt(path, $"has no integer '{SchemaVersionProperty}'");
            }

            if (schema != SchemaVersion)
            {
                throw new InvalidDataException(
                    $"{path}: {SchemaVersionProperty} {schema} is not supported; this build reads {SchemaVersion} (written by a newer version?). It was left as it is.");
            }

            var stateType = RequiredString(root, StateTypeProperty, path);
            if (!string.Equals(stateType, expectedStateType, StringComparison.Ordinal))
            {
                throw new InvalidDataException(
                    $"{path}: holds {StateTypeProperty} '{stateType}' but the grain expects '{expectedStateType}'. It was left as it is.");
            }

            var etag = RequiredString(root, ETagProperty, path);
            if (!root.TryGetProperty(StateProperty, out _))
            {
                throw Corrupt(path, $"has no '{StateProperty}'");
            }

            return (document, etag);
        }
        catch
        {
            document.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Reads a whole record into <paramref name="grainState"/>: checks the envelope against <typeparamref name="T"/>,
    /// deserialises the state (a JSON <c>null</c> gives a new state) and sets the ETag and <c>RecordExists</c>.
    /// </summary>
    /// <exception cref="InvalidDataException">The record cannot be read (see <see cref="ParseEnvelope"/>, <see cref="DeserializeState{T}"/>).</exception>
    public static void ReadInto<T>(IGrainState<T> grainState, ReadOnlyMemory<byte> record, string path)
    {
        var (document, etag) = ParseEnvelope(record, path, StateTypeName(typeof(T)));
        using (document)
        {
            grainState.State = DeserializeState<T>(document, path) ?? Activator.CreateInstance<T>();
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
    }

    /// <summary>Gives <paramref name="grainState"/> a new state, no ETag and no record (nothing stored, or just cleared).</summary>
    public static void SetNoRecord<T>(IGrainState<T> grainState)
    {
        grainState.State = Activator.CreateInstance<T>();
        grainState.ETag = null;
        grainState.RecordExists = false;
    }

    /// <summary>Reads the <c>state</c> of a parsed file; a JSON <c>null</c> gives <c>default</c>.</summary>
    /// <exception cref="InvalidDataException">The state does not fit <typeparamref name="T"/>.</exception>
    public static T? DeserializeState<T>(JsonDocument document, string path)
    {
        try
        {
            return document.RootElement.GetProperty(StateProperty).Deserialize<T>(Json);
        }
        catch (Exception ex) when (ex is JsonException or NotSupportedException or InvalidOperationException)
        {
            throw Corrupt(path, $"has a '{StateProperty}' that does not fit {typeof(T).Name} ({ex.Message})", ex);
        }
    }

    private static string RequiredString(JsonElement root, string property, string path) =>
        root.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } s
            ? s
            : throw Corrupt(path, $"has no string '{property}'");

    private static InvalidDataException Corrupt(string path, string what, Exception? inner = null) =>
        new($"{path}: {what}. The stored grain state cannot be read; it was left as it is — repair or delete it.", inner);
}
