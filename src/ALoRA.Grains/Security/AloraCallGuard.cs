using System.Collections.Concurrent;
using System.Reflection;
using ALoRA.Abstractions.Grains;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Security;

/// <summary>
/// The silo's incoming call filter for the cluster's security (docs/security.md). With <c>Alora:Security:ClientTokenFile</c>
/// set, every grain call must carry the token in its <c>RequestContext</c> (<see cref="ClientToken.RequestContextKey"/>;
/// the silos stamp it on their own calls, <see cref="ClientTokenStamp"/>), else it fails with
/// <see cref="UnauthenticatedException"/>; calls to system targets (Orleans' own silo services) are not grain calls of
/// the application and are left alone. Then, always, a method marked <see cref="SiloOnlyAttribute"/> refuses a caller
/// that is not a silo (<see cref="CallerIdentity"/>) with <see cref="SiloOnlyException"/>.
/// </summary>
public sealed partial class AloraCallGuard(
    CallerIdentity callers,
    IOptions<AloraSecurityOptions> options,
    ILogger<AloraCallGuard> logger) : IIncomingGrainCallFilter
{
    private static readonly ConcurrentDictionary<MethodInfo, bool> SiloOnlyMethods = new();

    private readonly Lazy<ClientTokenSecret?> _token = new(() =>
        string.IsNullOrWhiteSpace(options.Value.ClientTokenFile) ? null : ClientTokenSecret.FromFile(options.Value.ClientTokenFile));

    /// <inheritdoc />
    public Task Invoke(IIncomingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_token.Value is { } token && !context.TargetId.IsSystemTarget() && !token.Matches(RequestContext.Get(ClientToken.RequestContextKey) as string))
        {
            LogUnauthenticated(context.InterfaceName, context.MethodName, context.SourceId?.ToString() ?? "unknown");
            throw new UnauthenticatedException(
                $"unauthenticated: {context.InterfaceName}.{context.MethodName} needs the cluster's client token (alora --token-file FILE or ALORA_TOKEN_FILE)");
        }

        if (IsSiloOnly(context.InterfaceMethod) && !callers.IsSilo(context.SourceId))
        {
            LogNotASilo(context.InterfaceName, context.MethodName, context.SourceId?.ToString() ?? "unknown");
            throw new SiloOnlyException($"{context.InterfaceName}.{context.MethodName} may only be called by the cluster's silos");
        }

        return context.Invoke();
    }

    /// <summary>True when <paramref name="method"/> carries <see cref="SiloOnlyAttribute"/> (read once per method).</summary>
    public static bool IsSiloOnly(MethodInfo? method) =>
        method is not null && SiloOnlyMethods.GetOrAdd(method, m => m.IsDefined(typeof(SiloOnlyAttribute), inherit: false));

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Interface}.{Method} from {Caller}: no valid client token")]
    private partial void LogUnauthenticated(string @interface, string method, string caller);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Refused {Interface}.{Method} from {Caller}: only silos may call it")]
    private partial void LogNotASilo(string @interface, string method, string caller);
}
