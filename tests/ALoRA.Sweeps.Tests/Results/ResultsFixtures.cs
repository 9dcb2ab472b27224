using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Sweeps.Tests.Results;

/// <summary>Small hand-made sweep statuses for the results tests.</summary>
internal static class ResultsFixtures
{
    public static TrialStatus Completed(int index, string method, double testAccuracy, double devLoss = 0.5, long paramsAfter = 1000)
        => new()
        {
            TrialId = $"sw-{index:D3}",
            SweepId = "sw",
            Index = index,
            Method = method,
            Seed = 40 + index,
            State = TrialState.Completed,
            SearchValues = new Dictionary<string, string> { ["training.learning_rate"] = "0.0003", ["lora.r"] = "8" },
            Result = new TrialResult
            {
                Method = method,
                DevMetric = testAccuracy - 0.01,
                TestMetric = testAccuracy,
                DevLoss = devLoss,
                TestLoss = devLoss + 0.1,
                InitialTrainableParameters = 2000,
                FinalTrainableParameters = paramsAfter,
                FinalAllocation = new Dictionary<string, int>
                {
                    ["model.layers.0.self_attn.q_proj"] = 6,
                    ["model.layers.0.self_attn.v_proj"] = 10,
                    ["model.layers.1.self_attn.q_proj"] = 8,
                    ["model.layers.1.self_attn.v_proj"] = 4,
                },
                WallSeconds = 12.5,
                TokensPerSecond = 3456.25,
            },
        };

    public static TrialStatus Unfinished(int index, string method, TrialState state, string? error = null)
        => new()
        {
            TrialId = $"sw-{index:D3}",
            SweepId = "sw",
            Index = index,
            Method = method,
            Seed = 40 + index,
            State = state,
            Error = error,
            DevLoss = state == TrialState.Running ? 0.9 : null,
        };

    public static SweepStatus Sweep(string metric, string mode, params TrialStatus[] trials)
        => new() { SweepId = "sw", Name = "demo", Metric = metric, Mode = mode, Trials = [.. trials] };
}
