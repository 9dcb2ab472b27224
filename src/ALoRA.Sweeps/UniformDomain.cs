namespace ALoRA.Sweeps;

/// <summary><c>{uniform: [low, high]}</c>: a real number uniformly in [low, high), per sample.</summary>
/// <param name="Low">Lowest value.</param>
/// <param name="High">Upper end (at least <paramref name="Low"/>).</param>
public sealed record UniformDomain(double Low, double High) : SearchDomain
{
    /// <inheritdoc />
    public override string Keyword => "uniform";

    /// <inheritdoc />
    public override bool IsRandom => true;

    internal override IReadOnlyList<object?> Extremes => [Low, High];

    internal override object? ToCanonical() => new SortedDictionary<string, object?>(StringComparer.Ordinal) { [Keyword] = new object?[] { Low, High } };

    internal override object? Draw(double u) => Low + (u * (High - Low));
}
