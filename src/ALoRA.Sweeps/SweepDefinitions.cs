using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Sweeps.Stopping;

namespace ALoRA.Sweeps;

/// <summary>
/// Moves a parsed spec over the wire (docs/sweep-spec.md, "The spec on the wire"): <see cref="From"/> turns a
/// <see cref="SweepSpec"/> into the <see cref="SweepDefinition"/> contract on the client; <see cref="Read"/> turns a
/// received definition back into a <see cref="SweepSpec"/> on a silo, re-checking every value (type, range, domain
/// shape, vocabulary, size) without any YAML.
/// </summary>
public static class SweepDefinitions
{
    /// <summary>The contract for <paramref name="spec"/>: its values as written, paths unresolved, with their positions.</summary>
    /// <param name="spec">A parsed spec.</param>
    public static SweepDefinition From(SweepSpec spec)
    {
        ArgumentNullException.ThrowIfNull(spec);
        return new SweepDefinition
        {
            Id = spec.Id,
            Name = spec.Name,
            Model = spec.Model,
            Data = spec.Data,
            Task = spec.Task,
            Metric = spec.Metric,
            Mode = spec.Mode == MetricMode.Max ? "max" : "min",
            MaxConcurrentTrials = spec.MaxConcurrentTrials,
            Seeds = [.. spec.Seeds],
            NumSamples = spec.NumSamples,
            SearchSeed = spec.SearchSeed,
            Settings = [.. spec.Parameters.Select(p => new SweepSetting { Path = p.Path, Domain = p.Domain.Keyword, Values = [.. Encode(p.Domain)] }),
                        .. ModelDTypeSetting(spec), .. SchedulerSettings(spec)],
            Positions = spec.Locations.ToDictionary(l => l.Key, l => new SpecPosition { Line = l.Value.Line, Column = l.Value.Column }, StringComparer.Ordinal),
            SourceName = spec.SourceName,
        };
    }

    /// <summary>
    /// The spec that <paramref name="definition"/> describes, after checking every value as the parser does; the files
    /// are not looked at (see <see cref="SweepSpecValidator.CheckFiles"/>).
    /// </summary>
    /// <param name="definition">A definition from an untrusted client.</param>
    /// <param name="baseDirectory">Folder that relative <c>model</c> and <c>data</c> paths resolve against (see <see cref="SweepSpec.ResolvePath"/>), or null.</param>
    /// <exception cref="SweepSpecException">A value is invalid; lists every problem with its YAML path and position.</exception>
    public static SweepSpec Read(SweepDefinition definition, string? baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(definition);
        return new DefinitionReader(definition).Read(baseDirectory);
    }

    /// <summary>Path of the setting that carries <see cref="SweepSpec.ModelDType"/> on the wire (a fixed value).</summary>
    internal const string ModelDTypePath = "model.dtype";

    /// <summary><c>model.dtype</c> travels as a fixed setting, so the contract needs no field of its own.</summary>
    private static IEnumerable<SweepSetting> ModelDTypeSetting(SweepSpec spec) => spec.ModelDType is { } dtype
        ? [new SweepSetting { Path = ModelDTypePath, Domain = "", Values = [dtype] }]
        : [];

    /// <summary>
    /// The <c>scheduler</c> block travels as fixed settings <c>scheduler.&lt;key&gt;</c> holding its resolved values (the
    /// silo reads them with the same <see cref="SchedulerBlock.Read"/>); none when the spec has no active scheduler.
    /// </summary>
    private static IEnumerable<SweepSetting> SchedulerSettings(SweepSpec spec)
    {
        if (spec.Stopping is not { } stopping)
        {
            yield break;
        }

        foreach (var (key, value) in SchedulerBlock.Canonical(stopping))
        {
            if (value is not null)
            {
                yield return new SweepSetting { Path = $"{SchedulerBlock.Key}.{key}", Domain = "", Values = [Text(value)] };
            }
        }
    }

    private static IEnumerable<string?> Encode(SearchDomain domain) => domain switch
    {
        FixedDomain { Value: IReadOnlyList<string> items } => items,
        FixedDomain f => [Text(f.Value)],
        GridSearchDomain g => g.Values.Select(Text),
        ChoiceDomain c => c.Values.Select(Text),
        UniformDomain u => [Text(u.Low), Text(u.High)],
        LogUniformDomain l => [Text(l.Low), Text(l.High)],
        RandIntDomain r => [Text(r.Low), Text(r.High)],
        _ => throw new InvalidOperationException($"unexpected domain {domain.GetType().Name}"),
    };

    /// <summary>Invariant text of a stored value: round-trip numbers, true/false, strings as they are, null as null.</summary>
    internal static string? Text(object? value) => value switch
    {
        null => null,
        bool b => b ? "true" : "false",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        long l => l.ToString(CultureInfo.InvariantCulture),
        string s => s,
        _ => throw new InvalidOperationException($"unexpected value type {value.GetType().Name}"),
    };
}
