using System.CommandLine;
using ALoRA.Abstractions.Grains;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora cluster</c>: silos, devices, busy or free, queue length.</summary>
internal sealed class ClusterInfoCommand : Command
{
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    public ClusterInfoCommand()
        : base("cluster", "Show trainers (silo/device), what they run, and the queue")
    {
        Options.Add(_format);
        SetAction((parse, ct) => ClusterCommand.RunAsync(parse, ct, async (session, _) =>
        {
            var cluster = await session.Grains.GetGrain<ISchedulerGrain>(SchedulerKeys.Default).GetClusterStatusAsync();
            if (parse.GetValue(_format) == OutputFormat.Json)
            {
                CliJson.Print(cluster);
                return ExitCodes.Ok;
            }

            if (cluster.SchedulerError is { } schedulerError)
            {
                Console.WriteLine($"scheduler: unreadable, nothing is scheduled: {schedulerError}");
            }

            Console.WriteLine($"{"TRAINER",-28} {"STATE",-5} {"TRIAL",-32} SILO");
            foreach (var t in cluster.Trainers)
            {
                Console.WriteLine($"{t.Key,-28} {(t.Trial is null ? "free" : "busy"),-5} {t.Trial ?? "-",-32} {t.SiloAddress}");
            }

            Console.WriteLine($"{cluster.Trainers.Count} trainers on {cluster.Trainers.Select(t => t.SiloAddress).Distinct().Count()} silos; " +
                              $"{cluster.Running} trials running, {cluster.Queued} queued; {cluster.Sweeps.Count} sweeps");
            return ExitCodes.Ok;
        }));
    }
}
