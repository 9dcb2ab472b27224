namespace ALoRA.TestSupport;

/// <summary>What one <c>alora</c> run did.</summary>
public sealed record CliResult(string CommandLine, int ExitCode, string Stdout, string Stderr, TimeSpan Elapsed)
{
    /// <summary>The exit code and both streams: <c>var (code, stdout, stderr) = AloraCli.Run(...)</c>.</summary>
    public void Deconstruct(out int exitCode, out string stdout, out string stderr)
    {
        exitCode = ExitCode;
        stdout = Stdout;
        stderr = Stderr;
    }

    /// <summary>For assertion messages: the command, its exit code and both streams.</summary>
    public override string ToString() =>
        $"alora {CommandLine}\nexit code {ExitCode} after {Elapsed.TotalSeconds:F1} s\n--- stdout ---\n{Stdout}\n--- stderr ---\n{Stderr}";
}
