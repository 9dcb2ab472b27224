namespace ALoRA.Cli.Output;

/// <summary>How a command prints its result: a human table, or JSON only on stdout (human text goes to stderr).</summary>
public enum OutputFormat
{
    /// <summary>Human-readable table.</summary>
    Table,

    /// <summary>Machine-readable JSON on stdout.</summary>
    Json,
}
