using System.Net.Sockets;
using System.Text.Json;
using Orleans.Networking.Shared;
using Orleans.Runtime.Messaging;
using Orleans.Storage;
using StackExchange.Redis;

namespace ALoRA.Grains.Resilience;

/// <summary>Which failures are worth retrying, per kind of operation.</summary>
public static class TransientFailures
{
    private static readonly string[] TransientRedisErrors = ["LOADING", "BUSY", "TRYAGAIN", "MASTERDOWN", "READONLY"];

    /// <summary>
    /// File IO: an <see cref="IOException"/> (sharing violation, interrupted network volume, out of handles) or a
    /// <see cref="TimeoutException"/>. Permanent, never retried: a missing file or folder, a path too long,
    /// <see cref="UnauthorizedAccessException"/>, corrupt content (<see cref="InvalidDataException"/>,
    /// <see cref="JsonException"/>, <see cref="EndOfStreamException"/>) and <see cref="InconsistentStateException"/>.
    /// Redis: a lost or not yet made connection (<see cref="RedisConnectionException"/>), a timeout
    /// (<see cref="RedisTimeoutException"/>) or a server that is loading, busy or failing over (<c>LOADING</c>, <c>BUSY</c>,
    /// <c>TRYAGAIN</c>, <c>MASTERDOWN</c>, <c>READONLY</c>); any other server error is permanent.
    /// </summary>
    /// <param name="exception">The failure.</param>
    public static bool IsTransientStorageFailure(Exception exception) => exception switch
    {
        FileNotFoundException or DirectoryNotFoundException or PathTooLongException or DriveNotFoundException
            or EndOfStreamException or FileLoadException => false,
        UnauthorizedAccessException or InvalidDataException or JsonException or InconsistentStateException => false,
        RedisConnectionException or RedisTimeoutException => true,
        RedisServerException server => TransientRedisErrors.Any(e => server.Message.StartsWith(e, StringComparison.Ordinal)),
        IOException or TimeoutException => true,
        _ => false,
    };

    /// <summary>
    /// A grain call: the message was rejected or the target silo is gone (<see cref="OrleansMessageRejectionException"/>,
    /// <see cref="SiloUnavailableException"/>), the gateway is overloaded (<see cref="GatewayTooBusyException"/>), a
    /// connection failed (<see cref="ConnectionFailedException"/>, <see cref="SocketConnectionException"/>) or the call
    /// timed out (<see cref="TimeoutException"/>). Any other <see cref="OrleansException"/> (e.g. a placement that
    /// found no silo, <see cref="InconsistentStateException"/>) is permanent. Only wrap idempotent calls: a timed-out
    /// call may still have run.
    /// </summary>
    /// <param name="exception">The failure.</param>
    public static bool IsTransientGrainCallFailure(Exception exception) => exception is OrleansMessageRejectionException
        or GatewayTooBusyException or ConnectionFailedException or SocketConnectionException or TimeoutException;

    /// <summary>
    /// Connecting a client: the gateway refused or dropped the connection (<see cref="ConnectionFailedException"/>,
    /// <see cref="SocketConnectionException"/>, <see cref="SocketException"/>), rejected a message, was too busy, or the
    /// attempt timed out.
    /// </summary>
    /// <param name="exception">The failure.</param>
    public static bool IsTransientConnectFailure(Exception exception) => exception is ConnectionFailedException
        or SocketConnectionException or SocketException or OrleansMessageRejectionException or GatewayTooBusyException
        or TimeoutException;
}
