namespace ALoRA.Sweeps;

/// <summary><c>{grid_search: [v1, v2, ...]}</c>: the sweep is crossed with every value, in order.</summary>
/// <param name="Values">The values, at least one.</param>
public sealed record GridSearchDomain(IReadOnlyList<object?> Values) : SearchDomain
{
    /// <inheritdoc />
    public override string Keyword => "grid_search";

    /// <inheritdoc />
    public override bool IsGrid => true;

    internal override IReadOnlyList<object?> Extremes => Values;

    internal override object? ToCanonical() => new SortedDictionary<string, object?>(StringComparer.Ordinal) { [Keyword] = Values };
}
