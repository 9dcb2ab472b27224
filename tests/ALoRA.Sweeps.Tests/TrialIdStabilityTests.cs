namespace ALoRA.Sweeps.Tests;

/// <summary>
/// The config hashes of the samples (hence their trial ids), recorded before the settings were declared in one schema:
/// moving where a setting is declared must not change any stored trial's id. The spec hashes were recorded when the
/// spec started to travel parsed (it hashes <c>model</c> and <c>data</c> as written, since the client cannot know where a
/// silo resolves them; docs/sweep-spec.md); they only name sweeps without an <c>id</c>.
/// </summary>
public sealed class TrialIdStabilityTests
{
    public static TheoryData<string, string, string> Recorded() => new()
    {
        {
            "all-methods.yaml", "a1dad710c773b0b87085e4b4a40aeefaef080c7e2f4307134bbc19f1a56161b8",
            "812c5712b4bb,36c7568d91e3,54d5b1a732ba,fe807ba0bc4c,8a8f8fb89e3b,a913aa27b5dd,96371b4d5554,ed2a2112a866,2e57ca67a5d4,6d8cfda21830,2853d3c256e9,ee3067f90eee"
        },
        {
            "demo.yaml", "0425fdbda2427bbefe58cf7cf4686233ad4775b83c5e2113c155c24f26c169cf",
            "ceeb8735bf52,edd2d0dcff41,04ff09ee0d81,ced37c8a6853,b8da014a4728,0dc800ab4772"
        },
        {
            "lr-search.yaml", "b9ece51a9a87db2cbcd895ef6d7fb478a7accbece391e115a249048fad98025b",
            "c9bc48be0abd,09c3896b3caf,008c13d588e2,c5fef10b2cd7,5f917f33f9d5,0967e79873f2,fdb57c3199a3,7b598c27cacf,76df902bb69e,ae2b172c6779,a879d4d1b9c6,d8a9268558e1," +
            "89f236950b32,283b9ca0543f,0e70847ffe28,360c5fe59d03,2e489f1ad0dd,995e21009f4a,d04ee1d091f2,e784ef7643d5,3a5eabbca519,3403701258a3,53f37304984f,ac629fada928," +
            "1dc7fed9bd7c,d00718948cf3,26cccd86db26,1fd36d3c82d0,acac925d19a9,94d63581bd48,82535d5bd698,59a4267e1827"
        },
    };

    [Theory]
    [MemberData(nameof(Recorded))]
    public void Sample_HashesAsRecorded(string file, string specHash, string configHashes)
    {
        // A fixed base directory, so that the resolved paths (which are hashed) do not depend on the checkout.
        var spec = SweepSpecParser.Parse(File.ReadAllText(Path.Combine(RepositoryPaths.SampleSweeps, file)), file, "/base");

        Assert.Equal(configHashes, string.Join(",", SweepExpander.Expand(spec).Trials.Select(t => t.ConfigHash)));
        Assert.Equal(specHash, spec.SpecHash);
    }
}
