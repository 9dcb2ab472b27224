using Microsoft.Extensions.Options;

namespace ALoRA.Silo.Hosting;

/// <summary>
/// Refuses to start a silo whose state or checkpoint folder is in use by the live silos of another cluster (exit code 2,
/// naming the folder's setting, the folder and its owner: cluster, primary silo, host, pid), by taking the folders with
/// <see cref="SiloFolderLocks"/>. Runs with the validation of the settings at start, before anything listens.
/// </summary>
public sealed class SiloFolderLockCheck(SiloFolderLocks locks) : IValidateOptions<SiloHostOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = locks.Acquire(options);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }
}
