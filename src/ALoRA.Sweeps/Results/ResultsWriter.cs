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
    /// Indented JSON: <c>{"sweep_id": ..., "metric": ..., "mode": ..., "trials": [...]}</c>, each trial an object
    /// with the CSV's columns as snake_case properties plus <c>search_values</c> as an object. An unknown value is
    /// null; a non-finite number is written as the string "NaN", "Infinity" or "-Infinity".
    /// </summary>
    /// <param name="status">The sweep (id, metric and mode).</param>
    /// <param name="rows">The table, as <see cref="SweepResults.Rank"/> returns it.</param>
    /// <param name="path">The file to write (its folder is created if missing).</param>
    public static void WriteJson(SweepStatus status, IReadOnlyList<ResultRow> rows, string path)
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
