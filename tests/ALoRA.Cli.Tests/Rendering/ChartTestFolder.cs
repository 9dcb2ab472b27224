namespace ALoRA.Cli.Tests.Rendering;

/// <summary>A temporary folder for one test class's PNG files, removed afterwards.</summary>
public sealed class ChartTestFolder : IDisposable
{
    public string Path { get; } = System.IO.Path.Combine(System.IO.Path.GetTempPath(), "alora-charts-" + Guid.NewGuid().ToString("N"));

    public string File(string name) => System.IO.Path.Combine(Path, name);

    public void Dispose()
    {
        if (Directory.Exists(Path))
        {
            Directory.Delete(Path, recursive: true);
        }
    }
}
