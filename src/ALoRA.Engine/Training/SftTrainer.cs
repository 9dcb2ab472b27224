using System.Diagnostics;
using ALoRA.Engine.Checkpoints;
using ALoRA.Engine.Diagnostics;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using static TorchSharp.torch;

namespace ALoRA.Engine.Training;

/// <summary>
/// Supervised fine-tuning of the adapters (docs/alora-method.md section 5): AdamW on adapter parameters only, linear decay
/// with warm-up, gradient clipping, dev evaluation every N steps with early stopping on dev loss, the best
/// checkpoint tested at the end. Deterministic on CPU for a given seed; resumable from a checkpoint to the same
/// losses and weights; cancellable between steps.
/// </summary>
public sealed partial class SftTrainer : IDisposable
{
    private readonly LlamaForCausalLM _model;
    private readonly TrainingData _data;
    private readonly TrainingOptions _options;
    private readonly string? _checkpointRoot;
    private readonly CheckpointFileSystem? _checkpointFiles;
    private readonly Device _device;
    private readonly LinearWarmupSchedule _schedule;

    // Adapter dropout's random numbers, this trial's own: torch's global generator is shared by every trainer of the
    // process, so two trials training at once would take each other's draws (docs/engine-notes.md, "Reproducibility").
    private readonly Generator _dropoutGenerator;
    private readonly Stopwatch _wall = new();
    private LoraAdamW _optimizer;
    private Dictionary<string, Tensor>? _best;

    /// <summary>A full dev evaluation an allocation round ran at its step, for that step's evaluation to reuse.</summary>
    private (int Step, double Loss, double? Metric)? _devAtStep;
    private IReadOnlyList<int[]>? _epochPlan;
    private int _epochPlanEpoch = -1;

    /// <summary>Sets up training of <paramref name="model"/>'s adapters on <paramref name="data"/>.</summary>
    /// <param name="model">The model with LoRA adapters; only the adapters train.</param>
    /// <param name="data">The tokenised splits.</param>
    /// <param name="options">The training protocol (docs/alora-method.md section 5).</param>
    /// <param name="checkpointRoot">Directory for resumable checkpoints, or null for none.</param>
    /// <param name="allocation">The allocation method and ALoRA schedule (default: plain LoRA).</param>
    /// <param name="checkpointFiles">Creates the checkpoint files (default: <see cref="CheckpointFileSystem.Default"/>).</param>
    public SftTrainer(LlamaForCausalLM model, TrainingData data, TrainingOptions options, string? checkpointRoot = null,
                      AllocationOptions? allocation = null, CheckpointFileSystem? checkpointFiles = null)
    {
        options.Validate();
        if (model.Adapters.Count == 0)
        {
            throw new ArgumentException("the model has no adapters to train (load it with a LoRA configuration)", nameof(model));
        }

        _model = model;
        _data = data;
        _options = options;
        _checkpointRoot = checkpointRoot;
        _checkpointFiles = checkpointFiles;
        _device = model.Decoder.EmbedTokens.weight!.device;
        if (data.Sampler.BatchSize % options.GradientAccumulationSteps != 0)
        {
            throw new ArgumentException(
                $"gradient_accumulation_steps = {options.GradientAccumulationSteps} does not divide the batch size {data.Sampler.BatchSize}; " +
                "set batch_size to a multiple of gradient_accumulation_steps");
        }

        if (options.GradientCheckpointing)
        {
            GradientPass.CheckDropout(model, _device);
        }

        MicroBatchRows = data.Sampler.BatchSize / options.GradientAccumulationSteps;
        StepsPerEpoch = data.Sampler.BatchesPerEpoch;
        TotalSteps = Math.Min(options.MaxSteps ?? int.MaxValue, options.MaxEpochs * StepsPerEpoch);
        _schedule = LinearWarmupSchedule.FromRatio(options.LearningRate, TotalSteps, options.WarmupRatio);
        manual_seed(options.Seed);
        _dropoutGenerator = new Generator(device: _device).manual_seed(options.Seed);
        foreach (var slot in model.Adapters)
        {
            slot.Module.DropoutGenerator = _dropoutGenerator;
        }

        _optimizer = CreateOptimizer();
        InitialTrainableParameters = AdapterWeights.ActiveParameterCount(model);
        SetUpAllocation(allocation ?? new AllocationOptions());
        _model.train();
    }

    /// <summary>Position and history of the run.</summary>
    public TrainerState State { get; private set; } = new();

    /// <summary>Batches per epoch.</summary>
    public int StepsPerEpoch { get; }

    /// <summary>Rows per micro-batch: the batch size over <see cref="TrainingOptions.GradientAccumulationSteps"/>.</summary>
    public int MicroBatchRows { get; }

    /// <summary>Optimizer steps the schedule plans (max epochs x steps per epoch, or max steps).</summary>
    public int TotalSteps { get; }

    /// <summary>Adapter parameters over active ranks when training started.</summary>
    public long InitialTrainableParameters { get; }

    /// <summary>True when the schedule is done or patience ran out.</summary>
    public bool IsFinished => State.Step >= TotalSteps || State.EarlyStopped;

    /// <summary>The optimizer (its moments are part of checkpoints).</summary>
    public LoraAdamW Optimizer => _optimizer;

    /// <summary>Identifies the run configuration; a checkpoint only resumes a run with the same fingerprint.</summary>
    public string Fingerprint =>
        $"train={_data.Train.Count};batch={_data.Sampler.BatchSize};total={TotalSteps};warmup={_schedule.WarmupSteps};" +
        $"lr={_options.LearningRate:R};seed={_options.Seed};max_len={_options.MaxSequenceLength};eval_every={_options.EvalEverySteps};" +
        (_options.GradientAccumulationSteps == 1 ? "" : $"accumulation={_options.GradientAccumulationSteps};") +
        AllocationFingerprint;

    /// <summary>Trains to the end, restores the best dev checkpoint and evaluates it on test.</summary>
    /// <exception cref="OperationCanceledException">Cancelled between steps (a checkpoint is written first when a root is set).</exception>
    /// <remarks>
    /// Traced as a <see cref="EngineDiagnostics.TrainSpan"/> span (child of <see cref="Activity.Current"/>) holding the
    /// run's allocation rounds, evaluations and checkpoints.
    /// </remarks>
    public TrainingResult Train(IProgress<TrainingEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        using var activity = EngineDiagnostics.Source.StartActivity(EngineDiagnostics.TrainSpan);
        activity?.SetTag(EngineDiagnostics.MethodTag, Allocation.Method.ToName())
            .SetTag(EngineDiagnostics.TotalStepsTag, TotalSteps)
            .SetTag(EngineDiagnostics.ResumedFromStepTag, State.Step);
        try
        {
            RunUntil(int.MaxValue, progress, cancellationToken);
            return Finish(progress);
        }
        catch (Exception ex) when (activity is not null && ex is not OperationCanceledException)
        {
            activity.AddException(ex).SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            activity?.SetTag(EngineDiagnostics.StepTag, State.Step);
        }
    }

    /// <summary>Trains until <paramref name="step"/> steps are done or the run is finished, whichever comes first.</summary>
    /// <exception cref="OperationCanceledException">
    /// Cancelled between steps or while an allocation round scores its ranks (before the round changes anything); a
    /// checkpoint is written first when a root is set, and a run resumed from it runs that round first.
    /// </exception>
    public void RunUntil(int step, IProgress<TrainingEvent>? progress = null, CancellationToken cancellationToken = default)
    {
        _wall.Start();
        try
        {
            // A checkpoint written while its step's allocation round was being scored resumes with that round.
            if (State.Step > 0 && !State.EarlyStopped)
            {
                FinishStep(progress, cancellationToken);
            }

            while (!IsFinished && State.Step < step)
            {
                cancellationToken.ThrowIfCancellationRequested();
                RunOneStep(progress, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            if (_checkpointRoot is not null)
            {
                TrySaveCheckpoint(progress);
            }

            throw;
        }
        finally
        {
            _wall.Stop();
        }
    }

    /// <summary>Writes a resumable checkpoint under the checkpoint root; returns its directory.</summary>
    /// <exception cref="IOException">The write failed (nothing of it is left; older checkpoints are untouched).</exception>
    public string SaveCheckpoint(IProgress<TrainingEvent>? progress = null)
    {
        var root = _checkpointRoot ?? throw new InvalidOperationException("no checkpoint directory was configured");
        using var activity = EngineDiagnostics.Source.StartActivity(EngineDiagnostics.CheckpointSpan);
        activity?.SetTag(EngineDiagnostics.StepTag, State.Step);
        var (moments, steps) = _optimizer.StateDict();
        using var rng = _dropoutGenerator.get_state();
        var adapter = AdapterWeights.Capture(_model);
        var methodState = _method.StateDict();
        try
        {
            var dir = TrainingCheckpoint.Save(root, new TrainingCheckpoint.Contents(
                new CheckpointManifest { Fingerprint = Fingerprint, OptimizerSteps = steps, State = State },
                adapter, moments, rng, _best, methodState), _checkpointFiles);
            progress?.Report(new TrainingEvent(TrainingEventKind.Checkpoint, State.Step, State.Epoch, TotalSteps));
            return dir;
        }
        catch (Exception ex) when (activity is not null)
        {
            activity.AddException(ex).SetStatus(ActivityStatusCode.Error, ex.Message);
            throw;
        }
        finally
        {
            DisposeAll(adapter);
            DisposeAll(methodState);
        }
    }

    /// <summary>
    /// Resumes from the newest checkpoint under the checkpoint root that reads back whole and fits this run. Each newer
    /// one that does not (a missing, truncated or altered file, a bad manifest, another run's fingerprint, tensors that do
    /// not fit the model) is moved into <c>damaged/</c> with the reason (<see cref="TrainingCheckpoint.SetAside"/>) and
    /// the next older one is tried; with none left the run starts from step 0.
    /// </summary>
    public CheckpointResume ResumeNewestIntact()
    {
        var root = _checkpointRoot ?? throw new InvalidOperationException("no checkpoint directory was configured");
        var setAside = new List<DamagedCheckpoint>();
        foreach (var dir in TrainingCheckpoint.Candidates(root))
        {
            try
            {
                Resume(dir);
                return new CheckpointResume(dir, setAside);
            }
            catch (Exception ex) when (ex is not OperationCanceledException and not OutOfMemoryException)
            {
                var step = int.TryParse(Path.GetFileName(dir)["checkpoint-".Length..], System.Globalization.NumberStyles.None,
                    System.Globalization.CultureInfo.InvariantCulture, out var s) ? s : -1;
                var reason = ex is InvalidDataException ? ex.Message : $"{ex.GetType().Name}: {ex.Message}";
                setAside.Add(new DamagedCheckpoint(dir, step, TrainingCheckpoint.SetAside(dir, reason), reason));
            }
        }

        return new CheckpointResume(null, setAside);
    }

    /// <summary>Restores adapters, optimizer moments, RNG, data position and history from a checkpoint directory.</summary>
    /// <exception cref="InvalidDataException">
    /// The checkpoint belongs to a different run configuration or is damaged; the trainer is left as it was.
    /// </exception>
    public void Resume(string checkpointDir)
    {
        var contents = TrainingCheckpoint.Load(checkpointDir);
        var bestTaken = false;
        try
        {
            if (contents.Manifest.Fingerprint != Fingerprint)
            {
                throw new InvalidDataException(
                    $"{checkpointDir} was written by a different run configuration ({contents.Manifest.Fingerprint}); this run is {Fingerprint}");
            }

            var before = Snapshot();
            try
            {
                Restore(contents);
            }
            catch
            {
                // Tensors that do not fit the model fail part-way: put back what was there.
                Restore(before);
                throw;
            }
            finally
            {
                DisposeContents(before);
            }

            SetBest(contents.BestAdapter);
            bestTaken = true;
        }
        finally
        {
            DisposeContents(contents with { BestAdapter = bestTaken ? null : contents.BestAdapter });
        }
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _optimizer.Dispose();
        _method.Dispose();
        SetBest(null);
        foreach (var slot in _model.Adapters.Where(s => ReferenceEquals(s.Module.DropoutGenerator, _dropoutGenerator)))
        {
            slot.Module.DropoutGenerator = null;
        }

        _dropoutGenerator.Dispose();
    }

    /// <summary>Copies of everything <see cref="Restore"/> sets (not the best adapter, which a failed restore never touches).</summary>
    private TrainingCheckpoint.Contents Snapshot()
    {
        var (moments, steps) = _optimizer.StateDict();
        return new TrainingCheckpoint.Contents(
            new CheckpointManifest { Fingerprint = Fingerprint, OptimizerSteps = new Dictionary<string, long>(steps), State = State },
            AdapterWeights.Capture(_model),
            moments.ToDictionary(p => p.Key, p => p.Value.detach().clone().DetachFromDisposeScope(), StringComparer.Ordinal),
            _dropoutGenerator.get_state(),
            null,
            _method.StateDict());
    }

    private void Restore(TrainingCheckpoint.Contents contents)
    {
        AdapterWeights.Apply(_model, contents.Adapter);
        _optimizer.Dispose();
        _optimizer = CreateOptimizer();
        _optimizer.LoadStateDict(contents.OptimizerMoments, contents.Manifest.OptimizerSteps);
        _dropoutGenerator.set_state(contents.RngState);
        State = contents.Manifest.State;
        _method.LoadStateDict(contents.MethodState ?? [], searchFinished: !SearchActive);
        _epochPlan = null;
        _epochPlanEpoch = -1;
    }

    private static void DisposeContents(TrainingCheckpoint.Contents contents)
    {
        DisposeAll(contents.Adapter);
        DisposeAll(contents.OptimizerMoments);
        contents.RngState.Dispose();
        if (contents.BestAdapter is not null)
        {
            DisposeAll(contents.BestAdapter);
        }

        if (contents.MethodState is not null)
        {
            DisposeAll(contents.MethodState);
        }
    }

    /// <summary>A checkpoint that cannot be written does not stop training: reported, and the next one tries again.</summary>
    private void TrySaveCheckpoint(IProgress<TrainingEvent>? progress)
    {
        try
        {
            SaveCheckpoint(progress);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            progress?.Report(new TrainingEvent(TrainingEventKind.CheckpointFailed, State.Step, State.Epoch, TotalSteps, Message: ex.Message));
        }
    }

    private LoraAdamW CreateOptimizer() =>
        new(_model.TrainableParameters(), _options.AdamBeta1, _options.AdamBeta2, _options.AdamEpsilon, _options.WeightDecay);

    private void SetBest(Dictionary<string, Tensor>? best)
    {
        if (_best is not null)
        {
            DisposeAll(_best);
        }

        _best = best;
    }

    private static void DisposeAll(Dictionary<string, Tensor> tensors)
    {
        foreach (var t in tensors.Values)
        {
            t.Dispose();
        }
    }
}
