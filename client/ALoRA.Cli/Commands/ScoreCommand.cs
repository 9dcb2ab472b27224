using System.CommandLine;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Local;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Commands;

/// <summary>
/// <c>alora score</c>: AB-LoRA scores of every rank of an existing PEFT LoRA adapter on a data file: CE of the full
/// network and, for every rank, CE without it, CE with only it, and IS = CE(M\r) - CE(M) - CE(M_r). The scoring runs
/// in the local runtime (ALoRA.Cli.Local).
/// </summary>
internal sealed class ScoreCommand : Command
{
    private readonly Option<DirectoryInfo> _model = new("--model") { Description = "Hugging Face model folder", Required = true };
    private readonly Option<DirectoryInfo> _adapter = new("--adapter") { Description = "PEFT LoRA adapter folder (adapter_config.json, adapter_model.safetensors)", Required = true };
    private readonly Option<FileInfo> _data = new("--data") { Description = "JSONL examples, or pre-tokenised JSON {\"input_ids\": [[...], ...]}", Required = true };
    private readonly Option<string> _task = new("--task") { Description = "Task template for JSONL data (the task names of docs/sweep-spec.md)", DefaultValueFactory = _ => "prompt" };
    private readonly Option<int> _batch = new("--batch") { Description = "Examples (or sequences) in the scoring batch", DefaultValueFactory = _ => 32 };
    private readonly Option<string> _method = new("--method")
    {
        Description = "fast (exact: prefix reuse, stacked variants), reference (exact: one forward per variant), approx (gate-gradient estimate, ~6 forwards) " +
                      "or hybrid (approx, then exact for the lowest shortlist_factor x n_A ranks)",
        DefaultValueFactory = _ => "fast",
    };

    private readonly Option<int?> _ranksPerRound = new("--ranks-per-round") { Description = "hybrid: n_A, the ranks a round prunes (default: the number of adapted module types)" };
    private readonly Option<int> _shortlistFactor = new("--shortlist-factor") { Description = "hybrid: the shortlist scored exactly holds this many times n_A ranks", DefaultValueFactory = _ => 3 };
    private readonly Option<OutputFormat> _format = new("--format") { Description = "table or json", DefaultValueFactory = _ => OutputFormat.Table };
    private readonly Option<int> _threads = new("--threads") { Description = "Torch threads (0 = all cores)", DefaultValueFactory = _ => 0 };
    private readonly Option<string?> _dtype = CliOptions.DType("float32");

    /// <summary>Creates the command.</summary>
    public ScoreCommand(ClusterCommand runner, ILocalRuntimeProvider local, CliConsole console)
        : base("score", "Score every rank of a LoRA adapter by ablation (AB-LoRA)")
    {
        foreach (var option in new Option[] { _model, _adapter, _data, _task, _batch, _method, _format, _threads, _dtype, _ranksPerRound, _shortlistFactor })
        {
            Options.Add(option);
        }

        _method.AcceptOnlyFromAmong("fast", "reference", "approx", "hybrid");
        SetAction((parse, _) => runner.Guard(() => Task.FromResult(local.Runtime.Score(
            new ScoreRequest(parse.GetValue(_model)!.FullName, parse.GetValue(_adapter)!.FullName, parse.GetValue(_data)!.FullName, parse.GetValue(_task)!,
                parse.GetValue(_batch), parse.GetValue(_method)!, parse.GetValue(_threads), parse.GetValue(_format),
                parse.GetValue(_dtype), parse.GetValue(_ranksPerRound), parse.GetValue(_shortlistFactor)),
            console))));
    }
}
