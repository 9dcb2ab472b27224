namespace ALoRA.Engine.Data;

/// <summary>
/// The single error type of the data pipeline: a data, tokenizer or configuration file is missing or malformed,
/// or an example cannot be represented (e.g. it does not fit the maximum sequence length).
/// The message always names the offending file (and, where known, the 1-based line and the field), e.g.
/// <c>samples/data/sst2/train.jsonl line 12: field "label" must be 0 or 1, got 7</c>.
/// </summary>
public sealed class DataFormatException : Exception
{
    /// <summary>Creates the exception with a complete, human-readable message.</summary>
    public DataFormatException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with a complete message and the underlying cause.</summary>
    public DataFormatException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The file the error refers to, when known.</summary>
    public string? FilePath { get; init; }

    /// <summary>The 1-based line number in <see cref="FilePath"/>, when known.</summary>
    public int? Line { get; init; }

    /// <summary>The JSON field the error refers to, when known.</summary>
    public string? Field { get; init; }

    /// <summary>
    /// Builds the standard message <c>{file} line {line}: field "{field}" {problem}</c>.
    /// </summary>
    /// <param name="file">The file path as the caller passed it.</param>
    /// <param name="line">The 1-based line number.</param>
    /// <param name="field">The JSON field name.</param>
    /// <param name="problem">What is wrong, e.g. <c>must be 0 or 1, got 7</c>.</param>
    public static DataFormatException ForField(string file, int line, string field, string problem) =>
        new($"{file} line {line}: field \"{field}\" {problem}") { FilePath = file, Line = line, Field = field };

    /// <summary>Builds the message <c>{file} line {line}: {problem}</c> for errors not tied to one field.</summary>
    /// <param name="file">The file path as the caller passed it.</param>
    /// <param name="line">The 1-based line number.</param>
    /// <param name="problem">What is wrong.</param>
    public static DataFormatException ForLine(string file, int line, string problem) =>
        new($"{file} line {line}: {problem}") { FilePath = file, Line = line };
}
