namespace ALoRA.Sweeps.Tests;

public sealed class ScheduleLengthTests
{
    [Theory]
    [InlineData("1", 1.0, ScheduleUnit.Epochs, "1")]
    [InlineData("0.25", 0.25, ScheduleUnit.Epochs, "0.25")]
    [InlineData("2epochs", 2.0, ScheduleUnit.Epochs, "2")]
    [InlineData("1 epoch", 1.0, ScheduleUnit.Epochs, "1")]
    [InlineData("200steps", 200.0, ScheduleUnit.Steps, "200steps")]
    [InlineData("50 step", 50.0, ScheduleUnit.Steps, "50steps")]
    [InlineData("-3steps", -3.0, ScheduleUnit.Steps, "-3steps")]
    public void Parse_ValidText_GivesValueUnitAndCanonicalText(string text, double value, ScheduleUnit unit, string canonical)
    {
        var length = ScheduleLength.Parse(text);

        Assert.Equal(new ScheduleLength(value, unit), length);
        Assert.Equal(canonical, length.ToString());
    }

    [Theory]
    [InlineData("")]
    [InlineData("steps")]
    [InlineData("1.5steps")]
    [InlineData("ten epochs")]
    [InlineData("3 minutes")]
    public void TryParse_InvalidText_IsFalse(string text) => Assert.False(ScheduleLength.TryParse(text, out _));
}
