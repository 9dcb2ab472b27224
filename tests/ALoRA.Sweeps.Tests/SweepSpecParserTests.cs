using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps.Tests;

public sealed class SweepSpecParserTests
{
    [Fact]
    public void Parse_MinimalSpec_TakesDefaults()
    {
        var spec = Specs.Parse("");

        Assert.Equal("models/tiny", spec.Model);
        Assert.Equal("data/sst2", spec.Data);
        Assert.Equal("sst2", spec.Task);
        Assert.Equal("dev_accuracy", spec.Metric);
        Assert.Equal(MetricMode.Max, spec.Mode);
        Assert.Equal(4, spec.MaxConcurrentTrials);
        Assert.Equal([42L], spec.Seeds);
        Assert.Equal(1, spec.NumSamples);
        Assert.Equal(0, spec.SearchSeed);
        Assert.Equal([TrialMethods.Alora], spec.Methods);
        Assert.Empty(spec.Parameters);
        Assert.Null(spec.BaseDirectory);
        Assert.Matches("^sw-[0-9a-f]{10}$", spec.SweepId);
    }

    [Theory]
    [InlineData("metric: dev_loss\n", MetricMode.Min)]
    [InlineData("metric: test_loss\nmode: min\n", MetricMode.Min)]
    [InlineData("metric: test_accuracy\n", MetricMode.Max)]
    public void Parse_Metric_DefaultsModeByKind(string body, MetricMode expected) =>
        Assert.Equal(expected, Specs.Parse(body).Mode);

    [Fact]
    public void Parse_ExplicitId_IsTheSweepId()
    {
        Assert.Equal("demo-1", Specs.Parse("id: demo-1\n").SweepId);
    }

    [Fact]
    public void Parse_DefaultSweepId_DependsOnContentNotOnNameOrParallelism()
    {
        var a = Specs.Parse("name: first\nmax_concurrent_trials: 2\n").SweepId;
        var b = Specs.Parse("name: second\nmax_concurrent_trials: 8\n").SweepId;
        var written = Specs.Parse("lora: {r: 8}\ntraining: {learning_rate: 1.0e-4}\n").SweepId;
        var other = Specs.Parse("lora: {r: 4}\n").SweepId;

        Assert.Equal(a, b);
        Assert.Equal(a, written);
        Assert.NotEqual(a, other);
    }

    [Fact]
    public void Parse_Domains_KeepDocumentOrderAndTypes()
    {
        var spec = Specs.Parse(
            "training:\n  learning_rate: {loguniform: [1.0e-4, 1.0e-2]}\n  batch_size: {choice: [16, 32]}\n" +
            "method: {grid_search: [lora, alora]}\nlora:\n  r: {randint: [2, 9]}\n  lora_dropout: {uniform: [0.0, 0.2]}\n");

        Assert.Equal(["training.learning_rate", "training.batch_size", "method", "lora.r", "lora.lora_dropout"], spec.Parameters.Select(p => p.Path));
        Assert.Equal(new LogUniformDomain(1e-4, 1e-2), spec.Parameters[0].Domain);
        Assert.Equal([16L, 32L], Assert.IsType<ChoiceDomain>(spec.Parameters[1].Domain).Values);
        Assert.Equal(["lora", "alora"], Assert.IsType<GridSearchDomain>(spec.Method.Domain).Values);
        Assert.Equal(new RandIntDomain(2, 9), spec.Parameters[3].Domain);
        Assert.Equal(new UniformDomain(0.0, 0.2), spec.Parameters[4].Domain);
        Assert.Equal(["lora", "alora"], spec.Methods);
    }

    [Fact]
    public void Parse_ScheduleLengths_AreNormalised()
    {
        var spec = Specs.Parse("alora:\n  k1: 2epochs\n  k2: 50 steps\n");

        Assert.Equal(new FixedDomain("2"), spec.FindParameter("alora.k1")!.Domain);
        Assert.Equal(new FixedDomain("50steps"), spec.FindParameter("alora.k2")!.Domain);
    }

    [Fact]
    public void Parse_NullableSettings_AcceptNull()
    {
        var spec = Specs.Parse("training:\n  batch_size: null\n  checkpoint_every_steps: ~\n");

        Assert.Equal(new FixedDomain(null), spec.FindParameter("training.batch_size")!.Domain);
        Assert.Equal(new FixedDomain(null), spec.FindParameter("training.checkpoint_every_steps")!.Domain);
    }

    [Fact]
    public void Parse_WithBaseDirectory_ResolvesRelativePathsOnly()
    {
        var baseDir = Path.Combine(Path.GetTempPath(), "specs");
        var spec = SweepSpecParser.Parse("model: ../m\ndata: /abs/d\ntask: rte\n", "x.yaml", baseDir);

        Assert.Equal(Path.GetFullPath(Path.Combine(baseDir, "../m")), spec.ResolvePath(spec.Model));
        Assert.Equal("/abs/d", spec.ResolvePath(spec.Data));
    }

    [Fact]
    public void Parse_SeveralErrors_ReportsEveryOneInSourceOrder()
    {
        var e = Specs.Fail(
            "data: d\n" +               // line 1 (model and task missing)
            "seeds: [1, 1]\n" +         // line 2
            "lora:\n" +                 // line 3
            "  r: 0\n" +                // line 4
            "  lora_dropout: 1.5\n" +   // line 5
            "training:\n" +             // line 6
            "  learning_rate: -1\n" +   // line 7
            "  max_stepz: 10\n");       // line 8

        Assert.Equal(
            ["model", "task", "seeds[1]", "lora.r", "lora.lora_dropout", "training.learning_rate", "training.max_stepz"],
            e.Errors.Select(x => x.Path));
        Assert.Equal([1, 1, 2, 4, 5, 7, 8], e.Errors.Select(x => x.Line));
        foreach (var error in e.Errors)
        {
            Assert.Contains(error.ToString(), e.Message);
        }

        Assert.Contains("training.max_stepz (line 8, col 3): unknown key 'max_stepz' in training; did you mean 'max_steps'?", e.Message);
        Assert.StartsWith("test.yaml: 7 errors", e.Message);
    }

    [Fact]
    public void Parse_DomainValueErrors_AreEachReportedWithTheirIndex()
    {
        var e = Specs.Fail(Specs.Header + "lora:\n  r: {grid_search: [4, 0, x]}\n");

        Assert.Equal(["lora.r.grid_search[1]", "lora.r.grid_search[2]"], e.Errors.Select(x => x.Path));
        Assert.Contains("r must be in [1, 1024] (in grid_search), got 0", e.Errors[0].Message);
        Assert.Contains("r must be an integer (in grid_search), got x", e.Errors[1].Message);
    }

    [Fact]
    public void ParseFile_MissingFile_ThrowsSpecException()
    {
        var e = Assert.Throws<SweepSpecException>(() => SweepSpecParser.ParseFile(Path.Combine(Path.GetTempPath(), "no-such-spec.yaml")));

        Assert.Contains("cannot read the spec", Assert.Single(e.Errors).Message);
    }
}
