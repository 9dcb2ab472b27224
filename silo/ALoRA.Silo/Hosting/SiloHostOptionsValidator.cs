using Microsoft.Extensions.Options;

namespace ALoRA.Silo.Hosting;

/// <summary>Validates <see cref="SiloHostOptions"/>; reports every failure, each naming its setting key.</summary>
public sealed class SiloHostOptionsValidator : IValidateOptions<SiloHostOptions>
{
    /// <inheritdoc />
    public ValidateOptionsResult Validate(string? name, SiloHostOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var errors = new List<string>();
        ValidateIdentity(options, errors);
        ValidateProviders(options, errors);
        ValidateEndpoints(options, errors);
        ValidateTimings(options, errors);
        return errors.Count == 0 ? ValidateOptionsResult.Success : ValidateOptionsResult.Fail(errors);
    }

    /// <summary>The full key of a <see cref="SiloHostOptions"/> property, e.g. <c>Alora:Silo:SiloPort</c>.</summary>
    public static string Key(string property) => $"{SiloHostOptions.Section}:{property}";

    private static void ValidateIdentity(SiloHostOptions o, List<string> errors)
    {
        if (string.IsNullOrWhiteSpace(o.SiloName))
        {
            errors.Add($"{Key(nameof(o.SiloName))} is required (default: the machine name)");
        }
        else if (o.SiloName.Contains('/', StringComparison.Ordinal))
        {
            errors.Add($"{Key(nameof(o.SiloName))} = '{o.SiloName}' must not contain '/' (trainer keys are <SiloName>/<device>)");
        }

        if (string.IsNullOrWhiteSpace(o.ServiceId))
        {
            errors.Add($"{Key(nameof(o.ServiceId))} is required (default: alora)");
        }

        if (string.IsNullOrWhiteSpace(o.ClusterId))
        {
            errors.Add($"{Key(nameof(o.ClusterId))} is required (default: alora-dev)");
        }
    }

    private static void ValidateProviders(SiloHostOptions o, List<string> errors)
    {
        var clusteringKnown = SiloClustering.All.Any(c => SiloClustering.Is(o.Clustering, c));
        if (!clusteringKnown)
        {
            errors.Add($"{Key(nameof(o.Clustering))} = '{o.Clustering}' is not one of: {string.Join(", ", SiloClustering.All)}");
        }

        var storageRedis = SiloClustering.Is(o.Storage, SiloStorage.Redis);
        if (!SiloStorage.All.Any(s => SiloClustering.Is(o.Storage, s)))
        {
            errors.Add($"{Key(nameof(o.Storage))} = '{o.Storage}' is not one of: {string.Join(", ", SiloStorage.All)}");
        }

        var users = new List<string>();
        if (SiloClustering.UsesRedis(o.Clustering))
        {
            users.Add($"{Key(nameof(o.Clustering))}={o.Clustering!.Trim().ToLowerInvariant()}");
        }

        if (storageRedis)
        {
            users.Add($"{Key(nameof(o.Storage))}=redis");
        }

        if (string.IsNullOrWhiteSpace(o.RedisConnectionString))
        {
            if (users.Count > 0)
            {
                errors.Add($"{Key(nameof(o.RedisConnectionString))} is required with {string.Join(" and ", users)}");
            }
        }
        else if (RedisConnection.Check(o.RedisConnectionString) is { } problem)
        {
            errors.Add($"{Key(nameof(o.RedisConnectionString))} is not a Redis connection string: {problem}");
        }

        for (var i = 0; i < o.AllowedRoots.Count; i++)
        {
            var root = o.AllowedRoots[i];
            if (string.IsNullOrWhiteSpace(root) || root.Contains('\0', StringComparison.Ordinal))
            {
                errors.Add($"{Key(nameof(o.AllowedRoots))}:{i} must be a folder, got '{root}'");
            }
            else if (!Directory.Exists(root))
            {
                errors.Add($"{Key(nameof(o.AllowedRoots))}:{i} = '{root}' does not exist (a folder specs may name model and data folders under)");
            }
        }

        if (string.IsNullOrWhiteSpace(o.DataDirectory))
        {
            errors.Add($"{Key(nameof(o.DataDirectory))} is required (default: ./alora-data)");
        }
        else if (o.DataDirectory.Contains('\0', StringComparison.Ordinal))
        {
            errors.Add($"{Key(nameof(o.DataDirectory))} contains a NUL character");
        }
    }

    private static void ValidateEndpoints(SiloHostOptions o, List<string> errors)
    {
        CheckPort(nameof(o.SiloPort), o.SiloPort, errors);
        CheckPort(nameof(o.GatewayPort), o.GatewayPort, errors);
        if (o.SiloPort == o.GatewayPort)
        {
            errors.Add($"{Key(nameof(o.SiloPort))} and {Key(nameof(o.GatewayPort))} must differ, both are {o.SiloPort}");
        }

        if (o.HealthPort is < 0 or > 65535)
        {
            errors.Add($"{Key(nameof(o.HealthPort))} must be between 1 and 65535, or 0 to turn the health endpoints off, got {o.HealthPort}");
        }
        else if (o.HealthPort != 0 && (o.HealthPort == o.SiloPort || o.HealthPort == o.GatewayPort))
        {
            var other = o.HealthPort == o.SiloPort ? nameof(o.SiloPort) : nameof(o.GatewayPort);
            errors.Add($"{Key(nameof(o.HealthPort))} and {Key(other)} must differ, both are {o.HealthPort}");
        }

        if (!string.IsNullOrWhiteSpace(o.PrimarySiloEndpoint))
        {
            if (!SiloEndpoints.TryParseHostPort(o.PrimarySiloEndpoint, out _, out _))
            {
                errors.Add($"{Key(nameof(o.PrimarySiloEndpoint))} = '{o.PrimarySiloEndpoint}' is not host:port with a port between 1 and 65535 (e.g. 127.0.0.1:11111)");
            }

            if (!SiloClustering.Is(o.Clustering, SiloClustering.Localhost))
            {
                errors.Add($"{Key(nameof(o.PrimarySiloEndpoint))} is only used with {Key(nameof(o.Clustering))}=localhost, not '{o.Clustering}'");
            }
        }

        if (o.AdvertisedAddress is not null && !SiloEndpoints.IsHost(o.AdvertisedAddress))
        {
            errors.Add($"{Key(nameof(o.AdvertisedAddress))} = '{o.AdvertisedAddress}' is not an IP address or host name");
        }
    }

    private static void ValidateTimings(SiloHostOptions o, List<string> errors)
    {
        CheckPositive(nameof(o.ProbeTimeout), o.ProbeTimeout, errors);
        CheckPositive(nameof(o.DeathVoteExpirationTimeout), o.DeathVoteExpirationTimeout, errors);
        CheckPositive(nameof(o.ShutdownTimeout), o.ShutdownTimeout, errors);
        if (o.NumMissedProbesLimit is < 1 or > 100)
        {
            errors.Add($"{Key(nameof(o.NumMissedProbesLimit))} must be between 1 and 100, got {o.NumMissedProbesLimit}");
        }

        if (o.NumVotesForDeathDeclaration is < 1 or > 100)
        {
            errors.Add($"{Key(nameof(o.NumVotesForDeathDeclaration))} must be between 1 and 100, got {o.NumVotesForDeathDeclaration}");
        }
    }

    private static void CheckPort(string property, int port, List<string> errors)
    {
        if (port is < 1 or > 65535)
        {
            errors.Add($"{Key(property)} must be between 1 and 65535, got {port}");
        }
    }

    private static void CheckPositive(string property, TimeSpan value, List<string> errors)
    {
        if (value <= TimeSpan.Zero)
        {
            errors.Add($"{Key(property)} must be a positive time span (hh:mm:ss), got {value}");
        }
    }
}
