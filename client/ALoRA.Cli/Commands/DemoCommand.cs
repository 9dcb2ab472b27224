using System.CommandLine;
using System.Globalization;
using ALoRA.Engine.Checkpoints;
using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.Training;

namespace ALoRA.Cli.Commands;

/// <summary>
/// <c>alora demo</c>: fine-tunes the shipped stories260K model with LoRA (r = 8 on all 7 projections) on the
/// shipped SST-2 for a few minutes on CPU, printing progress, dev and test accuracy and tokens/s. Checkpoints go to
/// <c>runs/demo/checkpoints</c>; running it again resumes (or re-reports) the same configuration.
/// </summary>
public sealed class DemoCommand : Command
{
    private static readonly Option<DirectoryInfo?> ModelOption = new("--model") { Description = "Hugging Face model folder (default: samples/models/stories260K)" };
    private static readonly Option<DirectoryInfo?> DataOption = new("--data") { Description = "Folder with train.jsonl, validation.jsonl, test.jsonl (default: samples/data/sst2)" };
    private static readonly Option<string> TaskOption = new("--task") { Description = "Task template: " + string.Join(", ", TaskRegistry.Names), DefaultValueFactory = _ => "sst2" };
    private static readonly Option<int> StepsOption = new("--steps") { Description = "Optimizer steps", DefaultValueFactory = _ => 1200 };
    private static readonly Option<int> BatchOption = new("--batch-size") { Description = "Batch size", DefaultValueFactory = _ => 64 };
    private static readonly Option<double> LrOption = new("--lr") { Description = "Peak learning rate (the paper's 1e-4 is for 7B models; a 260K model needs more)", DefaultValueFactory = _ => 5e-3 };
    private static readonly Option<int> EvalEveryOption = new("--eval-every") { Description = "Evaluate on dev every N steps", DefaultValueFactory = _ => 200 };
    private static readonly Option<int> SeedOption = new("--seed") { Description = "Seed", DefaultValueFactory = _ => 42 };
    private static readonly Option<int> ThreadsOption = new("--threads") { Description = "Torch threads (0 = all cores)", DefaultValueFactory = _ => 0 };
    private static readonly Option<DirectoryInfo> OutOption = new("--out") { Description = "Run folder for checkpoints", DefaultValueFactory = _ => new DirectoryInfo(Path.Combine("runs", "demo")) };
    private static readonly Option<bool> FreshOption = new("--fresh") { Description = "Ignore an existing checkpoint and start over" };
    private static readonly Option<string> MethodOption = new("--method") { Description = "lora (fixed rank), alora (AB-LoRA reallocation), alora-dnas (relaxed gates) or alora-sensi (AdaLoRA sensitivity)", DefaultValueFactory = _ => "lora" };
    private static readonly Option<string> K1Option = new("--k1") { Description = "ALoRA: training before the first round, in epochs (0.25) or steps (300steps)", DefaultValueFactory = _ => "300steps" };
    private static readonly Option<string> K2Option = new("--k2") { Description = "ALoRA: training between rounds, in epochs or steps", DefaultValueFactory = _ => "100steps" };
    private static readonly Option<int> RoundsOption = new("--rounds") { Description = "ALoRA: number of rounds N_A", DefaultValueFactory = _ => 8 };
    private static readonly Option<int?> RanksPerRoundOption = new("--ranks-per-round") { Description = "ALoRA: ranks moved per round n_A (default: module types per block)" };

    /// <summary>Creates the command.</summary>
    public DemoCommand()
        : base("demo", "Fine-tune stories260K with LoRA on SST-2 on this machine and report accuracy and tokens/s")
    {
        foreach (var option in new Option[]
                 {
                     ModelOption, DataOption, TaskOption, StepsOption, BatchOption, LrOption, EvalEveryOption, SeedOption, ThreadsOption, OutOption,
                     FreshOption, MethodOption, K1Option, K2Option, RoundsOption, RanksPerRoundOption,
                 })
        {
            Options.Add(option);
        }

        MethodOption.AcceptOnlyFromAmong([.. AllocationMethods.All]);

        SetAction((parse, ct) => Task.Run(() => Run(parse, ct), CancellationToken.None));
    }

    private static int Run(ParseResult parse, CancellationToken cancellationToken)
    {
        var samples = SampleLocator.FindSamples();
        var modelDir = parse.GetValue(ModelOption)?.FullName ?? Path.Combine(samples ?? "samples", "models", "stories260K");
        var dataDir = parse.GetValue(DataOption)?.FullName ?? Path.Combine(samples ?? "samples", "data", "sst2");
        try
        {
            TorchRuntime.EnsureInitialized(parse.GetValue(ThreadsOption));
            var options = new TrainingOptions
            {
                MaxSteps = parse.GetValue(StepsOption),
                BatchSize = parse.GetValue(BatchOption),
                LearningRate = parse.GetValue(LrOption),
                EvalEverySteps = parse.GetValue(EvalEveryOption),
                CheckpointEverySteps = parse.GetValue(EvalEveryOption),
                Seed = parse.GetValue(SeedOption),
                MaxSequenceLength = 128,
            };
            var task = TaskRegistry.Get(parse.GetValue(TaskOption)!);
            var lora = new LoraConfig { R = 8, InitSeed = options.Seed };
            using var pretrained = PretrainedModel.Load(modelDir, new ModelLoadOptions { Lora = lora });
            var splits = SplitProtocol.Apply(
                JsonlReader.Read(Path.Combine(dataDir, "train.jsonl"), task),
                JsonlReader.Read(Path.Combine(dataDir, "validation.jsonl"), task),
                File.Exists(Path.Combine(dataDir, "test.jsonl")) ? JsonlReader.Read(Path.Combine(dataDir, "test.jsonl"), task) : null,
                (int)options.Seed);
            Console.WriteLine($"model   {modelDir} ({pretrained.Model.Config.NumHiddenLayers} layers, hidden {pretrained.Model.Config.HiddenSize}); LoRA r={lora.R} on {pretrained.Model.Adapters.Count} modules");
            Console.WriteLine($"data    {dataDir}: train {splits.Train.Count}, dev {splits.Dev.Count}, test {splits.Test.Count} ({task.Name})");
            var data = TrainingData.Prepare(task, splits, pretrained.Tokenizer, options);
            var root = Path.Combine(parse.GetValue(OutOption)!.FullName, "checkpoints");
            var allocation = new AllocationOptions
            {
                Method = AllocationMethods.Parse(parse.GetValue(MethodOption)!),
                WarmupBeforeFirstRound = ScheduleLength.Parse(parse.GetValue(K1Option)!),
                BetweenRounds = ScheduleLength.Parse(parse.GetValue(K2Option)!),
                Rounds = parse.GetValue(RoundsOption),
                RanksPerRound = parse.GetValue(RanksPerRoundOption),
            };
            using var trainer = new SftTrainer(pretrained.Model, data, options, root, allocation);
            ResumeIfPossible(trainer, root, parse.GetValue(FreshOption));
            Console.WriteLine($"train   {trainer.TotalSteps} steps of batch {data.Sampler.BatchSize}, lr {options.LearningRate:G3}, eval every {options.EvalEverySteps}; checkpoints in {root}");
            if (allocation.Method != AllocationMethod.Lora)
            {
                Console.WriteLine($"{allocation.Method.ToName()}   k1 {allocation.WarmupBeforeFirstRound}, k2 {allocation.BetweenRounds}, {allocation.Rounds} rounds, B_val {allocation.ValidationBatchSize}");
            }

            var result = trainer.Train(new ConsoleProgress(), cancellationToken);
            PrintResult(result);
            return ExitCodes.Ok;
        }
        catch (TorchUnavailableException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.RuntimeUnavailable;
        }
        catch (Exception ex) when (ex is ModelLoadException or DataFormatException or ArgumentException or InvalidDataException or FileNotFoundException or FormatException)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return ExitCodes.BadInput;
        }
        catch (OperationCanceledException)
        {
            Console.Error.WriteLine("cancelled: a checkpoint was written; run the same command again to resume");
            return ExitCodes.Cancelled;
        }
    }

    private static void ResumeIfPossible(SftTrainer trainer, string root, bool fresh)
    {
        var latest = Directory.Exists(root) ? TrainingCheckpoint.Latest(root) : null;
        if (latest is null || fresh)
        {
            return;
        }

        try
        {
            trainer.Resume(latest);
            Console.WriteLine($"resume  from {latest} (step {trainer.State.Step})");
        }
        catch (InvalidDataException ex)
        {
            Console.WriteLine($"resume  skipped: {ex.Message}");
        }
    }

    private static void PrintAllocation(IReadOnlyDictionary<string, int> allocation)
    {
        // Paths are model.layers.<layer>.<self_attn|mlp>.<type>: one row per layer, one column per module type.
        var cells = allocation.ToDictionary(p => (Layer: p.Key.Split('.')[2], Type: p.Key.Split('.')[^1]), p => p.Value);
        var types = cells.Keys.Select(c => c.Type).Distinct().ToList();
        Console.WriteLine("        final ranks " + string.Concat(types.Select(t => t.Replace("_proj", "", StringComparison.Ordinal).PadLeft(6))));
        foreach (var layer in cells.Keys.Select(c => c.Layer).Distinct())
        {
            Console.WriteLine($"        layer {layer,-5}" + string.Concat(types.Select(t => cells.GetValueOrDefault((layer, t)).ToString(CultureInfo.InvariantCulture).PadLeft(6))));
        }
    }

    private static void PrintResult(TrainingResult r)
    {
        string Pct(double? v) => v is null ? "n/a" : (100 * v.Value).ToString("F1", CultureInfo.InvariantCulture) + " %";
        Console.WriteLine();
        Console.WriteLine($"result  steps {r.Steps}/{r.TotalSteps}{(r.EarlyStopped ? " (early stop)" : "")}, best dev step {r.BestStep}");
        Console.WriteLine($"        dev  loss {r.BestDevLoss:F4}  accuracy {Pct(r.DevMetric)}");
        Console.WriteLine($"        test loss {r.TestLoss:F4}  accuracy {Pct(r.TestMetric)}");
        Console.WriteLine($"        {r.TokensPerSecond:F0} tokens/s training, {r.TrainSeconds:F1} s training, {r.WallSeconds:F1} s wall, peak memory {r.PeakMemoryBytes / (1024 * 1024)} MiB");
        Console.WriteLine($"        trainable parameters {r.InitialTrainableParameters} -> {r.FinalTrainableParameters} ({r.Method.ToName()}, {r.AllocationRounds} allocation rounds)");
        if (r.AllocationRounds > 0)
        {
            PrintAllocation(r.FinalAllocation);
        }
    }
}
