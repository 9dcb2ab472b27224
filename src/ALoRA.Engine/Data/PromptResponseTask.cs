using System.Text.Json;

namespace ALoRA.Engine.Data;

/// <summary>
/// Generic generation task, registry name <c>prompt</c>. Fields: <c>prompt</c> and <c>response</c> (both
/// non-empty strings, trimmed). The prompt is used verbatim (no template); the single candidate is the
/// response, <c>Label</c> 0.
/// </summary>
public sealed class PromptResponseTask : ITaskTemplate
{
    /// <inheritdoc />
    public string Name => "prompt";

    /// <inheritdoc />
    public bool IsClassification => false;

    /// <inheritdoc />
    public TaskExample Parse(JsonElement row, string file, int line)
    {
        var prompt = JsonFields.RequireText(row, file, line, "prompt");
        var response = JsonFields.RequireText(row, file, line, "response");
        return new TaskExample(prompt, [response], 0);
    }
}
