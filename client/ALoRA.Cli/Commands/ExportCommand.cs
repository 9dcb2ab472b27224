using System.CommandLine;
using ALoRA.Abstractions.Grains;
using ALoRA.Cli.Connection;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora export TRIAL --peft DIR</c>: copies a finished trial's adapter (PEFT layout) to DIR.</summary>
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

            var source = details.Status.Result?.AdapterDirectory
                         ?? throw new ArgumentException($"trial {id} is {details.Status.State.ToString().ToLowerInvariant()}: it has no adapter yet");
            if (!File.Exists(Path.Combine(source, "adapter_config.json")))
            {
                throw new DirectoryNotFoundException(
                    $"{source}: the trial's adapter is not on this machine (export from a machine that mounts the checkpoint store)");
            }

            var target = parse.GetValue(_peft)!.FullName;
            Directory.CreateDirectory(target);
            foreach (var file in Directory.EnumerateFiles(source))
            {
                File.Copy(file, Path.Combine(target, Path.GetFileName(file)), overwrite: true);
            }

            Console.Error.WriteLine($"exported {id} ({details.Spec.Method}, {details.Status.Result!.FinalTrainableParameters} trainable parameters) to {target}");
            return ExitCodes.Ok;
        }));
    }
}
