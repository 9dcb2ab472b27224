using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace ALoRA.Sweeps.Tests.Schema;

/// <summary>
/// YAML to JSON as yaml-language-server sees it: plain scalars typed (null, booleans, integers, numbers), quoted ones
/// strings.
/// </summary>
internal static class YamlJson
{
    public static JsonNode? Convert(string yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(yaml));
        return Node(stream.Documents[0].RootNode);
    }

    private static JsonNode? Node(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(c => KeyValuePair.Create(((YamlScalarNode)c.Key).Value!, Node(c.Value)))),
        YamlSequenceNode s => new JsonArray([.. s.Children.Select(Node)]),
        YamlScalarNode s when s.Style is ScalarStyle.Plain or ScalarStyle.Any => Plain(s.Value),
        YamlScalarNode s => JsonValue.Create(s.Value),
        _ => throw new InvalidOperationException("aliases are not used in specs"),
    };

    private static JsonNode? Plain(string? value)
    {
        if (value is null or "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (bool.TryParse(value, out var b))
        {
            return b;
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }

        return double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d)
            ? JsonValue.Create(d)
            : JsonValue.Create(value);
    }
}
