using ALoRA.Engine.Data;

namespace ALoRA.Engine.Training;

/// <summary>
/// A task's splits tokenised once for training: the training rows with their length-bucketing sampler, and the
/// dev and test sets as loss batches and (for classification tasks) candidate-scoring batches.
/// </summary>
public sealed class TrainingData
{
    private TrainingData(ITaskTemplate task, DatasetSplits splits, IReadOnlyList<TokenizedExample> train, LengthBucketSampler sampler,
                         EvaluationSet dev, EvaluationSet test, int padId)
    {
        Task = task;
        Splits = splits;
        Train = train;
        Sampler = sampler;
        Dev = dev;
        Test = test;
        PadId = padId;
    }

    /// <summary>The task template.</summary>
    public ITaskTemplate Task { get; }

    /// <summary>The examples.</summary>
    public DatasetSplits Splits { get; }

    /// <summary>Tokenised training rows (same order as <see cref="DatasetSplits.Train"/>).</summary>
    public IReadOnlyList<TokenizedExample> Train { get; }

    /// <summary>The resumable epoch planner.</summary>
    public LengthBucketSampler Sampler { get; }

    /// <summary>Dev evaluation batches.</summary>
    public EvaluationSet Dev { get; }

    /// <summary>Test evaluation batches.</summary>
    public EvaluationSet Test { get; }

    /// <summary>Padding id.</summary>
    public int PadId { get; }

    /// <summary>Tokenises <paramref name="splits"/> for <paramref name="options"/> (batch size, max length, seed).</summary>
    public static TrainingData Prepare(ITaskTemplate task, DatasetSplits splits, ITextTokenizer tokenizer, TrainingOptions options)
    {
        options.Validate();
        if (splits.Train.Count == 0)
        {
            throw new ArgumentException("the training split is empty");
        }

        var prompts = new PromptTokenizer(tokenizer);
        var train = prompts.TokenizeAll(splits.Train, options.MaxSequenceLength);
        var batchSize = options.ResolveBatchSize(splits.Train.Count);
        var sampler = new LengthBucketSampler(train.Select(t => t.Length).ToArray(), batchSize, options.Seed);
        var evalBatch = options.EvalBatchSize ?? batchSize;
        var dev = options.MaxDevExamples is { } cap ? splits.Dev.Take(cap).ToList() : splits.Dev;
        return new TrainingData(task, splits, train, sampler,
            EvaluationSet.Build(task, dev, prompts, options.MaxSequenceLength, evalBatch),
            EvaluationSet.Build(task, splits.Test, prompts, options.MaxSequenceLength, evalBatch),
            tokenizer.PadId);
    }

    /// <summary>The collated batch for row indices planned by <see cref="Sampler"/>.</summary>
    public Batch TrainBatch(int[] rows) => BatchCollator.FromPlan(Train, rows, PadId);
}
