using System.Text.Json;
using ALoRA.Engine.Lora;
using ALoRA.Sweeps.Planning;

namespace ALoRA.Cli.Tests;

/// <summary>
/// The memory estimate checked against a measurement: two short <c>alora train</c> processes that differ only in the
/// batch size, each reporting its peak resident memory (<c>/proc/self/status</c> VmHWM, the engine's
/// <c>peak_memory_bytes</c>). Separate processes, so each peak is its own run's; the rows are long enough that every one
/// is truncated to <c>max_sequence_length</c>, so the batch holds exactly batch x length tokens.
/// </summary>
public sealed class TrainingMemoryMeasurementTests : IDisposable
{
    private const int SequenceLength = 128;
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-memory-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void EstimatedGrowthWithBatchSize_IsWithinAFactorOfTwoOfTheMeasuredGrowth()
    {
        var data = LongRows();
        var small = PeakBytes(data, batch: 4);
        var large = PeakBytes(data, batch: 64);
        var config = ModelShape.Load(Path.Combine(RepositoryPaths.Stories260K, "config.json"));

        var estimated = TrainingMemoryEstimate.For(config, 8, LoraConfig.LlamaModuleTypes, 64, SequenceLength).TotalBytes
            - TrainingMemoryEstimate.For(config, 8, LoraConfig.LlamaModuleTypes, 4, SequenceLength).TotalBytes;
        var measured = large - small;

        // Measured on the development machine: about 280 MB grown, 380 MB estimated (1.4x; the estimate errs high).
        var report = $"batch 4 -> 64 at {SequenceLength} tokens: measured peak {small >> 20} -> {large >> 20} MiB (+{measured >> 20}), estimated +{estimated >> 20} MiB";
        Assert.True(measured > 0, report);
        Assert.InRange(estimated / (double)measured, 0.5, 2.0);
    }

    /// <summary>SST-2-style rows of 400 words (far more than <see cref="SequenceLength"/> tokens).</summary>
    private string LongRows()
    {
        var data = Path.Combine(_dir, "data");
        Directory.CreateDirectory(data);
        var words = new[] { "the", "movie", "is", "a", "quiet", "and", "moving", "story", "about", "loss", "with", "stunning", "animation" };
        var random = new Random(7);
        foreach (var (split, rows) in new[] { ("train", 200), ("validation", 8), ("test", 8) })
        {
            File.WriteAllLines(Path.Combine(data, split + ".jsonl"), Enumerable.Range(0, rows).Select(i =>
                JsonSerializer.Serialize(new { text = string.Join(' ', Enumerable.Range(0, 400).Select(_ => words[random.Next(words.Length)])), label = i % 2 })));
        }

        return data;
    }

    private long PeakBytes(string data, int batch)
    {
        var spec = Path.Combine(_dir, $"b{batch}.yaml");
        File.WriteAllText(spec, $$"""
            model: {{RepositoryPaths.Stories260K}}
            data: {{data}}
            task: sst2
            seeds: [1]
            method: lora
            training: {learning_rate: 5.0e-3, batch_size: {{batch}}, max_steps: 2, eval_every_steps: 1000, checkpoint_every_steps: null, max_sequence_length: {{SequenceLength}}, max_dev_examples: 8}
            """);
        var (code, stdout, stderr) = AloraCli.Run(_dir, "train", spec, "--out", Path.Combine(_dir, $"run{batch}"), "--threads", "1", "--format", "json");
        Assert.True(code == 0, stderr + stdout);
        using var json = JsonDocument.Parse(stdout);
        return json.RootElement.GetProperty("peak_memory_bytes").GetInt64();
    }
}
