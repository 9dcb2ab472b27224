namespace ALoRA.Silo.Hosting;

/// <summary>Values of <see cref="SiloHostOptions.Storage"/> (compared ignoring case).</summary>
public static class SiloStorage
{
    /// <summary>JSON files under the data directory.</summary>
    public const string File = "file";

    /// <summary>Redis.</summary>
    public const string Redis = "redis";

    /// <summary>Every value.</summary>
    public static IReadOnlyList<string> All { get; } = [File, Redis];
}
