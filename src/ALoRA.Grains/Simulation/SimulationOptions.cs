namespace ALoRA.Grains.Simulation;

/// <summary>
/// The <c>simulated</c> training engine (configuration section <c>Alora:Simulation</c>, docs/operations.md): when
/// <see cref="Enabled"/>, the silo's trainers run <see cref="SimulatedTrainingEngine"/> instead of training, with the
/// real grains, scheduler, storage and checkpoint folder. Its time model and loss curves are described in
/// docs/operations.md, "The simulated engine".
/// </summary>
public sealed class SimulationOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Alora:Simulation";

    /// <summary>Run the simulated engine instead of the TorchSharp one. Default false.</summary>
    public bool Enabled { get; set; }

    /// <summary>Peak FLOP/s of one device (default 312e12: an A100's dense bfloat16 peak).</summary>
    public double DeviceFlops { get; set; } = 312e12;

    /// <summary>Share of <see cref="DeviceFlops"/> a training or scoring pass achieves (model FLOPs utilisation), in (0, 1]. Default 0.4.</summary>
    public double Utilization { get; set; } = 0.4;

    /// <summary>
    /// The utilisation that k &gt; 1 attempts sharing one device (slots) reach together, in [<see cref="Utilization"/>, 1]:
    /// each then runs k x U / min(this, k x U) times slower than alone (<see cref="SimulatedTimeModel.SharingSlowdown"/>).
    /// Default 0.5: packing raises a busy device's throughput by a quarter.
    /// </summary>
    public double SharedUtilization { get; set; } = 0.5;

    /// <summary>Simulated seconds per wall-clock second (1 = real time). Default 1.</summary>
    public double TimeScale { get; set; } = 1;

    /// <summary>Simulated seconds to load the model at the start of every attempt. Default 60.</summary>
    public double LoadSeconds { get; set; } = 60;

    /// <summary>Simulated seconds to write one checkpoint. Default 5.</summary>
    public double CheckpointSeconds { get; set; } = 5;

    /// <summary>
    /// The shortest wall-clock time between two wake-ups of a device thread: the events that fall due meanwhile are
    /// reported together (a real engine's steps take seconds; thousands of simulated steps a second would otherwise
    /// be thousands of wake-ups). Default 200 ms.
    /// </summary>
    public TimeSpan ReportInterval { get; set; } = TimeSpan.FromMilliseconds(200);
}
