namespace ALoRA.Cli.Output;

/// <summary>A column of a <see cref="CliTable"/>.</summary>
/// <param name="Header">Header text.</param>
/// <param name="PlainWidth">Width in plain (non-terminal) output; 0 for the last column, which is not padded.</param>
/// <param name="Right">Right-aligned (numbers).</param>
/// <param name="Gap">Spaces before the column in plain output.</param>
/// <param name="Wrap">On a terminal, whether long values wrap within the column (ids, parameters); the other columns keep their width. The last column always wraps.</param>
internal sealed record CliColumn(string Header, int PlainWidth = 0, bool Right = false, int Gap = 1, bool Wrap = false);
