using System.CommandLine;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora results SWEEP [--out DIR]</c>: ranked table, statistics across seeds, CSV, JSON and pictures (see <see cref="ResultsReport"/>).</summary>
internal sealed class ResultsCommand : Command
{
    private readonly Argument<string> _sweep = new("sweep") { Description = "Sweep id" };
    private readonly Option<DirectoryInfo?> _out = new("--out") { Description = "Folder for results.csv, results.json, comparisons.csv and the PNGs (default runs/<sweep id>)" };
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    /// <summary>Creates the command.</summary>
    public ResultsCommand(ClusterCommand runner, CliConsole console)
        : base("results", "Rank a sweep's trials by its metric, compare methods across seeds, and write CSV, JSON and charts")
    {
        Arguments.Add(_sweep);
        Options.Add(_out);
        Options.Add(_format);
        SetAction((parse, ct) => runner.RunAsync(parse, ct, async (cluster, _) =>
        {
            var id = parse.GetValue(_sweep)!;
            var status = await cluster.GetSweepAsync(id, ct);
            if (status.Error is { } unreadable)
            {
                return runner.Fail(ExitCodes.Failed, $"sweep {id} is unreadable: {unreadable}");
            }

            var outDir = parse.GetValue(_out)?.FullName ?? Path.GetFullPath(Path.Combine("runs", id));
            await ResultsReport.WriteAsync(cluster, console, status, outDir, parse.GetValue(_format), ct);
            return ExitCodes.Ok;
        }));
    }
}
