using System.Text.Json;
using Spectre.Console;

namespace ALoRA.Cli.Output;

/// <summary>
/// Where a command writes: stdout and stderr as Spectre.Console consoles. <see cref="Terminal"/> says whether stdout is
/// a terminal: tables and the live view are drawn by Spectre there (widths that fit the screen, redraw by screen
/// rows, colour unless <c>NO_COLOR</c> is set); otherwise (redirected, piped) commands print the plain fixed-column
/// lines they always printed, and JSON is written as it is, unwrapped. Commands receive it by injection; only
/// <see cref="CreateSystem"/> touches <see cref="Console"/>.
/// </summary>
/// <param name="output">Standard output.</param>
/// <param name="error">Standard error.</param>
/// <param name="terminal">Whether standard output is an interactive terminal.</param>
internal sealed class CliConsole(IAnsiConsole output, IAnsiConsole error, bool terminal)
{
    /// <summary>Standard output.</summary>
    public IAnsiConsole Out { get; } = output;

    /// <summary>Standard error.</summary>
    public IAnsiConsole Error { get; } = error;

    /// <summary>Whether standard output is an interactive terminal (tables and the live view), not a file or pipe (plain lines).</summary>
    public bool Terminal { get; } = terminal;

    /// <summary>Whether colour may be used on standard output (a terminal, and <c>NO_COLOR</c> not set).</summary>
    public bool Color => Terminal && Out.Profile.Capabilities.ColorSystem != ColorSystem.NoColors;

    /// <summary>Standard output as a plain writer: text goes out as it is (no markup, no wrapping).</summary>
    public TextWriter OutWriter => Out.Profile.Out.Writer;

    /// <summary>Standard error as a plain writer.</summary>
    public TextWriter ErrorWriter => Error.Profile.Out.Writer;

    /// <summary>Where human messages go: stderr when stdout carries JSON only, else stdout.</summary>
    public TextWriter Log(OutputFormat format) => format == OutputFormat.Json ? ErrorWriter : OutWriter;

    /// <summary>Writes one plain line to stdout.</summary>
    public void Line(string text) => OutWriter.WriteLine(text);

    /// <summary>Writes one plain line to stderr.</summary>
    public void Message(string text) => ErrorWriter.WriteLine(text);

    /// <summary>Writes <paramref name="value"/> to stdout as an indented JSON document (<see cref="CliJson.Indented"/>).</summary>
    public void Json<T>(T value) => OutWriter.WriteLine(JsonSerializer.Serialize(value, CliJson.Indented));

    /// <summary>Writes <paramref name="value"/> to stdout as one JSON line (<see cref="CliJson.Line"/>), for event streams.</summary>
    public void JsonLine<T>(T value) => OutWriter.WriteLine(JsonSerializer.Serialize(value, CliJson.Line));

    /// <summary>The process' console: stdout and stderr, colour as the terminal supports unless <c>NO_COLOR</c> is set.</summary>
    public static CliConsole CreateSystem()
    {
        var noColor = !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("NO_COLOR"));
        IAnsiConsole Create(TextWriter writer) => AnsiConsole.Create(new AnsiConsoleSettings
        {
            Out = new AnsiConsoleOutput(writer),
            Ansi = AnsiSupport.Detect,
            ColorSystem = noColor ? ColorSystemSupport.NoColors : ColorSystemSupport.Detect,
        });
        return new CliConsole(Create(Console.Out), Create(Console.Error), !Console.IsOutputRedirected);
    }
}
