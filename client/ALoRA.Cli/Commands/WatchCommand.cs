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

    public WatchCommand()
        : base("watch", "Follow a sweep until it ends")
    {
        Arguments.Add(_sweep);
        Options.Add(_format);
        SetAction((parse, ct) => ClusterCommand.RunAsync(parse, ct, async (session, settings) =>
        {
            var format = parse.GetValue(_format);
            var status = await new SweepWatcher(parse.GetValue(_sweep)!, format).WatchAsync(session, settings, ct);
            if (format == OutputFormat.Json)
            {
                CliJson.Print(status);
            }

            return status.Count(TrialState.Failed) > 0 ? ExitCodes.TrainingFailed : ExitCodes.Ok;
        }));
    }
}
