using System.CommandLine;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora cluster</c>: silos, devices, busy or free, queue length.</summary>
internal sealed class ClusterInfoCommand : Command
{
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    /// <summary>Creates the command.</summary>
    public ClusterInfoCommand(ClusterCommand runner, CliConsole console)
        : base("cluster", "Show trainers (silo/device), what they run, and the queue")
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

            var table = new CliTable(new("TRAINER", 28, Wrap: true), new("STATE", 5), new("MEMORY", 10), new("TRIAL", 32, Wrap: true), new("SILO"));
            foreach (var t in cluster.Trainers)
            {
                var memory = t.DeviceMemoryBytes is { } bytes
                    ? (bytes / (double)(1L << 30)).ToString("F1", System.Globalization.CultureInfo.InvariantCulture) + " GiB"
                    : "-";
                table.Add(t.Key, t.Trial is null ? "free" : "busy", memory, t.Trial ?? "-", t.SiloAddress);
            }

            table.WriteTo(console);
            console.Line($"{cluster.Trainers.Count} trainers on {cluster.Trainers.Select(t => t.SiloAddress).Distinct().Count()} silos; " +
                         $"{cluster.Running} trials running, {cluster.Queued} queued; {cluster.Sweeps.Count} sweeps");
            return ExitCodes.Ok;
        }));
    }
}
