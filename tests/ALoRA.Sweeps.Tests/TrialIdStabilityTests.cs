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
            "all-methods.yaml", "0090b30caebce1dbdaf1167a5a97d9c1a7401cfc853b605a53ff99a668a8052c",
            "54e2f91f7608,4b68f161e92f,9d831f98ce3d,401433951fc3,80c9d1fd783c,a5e2abcc61cc,c9f5d9736a76,3ba2aef9e91b,f79e822c7926,95c67bf3ed13,5741fb6be124,7c93566605ce"
        },
        {
            "demo.yaml", "d1355d2b268cd795293ccd5b629fad04dc5e138e0cc7581198e33591dbb0fe3f",
            "e7ff9755199a,9f2bf5a4e8f3,9e9f558bf5ae,67d86672de18,079448e11ff9,e44c5fcb009d"
        },
        {
            "lr-search.yaml", "477cca390129e2f164978d4c6415638917e8451e46b4e864d4daee2e2e6f85e2",
            "bfb75c0d5934,823c4ee6b8fc,615c55b414fc,96d4d3830ea7,9060a26caa79,2e1e76c4cb34,e7d1a8ecd15f,4253d59afc2d,15020a243b67,3fb8ac95c782,0f735aaddbf7,52c7734a5136," +
            "121d78b4c82f,7e2ca48e8c66,3823635094f5,c446ae5c0a83,5bda2bc59a01,ccfa3721ec6e,08caf40739c1,f0fb7f108a9f,a2b3a1421a3a,c7cb587bfd1d,99616ad1bf24,ed15a0579b8f," +
            "a3e79c018265,89f591b91b74,be28fd5cb71e,ed5916ba1a4c,e8b51f45b4fc,549f278228a0,0c10c4a81a1a,3528f9d4372a"
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
