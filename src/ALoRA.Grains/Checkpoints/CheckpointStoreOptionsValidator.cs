using ALoRA.Grains.Storage;
using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Checkpoints;

/// <summary>Validates <see cref="CheckpointStoreOptions"/>; every message names the setting.</summary>
public sealed class CheckpointStoreOptionsValidator : IValidateOptions<CheckpointStoreOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, CheckpointStoreOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var error = DirectorySetting.Check($"{CheckpointStoreOptions.Section}:{nameof(CheckpointStoreOptions.RootDirectory)}", options.RootDirectory);
        return error is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error);
    }
}
