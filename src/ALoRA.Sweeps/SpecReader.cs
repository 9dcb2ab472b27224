using System.Globalization;
using System.Text.RegularExpressions;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Sweeps.Stopping;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ALoRA.Sweeps;

/// <summary>
/// One parse of a sweep spec: walks the YAML node tree (for line/column marks), collects every error, then runs the
/// checks that span several keys. Single use.
/// </summary>
internal sealed partial class SpecReader
{
    private static readonly Regex IdPattern = new(SpecSchema.IdPattern, RegexOptions.CultureInvariant);

    private readonly List<SpecError> _errors = [];
    private readonly Dictionary<string, (int Line, int Column)> _locations = new(StringComparer.Ordinal);
    private readonly HashSet<string> _badPaths = new(StringComparer.Ordinal);
    private readonly List<SweepParameter> _parameters = [];
    private readonly Dictionary<string, YamlNode> _methodBlocks = new(StringComparer.Ordinal);
    private readonly Dictionary<string, YamlNode> _topKeys = new(StringComparer.Ordinal);

    private string? _id;
    private string? _name;
    private string? _model;
    private string? _modelDType;
    private string? _data;
    private string? _task;
    private string _metric = SpecSchema.DefaultMetric;
    private string? _mode;
    private int _maxConcurrent = SpecSchema.DefaultMaxConcurrentTrials;
    private List<long> _seeds = [.. SpecSchema.DefaultSeeds];
    private int _numSamples = SpecSchema.DefaultNumSamples;
    private long _searchSeed;
    private YamlNode _root = new YamlMappingNode();

    /// <summary>Parses <paramref name="yaml"/>; throws <see cref="SweepSpecException"/> listing every problem.</summary>
    public SweepSpec Read(string yaml, string? sourceName, string? baseDirectory)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        if (yaml.Length > SweepSpecParser.MaxSpecLength)
        {
            throw new SweepSpecException(
                [new SpecError("", 0, 0, $"the spec is {yaml.Length} characters long; a spec may have at most {SweepSpecParser.MaxSpecLength} (1 MiB)")], sourceName);
        }

        var stream = new YamlStream();
        var parser = new TrackingParser(new Parser(new StringReader(yaml)), SweepSpecParser.MaxNestingDepth);
        try
        {
            stream.Load(parser);
        }
        catch (YamlException e)
        {
            var message = e.InnerException is { } inner && inner.Message.Length > 0 && !e.Message.Contains(inner.Message, StringComparison.Ordinal)
                ? $"{Strip(e.Message)}: {inner.Message}"
                : Strip(e.Message);
            throw new SweepSpecException([new SpecError("", (int)e.Start.Line, (int)e.Start.Column, "malformed YAML: " + message)], sourceName);
        }
        catch (InvalidOperationException)
        {
            // YamlDotNet occasionally fails without a YamlException (an unclosed flow sequence before a key, for one):
            // report the position after the last event it read.
            var at = parser.LastEnd;
            throw new SweepSpecException([new SpecError("", (int)at.Line, (int)at.Column, "malformed YAML after this point (an unclosed [ or {, or a key inside a flow collection?)")], sourceName);
        }

        if (stream.Documents.Count == 0 || stream.Documents[0].RootNode is YamlScalarNode { Value: null or "" })
        {
            throw new SweepSpecException([new SpecError("", 0, 0, "the spec is empty; it needs at least model, data and task")], sourceName);
        }

        if (stream.Documents.Count > 1)
        {
            Error("", stream.Documents[1].RootNode, $"a spec is one YAML document; this file has {stream.Documents.Count}");
        }

        _root = stream.Documents[0].RootNode;
        if (_root is not YamlMappingNode root)
        {
            throw new SweepSpecException([At("", _root, $"a spec must be a mapping of keys (model:, data:, task:, ...), got {Describe(_root)}")], sourceName);
        }

        ReadTopLevel(root);
        CheckRequired();
        var methods = CheckMethods();
        CheckMode();
        CheckAcrossKeys(methods);
        CheckScheduler();
        CheckSize();
        if (_errors.Count > 0)
        {
            throw new SweepSpecException([.. _errors.OrderBy(e => e.Line).ThenBy(e => e.Column)], sourceName);
        }

        var method = _parameters.FirstOrDefault(p => p.Path == "method") ?? new SweepParameter("method", "", "method", new FixedDomain(TrialMethods.Alora));
        return new SweepSpec
        {
            Id = _id,
            Name = _name,
            Model = _model!,
            ModelDType = _modelDType,
            Data = _data!,
            BaseDirectory = baseDirectory is null ? null : Path.GetFullPath(baseDirectory),
            SourceName = sourceName,
            Task = _task!,
            Metric = _metric,
            Mode = _mode == "min" || (_mode is null && IsLossMetric(_metric)) ? MetricMode.Min : MetricMode.Max,
            MaxConcurrentTrials = _maxConcurrent,
            Seeds = _seeds,
            NumSamples = _numSamples,
            SearchSeed = _searchSeed,
            Method = method,
            Parameters = _parameters,
            Methods = methods,
            Locations = _locations,
            Stopping = _stopping,
        };
    }

    private void ReadTopLevel(YamlMappingNode root)
    {
        foreach (var (keyNode, value) in root.Children)
        {
            if (keyNode is not YamlScalarNode { Value: { } key })
            {
                Error("", keyNode, "keys must be plain strings");
                continue;
            }

            _topKeys[key] = keyNode;
            _locations[key] = Loc(value);
            switch (key)
            {
                case "id":
                    _id = ReadText(key, value);
                    if (_id is not null && !IdPattern.IsMatch(_id))
                    {
                        Error(key, value, $"id must match [a-z0-9][a-z0-9-]{{0,62}} (lowercase letters, digits and '-', starting with a letter or digit, at most 63 characters), got '{_id}'");
                        _id = null;
                    }

                    break;
                case "name":
                    _name = ReadText(key, value);
                    break;
                case "model":
                    ReadModel(value);
                    break;
                case "data":
                    _data = ReadText(key, value);
                    break;
                case "task":
                    _task = ReadWord(key, value, SpecSchema.Tasks);
                    break;
                case "metric":
                    _metric = ReadWord(key, value, SpecSchema.Metrics) ?? _metric;
                    break;
                case "mode":
                    _mode = ReadWord(key, value, SpecSchema.Modes);
                    break;
                case "max_concurrent_trials":
                    _maxConcurrent = (int)(ReadInteger(key, value, 1, int.MaxValue) ?? _maxConcurrent);
                    break;
                case "num_samples":
                    _numSamples = (int)(ReadInteger(key, value, 1, int.MaxValue) ?? _numSamples);
                    break;
                case "search_seed":
                    _searchSeed = ReadInteger(key, value, long.MinValue, long.MaxValue) ?? _searchSeed;
                    break;
                case "seeds":
                    _seeds = ReadSeeds(value) ?? _seeds;
                    break;
                case SchedulerBlock.Key:
                    ReadScheduler(value);
                    break;
                case "method":
                    if (ReadSetting("method", SpecSchema.Method, value) is { } domain)
                    {
                        _parameters.Add(new SweepParameter("method", "", "method", domain));
                    }

                    break;
                default:
                    if (SpecSchema.Section(key) is { } defs)
                    {
                        ReadBlock(key, keyNode, value, defs);
                    }
                    else
                    {
                        UnknownKey("", key, keyNode, SpecSchema.TopLevelKeys, "the spec");
                    }

                    break;
            }
        }
    }

    /// <summary><c>model: &lt;path&gt;</c>, or the mapping <c>model: {path: &lt;path&gt;, dtype: &lt;dtype&gt;}</c>.</summary>
    private void ReadModel(YamlNode value)
    {
        if (value is not YamlMappingNode mapping)
        {
            _model = ReadText("model", value);
            return;
        }

        YamlNode? pathNode = null;
        foreach (var (keyNode, child) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value;
            switch (key)
            {
                case "path":
                    pathNode = child;
                    _locations["model.path"] = Loc(child);
                    _model = ReadText("model.path", child);
                    break;
                case "dtype":
                    _locations["model.dtype"] = Loc(child);
                    _modelDType = ReadWord("model.dtype", child, ModelDTypes.All);
                    break;
                default:
                    UnknownKey("model", key ?? "", keyNode, ["path", "dtype"], "model");
                    break;
            }
        }

        if (pathNode is null)
        {
            Error("model.path", value, "model.path is required when model is a mapping (model: {path: <model folder>, dtype: <dtype>})");
        }
    }

    private string? ReadText(string key, YamlNode node)
    {
        if (node is YamlScalarNode scalar && !IsNull(scalar) && !string.IsNullOrWhiteSpace(scalar.Value))
        {
            return scalar.Value;
        }

        Error(key, node, $"{key} must be a non-empty string, got {Describe(node)}{DomainHint(node)}");
        return null;
    }

    private string? ReadWord(string key, YamlNode node, IReadOnlyList<string> allowed)
    {
        var text = ReadText(key, node);
        if (text is null || allowed.Contains(text))
        {
            return text;
        }

        Error(key, node, $"unknown {key} '{text}'; expected one of {string.Join(", ", allowed)}{DidYouMean(text, allowed)}");
        return null;
    }

    private long? ReadInteger(string key, YamlNode node, long min, long max)
    {
        if (!TryInteger(node, out var value))
        {
            Error(key, node, $"{key} must be an integer, got {Describe(node)}{DomainHint(node)}");
            return null;
        }

        if (value < min || value > max)
        {
            Error(key, node, max == int.MaxValue ? $"{key} must be >= {min}, got {value}" : $"{key} must be in [{min}, {max}], got {value}");
            return null;
        }

        return value;
    }

    private List<long>? ReadSeeds(YamlNode node)
    {
        if (node is not YamlSequenceNode sequence)
        {
            var hint = node is YamlScalarNode s && TryInteger(s, out _) ? $"; write [{s.Value}]" : DomainHint(node);
            Error("seeds", node, $"seeds must be a list of integers, got {Describe(node)}{hint}");
            return null;
        }

        if (sequence.Children.Count == 0)
        {
            Error("seeds", node, "seeds needs at least one seed");
            return null;
        }

        var seeds = new List<long>();
        var ok = true;
        for (var i = 0; i < sequence.Children.Count; i++)
        {
            var item = sequence.Children[i];
            var path = $"seeds[{i}]";
            if (!TryInteger(item, out var seed))
            {
                Error(path, item, $"seeds must be integers, got {Describe(item)}");
                ok = false;
            }
            else if (seeds.Contains(seed))
            {
                Error(path, item, $"seeds lists {seed} twice; every seed must be distinct");
                ok = false;
            }
            else
            {
                seeds.Add(seed);
            }
        }

        return ok ? seeds : null;
    }

    private void UnknownKey(string section, string key, YamlNode keyNode, IEnumerable<string> valid, string where, string? hint = null)
    {
        var path = section.Length == 0 ? key : $"{section}.{key}";
        var suggestion = hint ?? DidYouMean(key, valid);
        if (suggestion.Length == 0)
        {
            suggestion = "; expected one of " + string.Join(", ", valid);
        }

        Error(path, keyNode, $"unknown key '{key}' in {where}{suggestion}");
    }

    private void Error(string path, YamlNode? node, string message)
    {
        _errors.Add(At(path, node, message));
        _badPaths.Add(path);
    }

    private static SpecError At(string path, YamlNode? node, string message)
    {
        var (line, column) = node is null ? (0, 0) : Loc(node);
        return new SpecError(path, line, column, message);
    }

    private static (int Line, int Column) Loc(YamlNode node) => ((int)node.Start.Line, (int)node.Start.Column);

    private static bool IsNull(YamlScalarNode scalar) =>
        scalar.Style is ScalarStyle.Plain or ScalarStyle.Any && scalar.Value is null or "" or "~" or "null" or "Null" or "NULL";

    private static bool IsPlain(YamlScalarNode scalar) => scalar.Style is ScalarStyle.Plain or ScalarStyle.Any;

    private static bool TryInteger(YamlNode node, out long value)
    {
        value = 0;
        return node is YamlScalarNode scalar && IsPlain(scalar)
            && long.TryParse(scalar.Value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out value);
    }

    private static bool TryReal(YamlNode node, out double value)
    {
        value = 0;
        return node is YamlScalarNode scalar && IsPlain(scalar)
            && double.TryParse(scalar.Value, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint | NumberStyles.AllowExponent, CultureInfo.InvariantCulture, out value)
            && double.IsFinite(value);
    }

    private static string Describe(YamlNode node) => node switch
    {
        YamlScalarNode s when IsNull(s) => "null",
        YamlScalarNode s when IsPlain(s) => s.Value ?? "",
        YamlScalarNode s => $"the string \"{s.Value}\"",
        YamlSequenceNode => "a list",
        YamlMappingNode m => "a mapping" + (m.Children.Count > 0 ? " with keys " + string.Join(", ", m.Children.Keys.Select(k => k.ToString())) : ""),
        _ => "an alias",
    };

    private static string DomainHint(YamlNode node) =>
        node is YamlMappingNode m && m.Children.Keys.Any(k => k is YamlScalarNode { Value: { } v } && SpecSchema.DomainKeywords.Contains(v))
            ? "; search domains are only allowed on method and on the settings under lora, training and the method blocks"
            : "";

    private static bool IsLossMetric(string metric) => metric.EndsWith("_loss", StringComparison.Ordinal);

    private static string Strip(string message)
    {
        // YamlDotNet prefixes messages with "(Line: 3, Col: 5, Idx: 20) - (Line: ...): "; the error carries the position.
        var i = message.LastIndexOf("): ", StringComparison.Ordinal);
        return message.StartsWith("(Line:", StringComparison.Ordinal) && i >= 0 ? message[(i + 3)..] : message;
    }

    /// <summary>"; did you mean 'x'?" for the closest candidate within a small edit distance, else empty.</summary>
    internal static string DidYouMean(string given, IEnumerable<string> candidates)
    {
        static string Norm(string s) => s.ToLowerInvariant().Replace('-', '_');
        var best = candidates
            .Select(c => (Candidate: c, Distance: EditDistance(Norm(given), Norm(c))))
            .OrderBy(x => x.Distance)
            .FirstOrDefault();
        return best.Candidate is not null && best.Distance <= Math.Max(1, given.Length / 3) ? $"; did you mean '{best.Candidate}'?" : "";
    }

    private static int EditDistance(string a, string b)
    {
        var d = new int[a.Length + 1, b.Length + 1];
        for (var i = 0; i <= a.Length; i++)
        {
            d[i, 0] = i;
        }

        for (var j = 0; j <= b.Length; j++)
        {
            d[0, j] = j;
        }

        for (var i = 1; i <= a.Length; i++)
        {
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = a[i - 1] == b[j - 1] ? 0 : 1;
                d[i, j] = Math.Min(Math.Min(d[i - 1, j] + 1, d[i, j - 1] + 1), d[i - 1, j - 1] + cost);
                if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                {
                    d[i, j] = Math.Min(d[i, j], d[i - 2, j - 2] + 1);
                }
            }
        }

        return d[a.Length, b.Length];
    }
}
