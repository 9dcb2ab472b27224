using System.CommandLine;
using ALoRA.Abstractions.Sweeps;
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

    /// <summary><c>--dtype float32|bfloat16|float16</c>: the dtype the frozen base model is stored and computed in.</summary>
    /// <param name="fallback">What applies without the option, for the help text.</param>
    public static Option<string?> DType(string fallback)
    {
        var option = new Option<string?>("--dtype")
        {
            Description = $"Base model dtype: {string.Join(", ", ModelDTypes.All)} (default: {fallback}); adapters stay float32",
        };
        option.AcceptOnlyFromAmong([.. ModelDTypes.All]);
        return option;
    }
}
