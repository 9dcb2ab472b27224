using Microsoft.Extensions.Logging;

namespace ALoRA.Grains.Storage;

/// <content>Log messages.</content>
public sealed partial class FileGrainStorage
{
    [LoggerMessage(Level = LogLevel.Information, Message = "File grain storage {StorageName} keeps grain state under {RootDirectory}")]
    private partial void LogStarted(string storageName, string rootDirectory);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Read {StateName} of {GrainId} from {Path} (ETag {ETag})")]
    private partial void LogRead(string stateName, GrainId grainId, string path, string? eTag);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Wrote {StateName} of {GrainId} to {Path} (ETag {ETag})")]
    private partial void LogWritten(string stateName, GrainId grainId, string path, string eTag);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cleared {StateName} of {GrainId} ({Path})")]
    private partial void LogCleared(string stateName, GrainId grainId, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ETag conflict on {StateName} of {GrainId} ({Path}): stored {StoredETag}, expected {ExpectedETag}")]
    private partial void LogETagConflict(string stateName, GrainId grainId, string path, string? storedETag, string? expectedETag);

    [LoggerMessage(Level = LogLevel.Error, Message = "File grain storage {StorageName} cannot read {Path}; the file was left as it is")]
    private partial void LogUnreadable(Exception exception, string storageName, string path);

    [LoggerMessage(Level = LogLevel.Warning, Message = "{StateName} of {GrainId} ({Path}) is unreadable: the grain activates without it and nothing is written over it")]
    private partial void LogUnreadableTolerated(string stateName, GrainId grainId, string path);
}
