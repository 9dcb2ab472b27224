using System.Text.Json;

namespace ALoRA.Engine.Data;

/// <summary>
/// BoolQ yes/no question answering (SuperGLUE). Fields: <c>question</c>, <c>passage</c>, and <c>label</c>
/// (SuperGLUE) or <c>answer</c> (Hugging Face), a boolean or 0/1 (true/1 = yes).
/// Prompt: <c>"{passage}\nQuestion: {question}?\nAnswer:"</c> (the <c>?</c> is added only when the question
/// does not already end with one); label words: <c>no</c> (0/false), <c>yes</c> (1/true).
/// </summary>
public sealed class BoolQTask : ITaskTemplate
{
    private static readonly string[] LabelWords = ["no", "yes"];

    /// <inheritdoc />
    public string Name => "boolq";

    /// <inheritdoc />
    public bool IsClassification => true;

    /// <inheritdoc />
    public TaskExample Parse(JsonElement row, string file, int line)
    {
        var question = JsonFields.RequireText(row, file, line, "question");
        var passage = JsonFields.RequireText(row, file, line, "passage");
        var label = JsonFields.RequireLabel(row, file, line, ["label", "answer"], LabelWords.Length, allowBool: true);
        var mark = question.EndsWith('?') ? string.Empty : "?";
        return new TaskExample($"{passage}\nQuestion: {question}{mark}\nAnswer:", LabelWords, label);
    }
}
