using System.Collections.Immutable;
using ALoRA.Abstractions.Grains;
using ALoRA.Abstractions.Sweeps;
using ALoRA.Grains.Hosting;
using ALoRA.Sweeps.Stopping;
using Microsoft.Extensions.Logging;

namespace ALoRA.Grains.Stopping;

/// <summary>
/// A sweep's early stopping (key: sweep id; docs/sweep-spec.md, "scheduler"). Holds the pure <see cref="StoppingRule"/>,
/// rebuilt on activation from the persisted records; a report that adds a record is written before it is answered, so
/// an answer the experiment acted on is never lost with the activation, and a new activation (after a silo restart or a
/// deactivation) answers the next reports as the old one would have. Reports are answered one at a time (the grain is
/// not reentrant), so the arrival order is the order the grain saw them. An unreadable stored state is never written
/// over: every trial continues (the state's reason is logged).
/// </summary>
public sealed partial class StoppingGrain(
    [PersistentState("stopping", AloraStorageNames.State)] IPersistentState<StoppingState> state,
    ILogger<StoppingGrain> logger) : Grain, IStoppingGrain
{
    private StoppingRule? _rule;

    private StoppingState S => state.State;

    /// <inheritdoc />
    public override Task OnActivateAsync(CancellationToken cancellationToken)
    {
        if (S.UnreadableReason is { } reason)
        {
            LogUnreadable(this.GetPrimaryKeyString(), reason);
        }
        else if (S.Settings is not null)
        {
            _rule = StoppingRule.Create(S.Settings, S.Records);
        }

        return Task.CompletedTask;
    }

    /// <inheritdoc />
    public async Task<StoppingDecision> ReportAsync(StoppingSettings settings, string trialId, int step, double value)
    {
        ArgumentNullException.ThrowIfNull(settings);
        ArgumentNullException.ThrowIfNull(trialId);
        if (S.UnreadableReason is not null || !settings.TakesDecisions())
        {
            return StoppingDecision.Continue;
        }

        if (_rule is null)
        {
            S.Settings = settings;
            _rule = StoppingRule.Create(settings, S.Records);
        }

        var recorded = _rule!.Records.Count;
        var decision = _rule.Report(trialId, step, value);
        if (_rule.Records.Count != recorded)
        {
            S.Records.AddRange(_rule.Records.Skip(recorded));
            try
            {
                await state.WriteStateAsync();
            }
            catch
            {
                // Not stored: forget it, so the retried report decides again from what is stored.
                S.Records.RemoveRange(recorded, S.Records.Count - recorded);
                _rule = StoppingRule.Create(S.Settings, S.Records);
                throw;
            }
        }

        if (decision.Stop)
        {
            LogStopped(this.GetPrimaryKeyString(), trialId, decision.Reason ?? "");
        }

        return decision;
    }

    /// <inheritdoc />
    public Task<ImmutableList<StoppingRecord>> GetRecordsAsync() => Task.FromResult(S.Records.ToImmutableList());

    [LoggerMessage(Level = LogLevel.Error, Message = "Sweep {SweepId}: the stored early-stopping records cannot be read, so no trial is stopped and nothing is written over them: {Reason}")]
    private partial void LogUnreadable(string sweepId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Sweep {SweepId}: trial {TrialId} {Reason}")]
    private partial void LogStopped(string sweepId, string trialId, string reason);
}
