using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Resilience;

/// <summary>Validates <see cref="AloraResilienceOptions"/>; every message names the setting.</summary>
public sealed class AloraResilienceOptionsValidator : IValidateOptions<AloraResilienceOptions>
{
    private static readonly TimeSpan MinTimeout = TimeSpan.FromMilliseconds(10);
    private static readonly TimeSpan MaxTime = TimeSpan.FromDays(1);

    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AloraResilienceOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Check($"{AloraResilienceOptions.Section}:{nameof(AloraResilienceOptions.Storage)}", options.Storage, errors);
        Check($"{AloraResilienceOptions.Section}:{nameof(AloraResilienceOptions.GrainCalls)}", options.GrainCalls, errors);
        Check($"{AloraResilienceOptions.Section}:{nameof(AloraResilienceOptions.ClientConnect)}", options.ClientConnect, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>Adds a message to <paramref name="errors"/> for each invalid setting of <paramref name="options"/>.</summary>
    internal static void Check(string prefix, AloraRetryOptions? options, List<string> errors)
    {
        if (options is null)
        {
            errors.Add($"{prefix} is missing");
            return;
        }

        if (options.MaxRetryAttempts is < 0 or > 100)
        {
            errors.Add($"{prefix}:{nameof(AloraRetryOptions.MaxRetryAttempts)} must be between 0 and 100, got {options.MaxRetryAttempts}");
        }

        if (options.BaseDelay < TimeSpan.Zero || options.BaseDelay > MaxTime)
        {
            errors.Add($"{prefix}:{nameof(AloraRetryOptions.BaseDelay)} must be between 0 and 1 day, got {options.BaseDelay}");
        }

        if (options.MaxDelay < options.BaseDelay || options.MaxDelay > MaxTime)
        {
            errors.Add($"{prefix}:{nameof(AloraRetryOptions.MaxDelay)} must be between {nameof(AloraRetryOptions.BaseDelay)} ({options.BaseDelay}) and 1 day, got {options.MaxDelay}");
        }

        CheckTimeout($"{prefix}:{nameof(AloraRetryOptions.AttemptTimeout)}", options.AttemptTimeout, errors);
        CheckTimeout($"{prefix}:{nameof(AloraRetryOptions.TotalTimeout)}", options.TotalTimeout, errors);
    }

    private static void CheckTimeout(string setting, TimeSpan? value, List<string> errors)
    {
        if (value is { } v && (v < MinTimeout || v > MaxTime))
        {
            errors.Add($"{setting} must be empty or between 10 ms and 1 day, got {v}");
        }
    }
}
