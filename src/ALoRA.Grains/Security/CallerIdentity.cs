using System.Text;

namespace ALoRA.Grains.Security;

/// <summary>
/// Tells a call made by a silo from one made by a client, from the caller id Orleans gives a grain call
/// (<see cref="IGrainCallContext.SourceId"/>). A grain or a system target is a silo. A client id is a client, except a
/// silo's own hosted client (<c>hosted-&lt;silo address&gt;</c>: what services outside any grain, such as the trainer host,
/// call through), which counts as a silo only when that address is this silo or an active member of the cluster. The id
/// is filled in by the caller's Orleans runtime: a stock client cannot choose it, a modified one can, which is why the
/// client token and TLS matter (docs/security.md).
/// </summary>
public sealed class CallerIdentity(ILocalSiloDetails local, IClusterMembershipService membership)
{
    private static readonly byte[] HostedPrefix = Encoding.UTF8.GetBytes("hosted-");

    private readonly byte[] _localHosted = Encoding.UTF8.GetBytes("hosted-" + local.SiloAddress.ToParsableString());

    /// <summary>True when <paramref name="source"/> is a silo of this cluster (see the type's summary); false for no caller id.</summary>
    public bool IsSilo(GrainId? source)
    {
        if (source is not { } id || id.IsDefault)
        {
            return false;
        }

        if (!id.IsClient())
        {
            return true;
        }

        var key = id.Key.AsSpan();
        if (key.SequenceEqual(_localHosted))
        {
            return true;
        }

        if (!key.StartsWith(HostedPrefix))
        {
            return false;
        }

        try
        {
            var silo = SiloAddress.FromParsableString(Encoding.UTF8.GetString(key[HostedPrefix.Length..]));
            return membership.CurrentSnapshot.GetSiloStatus(silo) == SiloStatus.Active;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException or IndexOutOfRangeException or OverflowException)
        {
            return false;
        }
    }
}
