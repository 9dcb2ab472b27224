using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Hosting;

/// <summary>Validates <see cref="AloraClusterOptions"/>, its data annotations included; every message names the setting.</summary>
public sealed class AloraClusterOptionsValidator : IValidateOptions<AloraClusterOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AloraClusterOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        OptionsAnnotations.Validate(options, AloraClusterOptions.Section, errors); // MaxTrialRetries, MaxInfrastructureRetries, FeedCapacity

        if (options.SchedulerInterval <= TimeSpan.Zero)
        {
            errors.Add($"{AloraClusterOptions.Section}:SchedulerInterval must be positive, got {options.SchedulerInterval}");
        }

        if (options.HeartbeatInterval <= TimeSpan.Zero)
        {
            errors.Add($"{AloraClusterOptions.Section}:HeartbeatInterval must be positive, got {options.HeartbeatInterval}");
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
