using ALoRA.Engine.Runtime;
using ALoRA.Engine.Tests.Training;
using ALoRA.Engine.Training;

namespace ALoRA.Engine.Tests.Runtime;

/// <summary>
/// The memory a run reports (docs/engine-notes.md, "Device memory"): resident bytes on CPU (tested here); on CUDA the GPU's
/// used bytes through the CUDA driver, which this machine does not have (the call then answers null, never throws).
/// </summary>
public sealed class DeviceMemoryUsageTests
{
    [Theory]
    [InlineData("cpu", false, 0)]
    [InlineData("cuda", true, 0)]
    [InlineData("cuda:3", true, 3)]
    [InlineData("cuda:x", false, 0)]
    public void DeviceNames_AreParsed(string device, bool cuda, int index)
    {
        Assert.Equal(cuda, DeviceMemoryUsage.IsCuda(device, out var i));
        Assert.Equal(index, cuda ? i : 0);
    }

    [Fact]
    public void Cpu_IsTheResidentSet()
    {
        var before = ProcessMemory.ResidentBytes();
        var used = DeviceMemoryUsage.UsedBytes("cpu");
        var after = ProcessMemory.ResidentBytes();
        Assert.NotNull(used);
        Assert.InRange(used!.Value, Math.Min(before, after) - (64L << 20), Math.Max(before, after) + (64L << 20));
    }

    [Fact]
    public void Cuda_NeverThrows_UnknownWithoutADriver()
    {
        var used = DeviceMemoryUsage.UsedBytes("cuda:0");
        if (!System.Runtime.InteropServices.NativeLibrary.TryLoad("libcuda.so.1", out _))
        {
            Assert.Null(used); // this machine (no NVIDIA driver)
        }
        else
        {
            Assert.True(used is null or > 0);
        }
    }

    [Fact]
    public void Training_OnCpu_StepsReportResidentBytes_ResultThePeak()
    {
        Samples.EnsureTorch();
        var options = new TrainingOptions { BatchSize = 16, MaxSteps = 2, EvalEverySteps = 2, MaxSequenceLength = 64, Seed = 3 };
        using var model = TrainingFixture.Model();
        using var trainer = new SftTrainer(model, TrainingFixture.Data(options), options);
        var steps = new List<TrainingEvent>();
        var result = trainer.Train(new SynchronousProgress<TrainingEvent>(e =>
        {
            if (e.Kind == TrainingEventKind.Step)
            {
                steps.Add(e);
            }
        }));

        Assert.Equal(2, steps.Count);
        Assert.All(steps, s => Assert.InRange(s.MemoryBytes ?? 0, 1L << 20, result.PeakMemoryBytes));
        Assert.InRange(result.PeakMemoryBytes, 1L << 20, ProcessMemory.PeakResidentBytes());
    }
}
