using System.CommandLine;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;
using ALoRA.Cli.Watching;

namespace ALoRA.Cli.Commands;

/// <summary>
/// <c>alora demo</c> (<c>make demo</c>): starts a silo in this process with the embedded defaults, submits
/// <c>samples/sweeps/demo.yaml</c> (stories260K on SST-2, lora against alora at the same budget, 3 seeds), shows the
/// live view, then prints the results table and writes the files of <c>alora results</c> under <c>runs/&lt;sweep id&gt;/</c>.
/// Its state lives in <c>runs/.alora-data</c>, so running it again reuses finished trials and resumes unfinished ones.
/// </summary>
internal sealed class DemoCommand : Command
{
    private readonly Option<FileInfo?> _spec = new("--spec") { Description = "Sweep spec to run instead of samples/sweeps/demo.yaml" };
    private readonly Option<DirectoryInfo> _runs = new("--runs") { Description = "Where results and the local state go", DefaultValueFactory = _ => new DirectoryInfo("runs") };
    private readonly Option<int> _trainers = new("--trainers") { Description = "CPU trainers (trials at once) in the local silo", DefaultValueFactory = _ => 2 };
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    /// <summary>Creates the command.</summary>
    public DemoCommand(ClusterCommand runner, CliConsole console)
        : base("demo", "Run the demo sweep on this machine (in-process silo) and write its results")
    {
        Options.Add(_spec);
        Options.Add(_runs);
        Options.Add(_trainers);
        Options.Add(_format);
        SetAction((parse, ct) => runner.Guard(async () =>
        {
            var specFile = parse.GetValue(_spec)
                           ?? (SampleLocator.FindSamples() is { } samples
                               ? new FileInfo(Path.Combine(samples, "sweeps", "demo.yaml"))
                               : throw new DirectoryNotFoundException("samples/sweeps/demo.yaml not found: run from the repository or pass --spec"));
            var (definition, sweepId) = SubmitCommand.Read(specFile);
            var runs = parse.GetValue(_runs)!.FullName;
            var format = parse.GetValue(_format);
            var settings = new ConnectionSettings("local", Local: true, Path.Combine(runs, ".alora-data"), TimeSpan.FromSeconds(30))
            {
                LocalCpuTrainers = Math.Max(1, parse.GetValue(_trainers)),
                LocalDataRoot = specFile.Directory!.FullName,
            };
            var log = console.Log(format);
            log.WriteLine($"demo: {specFile.FullName} on a local silo with {settings.LocalCpuTrainers} CPU trainers; state in {settings.DataDirectory}");
            await using var cluster = await runner.Connector.ConnectAsync(settings, ct);
            var submitted = await cluster.SubmitAsync(sweepId, definition, ct);
            log.WriteLine($"sweep {submitted.SweepId}: {submitted.Trials} trials" + (submitted.Reused > 0 ? $", {submitted.Reused} already finished (reused)" : ""));
            var status = await new SweepWatcher(submitted.SweepId, format, console).WatchAsync(cluster, settings, runner.Connector, ct);
            var outDir = Path.Combine(runs, submitted.SweepId);
            await ResultsReport.WriteAsync(cluster, console, status, outDir, format, ct);
            return status.Count(TrialState.Failed) > 0 ? ExitCodes.TrainingFailed : ExitCodes.Ok;
        }));
    }
}
