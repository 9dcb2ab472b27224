using System.Collections.Immutable;
using ALoRA.Abstractions.Trials;

namespace ALoRA.Abstractions.Grains;

/// <summary>
/// Reads a trial's exported adapter (PEFT layout) out of the checkpoint store for a client (key: the trial id), so
/// that <c>alora export</c> needs only a connection to the cluster, not the store's volume. A stateless worker: it runs
/// on the silo the client is connected to, which must see the checkpoint store (every silo does in a working cluster).
/// </summary>
public interface IAdapterExportGrain : IGrainWithStringKey
{
    /// <summary>The adapter's files with their sizes and SHA-256, by name.</summary>
    /// <exception cref="FileNotFoundException">The store holds no adapter for the trial (the message says where it looked).</exception>
    Task<ImmutableList<AdapterFile>> ListFilesAsync();

    /// <summary>
    /// Up to <see cref="AdapterFile.ChunkSize"/> bytes of the file <paramref name="name"/> from <paramref name="offset"/>;
    /// empty at or past the end.
    /// </summary>
    /// <exception cref="ArgumentException"><paramref name="name"/> is not a file of the adapter, or <paramref name="offset"/> is negative.</exception>
    Task<byte[]> ReadAsync(string name, long offset);
}
