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
        var data = PeakMemoryRuns.WriteLongRows(_dir, trainRows: 64);
        var off = PeakBytes(data, checkpointing: false);
        var on = PeakBytes(data, checkpointing: true);

        var report = $"batch 16 x 512 tokens: peak {off >> 20} MiB without checkpointing, {on >> 20} MiB with it";
        Assert.True(off - on > 64L << 20, report);
    }

    private long PeakBytes(string data, bool checkpointing)
    {
        // max_sequence_length is the default 2,048, capped at the model's 512 positions.
        var (peak, output) = PeakMemoryRuns.Train(_dir, checkpointing ? "on" : "off", data,
            $"batch_size: 16, gradient_checkpointing: {(checkpointing ? "true" : "false")}");
        Assert.Contains("training.max_sequence_length = 2048 is capped at the model's max_position_embeddings: sequences up to 512 tokens", output, StringComparison.Ordinal);
        return peak;
    }
}
