using ALoRA.Abstractions.Sweeps;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace ALoRA.Sweeps.Tests;

/// <summary>Every contract survives the Orleans serializer (generated codecs) and its deep copier.</summary>
public sealed class ContractSerializationTests
{
    private static readonly ServiceProvider Services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(TrialSpec).Assembly))
        .BuildServiceProvider();

    private static T RoundTrip<T>(T value)
        where T : class
    {
        var serializer = Services.GetRequiredService<Serializer>();
        var copy = serializer.Deserialize<T>(serializer.SerializeToArray(value));
        Assert.NotSame(value, copy);
        return copy!;
    }

    [Fact]
    public void TrialSpec_RoundTrips()
    {
        var trial = SweepExpander.Expand(Specs.Parse("method: {grid_search: [lora, alora-dnas]}\ntraining:\n  learning_rate: {grid_search: [0.001]}\n")).Trials[1];

        var copy = RoundTrip(trial);

        Assert.Equal(trial with { SearchValues = copy.SearchValues, Lora = copy.Lora }, copy);
        Assert.Equal(trial.SearchValues, copy.SearchValues);
        Assert.Equal(trial.Lora.TargetModules, copy.Lora.TargetModules);
        Assert.Equal(trial.Lora with { TargetModules = copy.Lora.TargetModules }, copy.Lora);
        Assert.Equal("alora-dnas", copy.Method);
        Assert.Equal(0.001, copy.Allocation!.GateLearningRate);
    }

    [Fact]
    public void Settings_RoundTrip()
    {
        var training = new TrainingSettings { BatchSize = 64, MaxSteps = 300, Seed = -7, CheckpointEverySteps = null };
        var allocation = new AllocationSettings { K1 = "100steps", RanksPerRound = 3, ResampleValBatch = false, SensitivityBeta2 = 0.5 };

        Assert.Equal(training, RoundTrip(training));
        Assert.Equal(allocation, RoundTrip(allocation));
    }

    [Fact]
    public void QueueSnapshot_RoundTrips()
    {
        var queue = new TrialQueue();
        queue.Enqueue("a", "a1", 2);
        queue.Enqueue("a", "a2", 2);
        queue.Enqueue("b", "b1", 1);
        queue.TryDequeue(out _, out _);

        var copy = RoundTrip(queue.ToSnapshot());

        Assert.Equal(1, copy.Cursor);
        Assert.Equal(["a", "b"], copy.Sweeps.Select(s => s.SweepId));
        Assert.Equal(["a2"], copy.Sweeps[0].Queued);
        Assert.Equal(["a1"], copy.Sweeps[0].Running);
        Assert.Equal(2, copy.Sweeps[0].MaxConcurrent);
    }

    [Fact]
    public void Contracts_HaveStableAliases()
    {
        foreach (var type in new[] { typeof(TrialSpec), typeof(LoraSettings), typeof(TrainingSettings), typeof(AllocationSettings), typeof(TrialQueueSnapshot), typeof(SweepQueueSnapshot) })
        {
            var alias = type.GetCustomAttributes(typeof(AliasAttribute), false).Cast<AliasAttribute>().Single();
            Assert.Equal("alora." + type.Name, alias.Alias);
        }
    }
}
