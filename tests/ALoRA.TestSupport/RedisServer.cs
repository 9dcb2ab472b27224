using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace ALoRA.TestSupport;

/// <summary>
/// A private <c>redis-server</c> process for one test run: bound to 127.0.0.1 on a free port, with its own data folder
/// and no persistence, stopped (and its folder deleted) on dispose. A watchdog process kills it if the process that
/// started it dies first, so a crashed or killed test run leaves no server behind. <c>redis-server</c> must be on PATH
/// (<c>make test</c> installs it with <c>scripts/ensure-redis.sh</c>); when it is not, <see cref="StartAsync"/> throws.
/// <see cref="StartWithPasswordAsync"/> starts one that requires a password (<c>requirepass</c>).
/// </summary>
public sealed class RedisServer : IAsyncDisposable
{
    private readonly Process _server;
    private readonly Process? _watchdog;

    private RedisServer(Process server, Process? watchdog, int port, string dataDirectory, string? password)
    {
        _server = server;
        _watchdog = watchdog;
        Port = port;
        DataDirectory = dataDirectory;
        ProcessId = server.Id;
        Password = password;
    }

    /// <summary>The port it listens on (127.0.0.1).</summary>
    public int Port { get; }

    /// <summary>The password clients must give (<c>requirepass</c>), or null when it needs none.</summary>
    public string? Password { get; }

    /// <summary>StackExchange.Redis connection string: <c>127.0.0.1:&lt;port&gt;</c>, with <c>,password=...</c> when it has one.</summary>
    public string ConnectionString => Password is null ? $"127.0.0.1:{Port}" : $"127.0.0.1:{Port},password={Password}";

    /// <summary>Its working and log folder.</summary>
    public string DataDirectory { get; }

    /// <summary>Its process id (still known after <see cref="DisposeAsync"/>, to look for leftovers).</summary>
    public int ProcessId { get; }

    /// <summary>
    /// Starts a server and waits until it answers PING (within <paramref name="timeout"/>, default 20 s).
    /// <paramref name="settings"/> are more <c>redis-server</c> arguments, after (and so over) the defaults, e.g.
    /// <c>--appendonly yes</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">redis-server is not installed, or did not come up (its log is quoted).</exception>
    public static Task<RedisServer> StartAsync(TimeSpan? timeout = null, params string[] settings) => StartCoreAsync(null, timeout, settings);

    /// <summary>
    /// Starts a server that requires <paramref name="password"/> (<c>--requirepass</c>), like <see cref="StartAsync(TimeSpan?, string[])"/>.
    /// <see cref="ConnectionString"/> and <see cref="CommandAsync"/> then authenticate with it.
    /// </summary>
    public static Task<RedisServer> StartWithPasswordAsync(string password, TimeSpan? timeout = null, params string[] settings)
    {
        ArgumentException.ThrowIfNullOrEmpty(password);
        return StartCoreAsync(password, timeout, settings);
    }

    private static async Task<RedisServer> StartCoreAsync(string? password, TimeSpan? timeout, string[] settings)
    {
        var binary = FindBinary() ?? throw new InvalidOperationException(
            "redis-server is not installed (not on PATH). Run 'make test', whose scripts/ensure-redis.sh installs Debian's redis-server, or install Redis 6+ yourself.");
        var deadline = DateTime.UtcNow + (timeout ?? TimeSpan.FromSeconds(20));
        for (var attempt = 1; ; attempt++)
        {
            var port = FreePort();
            var dir = Path.Combine(Path.GetTempPath(), "alora-redis", $"{port}-{Guid.NewGuid():N}");
            Directory.CreateDirectory(dir);
            var start = new ProcessStartInfo(binary)
            {
                UseShellExecute = false,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                WorkingDirectory = dir,
            };
            foreach (var arg in new[]
            {
                "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--bind", "127.0.0.1", "--dir", dir,
                "--save", "", "--appendonly", "no", "--daemonize", "no", "--protected-mode", "yes",
                "--logfile", Path.Combine(dir, "redis.log"),
            }.Concat(password is null ? [] : ["--requirepass", password]).Concat(settings))
            {
                start.ArgumentList.Add(arg);
            }

            var server = Process.Start(start) ?? throw new InvalidOperationException($"could not start {binary}");
            server.OutputDataReceived += (_, _) => { };
            server.ErrorDataReceived += (_, _) => { };
            server.BeginOutputReadLine();
            server.BeginErrorReadLine();
            while (DateTime.UtcNow < deadline && !server.HasExited)
            {
                if (await PingAsync(port).ConfigureAwait(false))
                {
                    return new RedisServer(server, StartWatchdog(server.Id), port, dir, password);
                }

                await Task.Delay(50).ConfigureAwait(false);
            }

            var log = ReadLog(dir);
            Kill(server);
            TryDelete(dir);
            if (attempt < 5 && log.Contains("Address already in use", StringComparison.Ordinal) && DateTime.UtcNow < deadline)
            {
                continue; // the free port was taken between the probe and the bind
            }

            throw new InvalidOperationException($"redis-server on 127.0.0.1:{port} did not answer PING in time. Its log:{Environment.NewLine}{log}");
        }
    }

    /// <summary>
    /// Sends one command (RESP) and returns the reply as text: a status, an error (<c>-ERR ...</c>), a number or a bulk
    /// string (null: nil). Authenticates first (<c>AUTH</c>) when the server has a <see cref="Password"/>.
    /// </summary>
    public Task<string?> CommandAsync(params string[] arguments) => SendAsync(Password, arguments);

    /// <summary>Like <see cref="CommandAsync"/>, without authenticating (a server with a password answers <c>-NOAUTH ...</c>).</summary>
    public Task<string?> UnauthenticatedCommandAsync(params string[] arguments) => SendAsync(null, arguments);

    private async Task<string?> SendAsync(string? password, string[] arguments)
    {
        using var client = new TcpClient();
        await client.ConnectAsync(IPAddress.Loopback, Port).ConfigureAwait(false);
        var stream = client.GetStream();
        if (password is not null)
        {
            await stream.WriteAsync(Encode(["AUTH", password])).ConfigureAwait(false);
            var auth = await ReadLineAsync(stream).ConfigureAwait(false);
            if (auth != "+OK")
            {
                throw new InvalidOperationException($"redis-server on 127.0.0.1:{Port} refused its own password: {auth}");
            }
        }

        await stream.WriteAsync(Encode(arguments)).ConfigureAwait(false);
        var line = await ReadLineAsync(stream).ConfigureAwait(false);
        switch (line[0])
        {
            case '$':
                var length = int.Parse(line.AsSpan(1), System.Globalization.CultureInfo.InvariantCulture);
                if (length < 0)
                {
                    return null;
                }

                var buffer = new byte[length + 2];
                await stream.ReadExactlyAsync(buffer).ConfigureAwait(false);
                return Encoding.UTF8.GetString(buffer, 0, length);
            case '+':
            case ':':
                return line[1..];
            default:
                return line;
        }
    }

    private static byte[] Encode(string[] arguments)
    {
        var request = new MemoryStream();
        void Write(string text) => request.Write(Encoding.UTF8.GetBytes(text));
        Write($"*{arguments.Length}\r\n");
        foreach (var a in arguments)
        {
            Write($"${Encoding.UTF8.GetByteCount(a)}\r\n{a}\r\n");
        }

        return request.ToArray();
    }

    private static async Task<string> ReadLineAsync(Stream stream)
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await stream.ReadAsync(one).ConfigureAwait(false) == 0)
            {
                throw new IOException("redis closed the connection");
            }

            if (one[0] == (byte)'\n' && bytes.Count > 0 && bytes[^1] == (byte)'\r')
            {
                return Encoding.UTF8.GetString(bytes.ToArray(), 0, bytes.Count - 1);
            }

            bytes.Add(one[0]);
        }
    }

    /// <inheritdoc />
    public async ValueTask DisposeAsync()
    {
        Kill(_server);
        await _server.WaitForExitAsync().WaitAsync(TimeSpan.FromSeconds(10)).ConfigureAwait(false);
        _server.Dispose();
        if (_watchdog is not null)
        {
            Kill(_watchdog);
            _watchdog.Dispose();
        }

        TryDelete(DataDirectory);
    }

    private static string? FindBinary()
    {
        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries).Append("/usr/bin").Append("/usr/sbin"))
        {
            var candidate = Path.Combine(dir, "redis-server");
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<bool> PingAsync(int port)
    {
        try
        {
            using var client = new TcpClient();
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(1));
            await client.ConnectAsync(IPAddress.Loopback, port, cts.Token).ConfigureAwait(false);
            var stream = client.GetStream();
            await stream.WriteAsync("PING\r\n"u8.ToArray(), cts.Token).ConfigureAwait(false);
            var buffer = new byte[16];
            var n = await stream.ReadAsync(buffer, cts.Token).ConfigureAwait(false);
            // A server with a password answers NOAUTH: it is up too.
            var reply = Encoding.ASCII.GetString(buffer, 0, n);
            return reply.StartsWith("+PONG", StringComparison.Ordinal) || reply.StartsWith("-NOAUTH", StringComparison.Ordinal);
        }
        catch (Exception ex) when (ex is SocketException or IOException or OperationCanceledException)
        {
            return false;
        }
    }

    /// <summary>Kills the server when this process (the test host) is gone.</summary>
    private static Process? StartWatchdog(int serverPid)
    {
        var start = new ProcessStartInfo("/bin/sh") { UseShellExecute = false };
        start.ArgumentList.Add("-c");
        start.ArgumentList.Add("while kill -0 \"$1\" 2>/dev/null && kill -0 \"$2\" 2>/dev/null; do sleep 1; done; kill -9 \"$2\" 2>/dev/null; exit 0");
        start.ArgumentList.Add("alora-redis-watchdog");
        start.ArgumentList.Add(Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture));
        start.ArgumentList.Add(serverPid.ToString(System.Globalization.CultureInfo.InvariantCulture));
        return Process.Start(start);
    }

    private static string ReadLog(string dir)
    {
        try
        {
            return File.ReadAllText(Path.Combine(dir, "redis.log"));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }

    private static void Kill(Process process)
    {
        try
        {
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }
        }
        catch (InvalidOperationException)
        {
        }
    }

    private static void TryDelete(string dir)
    {
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
        }
    }
}
