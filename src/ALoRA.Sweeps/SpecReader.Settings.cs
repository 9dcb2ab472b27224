using ALoRA.Abstractions.Sweeps;
using YamlDotNet.RepresentationModel;

namespace ALoRA.Sweeps;

/// <summary>Blocks of settings (<c>lora</c>, <c>training</c>, the method blocks), their values and search domains.</summary>
internal sealed partial class SpecReader
{
    private void ReadBlock(string section, YamlNode keyNode, YamlNode value, IReadOnlyList<SettingDef> defs)
    {
        if (TrialMethods.Allocates(section))
        {
            _methodBlocks[section] = keyNode;
        }

        if (value is YamlScalarNode scalar && IsNull(scalar))
        {
            return;
        }

        if (value is not YamlMappingNode block)
        {
            Error(section, value, $"{section} must be a mapping of settings ({string.Join(", ", defs.Select(d => d.Key))}), got {Describe(value)}");
            return;
        }

        foreach (var (settingKeyNode, settingValue) in block.Children)
        {
            if (settingKeyNode is not YamlScalarNode { Value: { } key })
            {
                Error(section, settingKeyNode, "keys must be plain strings");
                continue;
            }

            var def = defs.FirstOrDefault(d => d.Key == key);
            var path = $"{section}.{key}";
            if (def is null)
            {
                UnknownKey(section, key, settingKeyNode, defs.Select(d => d.Key), section, UnknownSettingHint(section, key));
                continue;
            }

            _locations[path] = Loc(settingValue);
            if (ReadSetting(path, def, settingValue) is { } domain)
            {
                _parameters.Add(new SweepParameter(path, section, key, domain));
            }
        }
    }

    private static string? UnknownSettingHint(string section, string key)
    {
        if (key == "seed" && section == SpecSchema.TrainingSection)
        {
            return "; the seed is set per trial from the top-level seeds list";
        }

        if (SpecSchema.TopLevelKeys.Contains(key))
        {
            return $"; {key} is a top-level key";
        }

        var owners = SpecSchema.SectionsWithKey(key, section).ToList();
        return owners.Count > 0 ? $"; {key} belongs under {string.Join(" or ", owners)}" : null;
    }

    /// <summary>A setting's value or search domain, or null after reporting its errors.</summary>
    private SearchDomain? ReadSetting(string path, SettingDef def, YamlNode node)
    {
        if (def.Kind == SettingKind.ModuleList)
        {
            return ReadModules(path, def, node) is { } modules ? new FixedDomain(modules) : null;
        }

        if (node is YamlMappingNode mapping)
        {
            return ReadDomain(path, def, mapping);
        }

        return TryReadValue(path, def, node, out var value, null) ? new FixedDomain(value) : null;
    }

    /// <summary>Reads one value of <paramref name="def"/>'s type and checks its range; <paramref name="context"/> names a domain.</summary>
    private bool TryReadValue(string path, SettingDef def, YamlNode node, out object? value, string? context)
    {
        value = null;
        var of = context is null ? "" : $" ({context})";
        if (node is not YamlScalarNode scalar)
        {
            var hint = node is YamlSequenceNode && context is null ? "; to search over several values write {grid_search: [...]}" : "";
            Error(path, node, $"{def.Key} must be {def.TypeName}{of}, got {Describe(node)}{hint}");
            return false;
        }

        if (IsNull(scalar))
        {
            if (def.Nullable)
            {
                return true;
            }

            Error(path, node, $"{def.Key} must be {def.TypeName}{of}, got null");
            return false;
        }

        string? typeError = null;
        switch (def.Kind)
        {
            case SettingKind.Integer:
                if (TryInteger(scalar, out var l) && l is >= int.MinValue and <= int.MaxValue)
                {
                    value = l;
                }
                else
                {
                    typeError = "";
                }

                break;
            case SettingKind.Real:
                if (TryReal(scalar, out var d))
                {
                    value = d;
                }
                else
                {
                    typeError = "";
                }

                break;
            case SettingKind.Boolean:
                if (IsPlain(scalar) && bool.TryParse(scalar.Value, out var b))
                {
                    value = b;
                }
                else
                {
                    typeError = "";
                }

                break;
            case SettingKind.Schedule:
                if (ScheduleLength.TryParse(scalar.Value, out var length, out var scheduleError))
                {
                    value = length.ToString();
                }
                else
                {
                    typeError = scheduleError.Contains("whole number", StringComparison.Ordinal) ? "; a step count must be a whole number" : "";
                }

                break;
            default:
                value = scalar.Value ?? "";
                if (def.Allowed is { } allowed && !allowed.Contains((string)value))
                {
                    Error(path, node, $"unknown {def.Key} '{value}'{of}; expected one of {string.Join(", ", allowed)}{DidYouMean((string)value, allowed)}");
                    return false;
                }

                break;
        }

        if (typeError is not null)
        {
            Error(path, node, $"{def.Key} must be {def.TypeName}{of}, got {Describe(node)}{typeError}");
            return false;
        }

        if (def.CheckRange(value!) is { } rangeError)
        {
            Error(path, node, $"{def.Key} {rangeError}{of}, got {SpecSchema.Format(value)}");
            return false;
        }

        return true;
    }

    private SearchDomain? ReadDomain(string path, SettingDef def, YamlMappingNode mapping)
    {
        var keywords = SpecSchema.DomainKeywords;
        var keys = mapping.Children.Keys.Select(k => (k as YamlScalarNode)?.Value ?? "").ToList();
        if (keys.Count != 1)
        {
            Error(path, mapping, keys.Any(keywords.Contains)
                ? $"{def.Key}: a search domain has exactly one key ({string.Join(", ", keywords)}), got {keys.Count}: {string.Join(", ", keys)}"
                : $"{def.Key} must be {def.TypeName} or a search domain ({string.Join(", ", keywords)}), got {Describe(mapping)}");
            return null;
        }

        var (keyNode, body) = mapping.Children.First();
        var keyword = keys[0];
        var at = $"{path}.{keyword}";
        switch (keyword)
        {
            case "grid_search" or "choice":
                var values = ReadValueList(at, def, keyword, body);
                return values is null ? null : keyword == "choice" ? new ChoiceDomain(values) : new GridSearchDomain(values);
            case "uniform" or "loguniform":
                if (def.Kind != SettingKind.Real)
                {
                    Error(at, keyNode, $"{keyword} draws real numbers but {def.Key} must be {def.TypeName}; use {(def.Kind == SettingKind.Integer ? "randint, grid_search or choice" : "grid_search or choice")}");
                    return null;
                }

                return ReadRealRange(at, def, keyword, body);
            case "randint":
                if (def.Kind != SettingKind.Integer)
                {
                    Error(at, keyNode, $"randint draws integers but {def.Key} must be {def.TypeName}; use {(def.Kind == SettingKind.Real ? "uniform, loguniform, grid_search or choice" : "grid_search or choice")}");
                    return null;
                }

                return ReadIntegerRange(at, def, body);
            default:
                var suggestion = DidYouMean(keyword, keywords);
                Error(at, keyNode, suggestion.Length > 0
                    ? $"unknown search domain '{keyword}' for {def.Key}{suggestion}"
                    : $"{def.Key} must be {def.TypeName} or a search domain ({string.Join(", ", keywords)}), got {Describe(mapping)}");
                return null;
        }
    }

    private List<object?>? ReadValueList(string at, SettingDef def, string keyword, YamlNode body)
    {
        if (body is not YamlSequenceNode list)
        {
            Error(at, body, $"{keyword} for {def.Key} needs a list of values, got {Describe(body)}");
            return null;
        }

        if (list.Children.Count == 0)
        {
            Error(at, body, $"{keyword} for {def.Key} needs at least one value, got an empty list");
            return null;
        }

        var values = new List<object?>();
        var ok = true;
        for (var i = 0; i < list.Children.Count; i++)
        {
            if (TryReadValue($"{at}[{i}]", def, list.Children[i], out var value, $"in {keyword}"))
            {
                values.Add(value);
            }
            else
            {
                ok = false;
            }
        }

        return ok ? values : null;
    }

    private SearchDomain? ReadRealRange(string at, SettingDef def, string keyword, YamlNode body)
    {
        if (!TryPair<double>(at, def, keyword, body, "numbers", TryReal, out var low, out var high))
        {
            return null;
        }

        if (keyword == "loguniform" && low <= 0)
        {
            Error(at, body, $"loguniform for {def.Key} needs 0 < low <= high (it samples in log space), got [{SpecSchema.Format(low)}, {SpecSchema.Format(high)}]");
            return null;
        }

        if (low > high)
        {
            Error(at, body, $"{keyword} for {def.Key} needs low <= high, got [{SpecSchema.Format(low)}, {SpecSchema.Format(high)}]");
            return null;
        }

        SearchDomain domain = keyword == "uniform" ? new UniformDomain(low, high) : new LogUniformDomain(low, high);
        return CheckExtremes(at, def, keyword, body, domain);
    }

    private SearchDomain? ReadIntegerRange(string at, SettingDef def, YamlNode body)
    {
        if (!TryPair<long>(at, def, "randint", body, "integers", TryInteger, out var low, out var high))
        {
            return null;
        }

        if (low >= high)
        {
            Error(at, body, $"randint for {def.Key} needs low < high (high is exclusive), got [{low}, {high}]");
            return null;
        }

        if (low < int.MinValue || high - 1 > int.MaxValue)
        {
            Error(at, body, $"randint for {def.Key} must stay within 32-bit integers, got [{low}, {high}]");
            return null;
        }

        return CheckExtremes(at, def, "randint", body, new RandIntDomain(low, high));
    }

    private delegate bool TryParseNode<T>(YamlNode node, out T value);

    private bool TryPair<T>(string at, SettingDef def, string keyword, YamlNode body, string what, TryParseNode<T> parse, out T low, out T high)
    {
        low = default!;
        high = default!;
        if (body is not YamlSequenceNode { Children.Count: 2 } pair)
        {
            Error(at, body, $"{keyword} for {def.Key} needs two {what} [low, high], got {Describe(body)}");
            return false;
        }

        var ok = true;
        for (var i = 0; i < 2; i++)
        {
            if (!parse(pair.Children[i], out var v))
            {
                Error($"{at}[{i}]", pair.Children[i], $"{keyword} for {def.Key} needs two {what} [low, high]; {(i == 0 ? "low" : "high")} is {Describe(pair.Children[i])}");
                ok = false;
            }
            else if (i == 0)
            {
                low = v;
            }
            else
            {
                high = v;
            }
        }

        return ok;
    }

    private SearchDomain? CheckExtremes(string at, SettingDef def, string keyword, YamlNode body, SearchDomain domain)
    {
        foreach (var extreme in domain.Extremes)
        {
            if (def.CheckRange(extreme!) is { } rangeError)
            {
                Error(at, body, $"{def.Key} {rangeError}, but {keyword} can give {SpecSchema.Format(extreme)}");
                return null;
            }
        }

        return domain;
    }

    private List<string>? ReadModules(string path, SettingDef def, YamlNode node)
    {
        if (node is not YamlSequenceNode list)
        {
            var why = node is YamlMappingNode ? "; search domains are only allowed on scalar settings, not on lists" : "";
            Error(path, node, $"{def.Key} must be {def.TypeName} (a subset of {string.Join(", ", LoraSettings.LlamaModuleNames)}), got {Describe(node)}{why}");
            return null;
        }

        if (list.Children.Count == 0)
        {
            Error(path, node, $"{def.Key} needs at least one module");
            return null;
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        var ok = true;
        for (var i = 0; i < list.Children.Count; i++)
        {
            var item = list.Children[i];
            var at = $"{path}[{i}]";
            if (item is not YamlScalarNode { Value: { } name } || IsNull((YamlScalarNode)item))
            {
                Error(at, item, $"{def.Key} entries must be module names, got {Describe(item)}");
                ok = false;
            }
            else if (!LoraSettings.LlamaModuleNames.Contains(name))
            {
                Error(at, item, $"unknown module '{name}' in {def.Key}; LLaMA layers have {string.Join(", ", LoraSettings.LlamaModuleNames)}{DidYouMean(name, LoraSettings.LlamaModuleNames)}");
                ok = false;
            }
            else if (!seen.Add(name))
            {
                Error(at, item, $"{def.Key} lists '{name}' twice");
                ok = false;
            }
        }

        // Canonical (model) order, so that equivalent lists give equal configurations and hashes.
        return ok ? [.. LoraSettings.LlamaModuleNames.Where(seen.Contains)] : null;
    }
}
