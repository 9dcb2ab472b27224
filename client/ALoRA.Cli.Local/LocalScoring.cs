using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using ALoRA.Cli.Output;
using ALoRA.Engine.Data;
using ALoRA.Engine.Model;
using ALoRA.Engine.Peft;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.SafeTensors;
using ALoRA.Engine.Scoring;

namespace ALoRA.Cli.Local;

/// <summary>
/// <c>alora score</c>: AB-LoRA scores of every rank of an existing PEFT LoRA adapter on a data file: CE of the full
/// network and, for every rank, CE without it, CE with only it, and IS = CE(M\r) - CE(M) - CE(M_r).
/// </summary>
internal static class LocalScoring
{
    /// <summary>Scores as <paramref name="request"/> says; returns the exit code.</summary>
    public static int Run(ScoreRequest request, CliConsole console)
    {
        var modelDir = request.Model;
        var adapterDir = request.Adapter;
        var dataPath = request.Data;
        var method = request.Method;
        var format = request.Format;
        var rows = request.Batch;
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

            TorchRuntime.EnsureInitialized(request.Threads);
            using var model = PeftAdapterImporter.Load(modelDir, adapterDir, new ModelLoadOptions { DType = TorchDTypes.Resolve(request.DType, "cpu") });
            var batch = LoadBatch(dataPath, request.Task, modelDir, model.Config.VocabSize, rows);
            var sw = Stopwatch.StartNew();
            var scores = Score(model, batch, request);
            var report = new ScoreReport(
                modelDir, adapterDir, dataPath, method, batch.BatchSize, batch.TargetTokenCount, scores.BaseCe,
                scores.Ranks.Select(r => new RankScoreRow(r.ModulePath, r.Rank, r.CeWithout!.Value, r.CeOnly!.Value, r.Importance)
                {
                    Shortlisted = scores.Shortlist?.Contains((r.ModuleIndex, r.Rank)),
                }).ToList(),
                model.Adapters.Select(a => new ModuleScoreRow(a.Path, a.Module.ActiveRank, scores.ModuleAverages.GetValueOrDefault(a.Path, double.NaN))).ToList(),
                Math.Round(sw.Elapsed.TotalSeconds, 3), scores.ForwardEquivalents);
            Print(console, report, format);
            return ExitCodes.Ok;
        }
        catch (TorchUnavailableException ex)
        {
            console.Message($"error: {ex.Message}");
            return ExitCodes.RuntimeUnavailable;
        }
        catch (Exception ex) when (ex is ModelLoadException or DataFormatException or SafeTensorsFormatException or ArgumentException
                                       or InvalidDataException or FileNotFoundException or PeftFormatException)
        {
            console.Message($"error: {ex.Message}");
            return ExitCodes.BadInput;
        }
    }

    private static ScoreSet Score(LlamaForCausalLM model, Batch batch, ScoreRequest request)
    {
        if (request.ShortlistFactor < 1)
        {
            throw new ArgumentException($"--shortlist-factor must be >= 1, got {request.ShortlistFactor}");
        }

        if (request.RanksPerRound is < 1)
        {
            throw new ArgumentException($"--ranks-per-round must be >= 1, got {request.RanksPerRound}");
        }

        return AbLoraScorerKinds.Parse(request.Method) switch
        {
            AbLoraScorerKind.Reference => AbLoraScorer.Reference(model, batch),
            AbLoraScorerKind.Approx => ApproxScorer.Score(model, batch),
            AbLoraScorerKind.Hybrid => HybridScorer.Score(model, batch, request.RanksPerRound ?? model.Adapters.Select(a => a.ModuleType).Distinct().Count(), request.ShortlistFactor),
            _ => AbLoraScorer.Fast(model, batch),
        };
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

    private static void Print(CliConsole console, ScoreReport report, OutputFormat format)
    {
        if (format == OutputFormat.Json)
        {
            console.Line(JsonSerializer.Serialize(report, CliJsonContext.Default.ScoreReport));
            return;
        }

        var inv = CultureInfo.InvariantCulture;
        console.Line($"CE(M) = {report.Ce.ToString("F6", inv)} on {report.BatchRows} rows, {report.TargetTokens} target tokens ({report.Method}, {report.Seconds.ToString("F2", inv)} s)");
        console.Line($"{"module",-44} {"rank",4} {"CE without",12} {"CE only",12} {"IS",12}");
        foreach (var r in report.Ranks)
        {
            console.Line($"{r.Module,-44} {r.Index,4} {r.CeWithout.ToString("F6", inv),12} {r.CeOnly.ToString("F6", inv),12} {r.Importance.ToString("F6", inv),12}{(r.Shortlisted == true ? " shortlisted" : "")}");
        }
    }
}
