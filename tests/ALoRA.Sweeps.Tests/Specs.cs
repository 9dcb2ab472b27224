namespace ALoRA.Sweeps.Tests;

/// <summary>Small specs and paths shared by the tests.</summary>
internal static class Specs
{
    /// <summary>The three required keys, on lines 1-3; a test's own lines start at line 4.</summary>
    public const string Header = "model: models/tiny\ndata: data/sst2\ntask: sst2\n";

    public static SweepSpec Parse(string body) => SweepSpecParser.Parse(Header + body, "test.yaml");

    public static SweepPlan Expand(string body) => SweepExpander.Expand(Parse(body));

    public static SweepSpecException Fail(string yaml) => Assert.Throws<SweepSpecException>(() => SweepSpecParser.Parse(yaml, "test.yaml"));
}
