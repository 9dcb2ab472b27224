using System.CommandLine;

namespace ALoRA.Cli.Connection;

/// <summary>The options every cluster command shares (recursive, so they go before or after the command name); one instance per root command.</summary>
internal sealed class ConnectionOptions
{
    /// <summary>Environment variable read when <see cref="Gateway"/> is not given.</summary>
    public const string GatewayVariable = "ALORA_GATEWAY";

    /// <summary><c>--gateway HOST:PORT</c>.</summary>
    public Option<string?> Gateway { get; } = new("--gateway")
    {
        Description = $"Gateway of the cluster, HOST:PORT (default: ${GatewayVariable}, else localhost:30000)",
        Recursive = true,
    };

    /// <summary><c>--local</c>.</summary>
    public Option<bool> Local { get; } = new("--local")
    {
        Description = "Host a silo in this process instead of connecting to a cluster (state under --data-dir; the sweep runs while the command runs)",
        Recursive = true,
    };

    /// <summary><c>--data-dir</c>.</summary>
    public Option<string> DataDirectory { get; } = new("--data-dir")
    {
        Description = "With --local: where sweep state and checkpoints are kept",
        DefaultValueFactory = _ => "alora-data",
        Recursive = true,
    };

    /// <summary><c>--connect-timeout</c>.</summary>
    public Option<int> ConnectTimeout { get; } = new("--connect-timeout")
    {
        Description = "Seconds to keep trying to reach the gateway",
        DefaultValueFactory = _ => 30,
        Recursive = true,
    };

    /// <summary>Creates the options; <c>--connect-timeout</c> below 1 second is a parse error (exit code 2).</summary>
    public ConnectionOptions()
    {
        ConnectTimeout.Validators.Add(result =>
        {
            if (result.GetValueOrDefault<int>() is < 1 and var seconds)
            {
                result.AddError($"--connect-timeout must be at least 1 (seconds), got {seconds}");
            }
        });
    }

    /// <summary>Adds the options to the root command.</summary>
    public void AddTo(Command root)
    {
        root.Options.Add(Gateway);
        root.Options.Add(Local);
        root.Options.Add(DataDirectory);
        root.Options.Add(ConnectTimeout);
    }

    /// <summary>The settings a parse result asks for.</summary>
    public ConnectionSettings Read(ParseResult parse) => new(
        parse.GetValue(Gateway) ?? Environment.GetEnvironmentVariable(GatewayVariable) ?? "localhost:30000",
        parse.GetValue(Local),
        Path.GetFullPath(parse.GetValue(DataDirectory)!),
        TimeSpan.FromSeconds(parse.GetValue(ConnectTimeout)));
}
