namespace ALoRA.Sweeps.Statistics;

/// <summary>The Pareto front of points that trade a cost (lower is better) against a value (better by a mode).</summary>
public static class ParetoFront
{
    /// <summary>
    /// Which points are on the front: a point is dominated when another has a cost no higher and a value no worse,
    /// and is strictly better in one of the two; the front is every point that is not dominated (equal points are all
    /// on it). O(n log n).
    /// </summary>
    /// <param name="points">Finite costs and values.</param>
    /// <param name="mode">Whether a higher or a lower value is better.</param>
    /// <returns>One flag per point, in input order.</returns>
    public static bool[] Members(IReadOnlyList<(double Cost, double Value)> points, MetricMode mode)
    {
        ArgumentNullException.ThrowIfNull(points);
        var sign = mode == MetricMode.Max ? 1.0 : -1.0;
        // Best first within a cost: ascending cost, then descending signed value.
        var order = Enumerable.Range(0, points.Count)
            .OrderBy(i => points[i].Cost)
            .ThenByDescending(i => sign * points[i].Value)
            .ToArray();
        var members = new bool[points.Count];
        double? best = null;
        var k = 0;
        while (k < order.Length)
        {
            var cost = points[order[k]].Cost;
            var groupBest = sign * points[order[k]].Value;
            var onFront = best is null || groupBest > best.Value;
            for (; k < order.Length && points[order[k]].Cost == cost; k++)
            {
                members[order[k]] = onFront && sign * points[order[k]].Value == groupBest;
            }

            if (onFront)
            {
                best = groupBest;
            }
        }

        return members;
    }
}
