using ALoRA.Sweeps.Statistics;

namespace ALoRA.Sweeps.Tests.Statistics;

public sealed class ParetoFrontTests
{
    [Theory]
    [InlineData(MetricMode.Max)]
    [InlineData(MetricMode.Min)]
    public void Members_EqualTheBruteForceDefinition(MetricMode mode)
    {
        var random = new Random(mode == MetricMode.Max ? 1 : 2);
        for (var k = 0; k < 300; k++)
        {
            // Few distinct costs and values, so equal costs, equal values and identical points are common.
            var points = Enumerable.Range(0, random.Next(0, 25))
                .Select(_ => ((double)random.Next(1, 8) * 1000, random.Next(0, 6) / 10.0))
                .ToList();

            Assert.Equal(BruteForce(points, mode), ParetoFront.Members(points, mode));
        }
    }

    [Fact]
    public void Members_SmallExample()
    {
        // (cost, accuracy): 1 is dominated by 0 (fewer parameters, better); 3 ties 2 exactly; 4 is the best but costs most.
        (double, double)[] points = [(100, 0.8), (200, 0.7), (150, 0.85), (150, 0.85), (400, 0.9)];

        Assert.Equal([true, false, true, true, true], ParetoFront.Members(points, MetricMode.Max));
        Assert.Equal([true, true, false, false, false], ParetoFront.Members(points, MetricMode.Min));
    }

    private static bool[] BruteForce(List<(double Cost, double Value)> points, MetricMode mode)
    {
        bool Better(double a, double b) => mode == MetricMode.Max ? a > b : a < b;
        return [.. points.Select(p => !points.Any(q =>
            q.Cost <= p.Cost && !Better(p.Value, q.Value) && (q.Cost < p.Cost || Better(q.Value, p.Value))))];
    }
}
