using System.Buffers.Binary;
using System.Text.Json;
using TorchSharp;
using static TorchSharp.torch;

namespace ALoRA.Engine.SafeTensors;

/// <summary>
/// Reads a safetensors file: an 8-byte little-endian header length N, N bytes of JSON header
/// (<c>{name: {dtype, shape, data_offsets: [begin, end]}, "__metadata__": {...}}</c>), then the data section.
/// The header is validated on open (length, JSON, dtypes, shapes against byte ranges, ranges inside the file),
/// so a truncated or corrupt file fails before any tensor is read, with a message naming the file and tensor.
/// </summary>
public sealed class SafeTensorsFile : IDisposable
{
    private const long MaxHeaderBytes = 100L * 1024 * 1024;
    private readonly FileStream _stream;
    private readonly long _dataStart;

    private SafeTensorsFile(string path, FileStream stream, long dataStart, Dictionary<string, SafeTensorInfo> tensors,
                            IReadOnlyDictionary<string, string> metadata)
    {
        Path = path;
        _stream = stream;
        _dataStart = dataStart;
        Tensors = tensors;
        Metadata = metadata;
    }

    /// <summary>The file's path.</summary>
    public string Path { get; }

    /// <summary>Tensor entries by name.</summary>
    public IReadOnlyDictionary<string, SafeTensorInfo> Tensors { get; }

    /// <summary>The header's <c>__metadata__</c> (string to string), empty when absent.</summary>
    public IReadOnlyDictionary<string, string> Metadata { get; }

    /// <summary>Opens and validates a safetensors file.</summary>
    /// <exception cref="SafeTensorsFormatException">The file is missing, truncated or malformed.</exception>
    public static SafeTensorsFile Open(string path)
    {
        if (!File.Exists(path))
        {
            throw new SafeTensorsFormatException($"{path}: file not found");
        }

        var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16);
        try
        {
            var fileLength = stream.Length;
            if (fileLength < 8)
            {
                throw new SafeTensorsFormatException($"{path}: truncated safetensors file ({fileLength} bytes; the 8-byte header length is missing)");
            }

            Span<byte> lenBytes = stackalloc byte[8];
            stream.ReadExactly(lenBytes);
            var headerLength = BinaryPrimitives.ReadUInt64LittleEndian(lenBytes);
            if (headerLength == 0 || headerLength > MaxHeaderBytes || (long)headerLength > fileLength - 8)
            {
                throw new SafeTensorsFormatException(
                    $"{path}: bad header length {headerLength} (file has {fileLength} bytes; the header must fit after the 8-byte length and be at most {MaxHeaderBytes} bytes)");
            }

            var header = new byte[headerLength];
            stream.ReadExactly(header);
            var dataStart = 8 + (long)headerLength;
            var (tensors, metadata) = ParseHeader(path, header, fileLength - dataStart);
            return new SafeTensorsFile(path, stream, dataStart, tensors, metadata);
        }
        catch
        {
            stream.Dispose();
            throw;
        }
    }

    /// <summary>Reads one tensor onto the CPU in its stored dtype.</summary>
    public Tensor Read(string name)
    {
        if (!Tensors.TryGetValue(name, out var info))
        {
            throw new SafeTensorsFormatException($"{Path}: no tensor named '{name}'");
        }

        var bytes = new byte[info.ByteLength];
        lock (_stream)
        {
            _stream.Seek(_dataStart + info.Begin, SeekOrigin.Begin);
            _stream.ReadExactly(bytes);
        }

        var tensor = torch.empty(info.Shape, SafeTensorsDType.ToScalarType(info.DType));
        if (bytes.Length > 0)
        {
            tensor.bytes = bytes;
        }

        return tensor;
    }

    /// <inheritdoc />
    public void Dispose() => _stream.Dispose();

    private static (Dictionary<string, SafeTensorInfo>, Dictionary<string, string>) ParseHeader(string path, byte[] header, long dataLength)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(header);
        }
        catch (JsonException ex)
        {
            throw new SafeTensorsFormatException($"{path}: the header is not valid JSON ({ex.Message})", ex);
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw new SafeTensorsFormatException($"{path}: the header must be a JSON object");
            }

            var tensors = new Dictionary<string, SafeTensorInfo>(StringComparer.Ordinal);
            var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
            foreach (var prop in doc.RootElement.EnumerateObject())
            {
                if (prop.Name == "__metadata__")
                {
                    if (prop.Value.ValueKind == JsonValueKind.Object)
                    {
                        foreach (var m in prop.Value.EnumerateObject())
                        {
                            metadata[m.Name] = m.Value.ValueKind == JsonValueKind.String ? m.Value.GetString()! : m.Value.GetRawText();
                        }
                    }

                    continue;
                }

                tensors[prop.Name] = ParseEntry(path, prop.Name, prop.Value, dataLength);
            }

            CheckDisjoint(path, tensors.Values);
            return (tensors, metadata);
        }
    }

    private static SafeTensorInfo ParseEntry(string path, string name, JsonElement e, long dataLength)
    {
        string Fail(string what) => $"{path}: tensor '{name}': {what}";
        if (e.ValueKind != JsonValueKind.Object
            || !e.TryGetProperty("dtype", out var dtypeEl) || dtypeEl.ValueKind != JsonValueKind.String
            || !e.TryGetProperty("shape", out var shapeEl) || shapeEl.ValueKind != JsonValueKind.Array
            || !e.TryGetProperty("data_offsets", out var offEl) || offEl.ValueKind != JsonValueKind.Array || offEl.GetArrayLength() != 2)
        {
            throw new SafeTensorsFormatException(Fail("entry must have 'dtype' (string), 'shape' (array) and 'data_offsets' ([begin, end])"));
        }

        var dtype = dtypeEl.GetString()!;
        var elementSize = SafeTensorsDType.ElementSize(dtype)
            ?? throw new SafeTensorsFormatException(Fail($"unsupported dtype '{dtype}'"));
        var shape = new long[shapeEl.GetArrayLength()];
        var i = 0;
        foreach (var d in shapeEl.EnumerateArray())
        {
            if (d.ValueKind != JsonValueKind.Number || !d.TryGetInt64(out var dim) || dim < 0)
            {
                throw new SafeTensorsFormatException(Fail("shape entries must be non-negative integers"));
            }

            shape[i++] = dim;
        }

        var offsets = offEl.EnumerateArray().Select(o => o.TryGetInt64(out var v) ? v : -1).ToArray();
        var (begin, end) = (offsets[0], offsets[1]);
        if (begin < 0 || end < begin)
        {
            throw new SafeTensorsFormatException(Fail($"bad data_offsets [{begin}, {end}]"));
        }

        if (end > dataLength)
        {
            throw new SafeTensorsFormatException(Fail($"data_offsets [{begin}, {end}] run past the end of the data section ({dataLength} bytes): the file is truncated or corrupt"));
        }

        var info = new SafeTensorInfo(name, dtype, shape, begin, end);
        long needed;
        try
        {
            needed = checked(shape.Aggregate(1L, (a, b) => checked(a * b)) * elementSize);
        }
        catch (OverflowException)
        {
            throw new SafeTensorsFormatException(Fail($"shape [{string.Join(", ", shape)}] has more elements than a file can hold"));
        }

        if (needed != info.ByteLength)
        {
            throw new SafeTensorsFormatException(Fail($"shape [{string.Join(", ", shape)}] of {dtype} needs {needed} bytes but data_offsets span {info.ByteLength}"));
        }

        return info;
    }

    /// <summary>
    /// Tensors must not share bytes: a file whose entries point at the same or overlapping ranges would load one
    /// stored tensor as several (tensors without elements take no bytes and are exempt).
    /// </summary>
    private static void CheckDisjoint(string path, IEnumerable<SafeTensorInfo> tensors)
    {
        SafeTensorInfo? previous = null;
        foreach (var info in tensors.Where(t => t.ByteLength > 0).OrderBy(t => t.Begin).ThenBy(t => t.Name, StringComparer.Ordinal))
        {
            if (previous is not null && info.Begin < previous.End)
            {
                throw new SafeTensorsFormatException(
                    $"{path}: tensors '{previous.Name}' (bytes [{previous.Begin}, {previous.End})) and '{info.Name}' (bytes [{info.Begin}, {info.End})) overlap; each tensor must have its own bytes");
            }

            previous = info;
        }
    }
}
