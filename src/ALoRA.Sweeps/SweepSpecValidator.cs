namespace ALoRA.Sweeps;

/// <summary>
/// Checks the files a parsed spec names: the model folder (Hugging Face layout) and the data folder (JSON-lines
/// splits). Separate from parsing because the files may live on another machine than the one that parses the spec.
/// </summary>
public static class SweepSpecValidator
{
    /// <summary>Files a model folder needs.</summary>
    public static IReadOnlyList<string> ModelFiles { get; } = ["config.json", "model.safetensors (or model.safetensors.index.json)", "tokenizer.json"];

    /// <summary>
    /// Reports every missing or empty file, each with the YAML path <c>model</c> or <c>data</c> and the position of its
    /// value. Relative paths resolve as the trials' paths do (<see cref="SweepSpec.ResolvePath"/>, against
    /// <see cref="SweepSpec.BaseDirectory"/>); for a spec without one, against <paramref name="baseDirectory"/>, else the
    /// current directory.
    /// </summary>
    /// <param name="spec">A parsed spec.</param>
    /// <param name="baseDirectory">Folder for relative paths when the spec has no base directory.</param>
    /// <returns>The problems found; empty when every file is there.</returns>
    public static IReadOnlyList<SpecError> CheckFiles(SweepSpec spec, string? baseDirectory = null)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var errors = new List<SpecError>();
        var model = Resolve(spec, spec.Model, baseDirectory);
        var data = Resolve(spec, spec.Data, baseDirectory);
        if (CheckFolder(spec, "model", model, errors))
        {
            Require(spec, "model", model, "config.json", "a Hugging Face model folder needs config.json", errors);
            if (!File.Exists(Path.Combine(model, "model.safetensors")) && !File.Exists(Path.Combine(model, "model.safetensors.index.json")))
            {
                Add(spec, "model", $"model folder {model} has neither model.safetensors nor model.safetensors.index.json", errors);
            }

            Require(spec, "model", model, "tokenizer.json", "training on text needs the model's tokenizer", errors);
        }

        if (CheckFolder(spec, "data", data, errors))
        {
            Require(spec, "data", data, "train.jsonl", "the training split", errors);
            Require(spec, "data", data, "validation.jsonl", "the dev split, used for evaluation and early stopping", errors);
            if (spec.Metric.StartsWith("test_", StringComparison.Ordinal))
            {
                Require(spec, "data", data, "test.jsonl", $"metric {spec.Metric} is measured on the test split", errors);
            }
        }

        return errors;
    }

    /// <summary>Throws when <see cref="CheckFiles"/> finds a problem.</summary>
    /// <param name="spec">A parsed spec.</param>
    /// <param name="baseDirectory">Folder for relative paths when the spec has no base directory.</param>
    /// <exception cref="SweepSpecException">A file is missing; lists every problem.</exception>
    public static void EnsureFiles(SweepSpec spec, string? baseDirectory = null)
    {
        var errors = CheckFiles(spec, baseDirectory);
        if (errors.Count > 0)
        {
            throw new SweepSpecException(errors, spec.SourceName);
        }
    }

    private static string Resolve(SweepSpec spec, string path, string? baseDirectory)
    {
        var resolved = spec.ResolvePath(path);
        return Path.IsPathRooted(resolved) ? resolved : Path.GetFullPath(Path.Combine(baseDirectory ?? Directory.GetCurrentDirectory(), resolved));
    }

    private static bool CheckFolder(SweepSpec spec, string key, string folder, List<SpecError> errors)
    {
        if (Directory.Exists(folder))
        {
            return true;
        }

        Add(spec, key, File.Exists(folder) ? $"{key} must be a folder, but {folder} is a file" : $"{key} folder not found: {folder}", errors);
        return false;
    }

    private static void Require(SweepSpec spec, string key, string folder, string file, string why, List<SpecError> errors)
    {
        var path = Path.Combine(folder, file);
        if (!File.Exists(path))
        {
            Add(spec, key, $"{key} folder {folder} has no {file} ({why})", errors);
        }
        else if (new FileInfo(path).Length == 0)
        {
            Add(spec, key, $"{path} is empty ({why})", errors);
        }
    }

    private static void Add(SweepSpec spec, string key, string message, List<SpecError> errors)
    {
        var (line, column) = spec.Locations.TryGetValue(key, out var at) ? at : (0, 0);
        errors.Add(new SpecError(key, line, column, message));
    }
}
