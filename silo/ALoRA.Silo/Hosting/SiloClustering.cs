namespace ALoRA.Silo.Hosting;

/// <summary>Values of <see cref="SiloHostOptions.Clustering"/> (compared ignoring case).</summary>
public static class SiloClustering
{
    /// <summary>Development clustering on this machine (or seeded by <see cref="SiloHostOptions.PrimarySiloEndpoint"/>).</summary>
    public const string Localhost = "localhost";

    /// <summary>Membership table in Redis.</summary>
    public const string Redis = "redis";

    /// <summary>Membership table in Redis plus Orleans' Kubernetes hosting.</summary>
    public const string Kubernetes = "kubernetes";

    /// <summary>Every value.</summary>
    public static IReadOnlyList<string> All { get; } = [Localhost, Redis, Kubernetes];

    /// <summary>Whether <paramref name="clustering"/> keeps its membership table in Redis.</summary>
    public static bool UsesRedis(string? clustering) =>
        Is(clustering, Redis) || Is(clustering, Kubernetes);

    /// <summary>Whether <paramref name="value"/> is <paramref name="expected"/>, ignoring case and surrounding spaces.</summary>
    public static bool Is(string? value, string expected) =>
        string.Equals(value?.Trim(), expected, StringComparison.OrdinalIgnoreCase);
}
