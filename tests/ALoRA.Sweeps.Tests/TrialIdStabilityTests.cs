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
            "all-methods.yaml", "8686aa9b76940a1191b1d374d4191f7f6850480f3937838a7198cd6a93529e90",
            "812c5712b4bb,36c7568d91e3,54d5b1a732ba,c632bf5bab97,cfe0cc254364,1b452a6be874,96371b4d5554,ed2a2112a866,2e57ca67a5d4,6d8cfda21830,2853d3c256e9,ee3067f90eee"
        },
        {
            "demo.yaml", "ceadef02f4240d8cef17a658d6f26904cb8c7cae0c81821429d90cabf4e9b3d4",
            "ceeb8735bf52,edd2d0dcff41,04ff09ee0d81,d7a84ca0e8ed,e1fcbc075439,1d381cbb887d"
        },
        {
            "lr-search.yaml", "066dff7737d5d03fd5379676d7ce4c5a82c23c7ca527029d4996abf149a0e603",
            "c9bc48be0abd,09c3896b3caf,008c13d588e2,c5fef10b2cd7,656d5ebd720f,2c4638e91cd9,749ff287815f,b6836d3dd34a,76df902bb69e,ae2b172c6779,a879d4d1b9c6,d8a9268558e1," +
            "9a6bf17af3eb,682e4c865130,031987638798,e999f27913a3,2e489f1ad0dd,995e21009f4a,d04ee1d091f2,e784ef7643d5,401d426adf80,a58c5a60ec7d,00d9dd250722,531e056a1fe4," +
            "1dc7fed9bd7c,d00718948cf3,26cccd86db26,1fd36d3c82d0,f12d78457637,ff6c77b8f407,cd1158e0c8d7,d9cf8c9c9cec"
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
