using ALoRA.Engine.Model;
using ALoRA.Engine.Scoring;

namespace ALoRA.Engine.Training;

/// <summary>
/// The ALoRA schedule (docs/alora-method.md section 4), paper defaults: train K1 = 1 epoch, then N_A = 8 rounds of
/// (score every active rank on B_val, prune n_A, add n_A to modules that lost nothing, train K2 = 0.25 epoch).
/// </summary>
public sealed record AllocationOptions
{
    /// <summary>Method (default plain <c>lora</c>).</summary>
    public AllocationMethod Method { get; init; } = AllocationMethod.Lora;

    /// <summary>K1: training before the first round (paper: 1 epoch).</summary>
    public ScheduleLength WarmupBeforeFirstRound { get; init; } = ScheduleLength.Epochs(1);

    /// <summary>K2: training between rounds (paper: 0.25 epoch).</summary>
    public ScheduleLength BetweenRounds { get; init; } = ScheduleLength.Epochs(0.25);

    /// <summary>N_A: number of rounds (paper: at most 8; default 8).</summary>
    public int Rounds { get; init; } = 8;

    /// <summary>n_A: ranks pruned (and re-added) per round; null = number of module types per block (7 for LLaMA).</summary>
    public int? RanksPerRound { get; init; }

    /// <summary>|B_val|: dev examples in the fixed scoring batch (paper: 32).</summary>
    public int ValidationBatchSize { get; init; } = 32;

    /// <summary>True (default): each round draws its own B_val from dev (seeded by seed and round); false: the same B_val every round.</summary>
    public bool ResampleValidationBatch { get; init; } = true;

    /// <summary><c>alora</c>: how ranks are scored (default the exact fast path; docs/alora-method.md section 3).</summary>
    public AbLoraScorerKind Scorer { get; init; } = AbLoraScorerKind.Fast;

    /// <summary><c>alora</c> with the <c>hybrid</c> scorer: the shortlist scored exactly holds this many times n_A ranks (default 3).</summary>
    public int ShortlistFactor { get; init; } = 3;

    /// <summary>At most this many variants of a module share one batched scoring pass.</summary>
    public int MaxVariantsPerPass { get; init; } = 16;

    /// <summary><c>alora-dnas</c>: learning rate of the gate logits (null: the training learning rate).</summary>
    public double? GateLearningRate { get; init; }

    /// <summary><c>alora-sensi</c>: smoothing of the sensitivity (AdaLoRA's beta1, default 0.85).</summary>
    public double SensitivityBeta1 { get; init; } = 0.85;

    /// <summary><c>alora-sensi</c>: smoothing of the uncertainty (AdaLoRA's beta2, default 0.85).</summary>
    public double SensitivityBeta2 { get; init; } = 0.85;

    /// <summary>n_A for <paramref name="model"/>: <see cref="RanksPerRound"/>, or by default the number of adapted module types.</summary>
    public int RanksPerRoundFor(LlamaForCausalLM model) => RanksPerRound ?? model.Adapters.Select(a => a.ModuleType).Distinct().Count();

    /// <summary>Checks every field; messages name the field.</summary>
    public void Validate()
    {
        var errors = new List<string>();
        if (WarmupBeforeFirstRound.Value < 0)
        {
            errors.Add($"k1 must be >= 0, got {WarmupBeforeFirstRound}");
        }

        if (BetweenRounds.Value < 0)
        {
            errors.Add($"k2 must be >= 0, got {BetweenRounds}");
        }

        if (Rounds < 0)
        {
            errors.Add($"n_rounds (N_A) must be >= 0, got {Rounds}");
        }

        if (RanksPerRound is < 1)
        {
            errors.Add($"ranks_per_round (n_A) must be >= 1, got {RanksPerRound}");
        }

        if (ValidationBatchSize is < 1 or > TrainingOptions.MaxBatchSize)
        {
            errors.Add($"val_batch_size must be in [1, {TrainingOptions.MaxBatchSize}], got {ValidationBatchSize}");
        }

        if (MaxVariantsPerPass < 1)
        {
            errors.Add($"max_variants_per_pass must be >= 1, got {MaxVariantsPerPass}");
        }

        if (ShortlistFactor < 1)
        {
            errors.Add($"shortlist_factor must be >= 1, got {ShortlistFactor}");
        }

        if (!Enum.IsDefined(Scorer))
        {
            errors.Add($"scorer must be one of {string.Join(", ", AbLoraScorerKinds.Names)}, got {(int)Scorer}");
        }

        if (Method != AllocationMethod.Lora && Rounds == 0)
        {
            errors.Add($"method {Method.ToName()} needs n_rounds (N_A) >= 1");
        }

        if (GateLearningRate is { } gateLr && !(gateLr > 0 && double.IsFinite(gateLr)))
        {
            errors.Add($"gate_learning_rate must be > 0, got {gateLr}");
        }

        foreach (var (value, name) in new[] { (SensitivityBeta1, "beta1"), (SensitivityBeta2, "beta2") })
        {
            if (value is < 0 or >= 1 || double.IsNaN(value))
            {
                errors.Add($"{name} must be in [0, 1), got {value}");
            }
        }

        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid allocation options: " + string.Join("; ", errors));
        }
    }
}
