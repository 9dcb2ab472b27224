using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Grains;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// The coordinator receives the client's parse of the spec, trusts none of it, and resolves and checks the files on
/// its silo (docs/sweep-spec.md, "Paths and where they are read").
/// </summary>
public sealed class SubmitDefinitionTests
{
    [Fact]
    public async Task Submit_ForgedValues_AreRejectedNamingEachFieldAndLine_AndStoreNothing()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1);
        var parsed = Specs.Parsed(Specs.Grid("bad", seeds: 1));

        // What a client that skipped validation could send: the parser refuses each of these.
        var forged = parsed with
        {
            MaxConcurrentTrials = 0,
            Settings =
            [
                .. parsed.Settings.Select(s => s.Path == "training.learning_rate" ? s with { Values = ["0.001", "-0.002"] } : s),
                new SweepSetting { Path = "training.warmup_ratoi", Values = ["0.1"] },
                new SweepSetting { Path = "lora.r", Domain = "uniform", Values = ["1", "8"] },
            ],
        };
        var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Sweep("bad").SubmitAsync(forged));

        // Lines of Specs.Grid: 6 max_concurrent_trials, 10 training.learning_rate; the added settings have no position.
        Assert.Contains("max_concurrent_trials (line 6, col 24): max_concurrent_trials must be >= 1, got 0", ex.Message, StringComparison.Ordinal);
        Assert.Contains("training.learning_rate (line 10, col 18): learning_rate must be > 0, got -0.002", ex.Message, StringComparison.Ordinal);
        Assert.Contains("training.warmup_ratoi: unknown setting 'training.warmup_ratoi'", ex.Message, StringComparison.Ordinal);
        Assert.Contains("lora.r: r must be an integer; 'uniform' is not a search domain it can take", ex.Message, StringComparison.Ordinal);
        await AssertNothingStoredAsync(h, "bad");
    }

    [Fact]
    public async Task Submit_RelativePaths_ResolveAgainstTheSilosDataRoot_AndTrialsCarryThem()
    {
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, dataRoot: Specs.Samples);
        var yaml = Specs.Grid("relative", seeds: 1, learningRates: 1, loraOnly: true)
            .Replace(Path.Combine(Specs.Samples, "models", "stories260K"), "models/stories260K", StringComparison.Ordinal)
            .Replace(Path.Combine(Specs.Samples, "data", "sst2"), "./data/../data/sst2", StringComparison.Ordinal);
        var definition = Specs.Parsed(yaml);
        Assert.Equal(("models/stories260K", "./data/../data/sst2"), (definition.Model, definition.Data));

        var submitted = await h.Sweep("relative").SubmitAsync(definition);
        var status = await h.WaitForSweepAsync("relative");

        Assert.Equal(1, submitted.Trials);
        var details = await h.Client.GetGrain<IExperimentGrain>(status.Trials.Single().TrialId).GetDetailsAsync();
        Assert.Equal(Path.Combine(Specs.Samples, "models", "stories260K"), details.Spec.Model);
        Assert.Equal(Path.Combine(Specs.Samples, "data", "sst2"), details.Spec.Data);
    }

    [Fact]
    public async Task Submit_FilesMissingOnTheSilo_AreListedWithTheirPathAndLine_AndStoreNothing()
    {
        var empty = Directory.CreateTempSubdirectory("alora-empty-root-").FullName;
        try
        {
            await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, dataRoot: empty);
            var yaml = Specs.Grid("missing", seeds: 1)
                .Replace(Path.Combine(Specs.Samples, "models", "stories260K"), "models/stories260K", StringComparison.Ordinal)
                .Replace(Path.Combine(Specs.Samples, "data", "sst2"), "data/sst2", StringComparison.Ordinal);

            var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Sweep("missing").SubmitAsync(Specs.Parsed(yaml)));

            Assert.Contains($"model (line 2, col 8): model folder not found: {Path.Combine(empty, "models", "stories260K")}", ex.Message, StringComparison.Ordinal);
            Assert.Contains($"data (line 3, col 7): data folder not found: {Path.Combine(empty, "data", "sst2")}", ex.Message, StringComparison.Ordinal);
            Assert.StartsWith("spec.yaml: 2 errors", ex.Message, StringComparison.Ordinal);
            await AssertNothingStoredAsync(h, "missing");
        }
        finally
        {
            Directory.Delete(empty, recursive: true);
        }
    }

    [Fact]
    public async Task Resubmit_WithPathsThatNowResolveElsewhere_IsRejected()
    {
        var copy = Directory.CreateTempSubdirectory("alora-other-root-").FullName;
        try
        {
            // A second root with the same layout: same spec text and hash, other files, so other trials.
            foreach (var folder in new[] { Path.Combine("models", "stories260K"), Path.Combine("data", "sst2") })
            {
                Directory.CreateDirectory(Path.Combine(copy, folder));
                foreach (var file in Directory.GetFiles(Path.Combine(Specs.Samples, folder)))
                {
                    File.Copy(file, Path.Combine(copy, folder, Path.GetFileName(file)));
                }
            }

            var yaml = Specs.Grid("moved-root", seeds: 1, learningRates: 1, loraOnly: true)
                .Replace(Path.Combine(Specs.Samples, "models", "stories260K"), "models/stories260K", StringComparison.Ordinal)
                .Replace(Path.Combine(Specs.Samples, "data", "sst2"), "data/sst2", StringComparison.Ordinal);
            var directory = Directory.CreateTempSubdirectory("alora-cluster-").FullName;
            await using (var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, directory: directory, dataRoot: Specs.Samples))
            {
                await h.Sweep("moved-root").SubmitAsync(Specs.Parsed(yaml));
                await h.WaitForSweepAsync("moved-root");
            }

            await using (var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, directory: directory, dataRoot: copy))
            {
                var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Sweep("moved-root").SubmitAsync(Specs.Parsed(yaml)));
                Assert.Contains("sweep 'moved-root' already exists with a different spec (or one whose paths resolve to other files)", ex.Message, StringComparison.Ordinal);
            }

            Directory.Delete(directory, recursive: true);
        }
        finally
        {
            Directory.Delete(copy, recursive: true);
        }
    }

    private static async Task AssertNothingStoredAsync(ClusterHarness h, string sweepId)
    {
        await Assert.ThrowsAsync<KeyNotFoundException>(() => h.Sweep(sweepId).GetStatusAsync());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(h.Directory, "state"), $"*{sweepId}*", SearchOption.AllDirectories));
        Assert.Empty((await h.Scheduler.GetClusterStatusAsync()).Sweeps);
    }
}
