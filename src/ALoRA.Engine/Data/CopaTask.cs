using System.Text.Json;

namespace ALoRA.Engine.Data;

/// <summary>
/// COPA causal reasoning (SuperGLUE). Fields: <c>premise</c>, <c>choice1</c>, <c>choice2</c>,
/// <c>question</c> (<c>"cause"</c> or <c>"effect"</c>) and <c>label</c> (0 = choice1, 1 = choice2).
/// Prompt: the premise without its final period, then <c>" because"</c> (cause) or <c>" so"</c> (effect),
/// e.g. <c>"My body cast a shadow over the grass because"</c>.
/// Candidates: the two choices, with the first letter lower-cased unless the first word is "I" or "I'…"
/// (e.g. <c>"the sun was rising."</c>).
/// </summary>
public sealed class CopaTask : ITaskTemplate
{
    /// <inheritdoc />
    public string Name => "copa";

    /// <inheritdoc />
    public bool IsClassification => true;

    /// <inheritdoc />
    public TaskExample Parse(JsonElement row, string file, int line)
    {
        var premise = JsonFields.RequireText(row, file, line, "premise");
        var choice1 = JsonFields.RequireText(row, file, line, "choice1");
        var choice2 = JsonFields.RequireText(row, file, line, "choice2");
        var connective = JsonFields.RequireLabel(row, file, line, ["question"], 2, ["cause", "effect"]) == 0 ? "because" : "so";
        var label = JsonFields.RequireLabel(row, file, line, ["label"], 2);
        var prompt = $"{premise.TrimEnd('.')} {connective}";
        return new TaskExample(prompt, [LowerFirst(choice1), LowerFirst(choice2)], label);
    }

    private static string LowerFirst(string text)
    {
        var keepCase = text == "I" || text.StartsWith("I ", StringComparison.Ordinal) || text.StartsWith("I'", StringComparison.Ordinal);
        return keepCase ? text : char.ToLowerInvariant(text[0]) + text[1..];
    }
}
