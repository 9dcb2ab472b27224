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
        var data = PeakMemoryRuns.WriteLongRows(_dir, trainRows: 200);
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

    private long PeakBytes(string data, int batch) =>
        PeakMemoryRuns.Train(_dir, $"b{batch}", data, $"batch_size: {batch}, max_sequence_length: {SequenceLength}").PeakBytes;
}
