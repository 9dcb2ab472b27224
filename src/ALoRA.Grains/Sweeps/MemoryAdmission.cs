using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Engine.Model;
using ALoRA.Engine.Training;
using ALoRA.Sweeps;
using ALoRA.Sweeps.Planning;

namespace ALoRA.Grains.Sweeps;

/// <summary>
/// The check at submit of each trial's estimated memory (<see cref="TrainingMemoryEstimate"/>) against the largest
/// device the cluster's trainers registered (docs/sweep-spec.md, "Limits"): a sweep with a trial that fits no device is
/// refused before anything is stored or queued, naming the setting that contributes most and both sizes. While no
/// trainer has registered its memory the sweep is accepted (nothing to compare with; trainers of older silos report none).
/// The estimates are also what each trial holds on a device while it runs: the scheduler admits a trial to a device's
/// slot only if it fits what the device has free (docs/operations.md, <c>Alora:Trainers:Slots</c>).
/// </summary>
public static class MemoryAdmission
{
    /// <summary>Training examples counted at most: the engine's batch-size rule only asks whether there are 10,000.</summary>
    private const int CountedExamples = 10_000;

    /// <summary>
    /// Asks the scheduler for the registered devices and checks <paramref name="plan"/> against the largest; returns each
    /// trial's estimated bytes by trial id, or null when no device registered its memory (nothing was estimated).
    /// </summary>
    /// <param name="grains">The grain factory.</param>
    /// <param name="spec">The spec (for the positions of the settings named).</param>
    /// <param name="plan">Its expansion.</param>
    /// <exception cref="SweepSpecException">A trial fits no device, or a model's config.json cannot be read.</exception>
    public static async Task<Dictionary<string, long>?> CheckAsync(IGrainFactory grains, SweepSpec spec, SweepPlan plan)
    {
        ArgumentNullException.ThrowIfNull(grains);
        var cluster = await grains.GetGrain<ISchedulerGrain>(SchedulerKeys.Default).GetClusterStatusAsync();
        var largest = cluster.Trainers.Max(t => t.DeviceMemoryBytes);
        if (largest is { } bytes)
        {
            // Reads each model's config.json, counts up to 10,000 lines of each train.jsonl and tokenizes its longest lines:
            // file I/O and CPU work, kept off the calling grain's scheduler.
            return await Task.Run(() => Check(spec, plan, bytes));
        }

        return null;
    }

    /// <summary>Checks every trial of <paramref name="plan"/> against a device of <paramref name="deviceBytes"/>.</summary>
    /// <param name="spec">The spec (for the positions of the settings named).</param>
    /// <param name="plan">Its expansion.</param>
    /// <param name="deviceBytes">Memory of the largest device.</param>
    /// <returns>Each trial's estimated bytes (<see cref="TrainingMemoryEstimate.TotalBytes"/>) by trial id.</returns>
    /// <exception cref="SweepSpecException">A trial fits no device, or a model's config.json cannot be read.</exception>
    public static Dictionary<string, long> Check(SweepSpec spec, SweepPlan plan, long deviceBytes)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(plan);
        var configs = new Dictionary<string, LlamaConfig>(StringComparer.Ordinal);
        var examples = new Dictionary<string, int>(StringComparer.Ordinal);
        var scans = new Dictionary<string, TrainingFileScan?>(StringComparer.Ordinal);
        var longest = new Dictionary<(string Model, string Data, string Task), int?>();
        (TrialSpec Trial, TrainingMemoryEstimate Estimate)? first = null;
        var estimates = new Dictionary<string, long>(StringComparer.Ordinal);
        var tooLarge = 0;
        foreach (var trial in plan.Trials)
        {
            if (!configs.TryGetValue(trial.Model, out var config))
            {
                var path = Path.Combine(trial.Model, "config.json");
                try
                {
                    config = LlamaConfig.Load(path);
                }
                catch (ModelLoadException ex)
                {
                    throw new SweepSpecException([spec.ErrorAt("model", ex.Message)], spec.SourceName);
                }

                configs[trial.Model] = config;
            }

            // train.jsonl is read once per data folder: its example count and its longest lines.
            if (!scans.TryGetValue(trial.Data, out var scan))
            {
                scan = LongestExample.Scan(Path.Combine(trial.Data, "train.jsonl"));
                scans[trial.Data] = scan;
                examples[trial.Data] = Math.Min(scan?.Examples ?? 0, CountedExamples);
            }

            var count = examples[trial.Data];
            var key = (trial.Model, trial.Data, trial.Task);
            if (!longest.TryGetValue(key, out var tokens))
            {
                tokens = LongestExample.Tokens(trial.Model, trial.Task, scan);
                longest[key] = tokens;
            }

            var estimate = Estimate(config, trial, count, tokens);
            estimates[trial.TrialId] = estimate.TotalBytes;
            if (estimate.TotalBytes > deviceBytes)
            {
                first ??= (trial, estimate);
                tooLarge++;
            }
        }

        if (first is not { } worst)
        {
            return estimates;
        }

        var (respPath, setting) = Responsible(worst.Trial, worst.Estimate, examples[worst.Trial.Data]);
        var e = worst.Estimate;
        var message =
            $"trial {worst.Trial.TrialId} needs about {TrainingMemoryEstimate.Gib(e.TotalBytes)} (weights {TrainingMemoryEstimate.Gib(e.WeightBytes)}, " +
            $"adapter with gradients and AdamW moments {TrainingMemoryEstimate.Gib(e.AdapterBytes + e.GradientBytes + e.OptimizerBytes)}, " +
            $"activations {TrainingMemoryEstimate.Gib(e.ActivationBytes)}) but the largest device in the cluster has {TrainingMemoryEstimate.Gib(deviceBytes)}; " +
            $"the largest part comes from {setting}" +
            (tooLarge > 1 ? $"; {tooLarge - 1} more of the sweep's {plan.Trials.Count} trials do not fit either" : "");
        throw new SweepSpecException([spec.ErrorAt(respPath, message)], spec.SourceName);
    }

    /// <summary>
    /// The estimate for one trial; a null batch size is the one the engine will choose for
    /// <paramref name="trainExamples"/> training examples (<see cref="TrainingOptions.ResolveBatchSize"/>), the rows are
    /// as long as the trial's batches can be (<see cref="TrainingMemoryEstimate.SequenceLength"/>), and an <c>alora</c>
    /// trial's scoring passes count (the fast scorer over <c>val_batch_size</c> rows).
    /// </summary>
    /// <param name="config">The trial's model configuration.</param>
    /// <param name="trial">The trial.</param>
    /// <param name="trainExamples">Its training examples (counted up to 10,000).</param>
    /// <param name="longestExampleTokens">Tokens of the longest training example (<see cref="LongestExample"/>), or null.</param>
    public static TrainingMemoryEstimate Estimate(LlamaConfig config, TrialSpec trial, int trainExamples, int? longestExampleTokens = null)
    {
        ArgumentNullException.ThrowIfNull(trial);
        var shape = Shape(config);

        // model.dtype null is the device's default: float32 on CPU, bfloat16 on CUDA; the check takes float32, the larger.
        var batch = BatchSize(trial, trainExamples);
        return TrainingMemoryEstimate.For(
            shape, trial.Lora.R, trial.Lora.TargetModules, batch,
            TrainingMemoryEstimate.SequenceLength(trial.Training.MaxSequenceLength, shape, longestExampleTokens),
            baseBytesPerValue: TrainingMemoryEstimate.DtypeBytes(trial.DType),
            gradientCheckpointing: trial.Training.GradientCheckpointing,
            microBatchSize: Math.Max(1, batch / Math.Max(1, trial.Training.GradientAccumulationSteps)),
            scoringBatchSize: trial.Method == TrialMethods.Alora && trial.Allocation is { } a ? a.ValBatchSize : 0);
    }

    /// <summary>The sizes of <paramref name="config"/> the estimate reads.</summary>
    /// <param name="config">A model configuration the engine read.</param>
    public static ModelShape Shape(LlamaConfig config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return new ModelShape
        {
            HiddenSize = config.HiddenSize, IntermediateSize = config.IntermediateSize, NumHiddenLayers = config.NumHiddenLayers,
            NumAttentionHeads = config.NumAttentionHeads, NumKeyValueHeads = config.NumKeyValueHeads, HeadDim = config.HeadDim,
            VocabSize = config.VocabSize, MaxPositionEmbeddings = config.MaxPositionEmbeddings, TieWordEmbeddings = config.TieWordEmbeddings,
            AttentionBias = config.AttentionBias, MlpBias = config.MlpBias,
        };
    }

    private static int BatchSize(TrialSpec trial, int trainExamples) =>
        new TrainingOptions { BatchSize = trial.Training.BatchSize }.ResolveBatchSize(trainExamples);

    private static (string Path, string Text) Responsible(TrialSpec trial, TrainingMemoryEstimate estimate, int trainExamples) => estimate.LargestContributor switch
    {
        TrainingMemoryEstimate.RankSetting => ("lora.r", $"lora.r = {trial.Lora.R} (the adapter, its gradients and AdamW moments)"),
        TrainingMemoryEstimate.ActivationSettings => ("training.batch_size",
            $"training.batch_size = {(trial.Training.BatchSize is null ? $"null (the engine's {BatchSize(trial, trainExamples)})" : trial.Training.BatchSize)} " +
            $"and training.max_sequence_length = {trial.Training.MaxSequenceLength} (the activations)"),
        _ => ("model", $"the model {trial.Model} itself (its weights)"),
    };
}
