using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using ALoRA.Engine.Scoring;
using static TorchSharp.torch;

namespace ALoRA.Engine.Allocation;

/// <summary><c>alora</c>: AB-LoRA ablation scores on B_val (docs/alora-method.md section 3), by the fast path or the literal reference.</summary>
public sealed class AbLoraMethod(LlamaForCausalLM model, bool referenceScorer = false, int maxVariantsPerPass = 16) : IAllocationMethod
{
    /// <inheritdoc />
    public string Name => "alora";

    /// <inheritdoc />
    public bool Reallocates => true;

    /// <inheritdoc />
    public string Fingerprint => "method=alora";

    /// <inheritdoc />
    public void OnGradients()
    {
    }

    /// <inheritdoc />
    public void OnStepCompleted(int step)
    {
    }

    /// <inheritdoc />
    public ScoreSet Score(Batch validationBatch, CancellationToken cancellationToken = default) =>
        referenceScorer ? AbLoraScorer.Reference(model, validationBatch, cancellationToken: cancellationToken)
            : AbLoraScorer.Fast(model, validationBatch, maxVariantsPerPass, cancellationToken: cancellationToken);

    /// <inheritdoc />
    public void OnReallocated(AllocationResult result)
    {
    }

    /// <inheritdoc />
    public void OnSearchFinished()
    {
    }

    /// <inheritdoc />
    public Dictionary<string, Tensor> StateDict() => [];

    /// <inheritdoc />
    public void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool searchFinished)
    {
    }

    /// <inheritdoc />
    public void Dispose()
    {
    }
}
