using System.CommandLine;
using System.Diagnostics;
using ALoRA.Abstractions.Coordination;
using ALoRA.Abstractions.Diagnostics;
using ALoRA.Abstractions.Trials;
using ALoRA.Cli.Connection;
using ALoRA.Cli.Output;
using ALoRA.Cli.Watching;
using ALoRA.Sweeps;

namespace ALoRA.Cli.Commands;

/// <summary><c>alora submit SPEC.yaml [--watch]</c>: validates the spec here, submits it, prints the sweep id.</summary>
internal sealed class SubmitCommand : Command
{
    private static readonly ActivitySource Telemetry = new(AloraTelemetry.ClientSource);

    private readonly Argument<FileInfo> _spec = new("spec") { Description = "Sweep spec (YAML; see docs/sweep-spec.md)" };
    private readonly Option<bool> _watch = new("--watch") { Description = "Follow the sweep until it ends (implied by --local)" };
    private readonly Option<OutputFormat> _format = CliOptions.Format();

    /// <summary>Creates the command.</summary>
    public SubmitCommand(ClusterCommand runner, ConnectionOptions connection, CliConsole console)
        : base("submit", "Submit a sweep spec; prints the sweep id")
    {
        Arguments.Add(_spec);
        Options.Add(_watch);
        Options.Add(_format);
        SetAction((parse, ct) => runner.Guard(async () =>
        {
            var file = parse.GetValue(_spec)!;
            var (definition, sweepId) = Read(file);
            var format = parse.GetValue(_format);
            var settings = connection.Read(parse) with { LocalDataRoot = file.Directory!.FullName };
            await using var cluster = await runner.Connector.ConnectAsync(settings, ct);
            SweepSubmitted submitted;
            using (var activity = Telemetry.StartActivity(AloraTelemetry.Spans.Submit))
            {
                // The root of every trial's trace: the coordinator, experiments, trainers and engine continue it.
                activity?.SetTag("alora.sweep.id", sweepId);
                submitted = await cluster.SubmitAsync(sweepId, definition, ct);
            }

            var watch = parse.GetValue(_watch) || settings.Local;
            if (format == OutputFormat.Json)
            {
                // One line when events follow, so the stream is: answer, one event per line, final status document.
                if (watch)
                {
                    console.JsonLine(submitted);
                }
                else
                {
                    console.Json(submitted);
                }
            }
            else
            {
                console.Line(submitted.SweepId);
                console.Message($"{submitted.Trials} trials ({submitted.Duplicates} duplicate configurations collapsed" +
                                (submitted.Existing ? $", {submitted.Reused} finished trials reused" : "") + $") on {cluster.Description}");
                if (submitted.Creating)
                {
                    console.Message($"{submitted.Created} of {submitted.Trials} trials created so far; the rest are created and queued in the background (`alora status {submitted.SweepId}` shows how far it got)");
                }
            }

            if (!watch)
            {
                return ExitCodes.Ok;
            }

            var status = await new SweepWatcher(submitted.SweepId, format, console).WatchAsync(cluster, settings, runner.Connector, ct);
            if (format == OutputFormat.Json)
            {
                console.Json(status);
            }

            return status.Count(TrialState.Failed) > 0 ? ExitCodes.TrainingFailed : ExitCodes.Ok;
        }));
    }

    /// <summary>
    /// Reads and validates a spec file without looking at the files it names (the silos do, where they are read); errors
    /// name the file, the YAML path and line. Returns what goes over the wire and the sweep id it addresses.
    /// </summary>
    public static (SweepDefinition Definition, string SweepId) Read(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new FileNotFoundException($"{file.FullName}: spec file not found");
        }

        SweepSpecParser.EnsureSize(file.FullName);
        var spec = SweepSpecParser.Parse(File.ReadAllText(file.FullName), file.FullName);
        return (SweepDefinitions.From(spec), spec.SweepId);
    }

    /// <summary>
    /// Reads a spec file for the commands that read its files on this machine (<c>plan</c>, <c>train</c>): relative
    /// paths resolve against the file's folder, and the files are checked here.
    /// </summary>
    public static SweepSpec ReadLocal(FileInfo file)
    {
        if (!file.Exists)
        {
            throw new FileNotFoundException($"{file.FullName}: spec file not found");
        }

        var spec = SweepSpecParser.ParseFile(file.FullName);
        SweepSpecValidator.EnsureFiles(spec);
        return spec;
    }
}
