namespace ALoRA.Sweeps.Tests;

/// <summary>
/// The config hashes of the samples (hence their trial ids), recorded before the settings were declared in one schema:
/// moving where a setting is declared must not change any stored trial's id. The spec hashes were recorded when the
/// spec started to travel parsed (it hashes <c>model</c> and <c>data</c> as written, since the client cannot know where a
/// silo resolves them; docs/sweep-spec.md); they only name sweeps without an <c>id</c>. The alora trials' hashes and the spec
/// hashes were recorded again when <c>alora.shortlist_factor</c> was added (issue 13).
/// </summary>
public sealed class TrialIdStabilityTests
{
    public static TheoryData<string, string, string> Recorded() => new()
    {
        {
            "all-methods.yaml", "91c7ccd265b34b2d804f67c7b5cc66c5778bdb92808f43c49ff7c52a15d72813",
            "54e2f91f7608,4b68f161e92f,9d831f98ce3d,8ea256e099fb,f3ed3723cc62,f7f95042ca15,c9f5d9736a76,3ba2aef9e91b,f79e822c7926,95c67bf3ed13,5741fb6be124,7c93566605ce"
        },
        {
            "demo.yaml", "32a32f281fa1e46e1c2cd4fa9a5335e616d24b0b6b62144cb198b9344be92299",
            "e7ff9755199a,9f2bf5a4e8f3,9e9f558bf5ae,d36ec0253ae5,946c5dba1f31,5b2f796791cc"
        },
        {
            "lr-search.yaml", "390428fc8d666fc748f3377a56a0d6c1fdeefe6cdeeac697c77659f731913b17",
            "bfb75c0d5934,823c4ee6b8fc,615c55b414fc,96d4d3830ea7,dd7168444eaf,624d677f07a2,255a30b4fc28,1ae3d5c44634,15020a243b67,3fb8ac95c782,0f735aaddbf7,52c7734a5136," +
            "5a28ce0fce5c,48567c982da3,110b51a4f1b5,922410442dda,5bda2bc59a01,ccfa3721ec6e,08caf40739c1,f0fb7f108a9f,ef899e2780e3,8b5a04042c1e,59f45e89b1ef,21788bba77ce," +
            "a3e79c018265,89f591b91b74,be28fd5cb71e,ed5916ba1a4c,ade0516e3a2d,af22dff0a819,164286f1bb56,1a213bd0452c"
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
