namespace ALoRA.Engine.Data;

/// <summary>
/// One example after applying a task's prompt template.
/// The training target is <c>Candidates[Label]</c>. Classification tasks have more than one candidate
/// (the label words); generation tasks have exactly one candidate (the response) and <c>Label == 0</c>.
/// </summary>
/// <param name="Prompt">The prompt text, without a trailing space (the response is tokenized as a new word).</param>
/// <param name="Candidates">The possible responses; never empty.</param>
/// <param name="Label">Index of the correct response in <paramref name="Candidates"/>.</param>
public sealed record TaskExample(string Prompt, IReadOnlyList<string> Candidates, int Label)
{
    /// <summary>The training response, <c>Candidates[Label]</c>.</summary>
    public string Response => Candidates[Label];

    /// <summary>Where the example came from (e.g. <c>train.jsonl line 12</c>), for error messages; optional.</summary>
    public string? Source { get; init; }
}
