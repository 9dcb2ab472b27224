namespace ALoRA.Sweeps;

/// <summary>
/// One problem in a sweep spec, located in the YAML source.
/// </summary>
/// <param name="Path">
/// YAML path of the offending node: <c>training.learning_rate</c>, <c>lora.target_modules[2]</c>,
/// <c>method.grid_search[1]</c>; the empty string for the document itself (a syntax error, an empty file).
/// </param>
/// <param name="Line">1-based line of the node in the source; 0 when unknown.</param>
/// <param name="Column">1-based column of the node in the source; 0 when unknown.</param>
/// <param name="Message">What is wrong, naming the field and the expected type or range.</param>
public sealed record SpecError(string Path, int Line, int Column, string Message)
{
    /// <summary>Formats the error as <c>path (line L, col C): message</c>.</summary>
    public override string ToString()
    {
        var where = Line > 0 ? $"line {Line}, col {Column}" : null;
        return (Path.Length > 0, where is not null) switch
        {
            (true, true) => $"{Path} ({where}): {Message}",
            (true, false) => $"{Path}: {Message}",
            (false, true) => $"{where}: {Message}",
            _ => Message,
        };
    }
}
