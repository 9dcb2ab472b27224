using Microsoft.Extensions.Logging;

namespace ALoRA.Grains.Trainers;

/// <summary>The log messages of <see cref="TrainerGrain"/>.</summary>
public sealed partial class TrainerGrain
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Trainer {Trainer} starts trial {TrialId} (attempt {Attempt})")]
    private partial void LogStarting(string trainer, string trialId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trainer {Trainer}: trial {TrialId} attempt {Attempt} is stale (the trial moved on); stopping it")]
    private partial void LogStale(string trainer, string trialId, int attempt);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trainer {Trainer}: trial {TrialId} was stopped early by its sweep's scheduler; ending attempt {Attempt} and taking the next trial")]
    private partial void LogStoppedEarly(string trainer, string trialId, int attempt);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trainer {Trainer}: could not report progress of {TrialId}: {Error}")]
    private partial void LogReportFailed(string trainer, string trialId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trainer {Trainer}: the experiment of {TrialId} (attempt {Attempt}) lost events from {From} on before storing them; sending {Count} again")]
    private partial void LogResending(string trainer, string trialId, int attempt, long from, int count);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trainer {Trainer}: training of {TrialId} failed: {Error}")]
    private partial void LogTrainingFailed(string trainer, string trialId, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trainer {Trainer} is being deactivated while it trains {TrialId} ({Reason}); its next activation takes the job over")]
    private partial void LogHandingOver(string trainer, string trialId, string reason);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trainer {Trainer} takes over trial {TrialId} (attempt {Attempt}) from its previous activation")]
    private partial void LogAdopting(string trainer, string trialId, int attempt);
}
