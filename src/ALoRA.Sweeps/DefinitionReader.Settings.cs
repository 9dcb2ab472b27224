using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps;

/// <summary>Settings of a definition: each value decoded by its setting's type and checked against its range.</summary>
internal sealed partial class DefinitionReader
{
    private void ReadSetting(SweepSetting setting)
    {
        var path = setting.Path;
        var dot = path.IndexOf('.', StringComparison.Ordinal);
        var (section, key) = path == "method" ? ("", "method") : dot > 0 ? (path[..dot], path[(dot + 1)..]) : (path, "");
        var def = section.Length == 0 ? SpecSchema.Method : SpecSchema.Section(section)?.FirstOrDefault(d => d.Key == key);
        if (def is null)
        {
            Error(path, $"unknown setting '{path}'");
            return;
        }

        var (keyword, values) = (setting.Domain ?? "", setting.Values ?? []);
        var domain = def.Kind == SettingKind.ModuleList ? ReadModules(path, def, keyword, values) : ReadDomain(path, def, keyword, values);
        if (domain is not null)
        {
            _parameters.Add(new SweepParameter(path, section, key, domain));
        }
    }

    private SearchDomain? ReadDomain(string path, SettingDef def, string keyword, IReadOnlyList<string?> texts)
    {
        switch (keyword)
        {
            case "":
                if (texts.Count != 1)
                {
                    return Fail(path, $"{def.Key}: a fixed value has one value, got {texts.Count}");
                }

                return TryValue(path, def, texts[0], out var value) ? new FixedDomain(value) : null;
            case "grid_search" or "choice":
                if (texts.Count == 0)
                {
                    return Fail(path, $"{keyword} for {def.Key} needs at least one value");
                }

                var values = new List<object?>();
                var ok = true;
                foreach (var text in texts)
                {
                    ok &= TryValue(path, def, text, out var v);
                    values.Add(v);
                }

                return !ok ? null : keyword == "choice" ? new ChoiceDomain(values) : new GridSearchDomain(values);
            case "uniform" or "loguniform" when def.Kind == SettingKind.Real:
                if (!TryPair(path, def, keyword, texts, out var low, out var high))
                {
                    return null;
                }

                var (l, h) = ((double)low!, (double)high!);
                return (keyword == "loguniform" && l <= 0) || l > h ? Fail(path, $"{keyword} for {def.Key} needs {(keyword == "loguniform" ? "0 < " : "")}low <= high, got [{Text(l)}, {Text(h)}]")
                    : Extremes(path, def, keyword, keyword == "uniform" ? new UniformDomain(l, h) : new LogUniformDomain(l, h));
            case "randint" when def.Kind == SettingKind.Integer:
                if (!TryPair(path, def, keyword, texts, out var lowInt, out var highInt))
                {
                    return null;
                }

                var (li, hi) = ((long)lowInt!, (long)highInt!);
                return li >= hi ? Fail(path, $"randint for {def.Key} needs low < high (high is exclusive), got [{li}, {hi}]")
                    : Extremes(path, def, keyword, new RandIntDomain(li, hi));
            default:
                return Fail(path, $"{def.Key} must be {def.TypeName}; '{keyword}' is not a search domain it can take");
        }
    }

    /// <summary>The two bounds of a range; the range check of the setting applies to its extremes, not to each bound.</summary>
    private bool TryPair(string path, SettingDef def, string keyword, IReadOnlyList<string?> texts, out object? low, out object? high)
    {
        low = high = null;
        if (texts.Count != 2 || texts[0] is null || texts[1] is null)
        {
            Fail(path, $"{keyword} for {def.Key} needs two numbers [low, high]");
            return false;
        }

        return TryDecode(path, def, texts[0], out low) & TryDecode(path, def, texts[1], out high);
    }

    private SearchDomain? Extremes(string path, SettingDef def, string keyword, SearchDomain domain)
    {
        foreach (var extreme in domain.Extremes)
        {
            if (def.CheckRange(extreme!) is { } rangeError)
            {
                return Fail(path, $"{def.Key} {rangeError}, but {keyword} can give {Text(extreme)}");
            }
        }

        return domain;
    }

    private SearchDomain? ReadModules(string path, SettingDef def, string keyword, IReadOnlyList<string?> names)
    {
        var known = LoraSettings.LlamaModuleNames;
        if (keyword.Length > 0 || names.Count == 0 || names.Any(n => n is null || !known.Contains(n)) || names.Distinct().Count() != names.Count)
        {
            return Fail(path, $"{def.Key} must be a non-empty list of distinct names from {string.Join(", ", known)}, got [{string.Join(", ", names)}]");
        }

        // Canonical (model) order, as the parser stores it.
        return new FixedDomain((IReadOnlyList<string>)[.. known.Where(names.Contains)]);
    }

    /// <summary>Decodes one value and checks its range.</summary>
    private bool TryValue(string path, SettingDef def, string? text, out object? value)
    {
        if (!TryDecode(path, def, text, out value))
        {
            return false;
        }

        if (value is not null && def.CheckRange(value) is { } rangeError)
        {
            Error(path, $"{def.Key} {rangeError}, got {text}");
            return false;
        }

        return true;
    }

    /// <summary>Decodes one value by the setting's type (no range check).</summary>
    private bool TryDecode(string path, SettingDef def, string? text, out object? value)
    {
        value = null;
        if (text is null)
        {
            if (!def.Nullable)
            {
                Error(path, $"{def.Key} must be {def.TypeName}, got null");
            }

            return def.Nullable;
        }

        var ok = true;
        switch (def.Kind)
        {
            case SettingKind.Integer:
                ok = long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l) && l is >= int.MinValue and <= int.MaxValue;
                value = l;
                break;
            case SettingKind.Real:
                ok = double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && double.IsFinite(r);
                value = r;
                break;
            case SettingKind.Boolean:
                ok = text is "true" or "false";
                value = text == "true";
                break;
            case SettingKind.Schedule:
                ok = ScheduleLength.TryParse(text, out var length);
                value = length.ToString();
                break;
            default:
                ok = def.Allowed is null || def.Allowed.Contains(text);
                value = text;
                break;
        }

        if (!ok)
        {
            Error(path, $"{def.Key} must be {def.TypeName}, got '{text}'");
        }

        return ok;
    }

    /// <summary>Records an error at <paramref name="path"/>; returns null (no domain) for use in expressions.</summary>
    private SearchDomain? Fail(string path, string message)
    {
        Error(path, message);
        return null;
    }

    private static string? Text(object? value) => SweepDefinitions.Text(value);
}
