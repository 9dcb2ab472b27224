using System.Reflection;

namespace ALoRA.TestSupport;

/// <summary>The repository's folders and shipped samples, found from the repository root recorded at build time.</summary>
public static class RepositoryPaths
{
    /// <summary>The repository root (the folder of <c>ALoRA.Orleans.sln</c>).</summary>
    public static string Root { get; } = typeof(RepositoryPaths).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>()
        .Single(a => a.Key == "RepositoryRoot").Value!;

    /// <summary><c>samples/</c>.</summary>
    public static string Samples => Path.Combine(Root, "samples");

    /// <summary>The sample model, <c>samples/models/stories260K</c> (see <see cref="TestSupport.Stories260K"/> for its shapes).</summary>
    public static string Stories260K => Path.Combine(Samples, "models", "stories260K");

    /// <summary>The sample SST-2 data set, <c>samples/data/sst2</c> (train, validation and test JSONL).</summary>
    public static string Sst2 => Path.Combine(Samples, "data", "sst2");

    /// <summary>The sample sweep specs, <c>samples/sweeps</c>.</summary>
    public static string SampleSweeps => Path.Combine(Samples, "sweeps");

    /// <summary>A path under the repository root.</summary>
    public static string Of(params string[] parts) => Path.Combine([Root, .. parts]);

    /// <summary>
    /// Writes the first <paramref name="train"/>, <paramref name="validation"/> and <paramref name="test"/> non-empty rows
    /// of <see cref="Sst2"/> into <paramref name="folder"/> (created) and returns it: the full splits take seconds to evaluate.
    /// </summary>
    public static string CopySmallSst2(string folder, int train, int validation, int test)
    {
        Directory.CreateDirectory(folder);
        foreach (var (file, rows) in new[] { ("train.jsonl", train), ("validation.jsonl", validation), ("test.jsonl", test) })
        {
            File.WriteAllLines(Path.Combine(folder, file), File.ReadLines(Path.Combine(Sst2, file)).Where(l => l.Length > 0).Take(rows));
        }

        return folder;
    }
}
