namespace ALoRA.Sweeps;

/// <summary><c>{choice: [v1, v2, ...]}</c>: one of the values, uniformly at random, per sample.</summary>
/// <param name="Values">The values, at least one.</param>
public sealed record ChoiceDomain(IReadOnlyList<object?> Values) : SearchDomain
{
    /// <inheritdoc />
    public override string Keyword => "choice";

    /// <inheritdoc />
    public override bool IsRandom => true;

    internal override IReadOnlyList<object?> Extremes => Values;

    internal override object? ToCanonical() => new SortedDictionary<string, object?>(StringComparer.Ordinal) { [Keyword] = Values };

    internal override object? Draw(double u) => Values[Math.Min((int)(u * Values.Count), Values.Count - 1)];
}
