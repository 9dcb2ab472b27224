using ALoRA.Abstractions.Trials;
using ALoRA.Engine.Checkpoints;
using ALoRA.Engine.Data;
using ALoRA.Engine.Diagnostics;
using ALoRA.Engine.Model;
using ALoRA.Engine.Peft;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.Training;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using TorchSharp;

namespace ALoRA.Grains.Training;

/// <summary>
/// The real <see cref="ITrainingEngine"/>: trains a trial with the TorchSharp engine (<see cref="SftTrainer"/>) on the
/// calling thread, checkpointing into the trial's workspace, resuming from its newest checkpoint, and exporting the
/// final adapter in PEFT layout. The data protocol is the CLI's (<c>alora demo</c>): <c>train.jsonl</c>,
/// <c>validation.jsonl</c> and, when present, <c>test.jsonl</c> through <see cref="SplitProtocol"/>.
/// </summary>
public sealed partial class AloraTrainingEngine : ITrainingEngine
{
    private readonly AloraTrainingEngineOptions _options;
    private readonly ILogger _logger;
    private readonly TimeProvider _time;

    /// <summary>Creates the engine.</summary>
    /// <param name="options">Threads and base directory (default: every core, the current directory).</param>
    /// <param name="logger">Logs starts, resumes and results; null logs nothing.</param>
    /// <param name="timeProvider">Clock of the progress timestamps (default: the system clock).</param>
    public AloraTrainingEngine(AloraTrainingEngineOptions? options = null, ILogger<AloraTrainingEngine>? logger = null, TimeProvider? timeProvider = null)
    {
        _options = options ?? new AloraTrainingEngineOptions();
        if (_options.Threads < 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), _options.Threads, "threads must be >= 1");
        }

        _logger = (ILogger?)logger ?? NullLogger.Instance;
        _time = timeProvider ?? TimeProvider.System;
    }

    /// <inheritdoc />
    /// <remarks>
    /// <paramref name="device"/> is <c>cpu</c>, <c>cpu:N</c> (same as <c>cpu</c>) or <c>cuda:N</c>. Bad settings fail
    /// with an <see cref="ArgumentException"/> naming them; missing or malformed model, data or checkpoint files fail
    /// with exceptions naming the file.
    /// </remarks>
    public TrialResult Run(TrialAssignment assignment, TrialWorkspace workspace, string device, Action<TrialProgress> progress, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(assignment);
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(progress);
        cancellationToken.ThrowIfCancellationRequested();
        TorchRuntime.EnsureInitialized(_options.Threads);
        var torchDevice = ResolveDevice(device);
        var spec = assignment.Spec;
        var dtype = TorchDTypes.Resolve(spec.DType, torchDevice);
        var settings = TrialSpecMapping.Map(spec);
        var modelDir = ResolveFolder(spec.Model, "model");
        var dataDir = ResolveFolder(spec.Data, "data");
        try
        {
            var (loaded, data, training) = Load(modelDir, dataDir, settings, torchDevice, dtype);
            using var pretrained = loaded;
            var root = workspace.CheckpointDirectory;
            using var trainer = new SftTrainer(pretrained.Model, data, training, root, settings.Allocation, _options.CheckpointFiles);
            var resumed = trainer.ResumeNewestIntact();
            foreach (var damaged in resumed.SetAside)
            {
                LogCheckpointSetAside(spec.TrialId, assignment.Attempt, damaged.Directory, damaged.MovedTo ?? "(could not be moved)", damaged.Reason);
            }

            LogStarting(spec.TrialId, assignment.Attempt, torchDevice, TorchDTypes.NameOf(dtype), trainer.State.Step, trainer.TotalSteps, resumed.Checkpoint ?? "none",
                training.MaxSequenceLength);
            var note = string.Join("; ", new[] { SetAsideNote(resumed), SequenceLengthNote(settings.Training, training) }.OfType<string>());
            progress(TrialProgressMapping.Started(assignment, trainer.State.Step, trainer.TotalSteps, _time.GetUtcNow(), note.Length == 0 ? null : note));
            foreach (var replayed in TrialProgressMapping.Replay(trainer.State, trainer.TotalSteps, assignment, _time.GetUtcNow()))
            {
                progress(replayed);
            }

            var sink = new SynchronousProgress(e =>
            {
                if (e.Kind == TrainingEventKind.CheckpointFailed)
                {
                    LogCheckpointFailed(spec.TrialId, assignment.Attempt, e.Step, e.Message ?? "");
                }

                if (TrialProgressMapping.ToProgress(e, assignment, _time.GetUtcNow()) is { } p)
                {
                    progress(p);
                }
            });
            var result = trainer.Train(sink, cancellationToken);
            try
            {
                PeftAdapterExporter.Export(pretrained.Model, workspace.AdapterDirectory, modelDir);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new TrialStorageException($"the final adapter could not be written to {workspace.AdapterDirectory}: {ex.Message}", ex);
            }

            LogFinished(spec.TrialId, assignment.Attempt, result.Steps, result.TestMetric, result.TestLoss, result.WallSeconds);
            return TrialProgressMapping.ToResult(result, workspace.AdapterDirectory);
        }
        finally
        {
            TorchRuntime.ReleaseFinalizableNativeObjects();
        }
    }

    /// <inheritdoc />
    /// <remarks>Initialises TorchSharp with this engine's thread count, then probes (<see cref="TorchDTypes.Computable"/>).</remarks>
    public IReadOnlyList<string>? ComputableDTypes(string device)
    {
        TorchRuntime.EnsureInitialized(_options.Threads);
        return TorchDTypes.Computable(ResolveDevice(device));
    }

    /// <summary>The history line of a sequence length capped at the model's position embeddings, or null when it was not capped.</summary>
    private static string? SequenceLengthNote(TrainingOptions asked, TrainingOptions used) =>
        used.MaxSequenceLength == asked.MaxSequenceLength
            ? null
            : $"training.max_sequence_length = {asked.MaxSequenceLength} is capped at the model's max_position_embeddings: sequences up to {used.MaxSequenceLength} tokens";

    /// <summary>The history line of the damaged checkpoints set aside before an attempt started, or null when there were none.</summary>
    private static string? SetAsideNote(CheckpointResume resumed)
    {
        if (resumed.SetAside.Count == 0)
        {
            return null;
        }

        var damaged = string.Join("; ", resumed.SetAside.Select(d =>
            $"the checkpoint at step {d.Step} cannot be resumed ({d.Reason}), {(d.MovedTo is null ? "left in place" : $"moved to {d.MovedTo}")}"));
        return resumed.Checkpoint is null ? $"{damaged}; no intact checkpoint is left" : damaged;
    }

    /// <summary>
    /// Loads the model and prepares the data, in a <see cref="EngineDiagnostics.LoadSpan"/> span; returns the training
    /// options for the model (the sequence length capped at its position embeddings).
    /// </summary>
    private static (PretrainedModel Model, TrainingData Data, TrainingOptions Training) Load(string modelDir, string dataDir, TrialEngineSettings settings,
                                                                                             string torchDevice, TorchSharp.torch.ScalarType dtype)
    {
        using var activity = EngineDiagnostics.Source.StartActivity(EngineDiagnostics.LoadSpan);
        activity?.SetTag("alora.model", modelDir).SetTag("alora.data", dataDir).SetTag("alora.dtype", TorchDTypes.NameOf(dtype));
        var pretrained = PretrainedModel.Load(modelDir, new ModelLoadOptions { Lora = settings.Lora, Device = torchDevice, DType = dtype });
        try
        {
            var splits = ReadSplits(dataDir, settings.Task, settings.Training.Seed);
            var training = settings.Training.ForModel(pretrained.Model.Config);
            return (pretrained, TrainingData.Prepare(settings.Task, splits, pretrained.Tokenizer, training), training);
        }
        catch (Exception ex)
        {
            activity?.AddException(ex).SetStatus(System.Diagnostics.ActivityStatusCode.Error, ex.Message);
            pretrained.Dispose();
            throw;
        }
    }

    /// <summary>
    /// The torch device of a trainer device name: <c>cpu</c> for <c>cpu</c> and <c>cpu:N</c> (CPU threads are not
    /// partitioned), <c>cuda:N</c> for <c>cuda</c>/<c>cuda:N</c> when this process has that GPU.
    /// </summary>
    /// <exception cref="ArgumentException">Not a device name.</exception>
    /// <exception cref="NotSupportedException">A CUDA device this process cannot use.</exception>
    internal static string ResolveDevice(string device)
    {
        var name = (device ?? "").Trim().ToLowerInvariant();
        var colon = name.IndexOf(':', StringComparison.Ordinal);
        var kind = colon < 0 ? name : name[..colon];
        var index = 0;
        if (colon >= 0 && !int.TryParse(name[(colon + 1)..], System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out index))
        {
            kind = "";
        }

        switch (kind)
        {
            case "cpu":
                return "cpu";
            case "cuda":
                if (!torch.cuda.is_available())
                {
                    throw new NotSupportedException(
                        $"device '{device}': CUDA is not available in this process (no GPU, or the TorchSharp cpu backend; build with -p:TorchBackend=cuda)");
                }

                var count = torch.cuda.device_count();
                return index < count
                    ? $"cuda:{index}"
                    : throw new NotSupportedException($"device '{device}': this process sees {count} CUDA device(s)");
            default:
                throw new ArgumentException($"device '{device}' is not cpu, cpu:N or cuda:N", nameof(device));
        }
    }

    /// <summary>The absolute folder of a spec path, resolved against the base directory; it must exist.</summary>
    private string ResolveFolder(string? path, string field)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ArgumentException($"{field}: no folder given");
        }

        var full = Path.GetFullPath(path, _options.BaseDirectory is null ? Environment.CurrentDirectory : Path.GetFullPath(_options.BaseDirectory));
        return Directory.Exists(full) ? full : throw new DirectoryNotFoundException($"{field}: folder '{full}' does not exist");
    }

    /// <summary>Reads the splits as <c>alora demo</c> does: test.jsonl when present, else dev halved (SplitProtocol).</summary>
    private static DatasetSplits ReadSplits(string dataDir, ITaskTemplate task, long seed)
    {
        var test = Path.Combine(dataDir, "test.jsonl");
        return SplitProtocol.Apply(
            JsonlReader.Read(Path.Combine(dataDir, "train.jsonl"), task),
            JsonlReader.Read(Path.Combine(dataDir, "validation.jsonl"), task),
            File.Exists(test) ? JsonlReader.Read(test, task) : null,
            unchecked((int)seed));
    }

    [LoggerMessage(Level = LogLevel.Information, Message = "Trial {TrialId} attempt {Attempt} on {Device} ({DType} base): starting at step {Step} of {TotalSteps} (checkpoint: {Checkpoint}), sequences up to {MaxSequenceLength} tokens")]
    private partial void LogStarting(string trialId, int attempt, string device, string dtype, int step, int totalSteps, string checkpoint, int maxSequenceLength);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialId} attempt {Attempt}: checkpoint {Checkpoint} cannot be resumed and was set aside to {MovedTo}: {Reason}")]
    private partial void LogCheckpointSetAside(string trialId, int attempt, string checkpoint, string movedTo, string reason);

    [LoggerMessage(Level = LogLevel.Warning, Message = "Trial {TrialId} attempt {Attempt}: the checkpoint at step {Step} could not be written ({Error}); training goes on, the previous checkpoint stays the resume point")]
    private partial void LogCheckpointFailed(string trialId, int attempt, int step, string error);

    [LoggerMessage(Level = LogLevel.Information, Message = "Trial {TrialId} attempt {Attempt}: finished after {Steps} steps, test metric {TestMetric}, test loss {TestLoss}, {WallSeconds} s")]
    private partial void LogFinished(string trialId, int attempt, int steps, double? testMetric, double testLoss, double wallSeconds);

    /// <summary>Reports on the training thread (<see cref="Progress{T}"/> would post to the thread pool).</summary>
    private sealed class SynchronousProgress(Action<TrainingEvent> report) : IProgress<TrainingEvent>
    {
        public void Report(TrainingEvent value) => report(value);
    }
}
