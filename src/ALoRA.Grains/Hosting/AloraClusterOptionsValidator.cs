using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Hosting;

/// <summary>Validates <see cref="AloraClusterOptions"/>; every message names the setting.</summary>
public sealed class AloraClusterOptionsValidator : IValidateOptions<AloraClusterOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AloraClusterOptions options)
    {
        var errors = new List<string>();
        if (options.MaxTrialRetries is < 0 or > 100)
        {
            errors.Add($"{AloraClusterOptions.Section}:MaxTrialRetries must be between 0 and 100, got {options.MaxTrialRetries}");
        }

        if (options.SchedulerInterval <= TimeSpan.Zero)
        {
            errors.Add($"{AloraClusterOptions.Section}:SchedulerInterval must be positive, got {options.SchedulerInterval}");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero)
        {
            errors.Add($"{AloraClusterOptions.Section}:HeartbeatInterval must be positive, got {options.HeartbeatInterval}");
        }

        if (options.FeedCapacity is < 100 or > 10_000_000)
        {
            errors.Add($"{AloraClusterOptions.Section}:FeedCapacity must be between 100 and 10000000, got {options.FeedCapacity}");
        }

        if (!string.IsNullOrWhiteSpace(options.DataRoot))
        {
            var setting = $"{AloraClusterOptions.Section}:{nameof(AloraClusterOptions.DataRoot)}";
            if (Storage.DirectorySetting.Check(setting, options.DataRoot) is { } error)
            {
                errors.Add(error);
            }
            else if (!Directory.Exists(options.DataRoot))
            {
                errors.Add($"{setting} = '{options.DataRoot}' does not exist (the folder relative model and data paths of specs resolve against)");
            }
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
