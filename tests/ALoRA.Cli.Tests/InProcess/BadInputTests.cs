namespace ALoRA.Cli.Tests.InProcess;

/// <summary>Bad command lines and oversized specs are bad input: exit code 2 with a message naming what is wrong, nothing sent.</summary>
public sealed class BadInputTests : IDisposable
{
    private readonly CliHarness _cli = new();
    private readonly TempDirectory _dir = new();

    public void Dispose()
    {
        _cli.Dispose();
        _dir.Dispose();
    }

    [Fact]
    public async Task UnknownCommand_ExitCode2_NamesIt()
    {
        var code = await _cli.RunAsync("sbumit", "x.yaml");

        Assert.Equal(2, code);
        Assert.Contains("sbumit", _cli.Stderr, StringComparison.Ordinal);
        Assert.Contains("see alora --help", _cli.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, _cli.Connector.Connections);
    }

    [Fact]
    public async Task NegativeConnectTimeout_ExitCode2_NamesTheOption_InsteadOfBecomingOneSecond()
    {
        var code = await _cli.RunAsync("status", "--gateway", "example:1", "--connect-timeout", "-5");

        Assert.Equal(2, code);
        Assert.Contains("--connect-timeout must be at least 1 (seconds), got -5", _cli.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, _cli.Connector.Connections);
    }

    [Fact]
    public async Task SubmitOfASpecOverOneMiB_ExitCode2_NamesTheFile_WithoutConnecting()
    {
        var path = _dir.PathOf("huge.yaml");
        using (var file = File.Create(path))
        {
            file.SetLength((1 << 20) + 1);
        }

        var code = await _cli.RunAsync("submit", path, "--gateway", "example:1");

        Assert.Equal(2, code);
        Assert.Contains(path, _cli.Stderr, StringComparison.Ordinal);
        Assert.Contains("at most 1048576 (1 MiB)", _cli.Stderr, StringComparison.Ordinal);
        Assert.Equal(0, _cli.Connector.Connections);
    }
}
