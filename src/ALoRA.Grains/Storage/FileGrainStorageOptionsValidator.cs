using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Storage;

/// <summary>Validates <see cref="FileGrainStorageOptions"/>; every message names the setting and the storage.</summary>
public sealed class FileGrainStorageOptionsValidator : IValidateOptions<FileGrainStorageOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, FileGrainStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var setting = $"{FileGrainStorageOptions.Section}:{nameof(FileGrainStorageOptions.RootDirectory)} (grain storage '{name}')";
        var error = DirectorySetting.Check(setting, options.RootDirectory);
        return error is null ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(error);
    }
}
