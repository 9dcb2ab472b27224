using ALoRA.Engine.Training;

namespace ALoRA.Engine.Tests.Training;

public sealed class ScheduleLengthTests
{
    [Theory]
    [InlineData("1", 1, false)]
    [InlineData("0.25", 0.25, false)]
    [InlineData("2epochs", 2, false)]
    [InlineData("1 ep", 1, false)]
    [InlineData("200steps", 200, true)]
    [InlineData("50 step", 50, true)]
    [InlineData("30s", 30, true)]
    public void Parse_Units(string text, double value, bool inSteps)
    {
        var length = ScheduleLength.Parse(text);
        Assert.Equal(value, length.Value);
        Assert.Equal(inSteps, length.InSteps);
    }

    [Theory]
    [InlineData("")]
    [InlineData("abc")]
    [InlineData("3 weeks")]
    public void Parse_Garbage_SaysWhatIsExpected(string text) =>
        Assert.Contains("not a schedule length", Assert.Throws<FormatException>(() => ScheduleLength.Parse(text)).Message);

    [Fact]
    public void ToSteps_EpochFractionsRoundToAtLeastOneStep()
    {
        Assert.Equal(130, ScheduleLength.Epochs(0.25).ToSteps(519));
        Assert.Equal(1, ScheduleLength.Epochs(0.001).ToSteps(519));
        Assert.Equal(0, ScheduleLength.Epochs(0).ToSteps(519));
        Assert.Equal(40, ScheduleLength.Steps(40).ToSteps(519));
    }
}
