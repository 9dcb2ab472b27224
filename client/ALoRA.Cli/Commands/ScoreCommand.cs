using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ALoRA.Cli.Output;
using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using ALoRA.Engine.Peft;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.Scoring;
using ALoRA.Engine.SafeTensors;

namespace ALoRA.Cli.Commands;

/// <summary>
/// <c>alora score</c>: AB-LoRA scores of every rank of an existing PEFT LoRA adapter on a data file: CE of the full
/// network and, for every rank, CE without it, CE with only it, and IS = CE(M\r) - CE(M) - CE(M_r).
/// </summary>
public sealed class ScoreCommand : Command
{
    private static readonly Option<DirectoryInfo> ModelOption = new("--model") { Description = "Hugging Face model folder", Required = true };
    private static readonly Option<DirectoryInfo> AdapterOption = new("--adapter") { Description = "PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors)", Required = true };
    private static readonly Option<FileInfo> DataOption = new("--data") { Description = "JSONL examples, or pre-tokenised JSON {\"input_ids\": [[...], ...]}", Required = true };
    private static readonly Option<string> TaskOption = new("--task") { Description = "Task template for JSONL data: " + string.Join(", ", TaskRegistry.Names), DefaultValueFactory = _ => "prompt" };
    private static readonly Option<int> BatchOption = new("--batch") { Description = "Examples (or sequences) in the scoring batch", DefaultValueFactory = _ => 32 };
    private static readonly Option<string> MethodOption = new("--method") { Description = "fast (prefix reuse, stacked variants) or reference (one forward per variant)", DefaultValueFactory = _ => "fast" };
    private static readonly Option<OutputFormat> FormatOption = new("--format") { Description = "table or json", DefaultValueFactory = _ => OutputFormat.Table };
    private static readonly Option<int> ThreadsOption = new("--threads") { Description = "Torch threads (0 = all cores)", DefaultValueFactory = _ => 0 };

    /// <summary>Creates the command.</summary>
    public ScoreCommand()
        : base("score", "Score every rank of a LoRA adapter by ablation (AB-LoRA)")
    {
        foreach (var option in new Option[] { ModelOption, AdapterOption, DataOption, TaskOption, BatchOption, MethodOption, FormatOption, ThreadsOption })
        {
            Options.Add(option);
        }

        MethodOption.AcceptOnlyFromAmong("fast", "reference");
        SetAction(parse => Run(parse));
    }

    private static int Run(ParseResult parse)
    {
        var modelDir = parse.GetValue(ModelOption)!.FullName;
        var adapterDir = parse.GetValue(AdapterOption)!.FullName;
        var dataPath = parse.GetValue(DataOption)!.FullName;
        var method = parse.GetValue(MethodOption)!;
        var format = parse.GetValue(FormatOption);
        var rows = parse.GetValue(BatchOption);
        try
        {
            if (rows < 1)
            {
                throw new ArgumentException($"--batch must be >= 1, got {rows}");
            }

            if (!File.Exists(dataPath))
            {
                throw new FileNotFoundException($"{dataPath}: data file not found");
            }

            TorchRuntime.EnsureInitialized(parse.GetValue(ThreadsOption));
            using var model = PeftAdapterImporter.Load(modelDir, adapterDir);
            var batch = LoadBatch(dataPath, parse.GetValue(TaskOption)!, modelDir, model.Config.VocabSize, rows);
            var sw = Stopwatch.StartNew();
            var scores = method == "reference" ? AbLoraScorer.Reference(model, batch) : AbLoraScorer.Fast(model, batch);
            var report = new ScoreReport(
                modelDir, adapterDir, dataPath, method, batch.BatchSize, batch.TargetTokenCount, scores.BaseCe,
                scores.Ranks.Select(r => new RankScoreRow(r.ModulePath, r.Rank, r.CeWithout!.Value, r.CeOnly!.Value, r.Importance)).ToList(),
                model.Adapters.Select(a => new ModuleScoreRow(a.Path, a.Module.ActiveRank, scores.ModuleAverages.GetValueOrDefault(a.Path, double.NaN))).ToList(),
                Math.Round(sw.Elapsed.TotalSeconds, 3), scores.ForwardEquivalents);
            Print(report, format);
            return ExitCodes.Ok;
        }
        catch (TorchUnavailableException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.RuntimeUnavailable;
        }
        catch (Exception ex) when (ex is ModelLoadException or DataFormatException or SafeTensorsFormatException or ArgumentException
                                       or InvalidDataException or FileNotFoundException or PeftFormatException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.BadInput;
        }
    }

    private static Batch LoadBatch(string dataPath, string taskName, string modelDir, int vocabSize, int rows)
    {
        if (ScoringData.TryReadPreTokenized(dataPath, vocabSize, rows) is { } preTokenized)
        {
            return preTokenized;
        }

        var tokenizerPath = Path.Combine(modelDir, "tokenizer.json");
        if (!File.Exists(tokenizerPath))
        {
            throw new FileNotFoundException($"{tokenizerPath}: file not found (JSONL data needs the model's tokenizer; pre-tokenised JSON does not)");
        }

        using var tokenizer = HfTokenizer.Load(tokenizerPath);
        tokenizer.EnsureFits(vocabSize, modelDir);
        return ScoringData.FromJsonl(dataPath, TaskRegistry.Get(taskName), tokenizer, rows);
    }

    private static void Print(ScoreReport report, OutputFormat format)
    {
        if (format == OutputFormat.Json)
        {
            Console.WriteLine(JsonSerializer.Serialize(report, CliJsonContext.Default.ScoreReport));
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        Console.WriteLine($"CE(M) = {report.Ce.ToString("F6", inv)} on {report.BatchRows} rows, {report.TargetTokens} target tokens ({report.Method}, {report.Seconds.ToString("F2", inv)} s)");
        Console.WriteLine($"{"module",-44} {"rank",4} {"CE without",12} {"CE only",12} {"IS",12}");
        foreach (var r in report.Ranks)
        {
            Console.WriteLine($"{r.Module,-44} {r.Index,4} {r.CeWithout.ToString("F6", inv),12} {r.CeOnly.ToString("F6", inv),12} {r.Importance.ToString("F6", inv),12}");
        }
    }
}
