using ALoRA.Engine.Training;

namespace ALoRA.Engine.Tests.Training;

public sealed class ScheduleLengthTests
{
    [Fact]
    public void ToSteps_EpochFractionsRoundToAtLeastOneStep()
    {
        Assert.Equal(130, ScheduleLength.Epochs(0.25).ToSteps(519));
        Assert.Equal(1, ScheduleLength.Epochs(0.001).ToSteps(519));
        Assert.Equal(0, ScheduleLength.Epochs(0).ToSteps(519));
        Assert.Equal(40, ScheduleLength.Steps(40).ToSteps(519));
    }
}
