namespace ALoRA.Sweeps;

/// <summary>A setting written as a plain value: every trial gets <paramref name="Value"/>.</summary>
/// <param name="Value">The value (for <c>lora.target_modules</c>, an <see cref="IReadOnlyList{T}"/> of strings).</param>
public sealed record FixedDomain(object? Value) : SearchDomain
{
    /// <inheritdoc />
    public override string Keyword => "";

    internal override IReadOnlyList<object?> Extremes => [Value];

    internal override object? ToCanonical() => Value;
}
