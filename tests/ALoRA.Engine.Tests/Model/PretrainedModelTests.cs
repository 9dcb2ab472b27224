using ALoRA.Engine.Data;
using ALoRA.Engine.Model;

namespace ALoRA.Engine.Tests.Model;

public sealed class PretrainedModelTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-pretrained-").FullName;

    public PretrainedModelTests() => Samples.EnsureTorch();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Load_Stories260K_ModelAndTokenizerFit()
    {
        using var p = PretrainedModel.Load(RepositoryPaths.Stories260K);
        Assert.Equal(512, p.Tokenizer.VocabSize);
        Assert.Equal(p.Model.Config.VocabSize, p.Tokenizer.VocabSize);
    }

    [Fact]
    public void Load_TokenizerLargerThanVocabulary_FailsNamingTokenizer()
    {
        foreach (var f in new[] { "model.safetensors", "tokenizer.json" })
        {
            File.Copy(Path.Combine(RepositoryPaths.Stories260K, f), Path.Combine(_dir, f));
        }

        var config = File.ReadAllText(Path.Combine(RepositoryPaths.Stories260K, "config.json")).Replace("\"vocab_size\": 512", "\"vocab_size\": 256");
        File.WriteAllText(Path.Combine(_dir, "config.json"), config);
        var ex = Assert.Throws<DataFormatException>(() => PretrainedModel.Load(_dir));
        Assert.Contains("tokenizer.json", ex.Message);
    }
}
