using System.Globalization;
using System.Text;
using System.Text.Json;
using ALoRA.Abstractions.Coordination;

namespace ALoRA.Sweeps.Results;

/// <summary>
/// Writes a results table as CSV or JSON. Each file is written to a temporary file beside the target and then
/// renamed over it, so a reader never sees half a file.
/// </summary>
public static class ResultsWriter
{
    private static readonly UTF8Encoding Utf8NoBom = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>
    /// CSV (RFC 4180): a header row, then one row per trial; CRLF line ends; a field holding a comma, a double quote, a
    /// CR or an LF is quoted, with its quotes doubled; numbers in the invariant culture; an unknown value is an empty field.
    /// </summary>
    /// <param name="rows">The table, as <see cref="SweepResults.Rank"/> returns it.</param>
    /// <param name="path">The file to write (its folder is created if missing).</param>
    public static void WriteCsv(IReadOnlyList<ResultRow> rows, string path)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var text = new StringBuilder();
        AppendCsvLine(text, ResultColumns.All.Select(c => c.Name));
        foreach (var row in rows)
        {
            AppendCsvLine(text, ResultColumns.All.Select(c => FormatCsv(c.Value(row))));
        }

        WriteAtomically(path, Utf8NoBom.GetBytes(text.ToString()));
    }

    /// <summary>
    /// The paired comparisons as CSV (same conventions as <see cref="WriteCsv"/>): one row per comparison and metric,
    /// columns <c>baseline, other, metric, pairs, mean_difference, ci_lower, ci_upper, wilcoxon_p, wilcoxon_method,
    /// w_plus, zero_differences, left_out, left_out_reasons</c> (the reasons joined by <c>"; "</c>).
    /// </summary>
    /// <param name="comparisons">The comparisons, as <see cref="PairedComparisons.Compare"/> returns them.</param>
    /// <param name="path">The file to write (its folder is created if missing).</param>
    public static void WriteComparisonsCsv(IReadOnlyList<PairedComparison> comparisons, string path)
    {
        ArgumentNullException.ThrowIfNull(comparisons);
        var text = new StringBuilder();
        AppendCsvLine(text, ComparisonFields(new PairedComparison()).Select(f => f.Name));
        foreach (var c in comparisons)
        {
            AppendCsvLine(text, ComparisonFields(c).Select(f => FormatCsv(f.Value)));
        }

        WriteAtomically(path, Utf8NoBom.GetBytes(text.ToString()));
    }

    /// <summary>
    /// Indented JSON: <c>{"sweep_id": ..., "metric": ..., "mode": ..., "trials": [...], "pareto_front": [...],
    /// "comparisons": [...]}</c>, each trial an object with the CSV's columns as snake_case properties plus
    /// <c>search_values</c> as an object; <c>pareto_front</c> the ids of the trials on the front, fewest trainable
    /// parameters first; each comparison an object with the fields of <see cref="WriteComparisonsCsv"/>
    /// (<c>left_out_reasons</c> an array) plus <c>pair_list</c>: <c>{context, baseline_trial, other_trial,
    /// baseline_value, other_value, difference}</c> per pair. An unknown value is null; a non-finite number is written
    /// as the string "NaN", "Infinity" or "-Infinity".
    /// </summary>
    /// <param name="status">The sweep (id, metric and mode).</param>
    /// <param name="rows">The table, as <see cref="SweepResults.Rank"/> returns it.</param>
    /// <param name="path">The file to write (its folder is created if missing).</param>
    /// <param name="comparisons">The paired comparisons (<see cref="PairedComparisons.Compare"/>); none when null.</param>
    public static void WriteJson(SweepStatus status, IReadOnlyList<ResultRow> rows, string path, IReadOnlyList<PairedComparison>? comparisons = null)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(rows);
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer, new JsonWriterOptions { Indented = true }))
        {
            writer.WriteStartObject();
            writer.WriteString("sweep_id", status.SweepId);
            writer.WriteString("metric", status.Metric);
            writer.WriteString("mode", status.Mode);
            writer.WriteStartArray("trials");
            foreach (var row in rows)
            {
                writer.WriteStartObject();
                foreach (var column in ResultColumns.All)
                {
                    writer.WritePropertyName(column.Name);
                    WriteJsonValue(writer, column.Value(row));
                }

                writer.WriteStartObject("search_values");
                foreach (var (key, value) in row.SearchValues.OrderBy(kv => kv.Key, StringComparer.Ordinal))
                {
                    writer.WriteString(key, value);
                }

                writer.WriteEndObject();
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
            writer.WriteStartArray("pareto_front");
            foreach (var row in SweepResults.ParetoFront(rows))
            {
                writer.WriteStringValue(row.TrialId);
            }

            writer.WriteEndArray();
            writer.WriteStartArray("comparisons");
            foreach (var c in comparisons ?? [])
            {
                WriteComparison(writer, c);
            }

            writer.WriteEndArray();
            writer.WriteEndObject();
        }

        buffer.WriteByte((byte)'\n');
        WriteAtomically(path, buffer.ToArray());
    }

    /// <summary>Formats one CSV field (unquoted): invariant numbers, empty for null.</summary>
    internal static string FormatCsv(object? value) => value switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Quotes a CSV field when it holds a comma, a double quote, a CR or an LF.</summary>
    internal static string QuoteCsv(string field) =>
        field.AsSpan().IndexOfAny(",\"\r\n") < 0 ? field : "\"" + field.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static void AppendCsvLine(StringBuilder text, IEnumerable<string> fields)
    {
        text.AppendJoin(',', fields.Select(QuoteCsv));
        text.Append("\r\n");
    }

    private static (string Name, object? Value)[] ComparisonFields(PairedComparison c) =>
    [
        ("baseline", c.Baseline),
        ("other", c.Other),
        ("metric", c.Metric),
        ("pairs", c.Pairs),
        ("mean_difference", c.MeanDifference),
        ("ci_lower", c.CiLower),
        ("ci_upper", c.CiUpper),
        ("wilcoxon_p", c.WilcoxonP),
        ("wilcoxon_method", c.WilcoxonMethod),
        ("w_plus", c.WPlus),
        ("zero_differences", c.ZeroDifferences),
        ("left_out", c.LeftOut),
        ("left_out_reasons", string.Join("; ", c.LeftOutReasons)),
    ];

    private static void WriteComparison(Utf8JsonWriter writer, PairedComparison c)
    {
        writer.WriteStartObject();
        foreach (var (name, value) in ComparisonFields(c).Where(f => f.Name != "left_out_reasons"))
        {
            writer.WritePropertyName(name);
            WriteJsonValue(writer, value);
        }

        writer.WriteStartArray("left_out_reasons");
        foreach (var reason in c.LeftOutReasons)
        {
            writer.WriteStringValue(reason);
        }

        writer.WriteEndArray();
        writer.WriteStartArray("pair_list");
        foreach (var p in c.PairList)
        {
            writer.WriteStartObject();
            writer.WriteString("context", p.Context);
            writer.WriteString("baseline_trial", p.BaselineTrial);
            writer.WriteString("other_trial", p.OtherTrial);
            writer.WritePropertyName("baseline_value");
            WriteJsonValue(writer, p.BaselineValue);
            writer.WritePropertyName("other_value");
            WriteJsonValue(writer, p.OtherValue);
            writer.WritePropertyName("difference");
            WriteJsonValue(writer, p.Difference);
            writer.WriteEndObject();
        }

        writer.WriteEndArray();
        writer.WriteEndObject();
    }

    private static void WriteJsonValue(Utf8JsonWriter writer, object? value)
    {
        switch (value)
        {
            case null:
                writer.WriteNullValue();
                break;
            case int i:
                writer.WriteNumberValue(i);
                break;
            case long l:
                writer.WriteNumberValue(l);
                break;
            case bool b:
                writer.WriteBooleanValue(b);
                break;
            case double d when double.IsFinite(d):
                writer.WriteNumberValue(d);
                break;
            case double d:
                writer.WriteStringValue(d.ToString(CultureInfo.InvariantCulture));
                break;
            default:
                writer.WriteStringValue(Convert.ToString(value, CultureInfo.InvariantCulture));
                break;
        }
    }

    private static void WriteAtomically(string path, byte[] bytes)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        var full = Path.GetFullPath(path);
        var folder = Path.GetDirectoryName(full)!;
        Directory.CreateDirectory(folder);
        var temp = Path.Combine(folder, $".{Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            File.WriteAllBytes(temp, bytes);
            File.Move(temp, full, overwrite: true);
        }
        finally
        {
            if (File.Exists(temp))
            {
                File.Delete(temp);
            }
        }
    }
}
