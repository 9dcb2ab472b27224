using System.Text.Json;
using System.Text.Json.Nodes;
using ALoRA.Engine.Data;

namespace ALoRA.Engine.Tests.Data;

public sealed class HfTokenizerTests
{
    [Fact]
    public void EncodeWithoutBos_AllOracleCases_ReproducesIdsExactly()
    {
        using var tokenizer = HfTokenizer.Load(DataTestPaths.TokenizerJson);
        using var doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(DataTestPaths.TokenizerDir, "tokenizer_cases.json")));
        var cases = doc.RootElement.GetProperty("cases").EnumerateArray().ToArray();
        Assert.True(cases.Length >= 30);
        foreach (var c in cases)
        {
            var text = c.GetProperty("text").GetString()!;
            var expected = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
            var actual = new[] { tokenizer.BosId }.Concat(tokenizer.EncodeWithoutBos(text)).ToArray();
            Assert.True(expected.SequenceEqual(actual), $"text {JsonSerializer.Serialize(text)}: expected [{string.Join(",", expected)}], got [{string.Join(",", actual)}]");
        }
    }

    [Fact]
    public void Load_RealTokenizer_ReadsVocabSizeAndSpecialIds()
    {
        using var tokenizer = HfTokenizer.Load(DataTestPaths.TokenizerJson);
        Assert.Equal(512, tokenizer.VocabSize);
        Assert.Equal(1, tokenizer.BosId);
        Assert.Equal(2, tokenizer.EosId);
        Assert.Equal(2, tokenizer.PadId); // no pad token: PAD = EOS
    }

    [Theory]
    [InlineData("Once upon a time, there was a little girl named Lily.")]
    [InlineData("the excruciating end of days It was negative")]
    [InlineData("Café naïve 日本語 😀")]
    public void Decode_EncodedText_RoundTrips(string text)
    {
        using var tokenizer = HfTokenizer.Load(DataTestPaths.TokenizerJson);
        Assert.Equal(text, tokenizer.Decode(tokenizer.EncodeWithoutBos(text)));
    }

    [Fact]
    public void EncodeWithoutBos_EmptyText_ReturnsNoTokens()
    {
        using var tokenizer = HfTokenizer.Load(DataTestPaths.TokenizerJson);
        Assert.Empty(tokenizer.EncodeWithoutBos(string.Empty));
    }

    [Fact]
    public void EnsureFits_ModelVocabSmallerThanTokenizer_ThrowsNamingTokenizerFile()
    {
        using var tokenizer = HfTokenizer.Load(DataTestPaths.TokenizerJson);
        var ex = Assert.Throws<DataFormatException>(() => tokenizer.EnsureFits(256, DataTestPaths.TokenizerDir));
        Assert.Contains("tokenizer.json", ex.Message);
        Assert.Contains("512", ex.Message);
        Assert.Contains("256", ex.Message);
    }

    [Fact]
    public void EnsureFits_ModelVocabAtLeastTokenizer_DoesNotThrow()
    {
        using var tokenizer = HfTokenizer.Load(DataTestPaths.TokenizerJson);
        tokenizer.EnsureFits(512, DataTestPaths.TokenizerDir);
        tokenizer.EnsureFits(32000, DataTestPaths.TokenizerDir);
    }

    [Fact]
    public void Load_CorruptFile_ThrowsNamingFileAndLine()
    {
        var path = DataTestPaths.WriteTempFile("tokenizer.json", "{", "  \"model\": {\"vocab\": {\"a\": 0,,}}", "}");
        var ex = Assert.Throws<DataFormatException>(() => HfTokenizer.Load(path));
        Assert.StartsWith($"{path} line 2: invalid JSON", ex.Message);
    }

    [Fact]
    public void Load_MissingFile_ThrowsNamingFile()
    {
        var path = Path.Combine(DataTestPaths.NewTempDir(), "tokenizer.json");
        var ex = Assert.Throws<DataFormatException>(() => HfTokenizer.Load(path));
        Assert.Equal($"{path}: file not found", ex.Message);
    }

    [Fact]
    public void Load_NoSpecialAddedTokens_FallsBackToTokenizerConfig()
    {
        var json = JsonNode.Parse(File.ReadAllText(DataTestPaths.TokenizerJson))!;
        json["added_tokens"] = new JsonArray();
        var dir = DataTestPaths.NewTempDir();
        var path = Path.Combine(dir, "tokenizer.json");
        File.WriteAllText(path, json.ToJsonString());
        File.WriteAllText(
            Path.Combine(dir, "tokenizer_config.json"),
            "{\"bos_token\": \"<s>\", \"eos_token\": {\"content\": \"<0x0A>\"}, \"pad_token\": \"<unk>\"}");

        using var tokenizer = HfTokenizer.Load(path);

        Assert.Equal((1, 13, 0), (tokenizer.BosId, tokenizer.EosId, tokenizer.PadId));
    }
}
