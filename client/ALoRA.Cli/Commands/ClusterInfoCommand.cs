using System.CommandLine;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora cluster</c>: silos, devices and their slots (busy or free, what runs, memory), queue length.</summary>
internal sealed class ClusterInfoCommand : Command
{
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    /// <summary>Creates the command.</summary>
    public ClusterInfoCommand(ClusterCommand runner, CliConsole console)
        : base("cluster", "Show devices (silo/device) and their slots: what runs in each, memory reserved and total; and the queue")
    {
        Options.Add(_format);
        SetAction((parse, ct) => runner.RunAsync(parse, ct, async (session, _) =>
        {
            var cluster = await session.GetClusterAsync(ct);
            if (parse.GetValue(_format) == OutputFormat.Json)
            {
                console.Json(cluster);
                return ExitCodes.Ok;
            }

            if (cluster.SchedulerError is { } schedulerError)
            {
                console.Line($"scheduler: unreadable, nothing is scheduled: {schedulerError}");
            }

            if (cluster.SchedulerRebuilt is { } rebuilt)
            {
                console.Line($"scheduler: rebuilt at {rebuilt}");
            }

            ClusterTable.Of(cluster).WriteTo(console);
            console.Line(ClusterTable.Summary(cluster));
            return ExitCodes.Ok;
        }));
    }
}
