using System.Buffers.Binary;
using System.Text;
using ALoRA.Engine.SafeTensors;
using static TorchSharp.torch;

namespace ALoRA.Engine.Tests.SafeTensors;

public sealed class SafeTensorsFileTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-st-").FullName;

    public SafeTensorsFileTests() => Samples.EnsureTorch();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    private string Raw(string header, int dataBytes, ulong? declaredLength = null)
    {
        var path = Path.Combine(_dir, $"{Guid.NewGuid():N}.safetensors");
        var h = Encoding.UTF8.GetBytes(header);
        var bytes = new byte[8 + h.Length + dataBytes];
        BinaryPrimitives.WriteUInt64LittleEndian(bytes, declaredLength ?? (ulong)h.Length);
        h.CopyTo(bytes, 8);
        File.WriteAllBytes(path, bytes);
        return path;
    }

    [Fact]
    public void WriteRead_RoundTripsDtypesShapesAndMetadata()
    {
        var path = Path.Combine(_dir, "a.safetensors");
        var a = randn(3, 4);
        var b = arange(6, dtype: ScalarType.Int64).view(2, 3);
        var c = randn(5).to(ScalarType.BFloat16);
        SafeTensorsWriter.Write(path, new Dictionary<string, Tensor> { ["a"] = a, ["b"] = b, ["c"] = c }, new Dictionary<string, string> { ["format"] = "pt" });
        using var file = SafeTensorsFile.Open(path);
        Assert.Equal("pt", file.Metadata["format"]);
        Assert.True(TensorAssert.Same(a, file.Read("a")));
        Assert.True(TensorAssert.Same(b, file.Read("b")));
        Assert.True(TensorAssert.Same(c, file.Read("c")));
        Assert.Equal("BF16", file.Tensors["c"].DType);
        Assert.Empty(Directory.GetFiles(_dir, "*.tmp"));
    }

    [Fact]
    public void Open_HeaderLengthPastEnd_Fails() =>
        Assert.Contains("bad header length", Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(Raw("{}", 0, 4096))).Message);

    [Fact]
    public void Open_TensorsSharingTheSameBytes_AreRefused()
    {
        // Issue 12: a file whose two tensors point at the same bytes was accepted.
        var path = Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]}}", 8);

        var ex = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path));

        Assert.Contains(path, ex.Message, StringComparison.Ordinal);
        Assert.Contains("tensors 'a' (bytes [0, 8)) and 'b' (bytes [0, 8)) overlap", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_PartlyOverlappingTensors_AreRefused_AdjacentOnesAndEmptyOnesAreFine()
    {
        var overlapping = Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[3],\"data_offsets\":[0,12]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]}}", 16);
        var adjacent = Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[0,8]},\"b\":{\"dtype\":\"F32\",\"shape\":[2],\"data_offsets\":[8,16]},\"e\":{\"dtype\":\"F32\",\"shape\":[0],\"data_offsets\":[4,4]}}", 16);

        Assert.Contains("overlap", Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(overlapping)).Message, StringComparison.Ordinal);
        using var file = SafeTensorsFile.Open(adjacent);
        Assert.Equal(3, file.Tensors.Count);
    }

    [Fact]
    public void Open_ShapeWhoseSizeOverflows_IsRefused()
    {
        var path = Raw("{\"a\":{\"dtype\":\"F32\",\"shape\":[4611686018427387904,4],\"data_offsets\":[0,0]}}", 0);

        Assert.Contains("more elements than a file can hold", Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path)).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_TooShort_Fails()
    {
        var path = Path.Combine(_dir, "short.safetensors");
        File.WriteAllBytes(path, [1, 2, 3]);
        Assert.Contains("truncated", Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path)).Message);
    }

    [Fact]
    public void Open_BadJson_NamesFile()
    {
        var path = Raw("{\"a\": [", 0);
        var ex = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path));
        Assert.Contains(path, ex.Message);
        Assert.Contains("not valid JSON", ex.Message);
    }

    [Fact]
    public void Open_OffsetsPastEnd_NamesTensor()
    {
        var path = Raw("{\"w\": {\"dtype\": \"F32\", \"shape\": [4], \"data_offsets\": [0, 16]}}", 8);
        var ex = Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path));
        Assert.Contains("tensor 'w'", ex.Message);
        Assert.Contains("past the end", ex.Message);
    }

    [Fact]
    public void Open_ShapeDisagreesWithOffsets_NamesTensor()
    {
        var path = Raw("{\"w\": {\"dtype\": \"F32\", \"shape\": [3], \"data_offsets\": [0, 16]}}", 16);
        Assert.Contains("needs 12 bytes", Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path)).Message);
    }

    [Fact]
    public void Open_TruncatedRealModel_Fails()
    {
        var path = Path.Combine(_dir, "cut.safetensors");
        var bytes = File.ReadAllBytes(Path.Combine(RepositoryPaths.Stories260K, "model.safetensors"));
        File.WriteAllBytes(path, bytes[..(bytes.Length / 2)]);
        Assert.Contains("past the end", Assert.Throws<SafeTensorsFormatException>(() => SafeTensorsFile.Open(path)).Message);
    }
}
