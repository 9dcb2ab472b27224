using System.Globalization;
using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Cli.Rendering;

/// <summary>
/// A final allocation (module path → active ranks) laid out as layers (rows, in layer order) by module types
/// (columns: q_proj, k_proj, v_proj, o_proj, gate_proj, up_proj, down_proj as far as present, then any other type by
/// name). The layer of a path is its last all-digit segment (<c>model.layers.3.mlp.up_proj</c> → 3), its type the
/// last segment; paths without a layer number form a last row, "other". Two paths on the same cell add up.
/// </summary>
internal sealed class AllocationGrid
{
    private AllocationGrid(IReadOnlyList<int?> layers, IReadOnlyList<string> moduleTypes, int?[,] ranks)
    {
        Layers = layers;
        ModuleTypes = moduleTypes;
        Ranks = ranks;
        var values = ranks.Cast<int?>().Where(v => v is not null).Select(v => v!.Value).ToList();
        Cells = values.Count;
        Total = values.Sum();
        Min = values.Count == 0 ? 0 : values.Min();
        Max = values.Count == 0 ? 0 : values.Max();
    }

    /// <summary>Layer numbers of the rows (null: modules without a layer number).</summary>
    public IReadOnlyList<int?> Layers { get; }

    /// <summary>Module types of the columns.</summary>
    public IReadOnlyList<string> ModuleTypes { get; }

    /// <summary>Ranks by [row, column]; null where the layer has no module of that type.</summary>
    public int?[,] Ranks { get; }

    /// <summary>Filled cells.</summary>
    public int Cells { get; }

    /// <summary>Sum of all ranks.</summary>
    public int Total { get; }

    /// <summary>Smallest rank (0 when empty).</summary>
    public int Min { get; }

    /// <summary>Largest rank (0 when empty).</summary>
    public int Max { get; }

    /// <summary>Lays out <paramref name="allocation"/>.</summary>
    public static AllocationGrid From(IReadOnlyDictionary<string, int> allocation)
    {
        ArgumentNullException.ThrowIfNull(allocation);
        var cells = allocation.Select(kv => (Layer: LayerOf(kv.Key), Type: TypeOf(kv.Key), Rank: kv.Value)).ToList();
        var layers = cells.Select(c => c.Layer).Distinct().OrderBy(l => l ?? int.MaxValue).ToList();
        var known = LoraSettings.LlamaModuleNames;
        var types = known.Where(t => cells.Any(c => c.Type == t))
            .Concat(cells.Select(c => c.Type).Where(t => !known.Contains(t)).Distinct().Order(StringComparer.Ordinal))
            .ToList();
        var ranks = new int?[layers.Count, types.Count];
        foreach (var (layer, type, rank) in cells)
        {
            var row = layers.IndexOf(layer);
            var column = types.IndexOf(type);
            ranks[row, column] = (ranks[row, column] ?? 0) + rank;
        }

        return new AllocationGrid(layers, types, ranks);
    }

    /// <summary>Label of a row: the layer number, or "other".</summary>
    public string LayerLabel(int row) => Layers[row]?.ToString(CultureInfo.InvariantCulture) ?? "other";

    private static int? LayerOf(string path)
    {
        var segments = path.Split('.');
        for (var i = segments.Length - 2; i >= 0; i--)
        {
            if (segments[i].Length > 0 && segments[i].All(char.IsAsciiDigit)
                && int.TryParse(segments[i], NumberStyles.None, CultureInfo.InvariantCulture, out var layer))
            {
                return layer;
            }
        }

        return null;
    }

    private static string TypeOf(string path)
    {
        var dot = path.LastIndexOf('.');
        return dot < 0 ? path : path[(dot + 1)..];
    }
}
