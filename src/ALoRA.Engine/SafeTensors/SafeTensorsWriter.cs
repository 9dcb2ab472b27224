using System.Buffers.Binary;
using System.Text.Json;
using ALoRA.Engine.Checkpoints;
using static TorchSharp.torch;

namespace ALoRA.Engine.SafeTensors;

/// <summary>Writes tensors as a safetensors file, atomically (temp file + rename), names sorted, header padded to 8 bytes.</summary>
public static class SafeTensorsWriter
{
    /// <summary>Writes <paramref name="tensors"/> to <paramref name="path"/>, replacing it atomically.</summary>
    /// <param name="path">The file.</param>
    /// <param name="tensors">The tensors by name.</param>
    /// <param name="metadata">The <c>__metadata__</c> entries, if any.</param>
    /// <param name="fileSystem">Creates the temp file (default: <see cref="CheckpointFileSystem.Default"/>).</param>
    public static void Write(string path, IReadOnlyDictionary<string, Tensor> tensors, IReadOnlyDictionary<string, string>? metadata = null,
                             CheckpointFileSystem? fileSystem = null)
    {
        var names = tensors.Keys.OrderBy(n => n, StringComparer.Ordinal).ToList();
        var payloads = new List<byte[]>(names.Count);
        using var buffer = new MemoryStream();
        using (var json = new Utf8JsonWriter(buffer))
        {
            json.WriteStartObject();
            if (metadata is { Count: > 0 })
            {
                json.WriteStartObject("__metadata__");
                foreach (var (k, v) in metadata.OrderBy(p => p.Key, StringComparer.Ordinal))
                {
                    json.WriteString(k, v);
                }

                json.WriteEndObject();
            }

            long offset = 0;
            foreach (var name in names)
            {
                var t = tensors[name];
                byte[] bytes;
                using (var scope = NewDisposeScope())
                {
                    var cpu = t.detach().cpu().contiguous();
                    bytes = cpu.numel() == 0 ? [] : cpu.bytes.ToArray();
                }

                payloads.Add(bytes);
                json.WriteStartObject(name);
                json.WriteString("dtype", SafeTensorsDType.FromScalarType(t.dtype));
                json.WriteStartArray("shape");
                foreach (var d in t.shape)
                {
                    json.WriteNumberValue(d);
                }

                json.WriteEndArray();
                json.WriteStartArray("data_offsets");
                json.WriteNumberValue(offset);
                json.WriteNumberValue(offset + bytes.Length);
                json.WriteEndArray();
                json.WriteEndObject();
                offset += bytes.Length;
            }

            json.WriteEndObject();
        }

        var header = buffer.ToArray().ToList();
        while (header.Count % 8 != 0)
        {
            header.Add((byte)' ');
        }

        AtomicFile.Write(path, stream =>
        {
            Span<byte> len = stackalloc byte[8];
            BinaryPrimitives.WriteUInt64LittleEndian(len, (ulong)header.Count);
            stream.Write(len);
            stream.Write(header.ToArray());
            foreach (var p in payloads)
            {
                stream.Write(p);
            }
        }, fileSystem);
    }
}
