using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Abstractions.Trials;
using ALoRA.Grains.Training;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>
/// A training engine that takes milliseconds: <see cref="Steps"/> steps of <see cref="StepDelay"/>, a checkpoint file
/// every <see cref="CheckpointEvery"/> steps (resumed from, like the real engine), scriptable failures and a gate
/// that can hold a trial at a step until the test releases it. Records every attempt and result.
/// </summary>
internal sealed class FakeTrainingEngine : ITrainingEngine
{
    // Like the real engine: spans from "ALoRA.Orleans.Engine", children of Activity.Current on the training thread.
    private static readonly ActivitySource Source = new("ALoRA.Orleans.Engine");

    public int Steps { get; set; } = 6;

    /// <summary>The dtypes every device reports it computes (<see cref="ITrainingEngine.ComputableDTypes"/>); null: none reported.</summary>
    public IReadOnlyList<string>? DTypes { get; set; }

    public TimeSpan StepDelay { get; set; } = TimeSpan.FromMilliseconds(2);

    public int CheckpointEvery { get; set; } = 2;

    /// <summary>When set, trials of a method other than lora report one allocation round after this step (8 ranks left, 0.01 s of scoring).</summary>
    public int? RoundAtStep { get; set; }

    /// <summary>When set, a dev evaluation every this many steps, with the dev loss <see cref="DevLossOf"/> gives (and accuracy 1 - loss).</summary>
    public int? EvalEvery { get; set; }

    /// <summary>The dev loss of (trial, step) for <see cref="EvalEvery"/>; default 1 / step.</summary>
    public Func<TrialSpec, int, double> DevLossOf { get; set; } = (_, step) => 1.0 / step;

    /// <summary>Called before each step with (trial id, attempt, step); throw to fail the attempt.</summary>
    public Action<string, int, int>? BeforeStep { get; set; }

    /// <summary>Every attempt started: (trial id, attempt, device, first step).</summary>
    public ConcurrentQueue<(string TrialId, int Attempt, string Device, int FromStep)> Starts { get; } = new();

    /// <summary>Every attempt that ran to the end.</summary>
    public ConcurrentQueue<(string TrialId, int Attempt)> Completions { get; } = new();

    /// <summary>Released on every step, start and end, so waits re-check promptly.</summary>
    public SemaphoreSlim Changed { get; } = new(0);

    /// <summary>The dtypes each device reports, by device name (<c>cpu:0</c>); when set, it wins over <see cref="DTypes"/>.</summary>
    public Func<string, IReadOnlyList<string>?>? DTypesOf { get; set; }

    /// <inheritdoc />
    public IReadOnlyList<string>? ComputableDTypes(string device) => DTypesOf is { } of ? of(device) : DTypes;

    /// <summary>Attempts running now.</summary>
    public ConcurrentDictionary<string, int> Running { get; } = new();

    public TrialResult Run(TrialAssignment assignment, TrialWorkspace workspace, string device, Action<TrialProgress> progress, CancellationToken cancellationToken)
    {
        var trial = assignment.Spec.TrialId;
        Directory.CreateDirectory(workspace.CheckpointDirectory);
        var file = Path.Combine(workspace.CheckpointDirectory, "fake-step");
        var from = File.Exists(file) ? int.Parse(File.ReadAllText(file), CultureInfo.InvariantCulture) : 0;
        Starts.Enqueue((trial, assignment.Attempt, device, from));
        Running[trial] = assignment.Attempt;
        using var span = Source.StartActivity("train");
        span?.SetTag("alora.resumed_from_step", from);
        try
        {
            progress(Event(assignment, TrialProgressKind.Started, from));
            for (var step = 1; step <= from; step++)
            {
                // Like the real engine: the checkpoint's history is replayed after a resume.
                progress(Event(assignment, TrialProgressKind.Step, step) with { Loss = 1.0 / step });
            }

            for (var step = from + 1; step <= Steps; step++)
            {
                if (cancellationToken.IsCancellationRequested)
                {
                    File.WriteAllText(file, (step - 1).ToString(CultureInfo.InvariantCulture));
                    cancellationToken.ThrowIfCancellationRequested();
                }

                BeforeStep?.Invoke(trial, assignment.Attempt, step);
                Thread.Sleep(StepDelay);
                progress(Event(assignment, TrialProgressKind.Step, step) with { Loss = 1.0 / step, TokensPerSecond = 1000 });
                if (step == RoundAtStep && assignment.Spec.Method != "lora")
                {
                    progress(Event(assignment, TrialProgressKind.AllocationRound, step) with
                    {
                        DevLoss = 0.5,
                        Round = new AllocationRoundSummary
                        {
                            Round = 1, Step = step, Pruned = ["q[0]"], Added = new Dictionary<string, int> { ["v"] = 1 },
                            RanksAfter = new Dictionary<string, int> { ["q"] = 3, ["v"] = 5 }, DevLoss = 0.5, ScoringSeconds = 0.01,
                        },
                    });
                }

                if (EvalEvery is { } every && step % every == 0)
                {
                    var devLoss = DevLossOf(assignment.Spec, step);
                    progress(Event(assignment, TrialProgressKind.Evaluation, step) with { DevLoss = devLoss, Metric = 1 - devLoss });
                }

                Signal();
                if (step % CheckpointEvery == 0)
                {
                    File.WriteAllText(file, step.ToString(CultureInfo.InvariantCulture));
                    progress(Event(assignment, TrialProgressKind.Checkpoint, step));
                }
            }

            Completions.Enqueue((trial, assignment.Attempt));
            var score = (trial.GetHashCode() & 0xffff) / 65536.0;
            return new TrialResult
            {
                Method = assignment.Spec.Method, DevMetric = score, TestMetric = score, DevLoss = 1 - score, TestLoss = 1 - score,
                InitialTrainableParameters = 100, FinalTrainableParameters = 100, Steps = Steps, TrainSeconds = 0.01, WallSeconds = 0.01,
            };
        }
        finally
        {
            Running.TryRemove(trial, out _);
            Signal();
        }
    }

    private void Signal()
    {
        if (Changed.CurrentCount == 0)
        {
            Changed.Release();
        }
    }

    private TrialProgress Event(TrialAssignment a, TrialProgressKind kind, int step) => new()
    {
        TrialId = a.Spec.TrialId, Attempt = a.Attempt, Kind = kind, Step = step, TotalSteps = Steps, Timestamp = DateTimeOffset.UtcNow,
    };
}
