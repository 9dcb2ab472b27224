using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps.Tests;

public sealed class SampleSpecTests
{
    public static TheoryData<string> SampleFiles() =>
        [.. Directory.GetFiles(RepositoryPaths.SampleSweeps, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    [Fact]
    public void Demo_ExpandsToSixTrials_LoraAndAloraAtTheSameBudget()
    {
        var spec = SweepSpecParser.ParseFile(Path.Combine(RepositoryPaths.SampleSweeps, "demo.yaml"));
        var plan = SweepExpander.Expand(spec);

        Assert.Equal("demo-sst2", plan.SweepId);
        Assert.Equal(("test_accuracy", MetricMode.Max), (plan.Metric, plan.Mode));
        Assert.Equal(6, plan.Trials.Count);
        Assert.Equal(0, plan.Duplicates);
        Assert.Equal([("lora", 1L), ("lora", 2L), ("lora", 3L), ("alora", 1L), ("alora", 2L), ("alora", 3L)],
            plan.Trials.Select(t => (t.Method, t.Training.Seed)));
        var model = Path.Combine(RepositoryPaths.Root, "samples", "models", "stories260K");
        var data = Path.Combine(RepositoryPaths.Root, "samples", "data", "sst2");
        Assert.All(plan.Trials, t =>
        {
            Assert.Equal((model, data, "sst2"), (t.Model, t.Data, t.Task));
            Assert.Equal(8, t.Lora.R);
            Assert.Equal(LoraSettings.LlamaModuleNames, t.Lora.TargetModules);
            Assert.Equal((5e-3, 64, 300, 100, 200), (t.Training.LearningRate, t.Training.BatchSize, t.Training.MaxSteps, t.Training.EvalEverySteps, t.Training.MaxDevExamples));
            Assert.Matches("^demo-sst2-[0-9a-f]{12}$", t.TrialId);
        });
        Assert.All(plan.Trials.Where(t => t.Method == "lora"), t => Assert.Null(t.Allocation));
        Assert.All(plan.Trials.Where(t => t.Method == "alora"), t =>
            Assert.Equal(("100steps", "25steps", 4, 7), (t.Allocation!.K1, t.Allocation.K2, t.Allocation.Rounds, t.Allocation.RanksPerRound)));
    }

    [Fact]
    public void Demo_TrialIds_AreStableAcrossParses()
    {
        var path = Path.Combine(RepositoryPaths.SampleSweeps, "demo.yaml");
        var first = SweepExpander.Expand(SweepSpecParser.ParseFile(path)).Trials.Select(t => t.TrialId).ToList();
        var second = SweepExpander.Expand(SweepSpecParser.Parse(File.ReadAllText(path), path, Path.GetDirectoryName(path))).Trials.Select(t => t.TrialId).ToList();

        Assert.Equal(first, second);
        Assert.Equal(6, first.Distinct().Count());
    }

    [Theory]
    [InlineData("lr-search.yaml", 32)]
    [InlineData("all-methods.yaml", 12)]
    public void Sample_ExpandsToTheCountItsCommentStates(string file, int trials) =>
        Assert.Equal(trials, SweepExpander.Expand(SweepSpecParser.ParseFile(Path.Combine(RepositoryPaths.SampleSweeps, file))).Trials.Count);

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Sample_ParsesExpandsAndNamesExistingFiles(string file)
    {
        var spec = SweepSpecParser.ParseFile(Path.Combine(RepositoryPaths.SampleSweeps, file));

        Assert.NotEmpty(SweepExpander.Expand(spec).Trials);
        Assert.Empty(SweepSpecValidator.CheckFiles(spec));
    }
}
