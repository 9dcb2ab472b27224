namespace ALoRA.Sweeps;

/// <summary><c>{loguniform: [low, high]}</c>: a real number whose logarithm is uniform in [log low, log high), per sample.</summary>
/// <param name="Low">Lowest value (greater than 0).</param>
/// <param name="High">Upper end (at least <paramref name="Low"/>).</param>
public sealed record LogUniformDomain(double Low, double High) : SearchDomain
{
    /// <inheritdoc />
    public override string Keyword => "loguniform";

    /// <inheritdoc />
    public override bool IsRandom => true;

    internal override IReadOnlyList<object?> Extremes => [Low, High];

    internal override object? ToCanonical() => new SortedDictionary<string, object?>(StringComparer.Ordinal) { [Keyword] = new object?[] { Low, High } };

    internal override object? Draw(double u) => Math.Exp(Math.Log(Low) + (u * (Math.Log(High) - Math.Log(Low))));
}
