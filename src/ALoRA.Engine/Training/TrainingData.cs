using ALoRA.Engine.Data;

namespace ALoRA.Engine.Training;

/// <summary>
/// A task's splits tokenised once for training: the training rows with their length-bucketing sampler, and the
/// dev and test sets as loss batches and (for classification tasks) candidate-scoring batches.
/// </summary>
public sealed class TrainingData
{
    private readonly PromptTokenizer _prompts;
    private readonly int _maxLength;

    private TrainingData(ITaskTemplate task, DatasetSplits splits, IReadOnlyList<TokenizedExample> train, LengthBucketSampler sampler,
                         EvaluationSet dev, EvaluationSet test, PromptTokenizer prompts, int maxLength)
    {
        _prompts = prompts;
        _maxLength = maxLength;
        Task = task;
        Splits = splits;
        Train = train;
        Sampler = sampler;
        Dev = dev;
        Test = test;
        PadId = prompts.Tokenizer.PadId;
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
        var batchSize = options.ResolveAccumulatedBatchSize(splits.Train.Count);
        var sampler = new LengthBucketSampler(train.Select(t => t.Length).ToArray(), batchSize, options.Seed);
        var evalBatch = options.EvalBatchSize ?? batchSize;
        var dev = options.MaxDevExamples is { } cap ? splits.Dev.Take(cap).ToList() : splits.Dev;
        return new TrainingData(task, splits, train, sampler,
            EvaluationSet.Build(task, dev, prompts, options.MaxSequenceLength, evalBatch),
            EvaluationSet.Build(task, splits.Test, prompts, options.MaxSequenceLength, evalBatch),
            prompts, options.MaxSequenceLength);
    }

    /// <summary>
    /// B_val for an ALoRA scoring round: <paramref name="size"/> dev examples (all of dev when smaller), drawn with
    /// a seeded shuffle (<paramref name="seed"/>, <paramref name="draw"/>), as one batch with the training targets
    /// (response tokens and EOS).
    /// </summary>
    public Batch ValidationBatch(int size, long seed, int draw)
    {
        var dev = Dev.Examples;
        if (dev.Count == 0)
        {
            throw new InvalidOperationException("ALoRA scoring needs dev examples, and the dev split is empty");
        }

        var order = Enumerable.Range(0, dev.Count).ToArray();
        new SplitMix64(seed, stream: 1000 + draw).Shuffle(order);
        var picked = order.Take(Math.Min(size, dev.Count)).Order().ToArray();
        return BatchCollator.Collate(picked.Select(i => _prompts.Tokenize(dev[i], _maxLength)).ToArray(), picked, PadId);
    }

    /// <summary>The collated batch for row indices planned by <see cref="Sampler"/>.</summary>
    public Batch TrainBatch(int[] rows) => BatchCollator.FromPlan(Train, rows, PadId);
}
