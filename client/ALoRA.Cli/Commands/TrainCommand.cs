using System.CommandLine;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Local;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Commands;

/// <summary>
/// <c>alora train TRIAL.yaml</c>: runs one trial in this process, no cluster, with the same engine path the trainers
/// use (for debugging a configuration). The spec is a sweep spec that expands to one trial, or <c>--index</c> picks one.
/// Checkpoints go to <c>--out</c>; running it again resumes; Ctrl+C writes a checkpoint first. The training runs in
/// the local runtime (ALoRA.Cli.Local).
/// </summary>
internal sealed class TrainCommand : Command
{
    private readonly Argument<FileInfo> _spec = new("trial") { Description = "Sweep spec (YAML) that expands to one trial, or use --index" };
    private readonly Option<int?> _index = new("--index") { Description = "Which trial of the expanded spec to run (0-based)" };
    private readonly Option<DirectoryInfo?> _out = new("--out") { Description = "Workspace for checkpoints and the adapter (default runs/train/<trial id>)" };
    private readonly Option<int> _threads = new("--threads") { Description = "Torch threads (0 = all cores)", DefaultValueFactory = _ => 0 };
    private readonly Option<OutputFormat> _format = CliOptions.Format();
    private readonly Option<string?> _dtype = CliOptions.DType("the spec's model.dtype, else float32 on CPU");

    /// <summary>Creates the command.</summary>
    public TrainCommand(ClusterCommand runner, ILocalRuntimeProvider local, CliConsole console)
        : base("train", "Run one trial in this process (no cluster)")
    {
        Arguments.Add(_spec);
        Options.Add(_index);
        Options.Add(_out);
        Options.Add(_threads);
        Options.Add(_format);
        Options.Add(_dtype);
        SetAction((parse, ct) => runner.Guard(() => Task.FromResult(local.Runtime.Train(
            new TrainRequest(parse.GetValue(_spec)!, parse.GetValue(_index), parse.GetValue(_out), parse.GetValue(_threads), parse.GetValue(_format),
                parse.GetValue(_dtype)), console, ct))));
    }
}
