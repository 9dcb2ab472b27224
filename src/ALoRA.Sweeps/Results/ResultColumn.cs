namespace ALoRA.Sweeps.Results;

/// <summary>One exported column: its snake_case name and how a row's value is read (string, int, long, double or null).</summary>
/// <param name="Name">Column name in the CSV header and property name in the JSON.</param>
/// <param name="Value">Reads the value from a row.</param>
internal sealed record ResultColumn(string Name, Func<ResultRow, object?> Value);
