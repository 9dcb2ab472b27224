using System.Text.Json;

namespace ALoRA.Engine.Data;

/// <summary>
/// QNLI question-answer entailment (GLUE). Fields: <c>question</c>, <c>sentence</c>; <c>label</c>
/// 0 = entailment (the sentence answers the question), 1 = not_entailment
/// (the strings <c>"entailment"</c>/<c>"not_entailment"</c> are accepted too).
/// Prompt: <c>"Question: {question}\nSentence: {sentence}\nDoes the sentence answer the question? Yes or no?\nAnswer:"</c>;
/// label words: <c>yes</c> (0), <c>no</c> (1).
/// </summary>
public sealed class QnliTask : ITaskTemplate
{
    private static readonly string[] LabelWords = ["yes", "no"];
    private static readonly string[] LabelNames = ["entailment", "not_entailment"];

    /// <inheritdoc />
    public string Name => "qnli";

    /// <inheritdoc />
    public bool IsClassification => true;

    /// <inheritdoc />
    public TaskExample Parse(JsonElement row, string file, int line)
    {
        var question = JsonFields.RequireText(row, file, line, "question");
        var sentence = JsonFields.RequireText(row, file, line, "sentence");
        var label = JsonFields.RequireLabel(row, file, line, ["label"], LabelWords.Length, LabelNames);
        return new TaskExample(
            $"Question: {question}\nSentence: {sentence}\nDoes the sentence answer the question? Yes or no?\nAnswer:", LabelWords, label);
    }
}
