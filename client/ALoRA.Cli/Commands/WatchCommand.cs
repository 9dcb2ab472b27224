using System.CommandLine;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;
using ALoRA.Cli.Watching;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora watch SWEEP</c>: the live view until the sweep ends; survives a silo restart by reconnecting.</summary>
internal sealed class WatchCommand : Command
{
    private readonly Argument<string> _sweep = new("sweep") { Description = "Sweep id" };
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    /// <summary>Creates the command.</summary>
    public WatchCommand(ClusterCommand runner, CliConsole console)
        : base("watch", "Follow a sweep until it ends")
    {
        Arguments.Add(_sweep);
        Options.Add(_format);
        SetAction((parse, ct) => runner.RunAsync(parse, ct, async (cluster, settings) =>
        {
            var format = parse.GetValue(_format);
            var status = await new SweepWatcher(parse.GetValue(_sweep)!, format, console).WatchAsync(cluster, settings, runner.Connector, ct);
            if (format == OutputFormat.Json)
            {
                console.Json(status);
            }

            return status.Count(TrialState.Failed) > 0 ? ExitCodes.TrainingFailed : ExitCodes.Ok;
        }));
    }
}
