namespace ALoRA.Engine.Training;

/// <summary>
/// Linear warm-up then linear decay to zero, as Hugging Face's <c>get_linear_schedule_with_warmup</c>:
/// for the k-th optimizer step (0-based), factor = k / warmup while k &lt; warmup, else (total - k) / (total - warmup).
/// </summary>
public sealed record LinearWarmupSchedule(double PeakLearningRate, int TotalSteps, int WarmupSteps)
{
    /// <summary>Builds the schedule with warm-up = ceil(<paramref name="warmupRatio"/> * total).</summary>
    public static LinearWarmupSchedule FromRatio(double peak, int totalSteps, double warmupRatio) =>
        new(peak, totalSteps, (int)Math.Ceiling(warmupRatio * totalSteps));

    /// <summary>Learning rate for the optimizer step with 0-based index <paramref name="step"/>.</summary>
    public double LearningRate(int step)
    {
        if (step < WarmupSteps)
        {
            return PeakLearningRate * step / Math.Max(1, WarmupSteps);
        }

        return PeakLearningRate * Math.Max(0.0, (double)(TotalSteps - step) / Math.Max(1, TotalSteps - WarmupSteps));
    }
}
