using Spectre.Console;

namespace ALoRA.Cli.Output;

/// <summary>
/// A table a command prints. On a terminal it is a Spectre.Console table whose columns fit the screen (long ids and
/// parameters wrap within their column, <see cref="CliColumn.Wrap"/>, instead of pushing the others out); otherwise it is the plain fixed-width
/// lines the CLI always printed (scripts may cut them), each cell padded to its column's <see cref="CliColumn.PlainWidth"/>.
/// </summary>
/// <param name="columns">The columns.</param>
internal sealed class CliTable(params CliColumn[] columns)
{
    private readonly List<string[]> _rows = [];

    /// <summary>Adds a row of already formatted cells (one per column).</summary>
    public CliTable Add(params string[] cells)
    {
        if (cells.Length != columns.Length)
        {
            throw new ArgumentException($"a row needs {columns.Length} cells, got {cells.Length}", nameof(cells));
        }

        _rows.Add(cells);
        return this;
    }

    /// <summary>Writes the table to stdout of <paramref name="console"/>.</summary>
    public void WriteTo(CliConsole console)
    {
        if (!console.Terminal)
        {
            console.Line(Plain(columns.Select(c => c.Header).ToArray()));
            foreach (var row in _rows)
            {
                console.Line(Plain(row));
            }

            return;
        }

        var table = new Table().Border(TableBorder.Simple).BorderColor(Spectre.Console.Color.Grey);
        for (var i = 0; i < columns.Length; i++)
        {
            var c = columns[i];
            var column = new TableColumn(new Text(c.Header, new Style(decoration: Decoration.Bold))).PadLeft(i == 0 ? 0 : 1).PadRight(0);
            column = c.Right ? column.RightAligned() : column;
            table.AddColumn(c.Wrap || i == columns.Length - 1 ? column : column.NoWrap());
        }

        foreach (var row in _rows)
        {
            table.AddRow(row.Select(cell => (Spectre.Console.Rendering.IRenderable)new Text(cell).Fold()).ToArray());
        }

        console.Out.Write(table);
    }

    private string Plain(string[] cells)
    {
        var line = new System.Text.StringBuilder();
        for (var i = 0; i < cells.Length; i++)
        {
            var c = columns[i];
            line.Append(' ', i == 0 ? 0 : c.Gap);
            line.Append(c.PlainWidth == 0 ? cells[i] : c.Right ? cells[i].PadLeft(c.PlainWidth) : cells[i].PadRight(c.PlainWidth));
        }

        return line.ToString();
    }
}
