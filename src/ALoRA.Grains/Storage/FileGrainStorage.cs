using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;
using Polly;

namespace ALoRA.Grains.Storage;

/// <summary>
/// Grain storage in plain files, for one machine with no database server: one UTF-8 JSON file per grain state at
/// <c>&lt;root&gt;/&lt;state name&gt;/&lt;grain type&gt;/&lt;key&gt;.json</c> (each segment encoded so that keys such as
/// <c>node-a/cpu:0</c> or <c>../x</c> can neither escape the root nor collide). The format is described by
/// <c>GrainStateFormat</c>: <c>schema_version</c>, a stable <c>state_type</c> (the state class's <c>[Alias]</c>, else its
/// name), an opaque <c>etag</c>, <c>written_at</c> and the <c>state</c> as System.Text.Json writes it, with no .NET type
/// names.
/// </summary>
/// <remarks>
/// <para>
/// Writes go to a temp file in the same folder (named <c>.&lt;file&gt;.&lt;guid&gt;.tmp</c>), are flushed to disk and then
/// renamed over the state file, so a crash leaves the old or the new file, never a torn one; leftover temp files are
/// ignored. ETags follow Orleans' optimistic concurrency: a write or clear whose <see cref="IGrainState{T}.ETag"/> is not
/// the stored one (null meaning "no record") throws <see cref="InconsistentStateException"/>.
/// </para>
/// <para>
/// Operations on one file are serialised inside the process (also across storage instances on the same root, as in
/// an in-process test cluster). Across processes sharing a root, exclusivity rests on Orleans' single activation; the
/// ETag check is not atomic there. A file that is not valid JSON, or has another schema version or state type, is never
/// overwritten or reset: reading it gives a state marked unreadable (<see cref="IUnreadableStateAware"/>) or throws
/// <see cref="InvalidDataException"/> naming it. File IO runs through the
/// <c>AloraResilience.Storage</c> pipeline, so transient IO errors are retried.
/// </para>
/// </remarks>
[DebuggerDisplay("FileGrainStorage {Name} at {RootDirectory}")]
public sealed partial class FileGrainStorage : IGrainStorage, ILifecycleParticipant<ISiloLifecycle>
{
    private const string Extension = ".json";

    // One table per process: two silos of an in-process test cluster may share a root.
    private static readonly KeyedAsyncLock Locks = new();

    private readonly ResiliencePipeline _pipeline;
    private readonly ILogger<FileGrainStorage> _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates a storage provider over <see cref="FileGrainStorageOptions.RootDirectory"/>.</summary>
    /// <param name="name">Name of the provider (for messages).</param>
    /// <param name="options">The settings; validated here.</param>
    /// <param name="pipeline">Retries around file IO, normally <c>AloraResilience.Storage</c>; <see cref="ResiliencePipeline.Empty"/> for none.</param>
    /// <param name="logger">Logger.</param>
    /// <param name="timeProvider">Clock for <c>written_at</c>; the system clock by default.</param>
    /// <exception cref="OptionsValidationException"><paramref name="options"/> are invalid.</exception>
    public FileGrainStorage(string name, FileGrainStorageOptions options, ResiliencePipeline pipeline, ILogger<FileGrainStorage> logger,
                            TimeProvider? timeProvider = null)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(options);
        var validation = new FileGrainStorageOptionsValidator().Validate(name, options);
        if (validation.Failed)
        {
            throw new OptionsValidationException(name, typeof(FileGrainStorageOptions), validation.Failures);
        }

        Name = name;
        RootDirectory = SafeFileName.FullRoot(options.RootDirectory);
        _pipeline = pipeline ?? throw new ArgumentNullException(nameof(pipeline));
        _logger = logger ?? throw new ArgumentNullException(nameof(logger));
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <summary>Name of the storage provider.</summary>
    public string Name { get; }

    /// <summary>Absolute path of the root folder.</summary>
    public string RootDirectory { get; }

    /// <summary>The file that holds <paramref name="stateName"/> of <paramref name="grainId"/>.</summary>
    /// <exception cref="ArgumentException">The names cannot be encoded (unpaired surrogate) or would leave the root.</exception>
    public string FilePath(string stateName, GrainId grainId) =>
        SafeFileName.PathUnder(RootDirectory, Extension, stateName, grainId.Type.ToString()!, grainId.Key.ToString()!);

    /// <inheritdoc />
    public Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ReadStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc cref="IGrainStorage.ReadStateAsync{T}(string, GrainId, IGrainState{T})" />
    /// <param name="stateName">Name of the state.</param>
    /// <param name="grainId">The grain.</param>
    /// <param name="grainState">Receives the state, its ETag and whether a record exists (a new state when none).</param>
    /// <param name="cancellationToken">Cancels waiting for the file.</param>
    public async Task ReadStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = FilePath(stateName, grainId);
        byte[]? bytes;
        using (await Locks.AcquireAsync(path, cancellationToken).ConfigureAwait(false))
        {
            bytes = await _pipeline.ExecuteAsync(static (p, ct) => ReadIfExistsAsync(p, ct), path, cancellationToken).ConfigureAwait(false);
        }

        if (bytes is null)
        {
            GrainStateFormat.SetNoRecord(grainState);
            LogRead(stateName, grainId, path, null);
            return;
        }

        try
        {
            GrainStateFormat.ReadInto(grainState, bytes, path);
        }
        catch (InvalidDataException ex)
        {
            LogUnreadable(ex, Name, path);
            if (!UnreadableState.TryTolerate(grainState, ex))
            {
                throw;
            }

            LogUnreadableTolerated(stateName, grainId, path);
            return;
        }

        LogRead(stateName, grainId, path, grainState.ETag);
    }

    /// <inheritdoc />
    public Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        WriteStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc cref="IGrainStorage.WriteStateAsync{T}(string, GrainId, IGrainState{T})" />
    /// <param name="stateName">Name of the state.</param>
    /// <param name="grainId">The grain.</param>
    /// <param name="grainState">The state to write; its ETag must be the stored one (null: no record yet) and is replaced.</param>
    /// <param name="cancellationToken">Cancels waiting for the file.</param>
    /// <exception cref="InconsistentStateException">The stored ETag is not <paramref name="grainState"/>'s.</exception>
    public async Task WriteStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = FilePath(stateName, grainId);
        UnreadableState.ThrowIfUnreadable(grainState.ETag, Name, path);
        var stateType = GrainStateFormat.StateTypeName(typeof(T));
        var etag = NewETag();
        var bytes = GrainStateFormat.Serialize(grainState.State, stateType, etag, _time.GetUtcNow());
        var expected = grainState.ETag;
        using (await Locks.AcquireAsync(path, cancellationToken).ConfigureAwait(false))
        {
            await _pipeline.ExecuteAsync(
                async ct =>
                {
                    var stored = await StoredETagAsync(path, stateType, ct).ConfigureAwait(false);
                    if (string.Equals(stored, etag, StringComparison.Ordinal))
                    {
                        return; // an earlier attempt wrote the file, then failed
                    }

                    ThrowIfConflict(stateName, grainId, path, stored, expected);
                    await WriteAtomicallyAsync(path, bytes, ct).ConfigureAwait(false);
                },
                cancellationToken).ConfigureAwait(false);
        }

        grainState.ETag = etag;
        grainState.RecordExists = true;
        LogWritten(stateName, grainId, path, etag);
    }

    /// <inheritdoc />
    public Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState) =>
        ClearStateAsync(stateName, grainId, grainState, CancellationToken.None);

    /// <inheritdoc cref="IGrainStorage.ClearStateAsync{T}(string, GrainId, IGrainState{T})" />
    /// <param name="stateName">Name of the state.</param>
    /// <param name="grainId">The grain.</param>
    /// <param name="grainState">Its ETag must be the stored one; afterwards it holds a new state, no ETag and no record.</param>
    /// <param name="cancellationToken">Cancels waiting for the file.</param>
    /// <exception cref="InconsistentStateException">The stored ETag is not <paramref name="grainState"/>'s.</exception>
    public async Task ClearStateAsync<T>(string stateName, GrainId grainId, IGrainState<T> grainState, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(grainState);
        var path = FilePath(stateName, grainId);
        UnreadableState.ThrowIfUnreadable(grainState.ETag, Name, path);
        var stateType = GrainStateFormat.StateTypeName(typeof(T));
        var expected = grainState.ETag;
        var deleted = false;
        using (await Locks.AcquireAsync(path, cancellationToken).ConfigureAwait(false))
        {
            await _pipeline.ExecuteAsync(
                async ct =>
                {
                    var stored = await StoredETagAsync(path, stateType, ct).ConfigureAwait(false);
                    if (stored is null && deleted)
                    {
                        return; // an earlier attempt deleted the file, then failed
                    }

                    ThrowIfConflict(stateName, grainId, path, stored, expected);
                    if (stored is not null)
                    {
                        deleted = true;
                        File.Delete(path);
                    }
                },
                cancellationToken).ConfigureAwait(false);
        }

        GrainStateFormat.SetNoRecord(grainState);
        LogCleared(stateName, grainId, path);
    }

    /// <summary>Creates the root folder when the silo starts (a failure stops the silo).</summary>
    /// <param name="lifecycle">The silo's lifecycle.</param>
    public void Participate(ISiloLifecycle lifecycle)
    {
        ArgumentNullException.ThrowIfNull(lifecycle);
        lifecycle.Subscribe($"{nameof(FileGrainStorage)}-{Name}", ServiceLifecycleStage.ApplicationServices, StartAsync);
    }

    /// <summary>Creates the root folder.</summary>
    /// <param name="cancellationToken">Cancels the start.</param>
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await _pipeline.ExecuteAsync(static (root, _) =>
        {
            Directory.CreateDirectory(root);
            return ValueTask.CompletedTask;
        }, RootDirectory, cancellationToken).ConfigureAwait(false);
        LogStarted(Name, RootDirectory);
    }

    private static string NewETag() => Guid.NewGuid().ToString("N");

    private static async ValueTask<byte[]?> ReadIfExistsAsync(string path, CancellationToken cancellationToken)
    {
        try
        {
            return await File.ReadAllBytesAsync(path, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            return null;
        }
    }

    private async ValueTask<string?> StoredETagAsync(string path, string stateType, CancellationToken cancellationToken)
    {
        var bytes = await ReadIfExistsAsync(path, cancellationToken).ConfigureAwait(false);
        if (bytes is null)
        {
            return null;
        }

        var (document, etag) = Parse(bytes, path, stateType);
        document.Dispose();
        return etag;
    }

    private (System.Text.Json.JsonDocument Document, string ETag) Parse(byte[] bytes, string path, string stateType)
    {
        try
        {
            return GrainStateFormat.ParseEnvelope(bytes, path, stateType);
        }
        catch (InvalidDataException ex)
        {
            LogUnreadable(ex, Name, path);
            throw;
        }
    }

    private void ThrowIfConflict(string stateName, GrainId grainId, string path, string? stored, string? expected)
    {
        if (string.Equals(stored, expected, StringComparison.Ordinal))
        {
            return;
        }

        LogETagConflict(stateName, grainId, path, stored, expected);
        throw new InconsistentStateException(
            $"File grain storage '{Name}': {path} has ETag '{stored ?? "(no record)"}' but the write or clear expected '{expected ?? "(no record)"}'; "
            + "another activation or process changed the state",
            stored,
            expected);
    }

    private static async Task WriteAtomicallyAsync(string path, byte[] bytes, CancellationToken cancellationToken)
    {
        var directory = Path.GetDirectoryName(path)!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        try
        {
            var options = new FileStreamOptions
            {
                Mode = FileMode.CreateNew,
                Access = FileAccess.Write,
                Share = FileShare.None,
                Options = FileOptions.Asynchronous,
                BufferSize = 0,
            };
            await using (var stream = new FileStream(temp, options))
            {
                await stream.WriteAsync(bytes, cancellationToken).ConfigureAwait(false);
                stream.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
        }
        catch
        {
            TryDelete(temp);
            throw;
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
