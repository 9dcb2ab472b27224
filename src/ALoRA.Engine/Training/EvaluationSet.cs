using ALoRA.Engine.Data;

namespace ALoRA.Engine.Training;

/// <summary>An evaluation split as loss batches and, for classification tasks, candidate-scoring batches.</summary>
/// <param name="Examples">The examples.</param>
/// <param name="LossBatches">Batches of prompt + gold response (+ EOS) for the loss.</param>
/// <param name="CandidateBatches">One row per (example, candidate), or empty for generation tasks.</param>
public sealed record EvaluationSet(IReadOnlyList<TaskExample> Examples, IReadOnlyList<Batch> LossBatches, IReadOnlyList<Batch> CandidateBatches)
{
    /// <summary>Tokenises and batches <paramref name="examples"/>.</summary>
    public static EvaluationSet Build(ITaskTemplate task, IReadOnlyList<TaskExample> examples, PromptTokenizer prompts, int maxLength, int batchSize)
    {
        if (examples.Count == 0)
        {
            return new EvaluationSet(examples, [], []);
        }

        var rows = prompts.TokenizeAll(examples, maxLength);
        var loss = LengthBucketSampler.PlanEvaluation(rows.Select(r => r.Length).ToArray(), batchSize)
            .Select(plan => BatchCollator.FromPlan(rows, plan, prompts.Tokenizer.PadId))
            .ToList();
        var candidates = task.IsClassification ? CandidateBatchBuilder.Build(examples, prompts, maxLength, batchSize) : [];
        return new EvaluationSet(examples, loss, candidates);
    }
}
