using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps.Tests;

/// <summary><c>model: {path, dtype}</c> beside <c>model: path</c>: parsing, errors naming model.dtype, hashes, the wire form.</summary>
public sealed class ModelDTypeSpecTests
{
    private const string Rest = "data: data/sst2\ntask: sst2\n";

    private static SweepSpec Parse(string model) => SweepSpecParser.Parse($"model: {model}\n" + Rest, "test.yaml", "/base");

    [Fact]
    public void Mapping_PathAndDType_ReachEveryTrial()
    {
        var spec = SweepSpecParser.Parse("model:\n  path: models/tiny\n  dtype: bfloat16\n" + Rest + "method: {grid_search: [lora, alora]}\n", "test.yaml", "/base");

        Assert.Equal(("models/tiny", "bfloat16"), (spec.Model, spec.ModelDType));
        var trials = SweepExpander.Expand(spec).Trials;
        Assert.Equal(2, trials.Count);
        Assert.All(trials, t => Assert.Equal(("/base/models/tiny", "bfloat16"), (t.Model, t.DType)));
    }

    [Fact]
    public void PathString_HasNoDType_AndHashesAsTheMappingWithoutOne()
    {
        var plain = Parse("models/tiny");
        var mapping = Parse("{path: models/tiny}");

        Assert.Null(plain.ModelDType);
        Assert.Null(SweepExpander.Expand(plain).Trials[0].DType);
        Assert.Equal(plain.SpecHash, mapping.SpecHash);
        Assert.Equal(SweepExpander.Expand(plain).Trials[0].TrialId, SweepExpander.Expand(mapping).Trials[0].TrialId);
    }

    [Fact]
    public void EachDType_IsItsOwnConfiguration_AndNotTheDefault()
    {
        var ids = new[] { "models/tiny", "{path: models/tiny, dtype: float32}", "{path: models/tiny, dtype: bfloat16}", "{path: models/tiny, dtype: float16}" }
            .Select(m => Parse(m)).Select(s => (s.SpecHash, SweepExpander.Expand(s).Trials[0].ConfigHash)).ToList();

        Assert.Equal(4, ids.Select(i => i.SpecHash).Distinct().Count());
        Assert.Equal(4, ids.Select(i => i.ConfigHash).Distinct().Count());
    }

    [Theory]
    [InlineData("{path: models/tiny, dtype: fp8}", "model.dtype", "unknown model.dtype 'fp8'; expected one of float32, bfloat16, float16")]
    [InlineData("{path: models/tiny, dtype: bfloat}", "model.dtype", "did you mean 'bfloat16'?")]
    [InlineData("{path: models/tiny, dtype: 16}", "model.dtype", "unknown model.dtype '16'")]
    [InlineData("{path: models/tiny, dtype: null}", "model.dtype", "model.dtype must be a non-empty string")]
    [InlineData("{dtype: bfloat16}", "model.path", "model.path is required when model is a mapping")]
    [InlineData("{path: models/tiny, dtyp: bfloat16}", "model.dtyp", "unknown key 'dtyp' in model; did you mean 'dtype'?")]
    [InlineData("{path: models/tiny, dtype: {grid_search: [float32, bfloat16]}}", "model.dtype", "model.dtype must be a non-empty string")]
    public void BadModelMapping_IsASpecError_NamingTheField_AtLine1(string model, string path, string message)
    {
        var ex = Specs.Fail($"model: {model}\n" + Rest);

        var error = Assert.Single(ex.Errors, e => e.Path == path);
        Assert.Equal(1, error.Line);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Definition_CarriesTheDType_AndRefusesAnUnknownOne()
    {
        var spec = Parse("{path: models/tiny, dtype: float16}");
        var definition = SweepDefinitions.From(spec);

        var read = SweepDefinitions.Read(definition, "/base");
        Assert.Equal("float16", read.ModelDType);
        Assert.Equal(spec.SpecHash, read.SpecHash);
        Assert.Null(SweepDefinitions.Read(SweepDefinitions.From(Parse("models/tiny")), "/base").ModelDType);

        var bad = definition with { Settings = [.. definition.Settings.Select(s => s.Path == "model.dtype" ? s with { Values = ["float8"] } : s)] };
        var ex = Assert.Throws<SweepSpecException>(() => SweepDefinitions.Read(bad, "/base"));
        var error = Assert.Single(ex.Errors);
        Assert.Equal(("model.dtype", 1), (error.Path, error.Line));
        Assert.Contains("unknown model.dtype 'float8'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void TrialCheck_RefusesAnUnknownDType()
    {
        var trial = SweepExpander.Expand(Parse("models/tiny")).Trials[0];

        Assert.Empty(TrialSettings.Check(trial with { DType = ModelDTypes.BFloat16 }));
        Assert.Contains("model.dtype must be one of float32, bfloat16, float16, got half", TrialSettings.Check(trial with { DType = "half" }));
    }
}
