namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// A temporary folder per test: a small copy of the SST-2 sample (400 training rows, 32 validation and 32 test rows,
/// so that evaluation is quick), sweep specs written into it, silo data directories and CLI output folders.
/// </summary>
internal sealed class Workspace : IDisposable
{
    public Workspace()
    {
        Root = Directory.CreateTempSubdirectory("alora-e2e-").FullName;
        Data = Path.Combine(Root, "sst2-small");
        Directory.CreateDirectory(Data);
        var source = Path.Combine(Programs.RepositoryRoot, "samples", "data", "sst2");
        foreach (var (file, rows) in new[] { ("train.jsonl", 400), ("validation.jsonl", 32), ("test.jsonl", 32) })
        {
            File.WriteAllLines(Path.Combine(Data, file), File.ReadLines(Path.Combine(source, file)).Where(l => l.Length > 0).Take(rows));
        }
    }

    public string Root { get; }

    /// <summary>The small SST-2 copy.</summary>
    public string Data { get; }

    /// <summary>The sample model (stories260K: 5 layers, hidden 64, 8 heads of which 4 key/value heads, ffn 172).</summary>
    public static string Model { get; } = Path.Combine(Programs.RepositoryRoot, "samples", "models", "stories260K");

    /// <summary>A path under the workspace.</summary>
    public string PathOf(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>Writes a sweep spec: model, data and task filled in, then <paramref name="body"/> (YAML).</summary>
    public string WriteSpec(string fileName, string body)
    {
        var path = PathOf(fileName);
        File.WriteAllText(path, $"model: {Model}\ndata: {Data}\ntask: sst2\n{body.Trim()}\n");
        return path;
    }

    public void Dispose()
    {
        for (var attempt = 0; attempt < 3; attempt++)
        {
            try
            {
                Directory.Delete(Root, recursive: true);
                return;
            }
            catch (IOException)
            {
                Thread.Sleep(500); // a process that was just killed may still hold a file for a moment
            }
            catch (UnauthorizedAccessException)
            {
                return;
            }
        }
    }
}
