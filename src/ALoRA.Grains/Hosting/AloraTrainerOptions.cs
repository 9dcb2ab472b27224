using System.ComponentModel.DataAnnotations;

namespace ALoRA.Grains.Hosting;

/// <summary>The devices this silo trains on (configuration section <c>Alora:Trainers</c>).</summary>
public sealed class AloraTrainerOptions
{
    /// <summary>Configuration section.</summary>
    public const string Section = "Alora:Trainers";

    /// <summary>Explicit device list (<c>cpu:0</c>, <c>cuda:1</c>, ...); empty = discover. Default empty.</summary>
    public List<string> Devices { get; set; } = [];

    /// <summary>Look for CUDA devices with TorchSharp when <see cref="Devices"/> is empty. Default true.</summary>
    public bool DiscoverCuda { get; set; } = true;

    /// <summary>CPU trainers when no CUDA device is found (or discovery is off). Default 1. 0 = this silo does not train.</summary>
    [Range(0, 256)]
    public int CpuTrainers { get; set; } = 1;

    /// <summary>
    /// Memory of each of this silo's devices (<c>24GiB</c>, <c>512MiB</c>, or bytes), registered with the scheduler and
    /// checked against each trial's estimate at submit. Default: for each CPU trainer, the machine's memory (the lower of
    /// <c>/proc/meminfo</c> MemTotal and the cgroup limit); required for CUDA devices, whose memory
    /// the CPU build of TorchSharp cannot read (docs/operations.md).
    /// </summary>
    public string? DeviceMemory { get; set; }

    /// <summary>Torch intra-op threads per trainer (per slot); 0 = cores / (devices x slots). Default 0.</summary>
    [Range(0, 1024)]
    public int TorchThreads { get; set; }

    /// <summary>
    /// Trials each device may run at once, each on a slot of its own (a trainer and a thread of its own); a trial is
    /// admitted to a slot only if its estimated memory fits what the device has free (docs/operations.md). On CPU the
    /// slots share the cores: each slot's torch threads are the device's share divided by the slots. Default 1.
    /// </summary>
    [Range(1, 64)]
    public int Slots { get; set; } = 1;
}
