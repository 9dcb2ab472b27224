using System.CommandLine;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora export TRIAL --peft DIR</c>: copies a finished trial's adapter (PEFT layout) to DIR.</summary>
internal sealed class ExportCommand : Command
{
    private readonly Argument<string> _trial = new("trial") { Description = "Trial id" };
    private readonly Option<DirectoryInfo> _peft = new("--peft") { Description = "Folder to write adapter_config.json and adapter_model.safetensors to", Required = true };

    /// <summary>Creates the command.</summary>
    public ExportCommand(ClusterCommand runner, CliConsole console)
        : base("export", "Export a finished trial's adapter in Hugging Face PEFT layout")
    {
        Arguments.Add(_trial);
        Options.Add(_peft);
        SetAction((parse, ct) => runner.RunAsync(parse, ct, async (cluster, _) =>
        {
            var id = parse.GetValue(_trial)!;
            var target = parse.GetValue(_peft)!.FullName;
            var details = await cluster.ExportAdapterAsync(id, target, ct);
            console.Message($"exported {id} ({details.Spec.Method}, {details.Status.Result!.FinalTrainableParameters} trainable parameters) to {target}");
            return ExitCodes.Ok;
        }));
    }
}
