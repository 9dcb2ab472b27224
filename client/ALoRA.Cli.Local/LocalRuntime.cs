using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;
using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using ALoRA.Engine.Peft;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.SafeTensors;
using Microsoft.Extensions.Hosting;

namespace ALoRA.Cli.Local;

/// <summary>
/// The local runtime of <c>alora</c> (see <see cref="ILocalRuntime"/>), created by name by the thin CLI's
/// <see cref="LocalRuntimeLoader"/>: a silo in the process, one trial trained here, an adapter scored here, the torch
/// check. It maps the engine's failures to exit codes, so the thin CLI needs no engine type.
/// </summary>
internal sealed class LocalRuntime : ILocalRuntime
{
    /// <inheritdoc />
    public Task<IHost> StartSiloAsync(ConnectionSettings settings, CancellationToken cancellationToken) => LocalSilo.StartAsync(settings, cancellationToken);

    /// <inheritdoc />
    public int Train(TrainRequest request, CliConsole console, CancellationToken cancellationToken) => LocalTraining.Run(request, console, cancellationToken);

    /// <inheritdoc />
    public int Score(ScoreRequest request, CliConsole console) => LocalScoring.Run(request, console);

    /// <inheritdoc />
    public IReadOnlyList<DoctorCheck> CheckRuntime() => RuntimeCheck.Run();

    /// <inheritdoc />
    public int? ExitCodeOf(Exception exception) => exception switch
    {
        TorchUnavailableException => ExitCodes.RuntimeUnavailable,
        ModelLoadException or DataFormatException or PeftFormatException or SafeTensorsFormatException => ExitCodes.BadInput,
        _ => null,
    };
}
