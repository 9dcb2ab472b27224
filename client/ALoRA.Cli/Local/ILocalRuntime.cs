using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;
using Microsoft.Extensions.Hosting;

namespace ALoRA.Cli.Local;

/// <summary>
/// What only a process that carries the grains and the TorchSharp engine can do: host a silo (<c>--local</c>,
/// <c>alora demo</c>), train one trial (<c>alora train</c>), score an adapter (<c>alora score</c>), check that torch
/// loads (<c>alora doctor</c>). Implemented by ALoRA.Cli.Local, which <see cref="LocalRuntimeLoader"/> loads by name
/// from the <c>alora</c> folder only when one of these runs, so the cluster commands never load TorchSharp.
/// </summary>
internal interface ILocalRuntime
{
    /// <summary>Starts a silo in this process with the embedded defaults (state and checkpoints under the data directory).</summary>
    Task<IHost> StartSiloAsync(ConnectionSettings settings, CancellationToken cancellationToken);

    /// <summary>Runs one trial in this process; returns the exit code.</summary>
    int Train(TrainRequest request, CliConsole console, CancellationToken cancellationToken);

    /// <summary>Scores every rank of an adapter; returns the exit code.</summary>
    int Score(ScoreRequest request, CliConsole console);

    /// <summary>Whether torch loads (and why not), and the devices it sees.</summary>
    IReadOnlyList<DoctorCheck> CheckRuntime();

    /// <summary>The exit code of a failure the engine or the grains raised (a bad model file, torch missing), or null if it is not one of theirs.</summary>
    int? ExitCodeOf(Exception exception);
}
