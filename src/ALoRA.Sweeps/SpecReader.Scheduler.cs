using ALoRA.Abstractions.Sweeps;
using ALoRA.Sweeps.Stopping;
using YamlDotNet.RepresentationModel;

namespace ALoRA.Sweeps;

/// <content>The <c>scheduler</c> block (docs/sweep-spec.md, "scheduler"), read by <see cref="SchedulerBlock"/>.</content>
internal sealed partial class SpecReader
{
    // The scheduler keys written, as text; null until the block is read.
    private Dictionary<string, string?>? _scheduler;
    private StoppingSettings? _stopping;

    /// <summary>Collects the block's values as text; they are checked once the metric and task are known.</summary>
    private void ReadScheduler(YamlNode value)
    {
        if (value is not YamlMappingNode mapping)
        {
            Error(SchedulerBlock.Key, value, $"scheduler must be a mapping such as {{type: asha, metric: dev_loss, grace_period: 200steps}}, got {Describe(value)}");
            return;
        }

        _scheduler = new Dictionary<string, string?>(StringComparer.Ordinal);
        foreach (var (keyNode, child) in mapping.Children)
        {
            var key = (keyNode as YamlScalarNode)?.Value ?? "";
            var path = $"{SchedulerBlock.Key}.{key}";
            _locations[path] = Loc(child);
            if (child is not YamlScalarNode scalar)
            {
                Error(path, child, $"{path} must be a single value (scheduler settings are not searchable), got {Describe(child)}");
                continue;
            }

            _scheduler[key] = IsNull(scalar) ? null : scalar.Value;
        }
    }

    /// <summary>Checks the block against the metric and task, and <c>grace_period</c> against <c>training.max_steps</c>.</summary>
    private void CheckScheduler()
    {
        if (_scheduler is null)
        {
            return;
        }

        _stopping = SchedulerBlock.Read(_scheduler, _metric, _task, (path, message) => ErrorAt(path, SchedulerBlock.Key, null, message));
        var maxSteps = Domain(SpecSchema.TrainingSection, "max_steps");
        if (_stopping is null || maxSteps is null || maxSteps.Extremes.Contains(null))
        {
            return; // without a step cap the trial's length in steps is only known to the trainer
        }

        var shortest = maxSteps.Extremes.OfType<long>().Min();
        if (_stopping.GracePeriodSteps > shortest)
        {
            ErrorAt($"{SchedulerBlock.Key}.grace_period", SchedulerBlock.Key, "training.max_steps",
                $"scheduler.grace_period = {_stopping.GracePeriodSteps}steps is beyond the trial length: training.max_steps can be {shortest}, so no decision would ever be taken");
            _stopping = null;
        }
    }
}
