using System.CommandLine;
using ALoRA.Abstractions.Grains;
using ALoRA.Cli.Connection;

namespace ALoRA.Cli.Commands;

/// <summary>
/// <c>alora export TRIAL --peft DIR</c>: fetches a finished trial's adapter (PEFT layout) from the cluster's checkpoint
/// store through a silo and writes it to DIR, checking each file's size and SHA-256.
/// </summary>
internal sealed class ExportCommand : Command
{
    private readonly Argument<string> _trial = new("trial") { Description = "Trial id" };
    private readonly Option<DirectoryInfo> _peft = new("--peft") { Description = "Folder to write adapter_config.json and adapter_model.safetensors to", Required = true };

    public ExportCommand()
        : base("export", "Export a finished trial's adapter in Hugging Face PEFT layout")
    {
        Arguments.Add(_trial);
        Options.Add(_peft);
        SetAction((parse, ct) => ClusterCommand.RunAsync(parse, ct, async (session, _) =>
        {
            var id = parse.GetValue(_trial)!;
            var details = await session.Grains.GetGrain<IExperimentGrain>(id).GetDetailsAsync();
            if (details.Spec.SweepId.Length == 0)
            {
                throw new KeyNotFoundException($"no trial '{id}'");
            }

            if (details.Status.Result is null)
            {
                throw new ArgumentException($"trial {id} is {details.Status.State.ToString().ToLowerInvariant()}: it has no adapter yet");
            }

            // Through the cluster: a silo reads the checkpoint store, so this machine needs no access to it.
            var target = parse.GetValue(_peft)!.FullName;
            await AdapterDownload.DownloadAsync(session.Grains, id, target, ct);
            Console.Error.WriteLine($"exported {id} ({details.Spec.Method}, {details.Status.Result.FinalTrainableParameters} trainable parameters) to {target}");
            return ExitCodes.Ok;
        }));
    }
}
