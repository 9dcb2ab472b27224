using ALoRA.Abstractions.Grains;
using Microsoft.Extensions.Options;

namespace ALoRA.Grains.Security;

/// <summary>
/// The silo's outgoing call filter: with <c>Alora:Security:ClientTokenFile</c> set, stamps the token on the silo's own
/// grain calls, so that <see cref="AloraCallGuard"/> on the receiving silo accepts them (docs/security.md).
/// </summary>
public sealed class ClientTokenStamp(IOptions<AloraSecurityOptions> options) : IOutgoingGrainCallFilter
{
    private readonly Lazy<string?> _token = new(() =>
        string.IsNullOrWhiteSpace(options.Value.ClientTokenFile) ? null : ClientTokenSecret.FromFile(options.Value.ClientTokenFile).Token);

    /// <inheritdoc />
    public Task Invoke(IOutgoingGrainCallContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        if (_token.Value is { } token)
        {
            RequestContext.Set(ClientToken.RequestContextKey, token);
        }

        return context.Invoke();
    }
}
