using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Tests.Contracts;

/// <summary>Which of two statuses of a trial is newer (<see cref="TrialStatus.Supersedes"/>).</summary>
public sealed class TrialStatusOrderTests
{
    private static readonly TrialStatus Running = new() { TrialId = "t", State = TrialState.Running, Version = 2, ProgressSequence = 10 };

    [Theory]
    [InlineData(3, 0, true)] // a later state change, whatever its progress
    [InlineData(2, 11, true)] // more progress of the same attempt
    [InlineData(2, 10, true)] // the same status again
    [InlineData(2, 9, false)] // older progress arriving late
    [InlineData(1, 50, false)] // an older state change arriving late
    public void Supersedes_ByVersionThenProgress(long version, long sequence, bool expected) =>
        Assert.Equal(expected, (Running with { Version = version, ProgressSequence = sequence }).Supersedes(Running));

    [Fact]
    public void Supersedes_NothingKnown_AndUnreadableEitherWay()
    {
        Assert.True(Running.Supersedes(null));
        Assert.True(new TrialStatus { TrialId = "t", State = TrialState.Unreadable }.Supersedes(Running));
        Assert.True((Running with { Version = 0, ProgressSequence = 0 }).Supersedes(new TrialStatus { TrialId = "t", State = TrialState.Unreadable, Version = 0 }));
    }
}
