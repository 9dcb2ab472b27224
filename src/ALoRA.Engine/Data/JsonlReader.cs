using System.Text.Json;

namespace ALoRA.Engine.Data;

/// <summary>Reads a JSON-lines data file (one JSON object per line) through a task template.</summary>
public static class JsonlReader
{
    /// <summary>
    /// Streams <paramref name="path"/> line by line, skipping blank lines, and parses every row with
    /// <paramref name="task"/>. Each example's <see cref="TaskExample.Source"/> is set to <c>"{path} line {n}"</c>.
    /// Errors are <see cref="DataFormatException"/>s naming the file, the 1-based line and (where relevant) the field:
    /// a missing file, invalid JSON, a row that is not an object, a missing field, a wrong type, a label out of range,
    /// or a file without any example.
    /// </summary>
    /// <param name="path">The <c>.jsonl</c> file; used verbatim in messages.</param>
    /// <param name="task">The template that turns rows into examples.</param>
    /// <param name="maxExamples">Stop after this many examples (null = all; 0 = none, without reading).</param>
    public static IReadOnlyList<TaskExample> Read(string path, ITaskTemplate task, int? maxExamples = null)
    {
        ArgumentNullException.ThrowIfNull(path);
        ArgumentNullException.ThrowIfNull(task);
        if (maxExamples < 0)
        {
            throw new ArgumentOutOfRangeException(nameof(maxExamples), maxExamples, "must be null or non-negative");
        }

        var examples = new List<TaskExample>();
        if (maxExamples == 0)
        {
            return examples;
        }

        if (!File.Exists(path))
        {
            throw new DataFormatException($"{path}: data file not found", new FileNotFoundException(null, path)) { FilePath = path };
        }

        using var reader = new StreamReader(path);
        var lineNumber = 0;
        while (reader.ReadLine() is { } line)
        {
            lineNumber++;
            if (string.IsNullOrWhiteSpace(line))
            {
                continue;
            }

            examples.Add(ParseLine(line, path, lineNumber, task));
            if (examples.Count == maxExamples)
            {
                break;
            }
        }

        if (examples.Count == 0)
        {
            throw new DataFormatException($"{path}: no examples (the file is empty)") { FilePath = path };
        }

        return examples;
    }

    private static TaskExample ParseLine(string line, string path, int lineNumber, ITaskTemplate task)
    {
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(line);
        }
        catch (JsonException ex)
        {
            throw new DataFormatException($"{path} line {lineNumber}: invalid JSON: {ex.Message}", ex) { FilePath = path, Line = lineNumber };
        }

        using (doc)
        {
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw DataFormatException.ForLine(path, lineNumber, $"expected a JSON object, got {doc.RootElement.ValueKind}");
            }

            return task.Parse(doc.RootElement, path, lineNumber) with { Source = $"{path} line {lineNumber}" };
        }
    }
}
