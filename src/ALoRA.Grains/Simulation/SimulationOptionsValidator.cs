using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Simulation;

/// <summary>Validates <see cref="SimulationOptions"/>; every message names the setting.</summary>
public sealed class SimulationOptionsValidator : IValidateOptions<SimulationOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SimulationOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        Positive(errors, nameof(SimulationOptions.DeviceFlops), options.DeviceFlops);
        Positive(errors, nameof(SimulationOptions.TimeScale), options.TimeScale);
        if (!(options.Utilization > 0 && options.Utilization <= 1))
        {
            errors.Add($"{SimulationOptions.Section}:{nameof(SimulationOptions.Utilization)} = {options.Utilization} must be in (0, 1]");
        }

        if (!(options.SharedUtilization >= options.Utilization && options.SharedUtilization <= 1))
        {
            errors.Add($"{SimulationOptions.Section}:{nameof(SimulationOptions.SharedUtilization)} = {options.SharedUtilization} must be in [Utilization, 1]");
        }

        NotNegative(errors, nameof(SimulationOptions.LoadSeconds), options.LoadSeconds);
        NotNegative(errors, nameof(SimulationOptions.CheckpointSeconds), options.CheckpointSeconds);
        if (options.ReportInterval <= TimeSpan.Zero || options.ReportInterval > TimeSpan.FromMinutes(1))
        {
            errors.Add($"{SimulationOptions.Section}:{nameof(SimulationOptions.ReportInterval)} = {options.ReportInterval} must be above 0 and at most 00:01:00");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    private static void Positive(List<string> errors, string key, double value)
    {
        if (!(value > 0 && double.IsFinite(value)))
        {
            errors.Add($"{SimulationOptions.Section}:{key} = {value} must be a positive number");
        }
    }

    private static void NotNegative(List<string> errors, string key, double value)
    {
        if (!(value >= 0 && double.IsFinite(value)))
        {
            errors.Add($"{SimulationOptions.Section}:{key} = {value} must be 0 or more");
        }
    }
}
