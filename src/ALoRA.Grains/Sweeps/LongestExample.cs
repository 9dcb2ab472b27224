using System.Text;
using System.Text.Json;
using ALoRA.Engine.Data;

namespace ALoRA.Grains.Sweeps;

/// <summary>
/// The tokens of a data folder's longest training example, for the memory estimate at submit (batches are padded to
/// their longest row only, so a trial never holds more tokens per row than this): the file is read once, the
/// <see cref="Candidates"/> longest lines in UTF-8 bytes are formatted by the task's template and tokenized with the
/// model's tokenizer, and the longest result (BOS, prompt, the longest answer, EOS) is returned. A heuristic, not a
/// bound: token counts follow byte lengths closely, and the estimate it feeds is an estimate too
/// (docs/engine-notes.md, "Memory estimate").
/// </summary>
public static class LongestExample
{
    /// <summary>Lines tokenized: the longest ones in bytes.</summary>
    public const int Candidates = 256;

    /// <summary>The longest example's tokens, or null when the files cannot be read or parsed (the estimate then uses <c>max_sequence_length</c>).</summary>
    /// <param name="modelFolder">The model folder (its <c>tokenizer.json</c>).</param>
    /// <param name="trainPath">The training split (<c>train.jsonl</c>).</param>
    /// <param name="task">The task name.</param>
    public static int? Tokens(string modelFolder, string trainPath, string task) => Tokens(modelFolder, task, Scan(trainPath));

    /// <summary>
    /// One pass over <paramref name="trainPath"/>: its non-empty lines counted and the <see cref="Candidates"/> longest
    /// kept, or null when it cannot be read. A data folder shared by several models or tasks is read once.
    /// </summary>
    /// <param name="trainPath">The training split (<c>train.jsonl</c>).</param>
    public static TrainingFileScan? Scan(string trainPath)
    {
        try
        {
            var longest = new PriorityQueue<(string Line, int Number), int>();
            int number = 0, examples = 0;
            foreach (var line in File.ReadLines(trainPath))
            {
                number++;
                if (string.IsNullOrWhiteSpace(line))
                {
                    continue;
                }

                examples++;
                var bytes = Encoding.UTF8.GetByteCount(line);
                if (longest.Count < Candidates)
                {
                    longest.Enqueue((line, number), bytes);
                }
                else if (longest.TryPeek(out _, out var shortest) && bytes > shortest)
                {
                    longest.EnqueueDequeue((line, number), bytes);
                }
            }

            return new TrainingFileScan(trainPath, examples, [.. longest.UnorderedItems.Select(i => i.Element)]);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }

    /// <summary>The longest example's tokens among <paramref name="scan"/>'s lines, or null (nothing read, or a line that does not parse).</summary>
    /// <param name="modelFolder">The model folder (its <c>tokenizer.json</c>).</param>
    /// <param name="task">The task name.</param>
    /// <param name="scan">The training split's scan (<see cref="Scan(string)"/>).</param>
    public static int? Tokens(string modelFolder, string task, TrainingFileScan? scan)
    {
        if (scan is null || scan.LongestLines.Count == 0)
        {
            return null;
        }

        try
        {
            var template = TaskRegistry.Get(task);
            using var tokenizer = HfTokenizer.Load(Path.Combine(modelFolder, "tokenizer.json"));
            var max = 0;
            foreach (var (line, number) in scan.LongestLines)
            {
                using var json = JsonDocument.Parse(line);
                var example = template.Parse(json.RootElement, scan.Path, number);
                var answer = example.Candidates.Max(c => tokenizer.EncodeWithoutBos(c).Length);
                max = Math.Max(max, 2 + tokenizer.EncodeWithoutBos(example.Prompt).Length + answer);
            }

            return max;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or JsonException or DataFormatException or ArgumentException or InvalidOperationException)
        {
            return null;
        }
    }
}
