namespace ALoRA.Sweeps.Tests;

/// <summary>
/// Issue 12, point 8 ("error messages reveal whether paths exist on the silo") and point 4 (allowed roots): a spec's
/// <c>model</c> and <c>data</c> must resolve under the allowed roots, with <c>..</c> and symbolic links followed, and a
/// refusal reads the same whether or not the path exists.
/// </summary>
public sealed class AllowedRootsTests : IDisposable
{
    private const string Setting = "Alora:Silo:AllowedRoots";
    private readonly TempDirectory _dir = TempDirectory.Create("allowed-roots");

    public AllowedRootsTests()
    {
        Directory.CreateDirectory(_dir.PathOf("root", "models", "m"));
        Directory.CreateDirectory(_dir.PathOf("root", "data", "d"));
        Directory.CreateDirectory(_dir.PathOf("outside", "secret"));
    }

    private string Root => _dir.PathOf("root");

    [Fact]
    public void RelativeAndAbsolutePathsInside_AreAllowed()
    {
        Assert.Empty(AllowedRoots.Check(Spec("models/m", _dir.PathOf("root", "data", "d")), [Root], Setting));
        Assert.Empty(AllowedRoots.Check(Spec("models/not-there-yet", "data/d"), [Root], Setting)); // inside: the file check may say it is missing
    }

    [Fact]
    public void PathOutside_IsRefusedNamingTheFieldAndTheSetting()
    {
        var error = Assert.Single(AllowedRoots.Check(Spec(_dir.PathOf("outside", "secret"), "data/d"), [Root], Setting));
        Assert.Equal("model", error.Path);
        Assert.Contains(Setting, error.Message, StringComparison.Ordinal);
        Assert.Equal(["data"], AllowedRoots.Check(Spec("models/m", "/etc"), [Root], Setting).Select(e => e.Path));
    }

    [Fact]
    public void DotDotEscape_IsRefused()
    {
        Assert.Equal(["model"], AllowedRoots.Check(Spec("../outside/secret", "data/d"), [Root], Setting).Select(e => e.Path));
        Assert.Equal(["data"], AllowedRoots.Check(Spec("models/m", "data/../../outside/secret"), [Root], Setting).Select(e => e.Path));
        // A sibling whose name starts with the root's is not under it.
        Directory.CreateDirectory(_dir.PathOf("root-evil"));
        Assert.Equal(["model"], AllowedRoots.Check(Spec("../root-evil", "data/d"), [Root], Setting).Select(e => e.Path));
    }

    [Fact]
    public void SymlinkEscape_IsRefused_ALinkThatStaysInsideIsAllowed()
    {
        Directory.CreateSymbolicLink(_dir.PathOf("root", "escape"), _dir.PathOf("outside"));
        Directory.CreateSymbolicLink(_dir.PathOf("root", "alias"), _dir.PathOf("root", "models"));
        Directory.CreateSymbolicLink(_dir.PathOf("root", "models", "up"), "../../outside");

        Assert.Equal(["model"], AllowedRoots.Check(Spec("escape/secret", "data/d"), [Root], Setting).Select(e => e.Path));
        Assert.Equal(["model"], AllowedRoots.Check(Spec("models/up/secret", "data/d"), [Root], Setting).Select(e => e.Path));
        Assert.Equal(["data"], AllowedRoots.Check(Spec("alias/m", "escape/not-there"), [Root], Setting).Select(e => e.Path));
        Assert.Empty(AllowedRoots.Check(Spec("alias/m", "data/d"), [Root], Setting));
    }

    [Fact]
    public void RootThatIsItselfALink_ResolvesToo()
    {
        Directory.CreateSymbolicLink(_dir.PathOf("root-link"), Root);
        Assert.Empty(AllowedRoots.Check(Spec(_dir.PathOf("root", "models", "m"), _dir.PathOf("root-link", "data", "d")), [_dir.PathOf("root-link")], Setting));
    }

    [Fact]
    public void RefusalOfAnExistingAndOfAMissingPath_ReadsTheSame()
    {
        var existing = AllowedRoots.Check(Spec(_dir.PathOf("outside", "secret"), "data/d"), [Root], Setting).Single().Message;
        var missing = AllowedRoots.Check(Spec(_dir.PathOf("outside", "nothing"), "data/d"), [Root], Setting).Single().Message;

        Assert.Equal(existing.Replace("secret", "X", StringComparison.Ordinal), missing.Replace("nothing", "X", StringComparison.Ordinal));
        Assert.DoesNotContain("exist", existing, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("found", existing, StringComparison.OrdinalIgnoreCase);
    }

    [Fact]
    public void LinkLoop_IsOutside()
    {
        Directory.CreateSymbolicLink(_dir.PathOf("root", "loop"), _dir.PathOf("root", "loop"));
        Assert.Equal(["model"], AllowedRoots.Check(Spec("loop/m", "data/d"), [Root], Setting).Select(e => e.Path));
    }

    public void Dispose() => _dir.Dispose();

    private SweepSpec Spec(string model, string data)
    {
        var parsed = SweepSpecParser.Parse($"model: {model}\ndata: {data}\ntask: sst2\nmethod: lora\n", "spec.yaml");
        return SweepDefinitions.Read(SweepDefinitions.From(parsed), Root);
    }
}
