using ALoRA.Engine.Runtime;
using ALoRA.Grains.Hosting;
using TorchSharp;

namespace ALoRA.Grains.Trainers;

/// <summary>Finds the devices a silo trains on: the configured list, else CUDA devices, else N CPU trainers.</summary>
public static class DeviceDiscovery
{
    /// <summary>The devices for <paramref name="options"/>.</summary>
    public static IReadOnlyList<string> Discover(AloraTrainerOptions options)
    {
        if (options.Devices.Count > 0)
        {
            return [.. options.Devices];
        }

        if (options.DiscoverCuda)
        {
            TorchRuntime.EnsureInitialized();
            if (torch.cuda.is_available())
            {
                return [.. Enumerable.Range(0, torch.cuda.device_count()).Select(i => $"cuda:{i}")];
            }
        }

        return [.. Enumerable.Range(0, options.CpuTrainers).Select(i => $"cpu:{i}")];
    }
}
