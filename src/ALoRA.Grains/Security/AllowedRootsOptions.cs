namespace ALoRA.Grains.Security;

/// <summary>
/// The folders a spec's <c>model</c> and <c>data</c> may be under on this silo, set by the silo program from
/// <c>Alora:Silo:AllowedRoots</c> (docs/security.md); not bound from configuration here.
/// </summary>
public sealed class AllowedRootsOptions
{
    /// <summary>The setting's key, named in the refusal.</summary>
    public const string Setting = "Alora:Silo:AllowedRoots";

    /// <summary>
    /// The folders; null (the default, for the CLI's local silo and test clusters): any path; empty: only the data root
    /// (<c>Alora:DataRoot</c>, or the working directory).
    /// </summary>
    public IReadOnlyList<string>? Roots { get; set; }
}
