using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Training;

namespace ALoRA.Grains.Tests.Training;

/// <summary>The real engine on stories260K and SST-2: a few optimizer steps per test.</summary>
[Collection(EngineCollection.Name)]
public sealed class AloraTrainingEngineTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "alora-engine-tests", Guid.NewGuid().ToString("N"));
    private readonly AloraTrainingEngine _engine = new(new AloraTrainingEngineOptions { Threads = EngineSamples.Threads });

    public AloraTrainingEngineTests() => EngineSamples.EnsureTorch();

    private TrialWorkspace Workspace => new(_dir);

    public void Dispose()
    {
        if (Directory.Exists(_dir))
        {
            Directory.Delete(_dir, recursive: true);
        }
    }

    [Fact]
    public void Run_LoraTrial_CompletesExportsAdapterAndReportsEveryStep()
    {
        var assignment = EngineSamples.Assignment(attempt: 3);
        var events = new List<TrialProgress>();
        var threadId = Environment.CurrentManagedThreadId;
        var callbackThreads = new HashSet<int>();
        var before = DateTimeOffset.UtcNow;

        var result = _engine.Run(assignment, Workspace, "cpu", p =>
        {
            callbackThreads.Add(Environment.CurrentManagedThreadId);
            events.Add(p);
        }, CancellationToken.None);

        Assert.Equal("lora", result.Method);
        Assert.Equal(8, result.Steps);
        Assert.True(double.IsFinite(result.DevLoss) && double.IsFinite(result.TestLoss), $"dev {result.DevLoss}, test {result.TestLoss}");
        Assert.InRange(result.TestMetric!.Value, 0, 1);
        Assert.InRange(result.DevMetric!.Value, 0, 1);
        Assert.Equal(35, result.FinalAllocation.Count);
        Assert.All(result.FinalAllocation.Values, r => Assert.Equal(8, r));
        Assert.Equal(0, result.AllocationRounds);
        Assert.Equal(result.InitialTrainableParameters, result.FinalTrainableParameters);
        Assert.True(result.InitialTrainableParameters > 0);
        Assert.True(result.TrainSeconds > 0 && result.WallSeconds >= result.TrainSeconds && result.TokensPerSecond > 0 && result.PeakMemoryBytes > 0);
        Assert.Equal(Workspace.AdapterDirectory, result.AdapterDirectory);
        Assert.True(File.Exists(Path.Combine(Workspace.AdapterDirectory, "adapter_config.json")));
        Assert.True(File.Exists(Path.Combine(Workspace.AdapterDirectory, "adapter_model.safetensors")));

        Assert.Equal([threadId], callbackThreads);
        Assert.All(events, e => Assert.Equal((assignment.Spec.TrialId, 3), (e.TrialId, e.Attempt)));
        Assert.Equal(TrialProgressKind.Started, events[0].Kind);
        Assert.Equal((0, 8), (events[0].Step, events[0].TotalSteps));
        Assert.Null(events[0].Note); // 64 tokens: within the model's positions
        Assert.Single(events, e => e.Kind == TrialProgressKind.Started);
        var steps = events.Where(e => e.Kind == TrialProgressKind.Step).ToList();
        Assert.Equal(Enumerable.Range(1, 8), steps.Select(e => e.Step));
        Assert.All(steps, e => Assert.True(double.IsFinite(e.Loss!.Value) && e.TokensPerSecond > 0 && e.TotalSteps == 8));
        var evaluations = events.Where(e => e.Kind == TrialProgressKind.Evaluation).ToList();
        Assert.Equal([4, 8], evaluations.Select(e => e.Step));
        Assert.All(evaluations, e => Assert.True(double.IsFinite(e.DevLoss!.Value) && e.Metric is >= 0 and <= 1));
        Assert.DoesNotContain(events, e => e.Kind is TrialProgressKind.AllocationRound or TrialProgressKind.Checkpoint);
        Assert.All(events, e => Assert.InRange(e.Timestamp, before.AddMinutes(-1), DateTimeOffset.UtcNow.AddMinutes(1)));
    }

    [Fact]
    public void Run_SequenceLengthAboveTheModelsPositions_IsCappedAndReported()
    {
        // stories260K has 512 position embeddings; the default (the paper's 2,048) trains at 512.
        var assignment = EngineSamples.Assignment(training: t => t with { MaxSequenceLength = new TrainingSettings().MaxSequenceLength, MaxSteps = 2 });
        Assert.Equal(2048, assignment.Spec.Training.MaxSequenceLength);
        var events = new List<TrialProgress>();

        var result = _engine.Run(assignment, Workspace, "cpu", events.Add, CancellationToken.None);

        Assert.Equal(2, result.Steps);
        Assert.Equal(TrialProgressKind.Started, events[0].Kind);
        Assert.Equal("training.max_sequence_length = 2048 is capped at the model's max_position_embeddings: sequences up to 512 tokens", events[0].Note);
    }

    [Fact]
    public void Run_AloraTrial_ReportsRoundsWithEveryActiveRankScored()
    {
        var allocation = new AllocationSettings { K1 = "2steps", K2 = "2steps", Rounds = 2, ValBatchSize = 8 };
        var assignment = EngineSamples.Assignment(TrialMethods.Alora, allocation: allocation, training: t => t with { MaxSteps = 6 });
        assignment = assignment with { Spec = assignment.Spec with { Lora = new LoraSettings { R = 4 } } }; // 140 ranks to ablate, not 280
        var events = new List<TrialProgress>();

        var result = _engine.Run(assignment, Workspace, "cpu:0", events.Add, CancellationToken.None);

        Assert.Equal("alora", result.Method);
        Assert.Equal(2, result.AllocationRounds);
        Assert.Equal(6, result.Steps);
        Assert.Equal(35 * 4, result.FinalAllocation.Values.Sum());
        var rounds = events.Where(e => e.Kind == TrialProgressKind.AllocationRound).ToList();
        Assert.Equal([1, 2], rounds.Select(e => e.Round!.Round));
        Assert.Equal([2, 4], rounds.Select(e => e.Step));
        var activeBefore = 35 * 4;
        foreach (var e in rounds)
        {
            var round = e.Round!;
            Assert.Equal(e.Step, round.Step);
            Assert.Equal(activeBefore, round.Scores.Count);
            Assert.Equal(round.Scores.Count, round.Scores.Select(s => (s.Module, s.Rank)).Distinct().Count());
            Assert.All(round.Scores, s => Assert.True(
                s.Module.StartsWith("model.layers.", StringComparison.Ordinal) && double.IsFinite(s.Importance) && s.CeWithout is not null && s.CeOnly is not null));
            Assert.Equal(7, round.Pruned.Count);
            Assert.Equal(7, round.Added.Values.Sum());
            Assert.Equal(35, round.RanksAfter.Count);
            Assert.True(double.IsFinite(round.BaseCe) && double.IsFinite(round.DevLoss) && round.ScoringSeconds > 0);
            Assert.Equal(round.DevLoss, e.DevLoss);
            activeBefore = round.RanksAfter.Values.Sum();
        }
    }

    [Theory]
    [InlineData(TrialMethods.AloraDnas)]
    [InlineData(TrialMethods.AloraSensi)]
    public void Run_OtherAllocatingMethods_RunTheirRounds(string method)
    {
        var allocation = new AllocationSettings { K1 = "2steps", K2 = "1steps", Rounds = 2, ValBatchSize = 8 };
        var assignment = EngineSamples.Assignment(method, allocation: allocation, training: t => t with { MaxSteps = 4 });
        var events = new List<TrialProgress>();

        var result = _engine.Run(assignment, Workspace, "cpu", events.Add, CancellationToken.None);

        Assert.Equal((method, 2, 4), (result.Method, result.AllocationRounds, result.Steps));
        var rounds = events.Where(e => e.Kind == TrialProgressKind.AllocationRound).Select(e => e.Round!).ToList();
        Assert.Equal([2, 3], rounds.Select(r => r.Step));
        Assert.All(rounds, r => Assert.True(r.Scores.Count > 0 && r.Scores.All(s => s.CeWithout is null && double.IsFinite(s.Importance))));
        Assert.True(File.Exists(Path.Combine(Workspace.AdapterDirectory, "adapter_config.json")));
    }

    [Fact]
    public void Run_CancelledThenRunAgain_ResumesFromTheCheckpointWithoutAGap()
    {
        var first = EngineSamples.Assignment(attempt: 1, training: t => t with { CheckpointEverySteps = 2 });
        var second = first with { Attempt = 2 };
        var firstEvents = new List<TrialProgress>();
        using var cts = new CancellationTokenSource();

        Assert.ThrowsAny<OperationCanceledException>(() => _engine.Run(first, Workspace, "cpu", p =>
        {
            firstEvents.Add(p);
            if (p is { Kind: TrialProgressKind.Step, Step: 5 })
            {
                cts.Cancel();
            }
        }, cts.Token));

        Assert.Equal([2, 4, 5], firstEvents.Where(e => e.Kind == TrialProgressKind.Checkpoint).Select(e => e.Step));
        Assert.False(Directory.Exists(Workspace.AdapterDirectory));
        var secondEvents = new List<TrialProgress>();
        var result = _engine.Run(second, Workspace, "cpu", secondEvents.Add, CancellationToken.None);

        var started = secondEvents[0];
        Assert.Equal(TrialProgressKind.Started, started.Kind);
        Assert.InRange(started.Step, 4, 5);
        Assert.Equal(8, started.TotalSteps);
        Assert.All(secondEvents, e => Assert.Equal(2, e.Attempt));
        var firstSteps = firstEvents.Where(e => e.Kind == TrialProgressKind.Step).Select(e => e.Step).ToList();
        var secondSteps = secondEvents.Where(e => e.Kind == TrialProgressKind.Step).Select(e => e.Step).ToList();
        Assert.Equal(Enumerable.Range(1, 5), firstSteps);
        // The resumed run first replays its checkpoint's history (steps 1..started.Step), then trains on from there.
        Assert.Equal(Enumerable.Range(1, 8), secondSteps);
        Assert.Equal(Enumerable.Range(1, 8), firstSteps.Where(s => s <= started.Step).Concat(secondSteps.Where(s => s > started.Step)));
        Assert.Equal(8, result.Steps);
        Assert.True(File.Exists(Path.Combine(Workspace.AdapterDirectory, "adapter_model.safetensors")));

        // The resumed run continues the interrupted one exactly: same losses as a run that was never cancelled.
        var uninterrupted = new List<TrialProgress>();
        var reference = _engine.Run(first, new TrialWorkspace(Path.Combine(_dir, "uninterrupted")), "cpu", uninterrupted.Add, CancellationToken.None);
        var resumedLosses = secondEvents.Where(e => e.Kind == TrialProgressKind.Step).Select(e => e.Loss!.Value);
        Assert.Equal(firstEvents.Where(e => e.Kind == TrialProgressKind.Step && e.Step <= started.Step).Select(e => e.Loss!.Value), resumedLosses.Take(started.Step));
        Assert.Equal(uninterrupted.Where(e => e.Kind == TrialProgressKind.Step).Select(e => e.Loss!.Value), resumedLosses);
        Assert.Equal(reference.TestLoss, result.TestLoss, 1e-9);
    }

    [Fact]
    public void Run_ModelFolderMissing_FailsNamingThePath()
    {
        var missing = Path.Combine(_dir, "no-such-model");
        var assignment = EngineSamples.Assignment();
        assignment = assignment with { Spec = assignment.Spec with { Model = missing } };

        var ex = Assert.ThrowsAny<Exception>(() => _engine.Run(assignment, Workspace, "cpu", _ => { }, CancellationToken.None));

        Assert.Contains(missing, ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_DataFileMissing_FailsNamingTheFile()
    {
        var data = Directory.CreateDirectory(Path.Combine(_dir, "data")).FullName;
        File.WriteAllLines(Path.Combine(data, "train.jsonl"), File.ReadLines(Path.Combine(RepositoryPaths.Sst2, "train.jsonl")).Take(32));
        var assignment = EngineSamples.Assignment();
        assignment = assignment with { Spec = assignment.Spec with { Data = data } };

        var ex = Assert.ThrowsAny<Exception>(() => _engine.Run(assignment, Workspace, "cpu", _ => { }, CancellationToken.None));

        Assert.Contains(Path.Combine(data, "validation.jsonl"), ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_RelativePaths_ResolveAgainstTheBaseDirectory()
    {
        var baseDir = Path.GetDirectoryName(EngineSamples.SmallSst2)!;
        var engine = new AloraTrainingEngine(new AloraTrainingEngineOptions { Threads = EngineSamples.Threads, BaseDirectory = baseDir });
        var model = Path.GetRelativePath(baseDir, RepositoryPaths.Stories260K);
        var assignment = EngineSamples.Assignment(training: t => t with { MaxSteps = 1 });
        assignment = assignment with { Spec = assignment.Spec with { Model = model, Data = Path.GetFileName(EngineSamples.SmallSst2) } };
        Assert.False(Path.IsPathRooted(model));

        var result = engine.Run(assignment, Workspace, "cpu", _ => { }, CancellationToken.None);

        Assert.Equal(1, result.Steps);
    }

    [Fact]
    public void Run_AlreadyCancelled_ThrowsBeforeLoading()
    {
        Assert.ThrowsAny<OperationCanceledException>(() =>
            _engine.Run(EngineSamples.Assignment(), Workspace, "cpu", _ => { }, new CancellationToken(canceled: true)));
        Assert.False(Directory.Exists(Workspace.CheckpointDirectory));
    }

    [Theory]
    [InlineData("cpu", "cpu")]
    [InlineData("cpu:3", "cpu")]
    [InlineData(" CPU ", "cpu")]
    public void ResolveDevice_Cpu_IsCpu(string device, string expected) => Assert.Equal(expected, AloraTrainingEngine.ResolveDevice(device));

    [Theory]
    [InlineData("tpu:0")]
    [InlineData("cpu:x")]
    [InlineData("cuda:-1")]
    [InlineData("")]
    public void ResolveDevice_NotADevice_Throws(string device)
    {
        var ex = Assert.Throws<ArgumentException>(() => AloraTrainingEngine.ResolveDevice(device));
        Assert.Contains($"'{device}'", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void ResolveDevice_Cuda_NeedsAGpu()
    {
        if (TorchSharp.torch.cuda.is_available())
        {
            Assert.Equal("cuda:0", AloraTrainingEngine.ResolveDevice("cuda:0"));
            Assert.Throws<NotSupportedException>(() => AloraTrainingEngine.ResolveDevice("cuda:4096"));
        }
        else
        {
            var ex = Assert.Throws<NotSupportedException>(() => AloraTrainingEngine.ResolveDevice("cuda:0"));
            Assert.Contains("cuda:0", ex.Message, StringComparison.Ordinal);
        }
    }
}
