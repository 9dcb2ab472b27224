
namespace ALoRA.Cli.Tests.InProcess;

/// <summary>
/// A minimal terminal of a fixed width, to see what output leaves on the screen: printable characters with automatic
/// wrapping at the right margin (deferred, as xterm does: a character in the last column wraps only when the next
/// one comes), <c>\r</c>, <c>\n</c>, cursor up/down/column (<c>CSI n A</c>, <c>B</c>, <c>G</c>), erase in line
/// (<c>CSI n K</c>) and erase below (<c>CSI J</c>); other control sequences (colours, cursor visibility) are ignored.
/// </summary>
internal static class TerminalScreen
{
    /// <summary>Replays <paramref name="output"/> on a screen <paramref name="width"/> columns wide; returns its rows, trailing spaces trimmed.</summary>
    public static IReadOnlyList<string> Replay(string output, int width)
    {
        var rows = new List<char[]> { Blank(width) };
        var (row, col, pendingWrap) = (0, 0, false);
        for (var i = 0; i < output.Length; i++)
        {
            var c = output[i];
            if (c == '\u001b' && i + 1 < output.Length && output[i + 1] == '[')
            {
                var end = i + 2;
                while (end < output.Length && !char.IsAsciiLetter(output[end]))
                {
                    end++;
                }

                var args = output[(i + 2)..end];
                var n = int.TryParse(args, out var v) ? v : 0;
                switch (output[end])
                {
                    case 'A':
                        row = Math.Max(0, row - Math.Max(1, n));
                        pendingWrap = false;
                        break;
                    case 'B':
                        row += Math.Max(1, n);
                        Ensure(rows, row, width);
                        pendingWrap = false;
                        break;
                    case 'G':
                        col = Math.Max(1, n) - 1;
                        pendingWrap = false;
                        break;
                    case 'K':
                        var (from, to) = n switch { 1 => (0, col + 1), 2 => (0, width), _ => (col, width) };
                        Array.Fill(rows[row], ' ', from, Math.Min(width, to) - from);
                        break;
                    case 'J':
                        Array.Fill(rows[row], ' ', col, width - col);
                        rows.RemoveRange(row + 1, rows.Count - row - 1);
                        break;
                }

                i = end;
                continue;
            }

            switch (c)
            {
                case '\r':
                    (col, pendingWrap) = (0, false);
                    continue;
                case '\n':
                    (row, col, pendingWrap) = (row + 1, 0, false);
                    Ensure(rows, row, width);
                    continue;
            }

            if (pendingWrap)
            {
                (row, col, pendingWrap) = (row + 1, 0, false);
                Ensure(rows, row, width);
            }

            rows[row][col] = c;
            if (col == width - 1)
            {
                pendingWrap = true;
            }
            else
            {
                col++;
            }
        }

        return rows.Select(r => new string(r).TrimEnd()).ToList();
    }

    private static char[] Blank(int width)
    {
        var row = new char[width];
        Array.Fill(row, ' ');
        return row;
    }

    private static void Ensure(List<char[]> rows, int row, int width)
    {
        while (rows.Count <= row)
        {
            rows.Add(Blank(width));
        }
    }
}
