using ALoRA.Grains.Hosting;
using ALoRA.Grains.Trainers;

namespace ALoRA.Grains.Tests.Hosting;

/// <summary><c>Alora:Trainers:Slots</c> (issue 14, point 3) and the slot keys of the trainers.</summary>
public sealed class TrainerSlotsOptionTests
{
    [Theory]
    [InlineData(0)]
    [InlineData(-1)]
    [InlineData(65)]
    public void Slots_OutOfRange_IsAnOptionErrorNamingTheKey(int slots)
    {
        var result = new AloraTrainerOptionsValidator().Validate(null, new AloraTrainerOptions { Slots = slots });

        Assert.True(result.Failed);
        Assert.Contains("Alora:Trainers:Slots", result.FailureMessage, StringComparison.Ordinal);
        Assert.Contains($"(got {slots})", result.FailureMessage, StringComparison.Ordinal);
    }

    [Fact]
    public void Slots_DefaultsToOne_AndIsValid()
    {
        var options = new AloraTrainerOptions();

        Assert.Equal(1, options.Slots);
        Assert.True(new AloraTrainerOptionsValidator().Validate(null, options).Succeeded);
    }

    [Theory]
    [InlineData("node-a/cuda:0", "node-a/cuda:0", "cuda:0", 0, "cuda:0")]
    [InlineData("node-a/cuda:0#2", "node-a/cuda:0", "cuda:0", 2, "cuda:0#2")]
    [InlineData("node-a/cpu:1#1", "node-a/cpu:1", "cpu:1", 1, "cpu:1#1")]
    public void SlotKeys_NameTheirDeviceAndSlot(string key, string deviceKey, string device, int slot, string worker)
    {
        Assert.Equal(deviceKey, TrainerKeys.DeviceKeyOf(key));
        Assert.Equal(device, TrainerKeys.DeviceOf(key));
        Assert.Equal(slot, TrainerKeys.SlotOf(key));
        Assert.Equal(worker, TrainerKeys.WorkerOf(key));
        Assert.Equal("node-a", TrainerKeys.SiloOf(key));
        Assert.Equal(key, TrainerKeys.OfSlot(deviceKey, slot));
    }
}
