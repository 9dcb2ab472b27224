using ALoRA.Engine.Data;

namespace ALoRA.Engine.Tests.Data;

public sealed class CandidateAccuracyTests
{
    private static readonly TaskExample[] Examples =
    [
        new("p0", ["negative", "positive"], 1),
        new("p1", ["negative", "positive"], 0),
        new("p2", ["negative", "positive"], 0),
        new("p3", ["a", "b", "c"], 2),
    ];

    [Fact]
    public void Compute_ScoresInAnyRowOrder_CountsArgmaxMatches()
    {
        // Predictions: ex0 -> 1 (correct), ex1 -> 1 (wrong), ex2 -> 0 (correct), ex3 -> 2 (correct).
        int[] example = [3, 0, 1, 2, 3, 0, 1, 2, 3];
        int[] candidate = [2, 1, 1, 0, 0, 0, 0, 1, 1];
        double[] score = [-0.1, -0.5, -1.0, -2.0, -3.0, -0.9, -1.5, -2.5, -0.2];

        Assert.Equal(0.75, CandidateAccuracy.Compute(example, candidate, score, Examples), 12);
        Assert.Equal([1, 1, 0, 2], CandidateAccuracy.Predict(example, candidate, score, Examples));
    }

    [Fact]
    public void Predict_TiedScores_PicksLowerCandidateIndex()
    {
        TaskExample[] examples = [new("p", ["x", "y", "z"], 1)];
        var predictions = CandidateAccuracy.Predict([0, 0, 0], [2, 1, 0], [-1.0, -1.0, -3.0], examples);
        Assert.Equal([1], predictions);
        Assert.Equal(1.0, CandidateAccuracy.Compute([0, 0, 0], [2, 1, 0], [-1.0, -1.0, -3.0], examples));
    }

    [Fact]
    public void Compute_MissingPair_Throws()
    {
        var ex = Assert.Throws<ArgumentException>(
            () => CandidateAccuracy.Compute([0, 1, 1], [0, 0, 1], [-1.0, -1.0, -1.0], Examples[..2]));
        Assert.Contains("(example 0, candidate 1) has no score", ex.Message);
    }

    [Fact]
    public void Compute_NaNScore_Throws()
    {
        Assert.Throws<ArgumentException>(
            () => CandidateAccuracy.Compute([0, 0], [0, 1], [double.NaN, -1.0], Examples[..1]));
    }

    [Fact]
    public void Compute_DuplicatePair_Throws()
    {
        Assert.Throws<ArgumentException>(
            () => CandidateAccuracy.Compute([0, 0, 0], [0, 1, 1], [-1.0, -1.0, -2.0], Examples[..1]));
    }
}
