namespace ALoRA.Sweeps;

/// <summary>
/// The hashed form of <c>model</c>: the path alone when no dtype is given (so specs and trials written before
/// <c>model.dtype</c> existed keep their ids), else <c>{"dtype": ..., "path": ...}</c>.
/// </summary>
internal static class ModelCanonical
{
    public static object Of(string path, string? dtype) => dtype is null
        ? path
        : new SortedDictionary<string, object?>(StringComparer.Ordinal) { ["path"] = path, ["dtype"] = dtype };
}
