namespace ALoRA.Sweeps;

/// <summary>
/// Where a searchable setting takes its value from: a fixed value, a grid (every value, one trial each) or a random
/// distribution (one draw per sample). Values are <see cref="long"/>, <see cref="double"/>, <see cref="bool"/>,
/// <see cref="string"/> or null, by the setting's type.
/// </summary>
public abstract record SearchDomain
{
    private protected SearchDomain()
    {
    }

    /// <summary>The YAML keyword of the domain (<c>grid_search</c>, <c>choice</c>, ...); empty for a fixed value.</summary>
    public abstract string Keyword { get; }

    /// <summary>True when every value becomes its own set of trials (<c>grid_search</c>).</summary>
    public virtual bool IsGrid => false;

    /// <summary>True when the value is drawn at random per sample (<c>choice</c>, <c>uniform</c>, <c>loguniform</c>, <c>randint</c>).</summary>
    public virtual bool IsRandom => false;

    /// <summary>Every value the setting can take when the domain is finite, else its lowest and highest value.</summary>
    internal abstract IReadOnlyList<object?> Extremes { get; }

    /// <summary>The domain as canonical JSON data (for the spec hash).</summary>
    internal abstract object? ToCanonical();

    /// <summary>Maps a uniform draw <paramref name="u"/> in [0, 1) to a value of a random domain.</summary>
    internal virtual object? Draw(double u) => throw new InvalidOperationException($"{GetType().Name} is not random");
}
