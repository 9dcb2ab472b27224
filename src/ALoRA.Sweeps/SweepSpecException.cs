namespace ALoRA.Sweeps;

/// <summary>
/// A sweep spec cannot be used. <see cref="Errors"/> lists every problem found (not just the first); the message
/// lists them one per line as <c>path (line L, col C): message</c>.
/// </summary>
public sealed class SweepSpecException : Exception
{
    /// <summary>Creates the exception for <paramref name="errors"/> (at least one).</summary>
    /// <param name="errors">The problems, in the order they are to be reported.</param>
    /// <param name="sourceName">Name of the spec (usually its file path) for the message's first line, or null.</param>
    public SweepSpecException(IReadOnlyList<SpecError> errors, string? sourceName = null)
        : base(FormatMessage(errors, sourceName))
    {
        Errors = errors;
        SourceName = sourceName;
    }

    /// <summary>Every problem found, in source order.</summary>
    public IReadOnlyList<SpecError> Errors { get; }

    /// <summary>Name of the spec the errors are about, or null.</summary>
    public string? SourceName { get; }

    private static string FormatMessage(IReadOnlyList<SpecError> errors, string? sourceName)
    {
        ArgumentNullException.ThrowIfNull(errors);
        if (errors.Count == 0)
        {
            throw new ArgumentException("at least one error is needed", nameof(errors));
        }

        var head = $"{sourceName ?? "sweep spec"}: {errors.Count} error{(errors.Count == 1 ? "" : "s")}";
        return head + Environment.NewLine + string.Join(Environment.NewLine, errors.Select(e => "  " + e));
    }
}
