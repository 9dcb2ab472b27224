namespace ALoRA.Sweeps.Results;

/// <summary>The columns of the exported results table, in order; shared by the CSV and the JSON writers.</summary>
internal static class ResultColumns
{
    /// <summary>Every column, in export order.</summary>
    public static IReadOnlyList<ResultColumn> All { get; } =
    [
        new("rank", r => r.Rank),
        new("trial_id", r => r.TrialId),
        new("index", r => r.Index),
        new("method", r => r.Method),
        new("lora_r", r => r.LoraR),
        new("target_modules", r => r.TargetModules),
        new("initial_total_rank", r => r.InitialTotalRank),
        new("final_total_rank", r => r.FinalTotalRank),
        new("hyper_parameters", r => r.HyperParameters),
        new("seed", r => r.Seed),
        new("trainable_params_before", r => r.TrainableParamsBefore),
        new("trainable_params_after", r => r.TrainableParamsAfter),
        new("metric_value", r => r.MetricValue),
        new("dev_accuracy", r => r.DevAccuracy),
        new("test_accuracy", r => r.TestAccuracy),
        new("dev_loss", r => r.DevLoss),
        new("test_loss", r => r.TestLoss),
        new("wall_seconds", r => r.WallSeconds),
        new("tokens_per_second", r => r.TokensPerSecond),
        new("state", r => r.State.ToString().ToLowerInvariant()),
        new("error", r => r.Error),
        new("pareto_front", r => r.ParetoFront),
    ];
}
