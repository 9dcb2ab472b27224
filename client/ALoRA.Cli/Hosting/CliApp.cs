using System.CommandLine;
using ALoRA.Cli.Cluster;
using ALoRA.Cli.Commands;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Local;
using ALoRA.Cli.Output;
using Microsoft.Extensions.DependencyInjection;

namespace ALoRA.Cli.Hosting;

/// <summary>
/// The <c>alora</c> command line composed from services: the commands take the console, the cluster connector and the
/// local runtime by injection, so tests run them in-process with a fake cluster and a test console.
/// </summary>
internal static class CliApp
{
    /// <summary>The production services: the process' console, the Orleans connector, the local runtime loaded from the app's folder.</summary>
    public static ServiceProvider CreateServices() => new ServiceCollection()
        .AddAloraCli(CliConsole.CreateSystem(), new LocalRuntimeLoader())
        .AddSingleton<IClusterConnector, OrleansClusterConnector>()
        .BuildServiceProvider();

    /// <summary>Registers the commands and what they share; the caller adds an <see cref="IClusterConnector"/>.</summary>
    public static IServiceCollection AddAloraCli(this IServiceCollection services, CliConsole console, ILocalRuntimeProvider local)
    {
        services.AddSingleton(console);
        services.AddSingleton(local);
        services.AddSingleton<ConnectionOptions>();
        services.AddSingleton<ClusterCommand>();

        // In the order `alora --help` lists them.
        services.AddSingleton<Command, SubmitCommand>();
        services.AddSingleton<Command, WatchCommand>();
        services.AddSingleton<Command, StatusCommand>();
        services.AddSingleton<Command, ResultsCommand>();
        services.AddSingleton<Command, ShowCommand>();
        services.AddSingleton<Command, ExportCommand>();
        services.AddSingleton<Command, CancelCommand>();
        services.AddSingleton<Command, ClusterInfoCommand>();
        services.AddSingleton<Command, PlanCommand>();
        services.AddSingleton<Command, TrainCommand>();
        services.AddSingleton<Command, DoctorCommand>();
        services.AddSingleton<Command, DemoCommand>();
        services.AddSingleton<Command, ScoreCommand>();
        return services;
    }

    /// <summary>Parses <paramref name="args"/> and runs the command; returns its exit code.</summary>
    /// <param name="args">The command line.</param>
    /// <param name="services">From <see cref="AddAloraCli"/> plus a connector.</param>
    /// <param name="handleTermination">Cancel on Ctrl+C / SIGTERM (the real process); off for in-process tests.</param>
    /// <param name="cancellationToken">Cancels the command.</param>
    public static Task<int> RunAsync(string[] args, IServiceProvider services, bool handleTermination = true, CancellationToken cancellationToken = default)
    {
        var console = services.GetRequiredService<CliConsole>();
        var root = new RootCommand("alora: ALoRA fine-tuning sweeps on Orleans");
        foreach (var command in services.GetServices<Command>())
        {
            root.Subcommands.Add(command);
        }

        services.GetRequiredService<ConnectionOptions>().AddTo(root);
        var configuration = new InvocationConfiguration { Output = console.OutWriter, Error = console.ErrorWriter };
        if (!handleTermination)
        {
            configuration.ProcessTerminationTimeout = null;
        }

        var parse = root.Parse(args);
        if (parse.Errors.Count > 0)
        {
            // Bad input is exit code 2 (ExitCodes), not System.CommandLine's 1: an unknown command, option or value.
            foreach (var error in parse.Errors)
            {
                console.Message(error.Message);
            }

            console.Message("see alora --help");
            return Task.FromResult(ExitCodes.BadInput);
        }

        return parse.InvokeAsync(configuration, cancellationToken);
    }
}
