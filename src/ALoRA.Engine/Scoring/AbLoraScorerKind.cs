namespace ALoRA.Engine.Scoring;

/// <summary>How <c>alora</c> scores ranks (docs/alora-method.md sections 3 and 8).</summary>
public enum AbLoraScorerKind
{
    /// <summary>Exact AB-LoRA scores with prefix reuse and stacked variants (<see cref="AbLoraScorer.Fast"/>).</summary>
    Fast,

    /// <summary>Exact AB-LoRA scores by the literal definition, one forward per variant (<see cref="AbLoraScorer.Reference"/>).</summary>
    Reference,

    /// <summary>First-order estimates from gate gradients, about 6 forward-equivalents whatever the rank count (<see cref="ApproxScorer"/>).</summary>
    Approx,

    /// <summary>Approx for all ranks, exact scores for a shortlist of the lowest, pruning on the exact values (<see cref="HybridScorer"/>).</summary>
    Hybrid,
}
