using System.Reflection;
using ALoRA.Engine.Runtime;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Trainers;
using TorchSharp;

namespace ALoRA.Cli.Local;

/// <summary><c>alora doctor</c>'s checks of this machine's torch: the TorchSharp version, whether libtorch loads (and why not, with the fix), the devices.</summary>
internal static class RuntimeCheck
{
    /// <summary>Runs the checks.</summary>
    public static IReadOnlyList<DoctorCheck> Run()
    {
        var checks = new List<DoctorCheck> { new("TorchSharp", true, Version(typeof(torch))) };
        try
        {
            TorchRuntime.EnsureInitialized(1);
            checks.Add(new("torch", true, $"libtorch loads; CUDA {(torch.cuda.is_available() ? $"available ({torch.cuda.device_count()} devices)" : "not available (CPU build or no GPU)")}"));
            checks.Add(new("devices", true, string.Join(", ", DeviceDiscovery.Discover(new AloraTrainerOptions()))));
        }
        catch (TorchUnavailableException ex)
        {
            checks.Add(new("torch", false, ex.Message));
        }

        return checks;
    }

    private static string Version(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+', ' ')[0].TrimEnd('.') ?? type.Assembly.GetName().Version?.ToString() ?? "?";
}
