using ALoRA.Engine.Data;

namespace ALoRA.Engine.Tests.Data;

public sealed class BatchCollatorTests
{
    private const long I = Batch.IgnoreIndex;

    // Row 0: BOS p p | r r EOS (ResponseStart 3); row 1: BOS p | r EOS (ResponseStart 2).
    private static readonly TokenizedExample Long = new([1, 10, 11, 20, 21, 2], 3);
    private static readonly TokenizedExample Short = new([1, 12, 22, 2], 2);

    [Fact]
    public void Collate_HandMadeRows_PadsAndShiftsLabels()
    {
        var batch = BatchCollator.Collate([Long, Short], [5, 9], padId: 0);

        Assert.Equal((2, 6), (batch.BatchSize, batch.SequenceLength));
        Assert.Equal([1L, 10, 11, 20, 21, 2, 1, 12, 22, 2, 0, 0], batch.InputIds);
        Assert.Equal([I, I, 20L, 21, 2, I, I, 22, 2, I, I, I], batch.Labels);
        Assert.Equal([6, 4], batch.Lengths);
        Assert.Equal(5, batch.TargetTokenCount);
        Assert.Equal([5, 9], batch.ExampleIndices);
        Assert.Null(batch.CandidateIndices);
    }

    [Fact]
    public void Collate_EosExcluded_LabelsOnlyResponseTokens()
    {
        var batch = BatchCollator.Collate([Long, Short], [0, 1], padId: 0, includeEosInTargets: false, candidateIndices: [1, 0]);

        Assert.Equal([I, I, 20L, 21, I, I, I, 22, I, I, I, I], batch.Labels);
        Assert.Equal(3, batch.TargetTokenCount);
        Assert.Equal([1, 0], batch.CandidateIndices!);
    }

    [Fact]
    public void Collate_AnyRows_TargetCountMatchesNonIgnoredLabels()
    {
        var batch = BatchCollator.Collate([Short, Long, Short], [0, 1, 2], padId: 2);
        Assert.Equal(batch.Labels.Count(l => l != I), batch.TargetTokenCount);
        Assert.Equal(2L, batch.InputIds[(0 * 6) + 5]); // padded with pad id 2
    }

    [Fact]
    public void FromPlan_Indices_SelectsRowsInPlanOrder()
    {
        var batch = BatchCollator.FromPlan([Long, Short], [1, 0], padId: 0);
        Assert.Equal([4, 6], batch.Lengths);
        Assert.Equal([1, 0], batch.ExampleIndices);
    }

    [Fact]
    public void Collate_MismatchedIndexCount_Throws()
    {
        Assert.Throws<ArgumentException>(() => BatchCollator.Collate([Long, Short], [0], padId: 0));
    }
}
