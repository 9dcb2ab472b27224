using StackExchange.Redis;

namespace ALoRA.Silo.Hosting;

/// <summary>Parses <see cref="SiloHostOptions.RedisConnectionString"/> (no connection is made).</summary>
internal static class RedisConnection
{
    /// <summary>Null when <paramref name="connectionString"/> parses, else why not (never echoes the string: it may hold a password).</summary>
    public static string? Check(string connectionString)
    {
        try
        {
            var options = ConfigurationOptions.Parse(connectionString);
            return options.EndPoints.Count == 0 ? "it names no host (e.g. redis:6379)" : null;
        }
        catch (ArgumentException ex)
        {
            return ex.Message;
        }
    }

    /// <summary>The client configuration for <paramref name="connectionString"/>.</summary>
    public static ConfigurationOptions Parse(string connectionString) => ConfigurationOptions.Parse(connectionString);
}
