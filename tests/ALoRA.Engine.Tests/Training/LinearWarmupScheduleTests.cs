using ALoRA.Engine.Training;

namespace ALoRA.Engine.Tests.Training;

public sealed class LinearWarmupScheduleTests
{
    [Fact]
    public void LearningRate_WarmsUpThenDecaysToZero()
    {
        var s = LinearWarmupSchedule.FromRatio(1e-4, totalSteps: 100, warmupRatio: 0.06);
        Assert.Equal(6, s.WarmupSteps);
        Assert.Equal(0, s.LearningRate(0));
        Assert.Equal(0.5e-4, s.LearningRate(3), 12);
        Assert.Equal(1e-4, s.LearningRate(6), 12);
        Assert.Equal(1e-4 * 47 / 94, s.LearningRate(53), 12);
        Assert.Equal(0, s.LearningRate(100));
        Assert.Equal(0, s.LearningRate(150));
    }
}
