using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using ALoRA.Engine.Scoring;
using static TorchSharp.torch;

namespace ALoRA.Engine.Allocation;

/// <summary>
/// <c>alora</c>: AB-LoRA ablation scores on B_val (docs/alora-method.md section 3), by one of the scorers of
/// <see cref="AbLoraScorerKind"/>: the exact fast path or literal reference, the gate-gradient estimate
/// (<c>approx</c>), or the estimate with exact scores for a shortlist (<c>hybrid</c>).
/// </summary>
/// <param name="model">The network whose ranks are scored.</param>
/// <param name="scorer">The scorer.</param>
/// <param name="maxVariantsPerPass">Variants stacked in one exact pass.</param>
/// <param name="ranksPerRound">n_A (<c>hybrid</c> sizes its shortlist by it).</param>
/// <param name="shortlistFactor"><c>hybrid</c>: the shortlist holds this many times n_A ranks.</param>
public sealed class AbLoraMethod(LlamaForCausalLM model, AbLoraScorerKind scorer = AbLoraScorerKind.Fast, int maxVariantsPerPass = 16,
                                 int ranksPerRound = 1, int shortlistFactor = 3) : IAllocationMethod
{
    /// <summary>The scorer in use.</summary>
    public AbLoraScorerKind Scorer => scorer;

    /// <summary>
    /// Called after each round's scores, before anything changes, with B_val and the scores (benchmarks compare other
    /// scorers on the same batch and network); null by default.
    /// </summary>
    public Action<Batch, ScoreSet>? Scored { get; set; }

    /// <inheritdoc />
    public string Name => "alora";

    /// <inheritdoc />
    public bool Reallocates => true;

    /// <inheritdoc />
    public string Fingerprint => scorer switch
    {
        // fast and reference give the same numbers, and the fingerprint of existing checkpoints stays as it was.
        AbLoraScorerKind.Fast or AbLoraScorerKind.Reference => "method=alora",
        AbLoraScorerKind.Hybrid => $"method=alora;scorer=hybrid;shortlist_factor={shortlistFactor}",
        _ => $"method=alora;scorer={scorer.ToName()}",
    };

    /// <inheritdoc />
    public void OnGradients()
    {
    }

    /// <inheritdoc />
    public void OnStepCompleted(int step)
    {
    }

    /// <inheritdoc />
    public ScoreSet Score(Batch validationBatch, CancellationToken cancellationToken = default)
    {
        var scores = scorer switch
        {
            AbLoraScorerKind.Reference => AbLoraScorer.Reference(model, validationBatch, cancellationToken: cancellationToken),
            AbLoraScorerKind.Approx => ApproxScorer.Score(model, validationBatch, cancellationToken: cancellationToken),
            AbLoraScorerKind.Hybrid => HybridScorer.Score(model, validationBatch, ranksPerRound, shortlistFactor, maxVariantsPerPass, cancellationToken),
            _ => AbLoraScorer.Fast(model, validationBatch, maxVariantsPerPass, cancellationToken: cancellationToken),
        };
        Scored?.Invoke(validationBatch, scores);
        return scores;
    }

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
