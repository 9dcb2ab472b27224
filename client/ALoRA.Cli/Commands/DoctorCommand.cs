using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using ALoRA.Abstractions.Grains;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;
using ALoRA.Engine.Runtime;
using ALoRA.Grains.Hosting;
using ALoRA.Grains.Trainers;
using TorchSharp;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora doctor</c>: versions, whether torch loads (and why not, with the fix), devices, and the gateway.</summary>
internal sealed class DoctorCommand : Command
{
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    public DoctorCommand()
        : base("doctor", "Check this machine: versions, torch, devices, connectivity to the gateway")
    {
        Options.Add(_format);
        SetAction(async (parse, ct) =>
        {
            var checks = new List<DoctorCheck>
            {
                new("alora", true, Version(typeof(DoctorCommand))),
                new(".NET", true, $"{RuntimeInformation.FrameworkDescription} on {RuntimeInformation.OSDescription} ({RuntimeInformation.ProcessArchitecture}), {Environment.ProcessorCount} cores"),
                new("Orleans", true, Version(typeof(IGrainFactory))),
                new("TorchSharp", true, Version(typeof(torch))),
            };
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

            var settings = ConnectionOptions.Read(parse) with { Local = false };
            settings = settings with { ConnectTimeout = TimeSpan.FromSeconds(Math.Min(settings.ConnectTimeout.TotalSeconds, 10)) };
            try
            {
                await using var session = await ClusterSession.OpenAsync(settings, ct);
                var cluster = await session.Grains.GetGrain<ISchedulerGrain>(SchedulerKeys.Default).GetClusterStatusAsync();
                checks.Add(new("gateway", true, $"{settings.Gateway}: {cluster.Trainers.Count} trainers, {cluster.Running} trials running, {cluster.Queued} queued"));
            }
            catch (Exception ex) when (ex is ClusterUnavailableException or ArgumentException)
            {
                checks.Add(new("gateway", false, ex.Message));
            }

            if (parse.GetValue(_format) == OutputFormat.Json)
            {
                CliJson.Print(checks);
            }
            else
            {
                foreach (var c in checks)
                {
                    Console.WriteLine($"{(c.Ok ? "ok  " : "FAIL")} {c.Name,-10} {c.Detail}");
                }
            }

            return checks.Any(c => !c.Ok && c.Name == "torch") ? ExitCodes.RuntimeUnavailable : ExitCodes.Ok;
        });
    }

    private static string Version(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+', ' ')[0].TrimEnd('.') ?? type.Assembly.GetName().Version?.ToString() ?? "?";

    private sealed record DoctorCheck(string Name, bool Ok, string Detail);
}
