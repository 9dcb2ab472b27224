using System.CommandLine;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Commands;

/// <summary>Options several commands share (a new instance per command).</summary>
internal static class CliOptions
{
    /// <summary><c>--format table|json</c>.</summary>
    public static Option<OutputFormat> Format() => new("--format")
    {
        Description = "table (for people) or json (only JSON on stdout)",
        DefaultValueFactory = _ => OutputFormat.Table,
    };
}
