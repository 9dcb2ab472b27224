using System.Text.RegularExpressions;
using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Hosting;

/// <summary>Validates <see cref="AloraTrainerOptions"/>, its data annotations included; every message names the setting.</summary>
public sealed partial class AloraTrainerOptionsValidator : IValidateOptions<AloraTrainerOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, AloraTrainerOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        OptionsAnnotations.Validate(options, AloraTrainerOptions.Section, errors); // CpuTrainers, TorchThreads, Slots
        for (var i = 0; i < options.Devices.Count; i++)
        {
            if (!DevicePattern().IsMatch(options.Devices[i]))
            {
                errors.Add($"{AloraTrainerOptions.Section}:Devices:{i} = '{options.Devices[i]}' is not a device (cpu:N or cuda:N)");
            }
        }

        if (options.DeviceMemory is { } memory && !MemorySize.TryParse(memory, out _))
        {
            errors.Add($"{AloraTrainerOptions.Section}:DeviceMemory = '{memory}' is not a memory size (bytes, or a number with KiB, MiB, GiB or TiB, such as 24GiB)");
        }
        else if (options.DeviceMemory is null && options.Devices.Any(d => d.StartsWith("cuda:", StringComparison.Ordinal)))
        {
            errors.Add($"{AloraTrainerOptions.Section}:DeviceMemory is required with CUDA devices (the memory of each, such as 80GiB): submits check each trial's estimated memory against it");
        }

        if (options.Devices.Distinct(StringComparer.Ordinal).Count() != options.Devices.Count)
        {
            errors.Add($"{AloraTrainerOptions.Section}:Devices lists a device twice");
        }

        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    [GeneratedRegex("^(cpu|cuda):[0-9]{1,3}$")]
    private static partial Regex DevicePattern();
}
