using System.Text.Json;
using ALoRA.Engine.Model;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace ALoRA.Engine.Tests.Model;

/// <summary>stories260K reproduces the llama2.c reference outputs shipped with it.</summary>
public sealed class GoldenOutputTests : IDisposable
{
    private readonly LlamaForCausalLM _model;
    private readonly JsonElement _reference;
    private readonly JsonDocument _doc;

    public GoldenOutputTests()
    {
        Samples.EnsureTorch();
        _model = HfModelLoader.Load(RepositoryPaths.Stories260K);
        _model.eval();
        _doc = JsonDocument.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.Stories260K, "reference_outputs.json")));
        _reference = _doc.RootElement;
    }

    [Fact]
    public void Forward_ReferenceSequences_LogitsWithin1e4()
    {
        var cases = _reference.GetProperty("logits").EnumerateArray().ToList();
        Assert.NotEmpty(cases);
        foreach (var c in cases)
        {
            var ids = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            var expected = c.GetProperty("logits").EnumerateArray()
                .SelectMany(row => row.EnumerateArray().Select(v => v.GetSingle())).ToArray();
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var logits = _model.forward(tensor(ids).unsqueeze(0)).squeeze(0);
            Assert.Equal([ids.Length, 512L], logits.shape);
            var diff = (logits - tensor(expected).view(ids.Length, 512)).abs().max().item<float>();
            Assert.True(diff < 1e-4f, $"'{c.GetProperty("text").GetString()}': max |logit diff| = {diff}");
        }
    }

    [Fact]
    public void Forward_ReferenceSentences_MeanNllMatches()
    {
        foreach (var c in _reference.GetProperty("loss").EnumerateArray())
        {
            var ids = c.GetProperty("ids").EnumerateArray().Select(e => e.GetInt64()).ToArray();
            using var scope = NewDisposeScope();
            using var _ = no_grad();
            var logits = _model.forward(tensor(ids).unsqueeze(0)).squeeze(0);
            var loss = F.cross_entropy(logits.narrow(0, 0, ids.Length - 1), tensor(ids[1..])).item<float>();
            Assert.Equal(c.GetProperty("mean_nll").GetDouble(), loss, 4);
        }
    }

    [Fact]
    public void Greedy_FromOnceUponATime_IdenticalContinuation()
    {
        var g = _reference.GetProperty("greedy")[0];
        var prompt = g.GetProperty("prompt_ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var expected = g.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var actual = GreedyGenerator.Generate(_model, prompt, g.GetProperty("new_tokens").GetInt32());
        Assert.Equal(expected, actual);
    }

    public void Dispose()
    {
        _model.Dispose();
        _doc.Dispose();
    }
}
