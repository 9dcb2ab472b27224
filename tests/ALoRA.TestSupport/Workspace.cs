namespace ALoRA.TestSupport;

/// <summary>
/// A temporary folder per test: a small copy of the SST-2 sample (400 training rows, 32 validation and 32 test rows,
/// so that evaluation is quick), sweep specs written into it, silo data directories and CLI output folders.
/// </summary>
public sealed class Workspace : IDisposable
{
    private readonly TempDirectory _folder = TempDirectory.Create("e2e");

    /// <summary>Creates the folder and the SST-2 copy.</summary>
    public Workspace() => Data = RepositoryPaths.CopySmallSst2(PathOf("sst2-small"), train: 400, validation: 32, test: 32);

    /// <summary>The folder.</summary>
    public string Root => _folder.Path;

    /// <summary>The small SST-2 copy.</summary>
    public string Data { get; }

    /// <summary>The sample model (stories260K: 5 layers, hidden 64, 8 heads of which 4 key/value heads, ffn 172).</summary>
    public static string Model => RepositoryPaths.Stories260K;

    /// <summary>A path under the workspace.</summary>
    public string PathOf(params string[] parts) => _folder.PathOf(parts);

    /// <summary>Writes a sweep spec: model, data and task filled in, then <paramref name="body"/> (YAML).</summary>
    public string WriteSpec(string fileName, string body)
    {
        var path = PathOf(fileName);
        File.WriteAllText(path, $"model: {Model}\ndata: {Data}\ntask: sst2\n{body.Trim()}\n");
        return path;
    }

    /// <summary>Deletes the folder.</summary>
    public void Dispose() => _folder.Dispose();
}
