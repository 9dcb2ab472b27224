using System.Text.Json;

namespace ALoRA.Cli.Tests;

/// <summary>
/// <c>training.gradient_checkpointing</c> lowers the peak memory of training at a long sequence: two short
/// <c>alora train</c> processes on rows truncated to stories260K's 512 positions that differ only in the setting, each
/// reporting its peak resident memory (<c>peak_memory_bytes</c>, VmHWM). Separate processes, so each peak is its own
/// run's. Checkpointing keeps each block's input instead of its activations; at 16 x 512 tokens the five blocks'
/// activations are a few hundred MiB (docs/engine-notes.md), so the drop is far above the noise of a process's peak.
/// </summary>
public sealed class CheckpointingMemoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-checkpointing-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void GradientCheckpointing_LowersThePeakMemoryAtALongSequence()
    {
        var data = LongRows();
        var off = PeakBytes(data, checkpointing: false);
        var on = PeakBytes(data, checkpointing: true);

        var report = $"batch 16 x 512 tokens: peak {off >> 20} MiB without checkpointing, {on >> 20} MiB with it";
        Assert.True(off - on > 64L << 20, report);
    }

    /// <summary>SST-2-style rows of 400 words, far more than the model's 512 positions.</summary>
    private string LongRows()
    {
        var data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(data);
        var words = new[] { "the", "movie", "is", "a", "quiet", "and", "moving", "story", "about", "loss", "with", "stunning", "animation" };
        var random = new Random(7);
        foreach (var (split, rows) in new[] { ("train", 64), ("validation", 8), ("test", 8) })
        {
            File.WriteAllLines(Path.Combine(data, split + ".jsonl"), Enumerable.Range(0, rows).Select(i =>
                JsonSerializer.Serialize(new { text = string.Join(' ', Enumerable.Range(0, 400).Select(_ => words[random.Next(words.Length)])), label = i % 2 })));
        }

        return data;
    }

    private long PeakBytes(string data, bool checkpointing)
    {
        var name = checkpointing ? "on" : "off";
        var spec = Path.Combine(_dir, $"{name}.yaml");
        // max_sequence_length is the default 2,048, capped at the model's 512 positions.
        File.WriteAllText(spec, $$"""
            model: {{RepositoryPaths.Stories260K}}
            data: {{data}}
            task: sst2
            seeds: [1]
            method: lora
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 2, eval_every_steps: 1000, checkpoint_every_steps: null, max_dev_examples: 8, gradient_checkpointing: {{(checkpointing ? "true" : "false")}}}
            """);
        var (code, stdout, stderr) = AloraCli.Run(_dir, "train", spec, "--out", Path.Combine(_dir, $"run-{name}"), "--threads", "1", "--format", "json");
        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("training.max_sequence_length = 2048 is capped at the model's max_position_embeddings: sequences up to 512 tokens", stderr + stdout, StringComparison.Ordinal);
        using var json = JsonDocument.Parse(stdout);
        return json.RootElement.GetProperty("peak_memory_bytes").GetInt64();
    }
}
