using System.Text.Json;

namespace ALoRA.EndToEnd.Tests;

/// <summary>Reading what <c>alora --format json</c> printed.</summary>
internal static class JsonOutput
{
    /// <summary>One JSON document: the whole of <paramref name="result"/>'s stdout; fails with the output when it is not one.</summary>
    public static JsonElement Document(CliResult result)
    {
        try
        {
            using var document = JsonDocument.Parse(result.Stdout);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"stdout is not one JSON document ({ex.Message}):\n{result}");
        }
    }

    /// <summary>
    /// Splits the stdout of <c>alora watch --format json</c> (or <c>submit --watch</c>): optionally a leading one-line
    /// document (submit's answer), then one event object per line, then the final indented status document. Fails when
    /// a line between them is not a JSON object on its own.
    /// </summary>
    public static (JsonElement? Header, IReadOnlyList<JsonElement> Events, JsonElement Final) WatchStream(CliResult result, bool header)
    {
        var lines = result.Stdout.Split('\n');
        var start = 0;
        JsonElement? head = null;
        if (header)
        {
            Assert.True(lines.Length > 0 && lines[0].StartsWith('{') && lines[0].EndsWith('}'), $"no leading one-line document:\n{result}");
            head = Parse(lines[0], result);
            Assert.False(head.Value.TryGetProperty("sequence", out _), $"the first line is an event, not submit's answer:\n{result}");
            start = 1;
        }

        var finalStart = Array.LastIndexOf(lines, "{");
        Assert.True(finalStart >= start, $"no final status document:\n{result}");
        var final = Parse(string.Join('\n', lines[finalStart..]), result);
        var events = new List<JsonElement>();
        foreach (var line in lines[start..finalStart])
        {
            Assert.True(line.StartsWith('{') && line.EndsWith('}'), $"not one JSON object on its own line: '{line}'\n{result}");
            events.Add(Parse(line, result));
        }

        return (head, events, final);
    }

    /// <summary>The trial of a status document (snake_case) with the given method.</summary>
    public static JsonElement Trial(JsonElement status, string method) =>
        status.GetProperty("trials").EnumerateArray().Single(t => t.GetProperty("method").GetString() == method);

    public static string Str(this JsonElement e, string name) => e.GetProperty(name).GetString()!;

    public static int Int(this JsonElement e, string name) => e.GetProperty(name).GetInt32();

    public static long Long(this JsonElement e, string name) => e.GetProperty(name).GetInt64();

    public static double Num(this JsonElement e, string name) => e.GetProperty(name).GetDouble();

    public static bool IsNull(this JsonElement e, string name) => e.GetProperty(name).ValueKind == JsonValueKind.Null;

    private static JsonElement Parse(string text, CliResult result)
    {
        try
        {
            using var document = JsonDocument.Parse(text);
            return document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new Xunit.Sdk.XunitException($"not JSON ({ex.Message}): '{text}'\n{result}");
        }
    }
}
