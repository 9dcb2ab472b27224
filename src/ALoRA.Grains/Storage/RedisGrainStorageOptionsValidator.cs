using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ALoRA.Grains.Storage;

/// <summary>Validates <see cref="RedisGrainStorageOptions"/>; every message names the setting and the storage.</summary>
public sealed class RedisGrainStorageOptionsValidator : IValidateOptions<RedisGrainStorageOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, RedisGrainStorageOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var failures = new List<string>();
        var where = $"(Redis grain storage '{name}')";
        if (string.IsNullOrWhiteSpace(options.ConnectionString))
        {
            failures.Add($"{nameof(RedisGrainStorageOptions.ConnectionString)} {where} is required (e.g. redis:6379).");
        }
        else if (Check(options.ConnectionString) is { } problem)
        {
            failures.Add($"{nameof(RedisGrainStorageOptions.ConnectionString)} {where} is not a StackExchange.Redis connection string: {problem}.");
        }

        if (string.IsNullOrWhiteSpace(options.KeyPrefix))
        {
            failures.Add($"{nameof(RedisGrainStorageOptions.KeyPrefix)} {where} must not be empty.");
        }

        return failures.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(failures);
    }

    /// <summary>Null when <paramref name="connectionString"/> parses and names a host, else why not (never echoes it: it may hold a password).</summary>
    public static string? Check(string connectionString)
    {
        try
        {
            return ConfigurationOptions.Parse(connectionString).EndPoints.Count == 0 ? "it names no host (e.g. redis:6379)" : null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }
}
