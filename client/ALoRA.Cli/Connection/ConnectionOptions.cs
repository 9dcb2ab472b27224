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

    /// <summary><c>--token-file</c>: the cluster's client token (docs/security.md).</summary>
    public Option<string?> TokenFile { get; } = new("--token-file")
    {
        Description = $"File holding the cluster's client token (default: ${ClientSecurity.TokenFileVariable}, else the token in ${ClientSecurity.TokenVariable})",
        Recursive = true,
    };

    /// <summary><c>--tls-ca</c>: connect over TLS, trusting this certificate authority.</summary>
    public Option<string?> TlsCa { get; } = new("--tls-ca")
    {
        Description = $"Connect over TLS; PEM file of the CA the gateway's certificate must chain to (default: ${ClientSecurity.TlsCaVariable})",
        Recursive = true,
    };

    /// <summary><c>--tls-cert</c>: the client certificate, for mutual TLS.</summary>
    public Option<string?> TlsCert { get; } = new("--tls-cert")
    {
        Description = $"PEM client certificate for mutual TLS, with --tls-key (default: ${ClientSecurity.TlsCertVariable})",
        Recursive = true,
    };

    /// <summary><c>--tls-key</c>: the client certificate's key.</summary>
    public Option<string?> TlsKey { get; } = new("--tls-key")
    {
        Description = $"PEM private key of --tls-cert (default: ${ClientSecurity.TlsKeyVariable})",
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
        root.Options.Add(TokenFile);
        root.Options.Add(TlsCa);
        root.Options.Add(TlsCert);
        root.Options.Add(TlsKey);
    }

    /// <summary>The settings a parse result asks for.</summary>
    public ConnectionSettings Read(ParseResult parse) => new(
        parse.GetValue(Gateway) ?? Environment.GetEnvironmentVariable(GatewayVariable) ?? "localhost:30000",
        parse.GetValue(Local),
        Path.GetFullPath(parse.GetValue(DataDirectory)!),
        TimeSpan.FromSeconds(parse.GetValue(ConnectTimeout)))
    {
        Security = new ClientSecurity(
            parse.GetValue(TokenFile) ?? Environment.GetEnvironmentVariable(ClientSecurity.TokenFileVariable),
            parse.GetValue(TokenFile) is null ? Environment.GetEnvironmentVariable(ClientSecurity.TokenVariable) : null,
            parse.GetValue(TlsCa) ?? Environment.GetEnvironmentVariable(ClientSecurity.TlsCaVariable),
            parse.GetValue(TlsCert) ?? Environment.GetEnvironmentVariable(ClientSecurity.TlsCertVariable),
            parse.GetValue(TlsKey) ?? Environment.GetEnvironmentVariable(ClientSecurity.TlsKeyVariable)),
    };
}
