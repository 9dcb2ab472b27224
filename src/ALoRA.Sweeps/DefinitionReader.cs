using System.Text.RegularExpressions;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Sweeps.Stopping;

namespace ALoRA.Sweeps;

/// <summary>
/// One read of a <see cref="SweepDefinition"/> received over the wire: checks the top-level values and every setting
/// against the spec schema, collects every error with its YAML path and the position the client recorded, and builds
/// the <see cref="SweepSpec"/>. Single use. The checks that span several settings to catch mistakes early (schedules
/// against budgets) are the client parser's; a definition that skips them still yields valid trials.
/// </summary>
internal sealed partial class DefinitionReader(SweepDefinition definition)
{
    private static readonly Regex IdPattern = new("^[a-z0-9][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant);

    private readonly List<SpecError> _errors = [];
    private readonly List<SweepParameter> _parameters = [];
    private string? _modelDType;
    private Dictionary<string, string?>? _scheduler;

    public SweepSpec Read(string? baseDirectory)
    {
        var d = definition;
        if (d.Settings is null || d.Positions is null || d.Seeds is null)
        {
            throw new SweepSpecException([new SpecError("", 0, 0, "the sweep definition is incomplete: settings, positions or seeds are missing")], d.SourceName);
        }

        CheckTopLevel(d);
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var setting in d.Settings)
        {
            if (setting?.Path is null || !seen.Add(setting.Path))
            {
                Error(setting?.Path ?? "", setting?.Path is null ? "a setting without a path" : $"{setting.Path} is given twice");
                continue;
            }

            if (setting.Path == SweepDefinitions.ModelDTypePath)
            {
                ReadModelDType(setting);
                continue;
            }

            if (setting.Path.StartsWith(SchedulerBlock.Key + ".", StringComparison.Ordinal))
            {
                ReadSchedulerSetting(setting);
                continue;
            }

            ReadSetting(setting);
        }

        var method = _parameters.FirstOrDefault(p => p.Path == "method") ?? new SweepParameter("method", "", "method", new FixedDomain(TrialMethods.Alora));
        var methods = method.Domain.Extremes.Cast<string>().Distinct().ToList();
        CheckMethodBlocks(methods);
        var stopping = _scheduler is null ? null : SchedulerBlock.Read(_scheduler, d.Metric, d.Task, Error);
        CheckSize(d);
        if (_errors.Count > 0)
        {
            throw new SweepSpecException([.. _errors.OrderBy(e => e.Line).ThenBy(e => e.Column)], d.SourceName);
        }

        return new SweepSpec
        {
            Id = d.Id,
            Name = d.Name,
            Model = d.Model,
            ModelDType = _modelDType,
            Data = d.Data,
            BaseDirectory = baseDirectory is null ? null : Path.GetFullPath(baseDirectory),
            SourceName = d.SourceName,
            Task = d.Task,
            Metric = d.Metric,
            Mode = d.Mode == "min" ? MetricMode.Min : MetricMode.Max,
            MaxConcurrentTrials = d.MaxConcurrentTrials,
            Seeds = [.. d.Seeds],
            NumSamples = d.NumSamples,
            SearchSeed = d.SearchSeed,
            Method = method,
            Parameters = _parameters,
            Methods = methods,
            Locations = d.Positions.ToDictionary(p => p.Key, p => (p.Value.Line, p.Value.Column), StringComparer.Ordinal),
            Stopping = stopping,
        };
    }

    /// <summary>A <c>scheduler.*</c> key: one fixed value, checked with the others by <see cref="SchedulerBlock.Read"/>.</summary>
    private void ReadSchedulerSetting(SweepSetting setting)
    {
        if (setting.Domain is not (null or "") || setting.Values is not { Count: 1 } values)
        {
            Error(setting.Path, $"{setting.Path} must be one fixed value");
            return;
        }

        (_scheduler ??= new Dictionary<string, string?>(StringComparer.Ordinal))[setting.Path[(SchedulerBlock.Key.Length + 1)..]] = values[0];
    }

    private void ReadModelDType(SweepSetting setting)
    {
        var value = setting.Values is { Count: 1 } values ? values[0] : null;
        if (setting.Domain is not (null or "") || value is null)
        {
            Error(SweepDefinitions.ModelDTypePath, "model.dtype must be one fixed value");
        }
        else if (!ModelDTypes.IsKnown(value))
        {
            Error(SweepDefinitions.ModelDTypePath, $"unknown model.dtype '{value}'; expected one of {string.Join(", ", ModelDTypes.All)}");
        }
        else
        {
            _modelDType = value;
        }
    }

    private void CheckTopLevel(SweepDefinition d)
    {
        if (d.Id is not null && !IdPattern.IsMatch(d.Id))
        {
            Error("id", $"id must match [a-z0-9][a-z0-9-]{{0,62}}, got '{d.Id}'");
        }

        foreach (var (key, value) in new[] { ("model", d.Model), ("data", d.Data) })
        {
            if (string.IsNullOrWhiteSpace(value) || value.Contains('\0', StringComparison.Ordinal))
            {
                Error(key, $"{key} must be a non-empty path, got '{value}'");
            }
        }

        Word("task", d.Task, SpecSchema.Tasks);
        if (Word("metric", d.Metric, SpecSchema.Metrics) && Word("mode", d.Mode, SpecSchema.Modes))
        {
            var expected = d.Metric.EndsWith("_loss", StringComparison.Ordinal) ? "min" : "max";
            if (d.Mode != expected)
            {
                Error("mode", $"mode {d.Mode} contradicts metric {d.Metric}; write mode: {expected} or leave mode out");
            }
        }

        if (d.MaxConcurrentTrials < 1)
        {
            Error("max_concurrent_trials", $"max_concurrent_trials must be >= 1, got {d.MaxConcurrentTrials}");
        }

        if (d.NumSamples < 1)
        {
            Error("num_samples", $"num_samples must be >= 1, got {d.NumSamples}");
        }

        if (d.Seeds.Count == 0)
        {
            Error("seeds", "seeds needs at least one seed");
        }
        else if (d.Seeds.Distinct().Count() != d.Seeds.Count)
        {
            Error("seeds", "seeds must be distinct");
        }
    }

    private bool Word(string key, string? value, IReadOnlyList<string> allowed)
    {
        if (value is not null && allowed.Contains(value))
        {
            return true;
        }

        Error(key, $"unknown {key} '{value}'; expected one of {string.Join(", ", allowed)}");
        return false;
    }

    private void CheckMethodBlocks(List<string> methods)
    {
        if (_errors.Any(e => e.Path == "method" || e.Path.StartsWith("method.", StringComparison.Ordinal)))
        {
            return;
        }

        foreach (var block in _parameters.Select(p => p.Section).Where(TrialMethods.Allocates).Distinct().Where(b => !methods.Contains(b)))
        {
            Error(_parameters.First(p => p.Section == block).Path, $"{block} settings given but method never takes the value {block} (it takes {string.Join(", ", methods)})");
        }
    }

    private void CheckSize(SweepDefinition d)
    {
        if (d.NumSamples > 1 && !_parameters.Any(p => p.Domain.IsRandom))
        {
            Error("num_samples", $"num_samples is {d.NumSamples} but no setting has a random domain, so every sample would repeat the same trials");
        }

        var trials = (double)Math.Max(d.NumSamples, 1) * Math.Max(d.Seeds.Count, 1);
        foreach (var p in _parameters.Where(p => p.Domain.IsGrid))
        {
            trials *= ((GridSearchDomain)p.Domain).Values.Count;
        }

        if (trials > SweepSpecParser.MaxTrials)
        {
            Error("", $"the sweep expands to {trials:0} trials before duplicates are collapsed, more than the limit of {SweepSpecParser.MaxTrials}");
        }
    }

    /// <summary>Records an error at <paramref name="path"/>, positioned where the client says its value was written.</summary>
    private void Error(string path, string message)
    {
        var at = definition.Positions.GetValueOrDefault(path);
        _errors.Add(new SpecError(path, at?.Line ?? 0, at?.Column ?? 0, message));
    }
}
