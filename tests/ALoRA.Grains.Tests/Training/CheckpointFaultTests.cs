using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Trials;
using ALoRA.Engine.Checkpoints;
using ALoRA.Grains.Tests.Cluster;
using ALoRA.Grains.Training;

namespace ALoRA.Grains.Tests.Training;

/// <summary>
/// Damaged and unwritable checkpoints with the real engine, alone and in a cluster (issue: one deleted file of the
/// latest checkpoint failed all 3 attempts although the previous checkpoint was intact; a full disk during a
/// checkpoint used up a trial retry).
/// </summary>
[Collection(EngineCollection.Name)]
public sealed class CheckpointFaultTests : IDisposable
{
    private readonly TempDirectory _dir = TempDirectory.Create("checkpoint-faults");

    public CheckpointFaultTests() => EngineSamples.EnsureTorch();

    public void Dispose() => _dir.Dispose();

    private static TrialAssignment FourSteps(int attempt = 1) =>
        EngineSamples.Assignment(attempt: attempt, training: t => t with { MaxSteps = 4, EvalEverySteps = 2, CheckpointEverySteps = 2 });

    [Fact]
    public void Run_LatestCheckpointMissingAFile_ResumesThePrevious_AndSaysSoInTheStartedEvent()
    {
        var engine = new AloraTrainingEngine(new AloraTrainingEngineOptions { Threads = EngineSamples.Threads });
        var workspace = new TrialWorkspace(_dir.Path);
        engine.Run(FourSteps(), workspace, "cpu", _ => { }, CancellationToken.None);
        File.Delete(Path.Combine(workspace.CheckpointDirectory, "checkpoint-00000004", "adapter.safetensors"));

        var events = new List<TrialProgress>();
        var result = engine.Run(FourSteps(attempt: 2), workspace, "cpu", events.Add, CancellationToken.None);

        var started = events[0];
        Assert.Equal((TrialProgressKind.Started, 2), (started.Kind, started.Step));
        Assert.StartsWith("the checkpoint at step 4 cannot be resumed (", started.Note, StringComparison.Ordinal);
        Assert.Contains("adapter.safetensors: missing", started.Note, StringComparison.Ordinal);
        Assert.Contains(Path.Combine(workspace.CheckpointDirectory, "damaged", "checkpoint-00000004"), started.Note, StringComparison.Ordinal);
        Assert.Equal([3, 4], events.Where(e => e.Kind == TrialProgressKind.Step && e.Step > 2).Select(e => e.Step));
        Assert.Equal(4, result.Steps);
    }

    [Fact]
    public void Run_EveryCheckpointDamaged_TrainsFromStepZero_AndSaysSo()
    {
        var engine = new AloraTrainingEngine(new AloraTrainingEngineOptions { Threads = EngineSamples.Threads });
        var workspace = new TrialWorkspace(_dir.Path);
        engine.Run(FourSteps(), workspace, "cpu", _ => { }, CancellationToken.None);
        foreach (var dir in TrainingCheckpoint.Candidates(workspace.CheckpointDirectory))
        {
            File.WriteAllText(Path.Combine(dir, "trainer_state.json"), "not json");
        }

        var events = new List<TrialProgress>();
        engine.Run(FourSteps(attempt: 2), workspace, "cpu", events.Add, CancellationToken.None);

        Assert.Equal(0, events[0].Step);
        Assert.EndsWith("; no intact checkpoint is left", events[0].Note, StringComparison.Ordinal);
        Assert.Equal(2, Directory.GetDirectories(Path.Combine(workspace.CheckpointDirectory, "damaged")).Length);
    }

    [Fact]
    public async Task Cluster_AttemptDiesAfterDamagingItsLatestCheckpoint_TheNextAttemptResumesThePreviousOne_AndTheTrialCompletes()
    {
        var engine = new DamagingEngine(new AloraTrainingEngine(new AloraTrainingEngineOptions { Threads = EngineSamples.Threads }));
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, realEngine: engine);
        await h.Sweep("damaged").SubmitAsync(Specs.Parsed(Spec("damaged", checkpointEvery: 2)));

        var done = await h.WaitForSweepAsync("damaged", timeout: TimeSpan.FromSeconds(240));

        var trial = Assert.Single(done.Trials);
        Assert.Equal(TrialState.Completed, trial.State);
        Assert.Equal((2, 1), (trial.Attempt, trial.TrialFailures));
        var details = await h.Client.GetGrain<IExperimentGrain>(trial.TrialId).GetDetailsAsync();
        Assert.Contains(details.Attempts, a => a.StartsWith("attempt 2: the checkpoint at step 4 cannot be resumed (", StringComparison.Ordinal));
        Assert.Contains("attempt 2: resumed from the checkpoint at step 2", details.Attempts);
        Assert.Equal(6, details.StepLosses.Count);
    }

    [Fact]
    public async Task Cluster_DiskFullAtACheckpoint_TheAttemptGoesOn_NoRetryIsUsed_AndTheHistorySaysSo()
    {
        var files = new FullDiskOnce();
        var engine = new AloraTrainingEngine(new AloraTrainingEngineOptions { Threads = EngineSamples.Threads, CheckpointFiles = files });
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 1, realEngine: engine);
        await h.Sweep("full").SubmitAsync(Specs.Parsed(Spec("full", checkpointEvery: 2)));

        var done = await h.WaitForSweepAsync("full", timeout: TimeSpan.FromSeconds(240));

        var trial = Assert.Single(done.Trials);
        Assert.Equal(TrialState.Completed, trial.State);
        Assert.Equal((1, 0, 0), (trial.Attempt, trial.TrialFailures, trial.InfrastructureRetries));
        Assert.True(files.Failed);
        var details = await h.Client.GetGrain<IExperimentGrain>(trial.TrialId).GetDetailsAsync();
        Assert.Contains("attempt 1: the checkpoint at step 2 could not be written (No space left on device); training goes on from the previous one", details.Attempts);
    }

    private static string Spec(string id, int checkpointEvery) => $$"""
        id: {{id}}
        model: {{RepositoryPaths.Stories260K}}
        data: {{EngineSamples.SmallSst2}}
        task: sst2
        seeds: [3]
        method: lora
        training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 6, eval_every_steps: 2, checkpoint_every_steps: {{checkpointEvery}}, max_sequence_length: 64, max_dev_examples: 32}
        """;

    /// <summary>Attempt 1 deletes a file of its checkpoint at step 4 and dies (as a crash would leave it); later attempts train normally.</summary>
    private sealed class DamagingEngine(ITrainingEngine inner) : ITrainingEngine
    {
        public TrialResult Run(TrialAssignment assignment, TrialWorkspace workspace, string device, Action<TrialProgress> progress, CancellationToken cancellationToken) =>
            inner.Run(assignment, workspace, device, p =>
            {
                progress(p);
                if (assignment.Attempt == 1 && p is { Kind: TrialProgressKind.Checkpoint, Step: 4 })
                {
                    File.Delete(Path.Combine(workspace.CheckpointDirectory, "checkpoint-00000004", "optimizer.safetensors"));
                    throw new InvalidOperationException("the trainer died");
                }
            }, cancellationToken);
    }

    /// <summary>The first checkpoint's first file fails part-way with ENOSPC; everything else is written.</summary>
    private sealed class FullDiskOnce : CheckpointFileSystem
    {
        private int _failed;

        public bool Failed => _failed == 1;

        public override Stream Create(string path)
        {
            var stream = base.Create(path);
            if (Interlocked.CompareExchange(ref _failed, 1, 0) == 0)
            {
                stream.Write(new byte[64]);
                stream.Dispose();
                throw new IOException("No space left on device", 28);
            }

            return stream;
        }
    }
}
