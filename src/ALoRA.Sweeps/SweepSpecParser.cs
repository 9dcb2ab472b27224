namespace ALoRA.Sweeps;

/// <summary>
/// Parses and validates sweep specs (YAML; see docs/sweep-spec.md). Every problem is collected and reported at once
/// in a <see cref="SweepSpecException"/>, each with its YAML path, line and column. Files named in the spec are not
/// looked at here; see <see cref="SweepSpecValidator.CheckFiles"/>.
/// </summary>
public static class SweepSpecParser
{
    /// <summary>The most trials one spec may expand to (before duplicates are collapsed).</summary>
    public const int MaxTrials = 100_000;

    /// <summary>The longest spec read, in characters (and the largest spec file, in bytes): 1 MiB.</summary>
    public const int MaxSpecLength = 1 << 20;

    /// <summary>The deepest nesting of YAML collections a spec may have (a real spec needs 4 or 5).</summary>
    public const int MaxNestingDepth = 32;

    /// <summary>Parses a spec held in memory.</summary>
    /// <param name="yaml">The spec text.</param>
    /// <param name="sourceName">Name for messages (usually the file path), or null.</param>
    /// <param name="baseDirectory">
    /// Folder that relative <c>model</c> and <c>data</c> paths resolve against (see <see cref="SweepSpec.ResolvePath"/>);
    /// null leaves them relative, to be resolved against the working directory of whoever opens them.
    /// </param>
    /// <exception cref="SweepSpecException">The spec is malformed or impossible; lists every problem.</exception>
    public static SweepSpec Parse(string yaml, string? sourceName = null, string? baseDirectory = null) =>
        new SpecReader().Read(yaml, sourceName, baseDirectory);

    /// <summary>Reads and parses a spec file; relative paths in it resolve against the file's folder.</summary>
    /// <param name="path">Path of the YAML file.</param>
    /// <exception cref="SweepSpecException">The file cannot be read, or the spec is malformed or impossible.</exception>
    public static SweepSpec ParseFile(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        string yaml;
        try
        {
            EnsureSize(path);
            yaml = File.ReadAllText(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new SweepSpecException([new SpecError("", 0, 0, $"cannot read the spec: {e.Message}")], path);
        }

        return Parse(yaml, path, Path.GetDirectoryName(Path.GetFullPath(path)));
    }

    /// <summary>
    /// Refuses a spec file larger than <see cref="MaxSpecLength"/> bytes before reading it, with an error naming the file.
    /// </summary>
    /// <param name="path">Path of the YAML file.</param>
    /// <exception cref="SweepSpecException">The file is too large.</exception>
    public static void EnsureSize(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var length = new FileInfo(path).Length;
        if (length > MaxSpecLength)
        {
            throw new SweepSpecException([new SpecError("", 0, 0, $"the spec file is {length} bytes; a spec may have at most {MaxSpecLength} (1 MiB)")], path);
        }
    }
}
