using System.CommandLine;
using ALoRA.Abstractions.Grains;
using ALoRA.Cli.Connection;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora cancel SWEEP</c>: stops running trials, drops queued ones, keeps finished results.</summary>
internal sealed class CancelCommand : Command
{
    private readonly Argument<string> _sweep = new("sweep") { Description = "Sweep id" };

    public CancelCommand()
        : base("cancel", "Cancel a sweep (finished results are kept)")
    {
        Arguments.Add(_sweep);
        SetAction((parse, ct) => ClusterCommand.RunAsync(parse, ct, async (session, _) =>
        {
            var id = parse.GetValue(_sweep)!;
            await session.Grains.GetGrain<ISweepCoordinatorGrain>(id).CancelAsync();
            Console.Error.WriteLine($"sweep {id} cancelled");
            return ExitCodes.Ok;
        }));
    }
}
