using System.Collections.Immutable;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Sweeps;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace ALoRA.Sweeps.Tests.Stopping;

/// <summary>
/// The spec's <c>scheduler</c> block (docs/sweep-spec.md, "scheduler"): what it resolves to, its errors naming the
/// field, the wire form, and that it leaves trial ids alone.
/// </summary>
public sealed class SchedulerSpecTests
{
    private static readonly ServiceProvider Services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(SweepDefinition).Assembly))
        .BuildServiceProvider();

    [Fact]
    public void Asha_ResolvesWithDefaults_AndEveryTrialCarriesIt()
    {
        var spec = Specs.Parse("metric: dev_loss\nseeds: [1, 2]\nscheduler: {type: asha, grace_period: 200steps}\n");

        var expected = new StoppingSettings
        {
            Type = StoppingTypes.Asha, Metric = "dev_loss", HigherIsBetter = false, GracePeriodSteps = 200, ReductionFactor = 3, MaxRungs = null, MinTrials = 3,
        };
        Assert.Equal(expected, spec.Stopping);
        Assert.All(SweepExpander.Expand(spec).Trials, t => Assert.Equal(expected, t.Stopping));
    }

    [Theory]
    [InlineData("", "{type: median, grace_period: 50steps}", "dev_accuracy", true)]          // the sweep's default metric
    [InlineData("metric: test_loss\n", "{type: median, grace_period: 50steps}", "dev_loss", false)] // its dev_ form
    [InlineData("metric: test_accuracy\n", "{type: asha, grace_period: 5steps, metric: dev_loss}", "dev_loss", false)]
    [InlineData("task: prompt\n", "{type: asha, grace_period: 5steps}", "dev_loss", false)]    // prompt has no accuracy
    public void Metric_DefaultsToTheSweepsMetric_AtEvaluationPoints(string top, string block, string metric, bool higher)
    {
        var header = top.StartsWith("task:", StringComparison.Ordinal) ? "model: m\ndata: d\n" + top : Specs.Header + top;
        var spec = SweepSpecParser.Parse(header + $"scheduler: {block}\n", "test.yaml");
        Assert.Equal((metric, higher), (spec.Stopping!.Metric, spec.Stopping.HigherIsBetter));
    }

    [Fact]
    public void Median_And_None()
    {
        var median = Specs.Parse("scheduler: {type: median, metric: dev_accuracy, grace_period: 10steps, min_trials: 5}\n").Stopping!;
        Assert.Equal((StoppingTypes.Median, 10, 5, true), (median.Type, median.GracePeriodSteps, median.MinTrials, median.HigherIsBetter));
        Assert.Null(Specs.Parse("scheduler: {type: none}\n").Stopping);
        Assert.Null(Specs.Parse("").Stopping);
    }

    [Theory]
    [InlineData("{type: hyperband, grace_period: 1steps}", "scheduler.type", "unknown scheduler.type 'hyperband'; expected one of none, asha, median")]
    [InlineData("{type: ashа}", "scheduler.type", "unknown scheduler.type")]
    [InlineData("{grace_period: 1steps}", "scheduler.type", "scheduler.type is required")]
    [InlineData("{type: asha, grace_period: 10steps, reduction_factor: 1}", "scheduler.reduction_factor", "scheduler.reduction_factor must be >= 2, got 1")]
    [InlineData("{type: asha, grace_period: 10steps, max_rungs: 0}", "scheduler.max_rungs", "scheduler.max_rungs must be >= 1, got 0")]
    [InlineData("{type: median, grace_period: 10steps, min_trials: 0}", "scheduler.min_trials", "scheduler.min_trials must be >= 1, got 0")]
    [InlineData("{type: asha, grace_period: 10steps, min_trials: 2}", "scheduler.min_trials", "scheduler.min_trials is not used by type asha (only by median)")]
    [InlineData("{type: asha}", "scheduler.grace_period", "scheduler.grace_period is required for type asha")]
    [InlineData("{type: asha, grace_period: 1}", "scheduler.grace_period", "scheduler.grace_period must be a number of optimizer steps >= 1 such as 200steps, got '1'")]
    [InlineData("{type: asha, grace_period: 0steps}", "scheduler.grace_period", "must be a number of optimizer steps >= 1")]
    [InlineData("{type: asha, grace_period: 301steps}", "scheduler.grace_period", "scheduler.grace_period = 301steps is beyond the trial length: training.max_steps can be 300")]
    [InlineData("{type: asha, grace_period: 10steps, metric: test_accuracy}", "scheduler.metric", "unknown scheduler.metric 'test_accuracy'; expected one of dev_loss, dev_accuracy; test_accuracy is measured once, at the end")]
    [InlineData("{type: asha, grace_period: 10steps, metric: {grid_search: [dev_loss]}}", "scheduler.metric", "scheduler.metric must be a single value (scheduler settings are not searchable)")]
    [InlineData("{type: asha, grace_period: 10steps, reduction: 2}", "scheduler.reduction", "unknown key 'reduction' in scheduler")]
    [InlineData("asha", "scheduler", "scheduler must be a mapping")]
    public void BadBlock_IsASpecError_NamingTheField(string block, string path, string message)
    {
        var ex = Specs.Fail(Specs.Header + "training: {max_steps: {grid_search: [300, 500]}}\n" + $"scheduler: {block}\n");

        var error = Assert.Single(ex.Errors, e => e.Path == path);
        Assert.Contains(message, error.Message, StringComparison.Ordinal);
        Assert.Equal(5, error.Line);
    }

    [Fact]
    public void AccuracyOnAPromptTask_IsAnError()
    {
        var ex = Specs.Fail("model: m\ndata: d\ntask: prompt\nmetric: dev_loss\nscheduler: {type: asha, grace_period: 5steps, metric: dev_accuracy}\n");
        Assert.Contains("task prompt produces no accuracy", Assert.Single(ex.Errors).Message, StringComparison.Ordinal);
    }

    [Fact]
    public void GraceWithoutAStepCap_IsLeftToTheTrainer()
    {
        Assert.NotNull(Specs.Parse("training: {max_steps: {grid_search: [null, 50]}}\nscheduler: {type: asha, grace_period: 100steps}\n").Stopping);
    }

    [Fact]
    public void TheScheduler_DoesNotChangeTrialIds_NorTheHashOfASpecWithoutOne()
    {
        const string Body = "id: fixed\nmethod: {grid_search: [lora, alora]}\nseeds: [1, 2]\n";
        var without = Specs.Parse(Body);
        var none = Specs.Parse(Body + "scheduler: {type: none}\n");
        var asha = Specs.Parse(Body + "scheduler: {type: asha, grace_period: 20steps}\n");
        var median = Specs.Parse(Body + "scheduler: {type: median, grace_period: 20steps}\n");

        var ids = SweepExpander.Expand(without).Trials.Select(t => t.TrialId).ToList();
        Assert.All(new[] { none, asha, median }, s => Assert.Equal(ids, SweepExpander.Expand(s).Trials.Select(t => t.TrialId)));
        Assert.Equal(without.SpecHash, none.SpecHash);
        Assert.Equal(3, new[] { without.SpecHash, asha.SpecHash, median.SpecHash }.Distinct().Count()); // another sweep when resubmitted
    }

    [Fact]
    public void OverTheWire_TheSiloReadsTheSameScheduler()
    {
        var spec = Specs.Parse("metric: dev_loss\ntraining: {max_steps: 900}\nscheduler: {type: asha, grace_period: 100steps, reduction_factor: 2, max_rungs: 3}\n");
        var serializer = Services.GetRequiredService<Serializer>();

        var read = SweepDefinitions.Read(serializer.Deserialize<SweepDefinition>(serializer.SerializeToArray(SweepDefinitions.From(spec)))!, null);

        Assert.Equal(spec.Stopping, read.Stopping);
        Assert.Equal(spec.SpecHash, read.SpecHash);
        Assert.Equal(SweepExpander.Expand(spec).Trials.Select(t => t.TrialId), SweepExpander.Expand(read).Trials.Select(t => t.TrialId));
    }

    [Fact]
    public void AForgedDefinition_IsCheckedOnTheSilo()
    {
        var definition = SweepDefinitions.From(Specs.Parse("scheduler: {type: asha, grace_period: 100steps}\n"));
        var forged = definition with
        {
            Settings = definition.Settings.Select(s => s.Path == "scheduler.reduction_factor" ? s with { Values = ["1"] } : s).ToImmutableList(),
        };

        var ex = Assert.Throws<SweepSpecException>(() => SweepDefinitions.Read(forged, null));
        Assert.Contains(ex.Errors, e => e.Path == "scheduler.reduction_factor" && e.Message.Contains(">= 2", StringComparison.Ordinal));
    }
}
