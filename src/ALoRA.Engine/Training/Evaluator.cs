using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using static TorchSharp.torch;

namespace ALoRA.Engine.Training;

/// <summary>Dev/test evaluation in eval mode: token-weighted mean loss, and label-word accuracy for classification.</summary>
public static class Evaluator
{
    /// <summary>
    /// Loss (mean CE over all target tokens of the set) and accuracy (null for generation tasks, and when
    /// <paramref name="lossOnly"/> skips the candidate passes that accuracy needs).
    /// </summary>
    public static (double Loss, double? Accuracy) Evaluate(LlamaForCausalLM model, EvaluationSet set, Device device, bool lossOnly = false)
    {
        if (set.Examples.Count == 0)
        {
            return (double.NaN, null);
        }

        var wasTraining = model.training;
        model.eval();
        try
        {
            double sum = 0;
            long tokens = 0;
            foreach (var batch in set.LossBatches)
            {
                sum += CausalLmLoss.Sum(model, batch, device);
                tokens += batch.TargetTokenCount;
            }

            double? accuracy = null;
            if (!lossOnly && set.CandidateBatches.Count > 0)
            {
                var exampleIdx = new List<int>();
                var candidateIdx = new List<int>();
                var scores = new List<double>();
                foreach (var batch in set.CandidateBatches)
                {
                    scores.AddRange(CausalLmLoss.RowMeanLogLikelihood(model, batch, device));
                    exampleIdx.AddRange(batch.ExampleIndices);
                    candidateIdx.AddRange(batch.CandidateIndices!);
                }

                accuracy = CandidateAccuracy.Compute(exampleIdx.ToArray(), candidateIdx.ToArray(), scores.ToArray(), set.Examples);
            }

            return (sum / Math.Max(1, tokens), accuracy);
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
