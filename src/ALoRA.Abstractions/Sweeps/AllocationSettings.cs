namespace ALoRA.Abstractions.Sweeps;

/// <summary>
/// The rank allocation schedule of an ALoRA trial (<see cref="TrialSpec.Method"/> other than <c>lora</c>).
/// A default instance holds the paper's defaults.
/// </summary>
/// <remarks>
/// Schedule lengths (<see cref="K1"/>, <see cref="K2"/>) are strings: a bare number is a number of epochs
/// (<c>"1"</c>, <c>"0.25"</c>), <c>"&lt;n&gt;steps"</c> a number of optimizer steps (<c>"200steps"</c>).
/// </remarks>
[GenerateSerializer, Immutable, Alias("alora.AllocationSettings")]
public sealed record AllocationSettings
{
    /// <summary>Training before the first allocation round (K1). Default "1" (one epoch).</summary>
    [Id(0)]
    public string K1 { get; init; } = "1";

    /// <summary>Training between two allocation rounds (K2). Default "0.25" (a quarter of an epoch).</summary>
    [Id(1)]
    public string K2 { get; init; } = "0.25";

    /// <summary>Number of allocation rounds (N_A). Default 8.</summary>
    [Id(2)]
    public int Rounds { get; init; } = 8;

    /// <summary>Ranks pruned (and re-allocated) per round. Default null: the number of target module types.</summary>
    [Id(3)]
    public int? RanksPerRound { get; init; }

    /// <summary>Batch size of the validation batches that score ranks. Default 32.</summary>
    [Id(4)]
    public int ValBatchSize { get; init; } = 32;

    /// <summary>Draw a new validation batch for every round (false: one fixed batch). Default true.</summary>
    [Id(5)]
    public bool ResampleValBatch { get; init; } = true;

    /// <summary>AB-LoRA scorer (<c>alora</c> only): <c>fast</c>, <c>reference</c>, <c>approx</c> or <c>hybrid</c>. Default "fast".</summary>
    [Id(6)]
    public string Scorer { get; init; } = "fast";

    /// <summary>Learning rate of the architecture gates (<c>alora-dnas</c> only). Default null: the training learning rate.</summary>
    [Id(7)]
    public double? GateLearningRate { get; init; }

    /// <summary>Smoothing of the sensitivity (<c>alora-sensi</c> only; AdaLoRA's beta1). Default 0.85.</summary>
    [Id(8)]
    public double SensitivityBeta1 { get; init; } = 0.85;

    /// <summary>Smoothing of the uncertainty (<c>alora-sensi</c> only; AdaLoRA's beta2). Default 0.85.</summary>
    [Id(9)]
    public double SensitivityBeta2 { get; init; } = 0.85;

    /// <summary>The <c>hybrid</c> scorer scores this many times n_A ranks exactly (<c>alora</c> only). Default 3.</summary>
    [Id(10)]
    public int ShortlistFactor { get; init; } = 3;
}
