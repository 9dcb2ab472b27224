using System.CommandLine;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora cancel SWEEP</c>: stops running trials, drops queued ones, keeps finished results.</summary>
internal sealed class CancelCommand : Command
{
    private readonly Argument<string> _sweep = new("sweep") { Description = "Sweep id" };

    /// <summary>Creates the command.</summary>
    public CancelCommand(ClusterCommand runner, CliConsole console)
        : base("cancel", "Cancel a sweep (finished results are kept)")
    {
        Arguments.Add(_sweep);
        SetAction((parse, ct) => runner.RunAsync(parse, ct, async (cluster, _) =>
        {
            var id = parse.GetValue(_sweep)!;
            await cluster.CancelAsync(id, ct);
            console.Message($"sweep {id} cancelled");
            return ExitCodes.Ok;
        }));
    }
}
