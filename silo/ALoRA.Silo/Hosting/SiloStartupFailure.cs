using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ALoRA.Silo.Hosting;

/// <summary>Turns configuration errors at start into a short report and exit code 2 instead of a stack trace.</summary>
public static class SiloStartupFailure
{
    /// <summary>Exit code of a silo that did not start because its configuration is invalid.</summary>
    public const int ExitCode = 2;

    /// <summary>
    /// Runs the options validators registered with <c>ValidateOnStart</c> now, so that invalid settings surface as
    /// exceptions here rather than being logged with a stack trace by the host as it starts.
    /// </summary>
    /// <exception cref="OptionsValidationException">A setting is invalid (several: an <see cref="AggregateException"/>).</exception>
    public static IHost ValidateOptions(this IHost host)
    {
        ArgumentNullException.ThrowIfNull(host);
        host.Services.GetService<IStartupValidator>()?.Validate();
        return host;
    }

    /// <summary>
    /// The messages of <paramref name="exception"/> when it (or every exception it aggregates) is a configuration error:
    /// failed options validation, a value that does not convert, an Orleans configuration check, or Redis refusing the
    /// credentials of <c>Alora:Silo:RedisConnectionString</c>; else null.
    /// </summary>
    public static IReadOnlyList<string>? Describe(Exception exception)
    {
        ArgumentNullException.ThrowIfNull(exception);
        var messages = new List<string>();
        return Collect(exception, messages) && messages.Count > 0 ? messages : null;
    }

    /// <summary>Writes <paramref name="messages"/> to <paramref name="error"/>, one per line, under a heading.</summary>
    public static void Report(TextWriter error, IReadOnlyList<string> messages)
    {
        ArgumentNullException.ThrowIfNull(error);
        ArgumentNullException.ThrowIfNull(messages);
        error.WriteLine("alora-silo: invalid configuration (appsettings.json, Alora__* environment variables, --Alora:* arguments):");
        foreach (var message in messages)
        {
            error.WriteLine(message);
        }

        error.Flush();
    }

    /// <summary>Redis' error reply without StackExchange.Redis' "Error: " prefix (WRONGPASS ..., NOAUTH ...).</summary>
    private static string ServerReply(string message)
    {
        const string prefix = "Error: ";
        var trimmed = message.Trim();
        return trimmed.StartsWith(prefix, StringComparison.Ordinal) ? trimmed[prefix.Length..] : trimmed;
    }

    private static bool Collect(Exception exception, List<string> messages)
    {
        switch (exception)
        {
            case OptionsValidationException validation:
                messages.AddRange(validation.Failures.Distinct(StringComparer.Ordinal));
                return true;
            case AggregateException aggregate:
                return aggregate.InnerExceptions.Count > 0 && aggregate.InnerExceptions.All(e => Collect(e, messages));
            case OrleansConfigurationException orleans:
                messages.Add(orleans.Message);
                return true;
            case RedisConnectionException { FailureType: ConnectionFailureType.AuthenticationFailure } redis:
                // The server's reply (WRONGPASS ..., NOAUTH ...) or the TLS error names the cause; the connection string is not echoed (it holds the password).
                messages.Add(
                    $"{SiloHostOptionsValidator.Key(nameof(SiloHostOptions.RedisConnectionString))}: authentication with Redis failed"
                    + (redis.InnerException is { } reply ? $" ({ServerReply(reply.Message)})" : "")
                    + "; check password=... (and user=...) against the server's requirepass or ACL, and with ssl=true that the server's certificate is trusted");
                return true;
            case InvalidOperationException conversion when conversion.Message.Contains("configuration value", StringComparison.Ordinal):
                // The configuration binder: "Failed to convert configuration value '...' at 'Alora:Trainers:CpuTrainers' to type ...".
                messages.Add(conversion.Message);
                return true;
            default:
                return false;
        }
    }
}
