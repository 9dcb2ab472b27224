using System.Diagnostics;

namespace ALoRA.Engine.Diagnostics;

/// <summary>
/// The engine's activity source and span vocabulary. The engine references no other ALoRA assembly, so these strings
/// repeat <c>ALoRA.Abstractions.Diagnostics.AloraTelemetry</c>'s (a test keeps them equal). Spans are started with
/// <see cref="Activity.Current"/> as parent: whoever runs the trainer makes its own span current on the training thread
/// first, so the engine's spans nest under it. Without a listener nothing is created and the cost is one check.
/// </summary>
public static class EngineDiagnostics
{
    /// <summary>Name of <see cref="Source"/>.</summary>
    public const string SourceName = "ALoRA.Orleans.Engine";

    /// <summary>Loading the model and preparing the data of a run.</summary>
    public const string LoadSpan = "load";

    /// <summary>The training loop of <see cref="Training.SftTrainer.Train"/>.</summary>
    public const string TrainSpan = "train";

    /// <summary>One ALoRA round: score, prune, reallocate, evaluate.</summary>
    public const string AllocationRoundSpan = "allocation.round";

    /// <summary>A dev or test evaluation.</summary>
    public const string EvaluateSpan = "evaluate";

    /// <summary>A resumable checkpoint.</summary>
    public const string CheckpointSpan = "checkpoint";

    /// <summary>Tag: allocation method.</summary>
    public const string MethodTag = "alora.method";

    /// <summary>Tag: optimizer step.</summary>
    public const string StepTag = "alora.step";

    /// <summary>Tag: steps the schedule plans.</summary>
    public const string TotalStepsTag = "alora.total_steps";

    /// <summary>Tag: step the run resumed from (0: from the start).</summary>
    public const string ResumedFromStepTag = "alora.resumed_from_step";

    /// <summary>Tag: 1-based allocation round.</summary>
    public const string RoundTag = "alora.round";

    /// <summary>Tag: ranks scored in a round.</summary>
    public const string RanksScoredTag = "alora.ranks.scored";

    /// <summary>Tag: ranks pruned in a round.</summary>
    public const string RanksPrunedTag = "alora.ranks.pruned";

    /// <summary>Tag: ranks added in a round.</summary>
    public const string RanksAddedTag = "alora.ranks.added";

    /// <summary>Tag: active ranks after a round.</summary>
    public const string ActiveRanksTag = "alora.ranks.active";

    /// <summary>Tag: dev loss after a round.</summary>
    public const string DevLossTag = "alora.dev_loss";

    /// <summary>Tag: seconds a round spent scoring.</summary>
    public const string ScoringSecondsTag = "alora.scoring_seconds";

    /// <summary>Tag: evaluated split (<c>dev</c>, <c>test</c>).</summary>
    public const string SplitTag = "alora.split";

    /// <summary>Tag: mean loss of an evaluation.</summary>
    public const string LossTag = "alora.loss";

    /// <summary>Tag: metric of an evaluation.</summary>
    public const string MetricTag = "alora.metric";

    /// <summary>The engine's activity source.</summary>
    public static ActivitySource Source { get; } = new(SourceName);
}
