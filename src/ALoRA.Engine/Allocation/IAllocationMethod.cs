using ALoRA.Engine.Data;
using ALoRA.Engine.Scoring;
using static TorchSharp.torch;

namespace ALoRA.Engine.Allocation;

/// <summary>
/// One way of deciding which ranks matter (docs/alora-method.md section 6), plugged into the trainer like PEFT's LoRA variants:
/// <c>lora</c> (fixed rank), <c>alora</c> (AB-LoRA), <c>alora-dnas</c> (relaxed gates), <c>alora-sensi</c>
/// (AdaLoRA sensitivity). The trainer owns the schedule (K1, K2, N_A, n_A) and the prune-and-grow step; a method
/// only observes training while the search is on and scores the active ranks when a round is due.
/// </summary>
public interface IAllocationMethod : IDisposable
{
    /// <summary>The method's name in configuration (<c>lora</c>, <c>alora</c>, <c>alora-dnas</c>, <c>alora-sensi</c>).</summary>
    string Name { get; }

    /// <summary>False for fixed-rank LoRA: no rounds run and nothing else is called.</summary>
    bool Reallocates { get; }

    /// <summary>Method settings that change results; part of the run fingerprint that checkpoints must match.</summary>
    string Fingerprint { get; }

    /// <summary>After the backward pass and gradient clipping of a training step, before the optimizer step (search phase only).</summary>
    void OnGradients();

    /// <summary>After the optimizer step; <paramref name="step"/> is the number of steps done (search phase only).</summary>
    void OnStepCompleted(int step);

    /// <summary>Scores every active rank for a round; <paramref name="validationBatch"/> is the round's B_val.</summary>
    /// <param name="validationBatch">The round's B_val.</param>
    /// <param name="cancellationToken">Observed between the forward passes of a long scoring (AB-LoRA): a cancelled round changes nothing.</param>
    /// <exception cref="OperationCanceledException"><paramref name="cancellationToken"/> was cancelled; the model is as it was.</exception>
    ScoreSet Score(Batch validationBatch, CancellationToken cancellationToken = default);

    /// <summary>After a round's prune-and-grow, with each module's old-to-new rank map.</summary>
    void OnReallocated(AllocationResult result);

    /// <summary>The search is over (the last round ran, or training ends): leave the model a plain gated LoRA. Idempotent.</summary>
    void OnSearchFinished();

    /// <summary>Tensors to keep in checkpoints, as fresh CPU copies the caller disposes (empty when the method keeps no state).</summary>
    Dictionary<string, Tensor> StateDict();

    /// <summary>Restores <see cref="StateDict"/> output after the adapters were restored; <paramref name="searchFinished"/> says whether the last round already ran.</summary>
    void LoadStateDict(IReadOnlyDictionary<string, Tensor> state, bool searchFinished);
}
