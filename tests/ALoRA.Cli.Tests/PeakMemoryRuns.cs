using System.Text.Json;

namespace ALoRA.Cli.Tests;

/// <summary>
/// What the memory measurements share: SST-2-style data whose rows are longer than any sequence length they use, and a
/// short <c>alora train</c> process whose reported peak resident memory (<c>peak_memory_bytes</c>) is its own run's.
/// </summary>
internal static class PeakMemoryRuns
{
    /// <summary>Writes train/validation/test splits of 400-word rows under <paramref name="dir"/><c>/data</c>; returns that folder.</summary>
    /// <param name="dir">A scratch folder.</param>
    /// <param name="trainRows">Training rows.</param>
    public static string WriteLongRows(string dir, int trainRows)
    {
        var data = Path.Combine(dir, "data");
        Directory.CreateDirectory(data);
        var words = new[] { "the", "movie", "is", "a", "quiet", "and", "moving", "story", "about", "loss", "with", "stunning", "animation" };
        var random = new Random(7);
        foreach (var (split, rows) in new[] { ("train", trainRows), ("validation", 8), ("test", 8) })
        {
            File.WriteAllLines(Path.Combine(data, split + ".jsonl"), Enumerable.Range(0, rows).Select(i =>
                JsonSerializer.Serialize(new { text = string.Join(' ', Enumerable.Range(0, 400).Select(_ => words[random.Next(words.Length)])), label = i % 2 })));
        }

        return data;
    }

    /// <summary>
    /// Runs <c>alora train</c> on a one-trial lora spec of stories260K (2 steps, 1 thread) with the given
    /// <c>training</c> settings; returns its peak memory and its whole output.
    /// </summary>
    /// <param name="dir">A scratch folder (the spec and the run go there, named by <paramref name="name"/>).</param>
    /// <param name="name">The run's name.</param>
    /// <param name="data">The data folder.</param>
    /// <param name="training">More <c>training</c> settings, as YAML flow-mapping entries.</param>
    public static (long PeakBytes, string Output) Train(string dir, string name, string data, string training)
    {
        var spec = Path.Combine(dir, $"{name}.yaml");
        File.WriteAllText(spec, $$"""
            model: {{RepositoryPaths.Stories260K}}
            data: {{data}}
            task: sst2
            seeds: [1]
            method: lora
            training: {learning_rate: 5.0e-3, max_steps: 2, eval_every_steps: 1000, checkpoint_every_steps: null, max_dev_examples: 8, {{training}}}
            """);
        var (code, stdout, stderr) = AloraCli.Run(dir, "train", spec, "--out", Path.Combine(dir, $"run-{name}"), "--threads", "1", "--format", "json");
        Assert.True(code == 0, stderr + stdout);
        using var json = JsonDocument.Parse(stdout);
        return (json.RootElement.GetProperty("peak_memory_bytes").GetInt64(), stderr + stdout);
    }
}
