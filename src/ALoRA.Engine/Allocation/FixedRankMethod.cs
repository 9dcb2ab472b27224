using ALoRA.Engine.Data;
using ALoRA.Engine.Scoring;
using static TorchSharp.torch;

namespace ALoRA.Engine.Allocation;

/// <summary><c>lora</c>: every module keeps its rank for the whole run (the baseline).</summary>
public sealed class FixedRankMethod : IAllocationMethod
{
    /// <inheritdoc />
    public string Name => "lora";

    /// <inheritdoc />
    public bool Reallocates => false;

    /// <inheritdoc />
    public string Fingerprint => "method=lora";

    /// <inheritdoc />
    public void OnGradients()
    {
    }

    /// <inheritdoc />
    public void OnStepCompleted(int step)
    {
    }

    /// <inheritdoc />
    public ScoreSet Score(Batch validationBatch, CancellationToken cancellationToken = default) => throw new InvalidOperationException("method lora does not score ranks");

    /// <inheritdoc />
    public void OnReallocated(AllocationResult result) => throw new InvalidOperationException("method lora does not reallocate ranks");

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
