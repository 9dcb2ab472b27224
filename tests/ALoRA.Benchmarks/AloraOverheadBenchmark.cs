using System.Diagnostics;
using ALoRA.Engine.Scoring;
using ALoRA.Engine.Training;

namespace ALoRA.Benchmarks;

/// <summary>
/// <c>--preset alora-overhead</c> (issue 13): the same model (stories260K, LoRA r = 8 on all 7 module types, 280 ranks)
/// and data (1,600 SST-2 examples, batch 16: 100 steps per epoch, 3 epochs) trained with <c>lora</c> and with
/// <c>alora</c> under each scorer at the paper's schedule proportions (K1 = 1 epoch, K2 = 0.25 epoch, N_A = 8,
/// n_A = 7), in one process; ratio = alora wall / lora wall (lora timed first and last, averaged; the runs go lora,
/// hybrid, approx, fast, lora). Each alora run also
/// reports where its extra time went: the rounds' scoring, and the rest (reallocation and each round's dev evaluation).
/// </summary>
public static class AloraOverheadBenchmark
{
    /// <summary>Runs the trainings and returns the measurements; <c>alora_overhead</c> holds the issue's fields.</summary>
    /// <param name="batchSize">Training batch size; the training data is <c>batchSize x stepsPerEpoch</c> examples.</param>
    /// <param name="stepsPerEpoch">Steps per epoch (the data is sized for it).</param>
    /// <param name="skipFast">Leaves out the (slow) fast-scorer run, to time the others again; its fields are then 0.</param>
    public static Dictionary<string, object> Run(int batchSize, int stepsPerEpoch = 100, bool skipFast = false)
    {
        var runs = new Dictionary<string, object>();
        // The cheap scorers first and fast (by far the slowest) last but one, each run's time to stderr as it ends.
        var lora1 = Train(null, batchSize, stepsPerEpoch);
        var hybrid = Train(AbLoraScorerKind.Hybrid, batchSize, stepsPerEpoch);
        var approx = Train(AbLoraScorerKind.Approx, batchSize, stepsPerEpoch);
        var fast = skipFast ? new Measured(0, 0, 0, 0, 0, 0, 0, 0) : Train(AbLoraScorerKind.Fast, batchSize, stepsPerEpoch);
        var lora2 = Train(null, batchSize, stepsPerEpoch);
        var lora = (lora1.Wall + lora2.Wall) / 2;
        foreach (var (name, r) in new[] { ("lora_first", lora1), ("alora_fast", fast), ("alora_hybrid", hybrid), ("alora_approx", approx), ("lora_last", lora2) })
        {
            runs[name] = new Dictionary<string, object>
            {
                ["wall_s"] = Math.Round(r.Wall, 2),
                ["steps"] = r.Steps,
                ["rounds"] = r.Rounds,
                ["cpu_s"] = Math.Round(r.Cpu, 2),
                ["train_steps_s"] = Math.Round(r.TrainSteps, 2),
                ["scoring_s"] = Math.Round(r.Scoring, 2),
                ["other_overhead_s"] = Math.Round(r.Wall - lora - r.Scoring, 2),
                ["scoring_forwards_per_round"] = Math.Round(r.ForwardsPerRound, 1),
                ["test_accuracy"] = Math.Round(r.TestAccuracy, 4),
            };
        }

        return new Dictionary<string, object>
        {
            ["setup"] = $"stories260K, SST-2 {batchSize * stepsPerEpoch} train / 200 dev / 200 test, batch {batchSize} ({stepsPerEpoch} steps per epoch), 3 epochs, " +
                        "lr 5e-3, eval every 100 steps; alora k1 = 1 epoch, k2 = 0.25 epoch, N_A = 8, n_A = 7, B_val 32",
            ["alora_overhead"] = new Dictionary<string, double>
            {
                ["lora_s"] = Math.Round(lora, 2),
                ["alora_fast_s"] = Math.Round(fast.Wall, 2),
                ["alora_hybrid_s"] = Math.Round(hybrid.Wall, 2),
                ["alora_approx_s"] = Math.Round(approx.Wall, 2),
                ["ratio_fast"] = Math.Round(fast.Wall / lora, 3),
                ["ratio_hybrid"] = Math.Round(hybrid.Wall / lora, 3),
                ["ratio_approx"] = Math.Round(approx.Wall / lora, 3),
            },
            ["lora_spread"] = Math.Round(Math.Abs(lora1.Wall - lora2.Wall) / lora, 3),
            // The same ratios in CPU seconds of this process: less disturbed when other processes share the cores.
            ["cpu_ratios"] = new Dictionary<string, double>
            {
                ["ratio_fast"] = Math.Round(fast.Cpu / ((lora1.Cpu + lora2.Cpu) / 2), 3),
                ["ratio_hybrid"] = Math.Round(hybrid.Cpu / ((lora1.Cpu + lora2.Cpu) / 2), 3),
                ["ratio_approx"] = Math.Round(approx.Cpu / ((lora1.Cpu + lora2.Cpu) / 2), 3),
            },
            ["runs"] = runs,
        };
    }

    private static Measured Train(AbLoraScorerKind? scorer, int batchSize, int stepsPerEpoch)
    {
        var options = new TrainingOptions { BatchSize = batchSize, MaxEpochs = 3, LearningRate = 5e-3, EvalEverySteps = 100, MaxSequenceLength = 128, Seed = 1 };
        using var model = ScorerRuns.Model("stories260K", 1);
        var data = ScorerRuns.Sst2(options, train: batchSize * stepsPerEpoch, dev: 200, test: 200);
        var allocation = scorer is null ? new AllocationOptions() : new AllocationOptions
        {
            Method = AllocationMethod.Alora, Scorer = scorer.Value, WarmupBeforeFirstRound = ScheduleLength.Epochs(1),
            BetweenRounds = ScheduleLength.Epochs(0.25), Rounds = 8, ValidationBatchSize = 32,
        };
        var forwards = new List<double>();
        var sw = Stopwatch.StartNew();
        var cpu = Process.GetCurrentProcess().TotalProcessorTime;
        using var trainer = new SftTrainer(model, data, options, allocation: allocation);
        if (trainer.Method is Engine.Allocation.AbLoraMethod method)
        {
            method.Scored = (_, scores) => forwards.Add(scores.ForwardEquivalents);
        }

        var result = trainer.Train();
        var wall = sw.Elapsed.TotalSeconds;
        var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu).TotalSeconds;
        var history = trainer.State.AllocationHistory;
        Console.Error.WriteLine($"{(scorer is null ? "lora" : "alora " + scorer.Value.ToName())}: {wall:F1} s, {trainer.State.Step} steps, {history.Count} rounds, scoring {history.Sum(h => h.ScoringSeconds):F1} s, steps {trainer.State.TrainSeconds:F1} s");
        return new Measured(wall, trainer.State.Step, history.Count, history.Sum(h => h.ScoringSeconds), forwards.Count == 0 ? 0 : forwards.Average(),
                            result.TestMetric ?? double.NaN, trainer.State.TrainSeconds, cpuSeconds);
    }

    private sealed record Measured(double Wall, int Steps, int Rounds, double Scoring, double ForwardsPerRound, double TestAccuracy, double TrainSteps, double Cpu);
}
