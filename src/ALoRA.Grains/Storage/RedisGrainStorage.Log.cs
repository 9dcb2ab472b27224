using Microsoft.Extensions.Logging;

namespace ALoRA.Grains.Storage;

/// <content>Log messages.</content>
public sealed partial class RedisGrainStorage
{
    [LoggerMessage(Level = LogLevel.Information, Message = "Redis grain storage {StorageName} keeps grain state under {KeyPrefix}/ (connected: {Connected})")]
    private partial void LogStarted(string storageName, string keyPrefix, bool connected);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Read {StateName} of {GrainId} from {Key} (ETag {ETag})")]
    private partial void LogRead(string stateName, GrainId grainId, string key, string? eTag);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Wrote {StateName} of {GrainId} to {Key} (ETag {ETag})")]
    private partial void LogWritten(string stateName, GrainId grainId, string key, string eTag);

    [LoggerMessage(Level = LogLevel.Debug, Message = "Cleared {StateName} of {GrainId} ({Key})")]
    private partial void LogCleared(string stateName, GrainId grainId, string key);

    [LoggerMessage(Level = LogLevel.Warning, Message = "ETag conflict on {StateName} of {GrainId} ({Key}): stored {StoredETag}, expected {ExpectedETag}")]
    private partial void LogETagConflict(string stateName, GrainId grainId, string key, string? storedETag, string? expectedETag);

    [LoggerMessage(Level = LogLevel.Error, Message = "Redis grain storage {StorageName} cannot read {Key}; the value was left as it is")]
    private partial void LogUnreadable(Exception exception, string storageName, string key);
}
