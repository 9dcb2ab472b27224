namespace ALoRA.Engine.Scoring;

/// <summary>Names of <see cref="AbLoraScorerKind"/> in configuration (<c>alora.scorer</c>, <c>alora score --method</c>).</summary>
public static class AbLoraScorerKinds
{
    /// <summary>The configuration names, in enum order: fast, reference, approx, hybrid.</summary>
    public static IReadOnlyList<string> Names { get; } = ["fast", "reference", "approx", "hybrid"];

    /// <summary>The configuration name of <paramref name="kind"/>.</summary>
    public static string ToName(this AbLoraScorerKind kind) => Names[(int)kind];

    /// <summary>Parses a configuration name.</summary>
    /// <exception cref="ArgumentException">Not one of <see cref="Names"/>; the message names the field <c>scorer</c>.</exception>
    public static AbLoraScorerKind Parse(string name)
    {
        var index = Names.ToList().IndexOf(name);
        return index >= 0 ? (AbLoraScorerKind)index
            : throw new ArgumentException($"scorer '{name}' is not one of {string.Join(", ", Names)}");
    }
}
