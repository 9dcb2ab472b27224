using System.CommandLine;
using System.Reflection;
using System.Runtime.InteropServices;
using ALoRA.Cli.Cluster;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Local;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Commands;

/// <summary>
/// <c>alora doctor</c>: versions, whether torch loads (and why not, with the fix) and the devices, through the local
/// runtime (ALoRA.Cli.Local; its absence is reported, since the cluster commands work without it), and the gateway.
/// </summary>
internal sealed class DoctorCommand : Command
{
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    /// <summary>Creates the command.</summary>
    public DoctorCommand(ConnectionOptions connection, ClusterCommand runner, ILocalRuntimeProvider local, CliConsole console)
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
            };
            try
            {
                checks.AddRange(local.Runtime.CheckRuntime());
            }
            catch (LocalRuntimeUnavailableException ex)
            {
                checks.Add(new("torch", false, ex.Message));
            }

            var settings = connection.Read(parse) with { Local = false };
            settings = settings with { ConnectTimeout = TimeSpan.FromSeconds(Math.Min(settings.ConnectTimeout.TotalSeconds, 10)) };
            try
            {
                await using var cluster = await runner.Connector.ConnectAsync(settings, ct);
                var info = await cluster.GetClusterAsync(ct);
                checks.Add(new("gateway", true, $"{settings.Gateway}: {info.Trainers.Count} trainers, {info.Running} trials running, {info.Queued} queued"));
            }
            catch (Exception ex) when (ex is ClusterUnavailableException or ArgumentException)
            {
                checks.Add(new("gateway", false, ex.Message));
            }

            if (parse.GetValue(_format) == OutputFormat.Json)
            {
                console.Json(checks);
            }
            else
            {
                foreach (var c in checks)
                {
                    console.Line($"{(c.Ok ? "ok  " : "FAIL")} {c.Name,-10} {c.Detail}");
                }
            }

            return checks.Any(c => !c.Ok && c.Name == "torch") ? ExitCodes.RuntimeUnavailable : ExitCodes.Ok;
        });
    }

    private static string Version(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+', ' ')[0].TrimEnd('.') ?? type.Assembly.GetName().Version?.ToString() ?? "?";
}
