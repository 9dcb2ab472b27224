using System.Collections.Immutable;

namespace ALoRA.Abstractions.Sweeps;

/// <summary>
/// The complete state of a trial queue as plain data, for a grain to persist; a queue rebuilt from it behaves exactly
/// like the one it was taken from.
/// </summary>
[GenerateSerializer, Immutable, Alias("alora.TrialQueueSnapshot")]
public sealed record TrialQueueSnapshot
{
    /// <summary>Every sweep the queue knows, in round-robin order.</summary>
    [Id(0)]
    public ImmutableList<SweepQueueSnapshot> Sweeps { get; init; } = [];

    /// <summary>Index in <see cref="Sweeps"/> of the sweep the next dequeue looks at first.</summary>
    [Id(1)]
    public int Cursor { get; init; }
}
