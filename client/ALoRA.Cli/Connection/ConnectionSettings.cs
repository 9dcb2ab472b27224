namespace ALoRA.Cli.Connection;

/// <summary>How to reach a cluster.</summary>
/// <param name="Gateway">HOST:PORT of a silo gateway.</param>
/// <param name="Local">Host a silo in this process instead.</param>
/// <param name="DataDirectory">State and checkpoints of the in-process silo.</param>
/// <param name="ConnectTimeout">How long to keep trying to reach the gateway.</param>
internal sealed record ConnectionSettings(string Gateway, bool Local, string DataDirectory, TimeSpan ConnectTimeout)
{
    /// <summary>Service id the silos use (ALORA_SERVICE_ID, default alora).</summary>
    public string ServiceId { get; init; } = Environment.GetEnvironmentVariable("ALORA_SERVICE_ID") ?? "alora";

    /// <summary>Cluster id the silos use (ALORA_CLUSTER_ID, default alora-dev).</summary>
    public string ClusterId { get; init; } = Environment.GetEnvironmentVariable("ALORA_CLUSTER_ID") ?? "alora-dev";

    /// <summary>CPU trainers of the in-process silo.</summary>
    public int LocalCpuTrainers { get; init; } = 1;

    /// <summary>
    /// Folder relative spec paths resolve against in the in-process silo (its <c>Alora:DataRoot</c>): the spec file's
    /// folder for <c>submit --local</c> and <c>demo</c>; null: the working directory.
    /// </summary>
    public string? LocalDataRoot { get; init; }

    /// <summary>The client token and TLS files (docs/security.md); none by default.</summary>
    public ClientSecurity Security { get; init; } = ClientSecurity.None;
}
