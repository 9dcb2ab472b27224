using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Hosting;

/// <summary>Validates <see cref="AloraTrainerOptions"/>; every message names the setting.</summary>
public sealed partial class AloraTrainerOptionsValidator : IValidateOptions<AloraTrainerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AloraTrainerOptions options)
    {
        var errors = new List<string>();
        for (var i = 0; i < options.Devices.Count; i++)
        {
            if (!DevicePattern().IsMatch(options.Devices[i]))
            {
                errors.Add($"{AloraTrainerOptions.Section}:Devices:{i} = '{options.Devices[i]}' is not a device (cpu:N or cuda:N)");
            }
        }

        if (options.Devices.Distinct(StringComparer.Ordinal).Count() != options.Devices.Count)
        {
            errors.Add($"{AloraTrainerOptions.Section}:Devices lists a device twice");
        }

        if (options.CpuTrainers is < 0 or > 256)
        {
            errors.Add($"{AloraTrainerOptions.Section}:CpuTrainers must be between 0 and 256, got {options.CpuTrainers}");
        }

        if (options.TorchThreads < 0)
        {
            errors.Add($"{AloraTrainerOptions.Section}:TorchThreads must be >= 0, got {options.TorchThreads}");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^(cpu|cuda):[0-9]{1,3}$")]
    private static partial Regex DevicePattern();
}
