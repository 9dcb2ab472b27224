namespace ALoRA.Abstractions.Trials;

/// <summary>The outcome of a completed trial (docs/alora-method.md section 7).</summary>
[GenerateSerializer, Immutable, Alias("alora.TrialResult")]
public sealed record TrialResult
{
    /// <summary>Allocation method.</summary>
    [Id(0)]
    public string Method { get; init; } = "";

    /// <summary>Dev metric at the best checkpoint (accuracy for classification tasks; null when the task has none).</summary>
    [Id(1)]
    public double? DevMetric { get; init; }

    /// <summary>Test metric of the best checkpoint.</summary>
    [Id(2)]
    public double? TestMetric { get; init; }

    /// <summary>Best dev loss.</summary>
    [Id(3)]
    public double DevLoss { get; init; }

    /// <summary>Test loss of the best checkpoint.</summary>
    [Id(4)]
    public double TestLoss { get; init; }

    /// <summary>Trainable adapter parameters (active ranks) at the start.</summary>
    [Id(5)]
    public long InitialTrainableParameters { get; init; }

    /// <summary>Trainable adapter parameters at the end.</summary>
    [Id(6)]
    public long FinalTrainableParameters { get; init; }

    /// <summary>Final active ranks per module path.</summary>
    [Id(7)]
    public Dictionary<string, int> FinalAllocation { get; init; } = new(StringComparer.Ordinal);

    /// <summary>Steps run.</summary>
    [Id(8)]
    public int Steps { get; init; }

    /// <summary>Allocation rounds run.</summary>
    [Id(9)]
    public int AllocationRounds { get; init; }

    /// <summary>Seconds of training (summed over attempts).</summary>
    [Id(10)]
    public double TrainSeconds { get; init; }

    /// <summary>Wall seconds of the final attempt.</summary>
    [Id(11)]
    public double WallSeconds { get; init; }

    /// <summary>Training throughput.</summary>
    [Id(12)]
    public double TokensPerSecond { get; init; }

    /// <summary>Peak resident memory of the trainer process.</summary>
    [Id(13)]
    public long PeakMemoryBytes { get; init; }

    /// <summary>Folder of the exported adapter (PEFT layout), when the trainer wrote one.</summary>
    [Id(14)]
    public string? AdapterDirectory { get; init; }

    /// <summary>Value of the sweep's metric (e.g. test_accuracy) for ranking.</summary>
    /// <param name="metric">dev_accuracy, test_accuracy, dev_loss or test_loss.</param>
    public double? MetricValue(string metric) => metric switch
    {
        "dev_accuracy" => DevMetric,
        "test_accuracy" => TestMetric,
        "dev_loss" => DevLoss,
        "test_loss" => TestLoss,
        _ => null,
    };
}
