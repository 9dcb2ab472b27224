using System.Text.Json;

namespace ALoRA.Engine.Data;

/// <summary>
/// SST-2 sentiment classification (GLUE). Fields: <c>text</c> (or GLUE's <c>sentence</c>) and <c>label</c>
/// (0 = negative, 1 = positive).
/// Prompt: <c>"{text} It was"</c>; label words (candidates): <c>negative</c> (0), <c>positive</c> (1).
/// So a training sequence reads e.g. <c>"a classic It was positive"</c>.
/// </summary>
public sealed class Sst2Task : ITaskTemplate
{
    private static readonly string[] LabelWords = ["negative", "positive"];

    /// <inheritdoc />
    public string Name => "sst2";

    /// <inheritdoc />
    public bool IsClassification => true;

    /// <inheritdoc />
    public TaskExample Parse(JsonElement row, string file, int line)
    {
        var text = JsonFields.RequireText(row, file, line, "text", "sentence");
        var label = JsonFields.RequireLabel(row, file, line, ["label"], LabelWords.Length);
        return new TaskExample($"{text} It was", LabelWords, label);
    }
}
