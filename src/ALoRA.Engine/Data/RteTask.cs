using System.Text.Json;

namespace ALoRA.Engine.Data;

/// <summary>
/// RTE textual entailment (GLUE/SuperGLUE). Fields: <c>premise</c>/<c>hypothesis</c> (SuperGLUE) or
/// <c>sentence1</c>/<c>sentence2</c> (GLUE); <c>label</c> 0 = entailment, 1 = not_entailment
/// (the strings <c>"entailment"</c>/<c>"not_entailment"</c> are accepted too).
/// Prompt: <c>"{premise}\nQuestion: Does this mean that \"{hypothesis}\"? Yes or no?\nAnswer:"</c>;
/// label words: <c>yes</c> (0, entailment), <c>no</c> (1, not_entailment).
/// </summary>
public sealed class RteTask : ITaskTemplate
{
    private static readonly string[] LabelWords = ["yes", "no"];
    private static readonly string[] LabelNames = ["entailment", "not_entailment"];

    /// <inheritdoc />
    public string Name => "rte";

    /// <inheritdoc />
    public bool IsClassification => true;

    /// <inheritdoc />
    public TaskExample Parse(JsonElement row, string file, int line)
    {
        var premise = JsonFields.RequireText(row, file, line, "premise", "sentence1");
        var hypothesis = JsonFields.RequireText(row, file, line, "hypothesis", "sentence2");
        var label = JsonFields.RequireLabel(row, file, line, ["label"], LabelWords.Length, LabelNames);
        return new TaskExample($"{premise}\nQuestion: Does this mean that \"{hypothesis}\"? Yes or no?\nAnswer:", LabelWords, label);
    }
}
