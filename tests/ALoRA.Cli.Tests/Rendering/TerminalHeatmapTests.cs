using System.Globalization;
using System.Text.RegularExpressions;
using ALoRA.Cli.Rendering;

namespace ALoRA.Cli.Tests.Rendering;

public partial class TerminalHeatmapTests
{
    [Fact]
    public void Render_Plain_HasEveryLayerAndRank()
    {
        var allocation = Allocations.Llama(12);

        var text = TerminalHeatmap.Render(allocation, color: false);

        Assert.DoesNotContain('\u001b', text);
        var lines = text.TrimEnd('\n').Split('\n');
        Assert.Equal(1 + 12 + 1, lines.Length);
        Assert.Equal(Allocations.Types, lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries)[1..]);
        for (var layer = 0; layer < 12; layer++)
        {
            var cells = lines[1 + layer].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal(layer.ToString(CultureInfo.InvariantCulture), cells[0]);
            var expected = Allocations.Types.Select((t, i) => allocation[$"model.layers.{layer}.{(i < 4 ? "self_attn" : "mlp")}.{t}"].ToString(CultureInfo.InvariantCulture));
            Assert.Equal(expected, cells[1..]);
        }

        Assert.Contains($"total {allocation.Values.Sum()} over 84 modules", lines[^1]);
    }

    [Fact]
    public void Render_Color_SameGridWithAnsiBackgrounds()
    {
        var allocation = Allocations.Llama(4);

        var colored = TerminalHeatmap.Render(allocation, color: true);

        Assert.Contains("\u001b[48;5;", colored);
        Assert.Contains("\u001b[0m", colored);
        Assert.Equal(TerminalHeatmap.Render(allocation, color: false), Ansi().Replace(colored, ""));
    }

    [Fact]
    public void Render_MissingCellsAndModulesWithoutLayer()
    {
        var allocation = new Dictionary<string, int>
        {
            ["model.layers.10.self_attn.v_proj"] = 12,
            ["model.layers.2.self_attn.q_proj"] = 3,
            ["lm_head"] = 4,
        };

        var lines = TerminalHeatmap.Render(allocation, color: false).TrimEnd('\n').Split('\n');

        Assert.Equal(["layer", "q_proj", "v_proj", "lm_head"], lines[0].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["2", "3", "-", "-"], lines[1].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["10", "-", "12", "-"], lines[2].Split(' ', StringSplitOptions.RemoveEmptyEntries));
        Assert.Equal(["other", "-", "-", "4"], lines[3].Split(' ', StringSplitOptions.RemoveEmptyEntries));
    }

    [Fact]
    public void Render_Empty()
    {
        Assert.Equal("(no allocation)\n", TerminalHeatmap.Render(new Dictionary<string, int>(), color: true));
    }

    [GeneratedRegex("\u001b\\[[0-9;]*m")]
    private static partial Regex Ansi();
}
