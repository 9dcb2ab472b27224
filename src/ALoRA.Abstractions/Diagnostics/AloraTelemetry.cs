namespace ALoRA.Abstractions.Diagnostics;

/// <summary>
/// Names of ALoRA's telemetry, shared by the silo, the grains and the <c>alora</c> client: one activity source per
/// component (all matched by <see cref="AllSources"/>), the span names, their tag keys, and the meter with its
/// instruments. The engine (which does not reference this assembly) declares the same strings for its own source in
/// <c>ALoRA.Engine.Diagnostics.EngineDiagnostics</c>; a test keeps the two in step.
/// </summary>
public static class AloraTelemetry
{
    /// <summary>Wildcard matching every ALoRA activity source (for <c>TracerProviderBuilder.AddSource</c>).</summary>
    public const string AllSources = "ALoRA.Orleans.*";

    /// <summary>The <c>alora</c> command line (spans such as <see cref="Spans.Submit"/>).</summary>
    public const string ClientSource = "ALoRA.Orleans.Client";

    /// <summary>The sweep coordinator grain.</summary>
    public const string SweepSource = "ALoRA.Orleans.Sweep";

    /// <summary>The experiment (trial) grain.</summary>
    public const string ExperimentSource = "ALoRA.Orleans.Experiment";

    /// <summary>The scheduler grain.</summary>
    public const string SchedulerSource = "ALoRA.Orleans.Scheduler";

    /// <summary>The trainer grain (one span per attempt).</summary>
    public const string TrainerSource = "ALoRA.Orleans.Trainer";

    /// <summary>The TorchSharp training engine (training, allocation rounds, evaluations).</summary>
    public const string EngineSource = "ALoRA.Orleans.Engine";

    /// <summary>The meter holding every ALoRA instrument.</summary>
    public const string MeterName = "ALoRA.Orleans";

    /// <summary>Orleans' span source of application grain calls (needs <c>AddActivityPropagation()</c>).</summary>
    public const string OrleansApplicationSource = "Microsoft.Orleans.Application";

    /// <summary>Orleans' span source of grain placement and activation.</summary>
    public const string OrleansLifecycleSource = "Microsoft.Orleans.Lifecycle";

    /// <summary>
    /// Orleans' span source of system calls: very noisy (timers, stream pulling agents), so ALoRA does not subscribe
    /// to it.
    /// </summary>
    public const string OrleansRuntimeSource = "Microsoft.Orleans.Runtime";

    /// <summary>Orleans' meter.</summary>
    public const string OrleansMeter = "Microsoft.Orleans";

    /// <summary>Span (activity operation) names.</summary>
    public static class Spans
    {
        /// <summary>
        /// <c>alora submit</c> in the client: the root of the submission's trace (the coordinator, the experiments'
        /// initialisation and the scheduler's enqueue); each trial's own trace links to it.
        /// </summary>
        public const string Submit = "alora.submit";

        /// <summary>The coordinator validates, expands, persists and queues a sweep.</summary>
        public const string SweepSubmit = "sweep.submit";

        /// <summary>The coordinator cancels a sweep.</summary>
        public const string SweepCancel = "sweep.cancel";

        /// <summary>An experiment is initialised (in the submission's trace).</summary>
        public const string ExperimentInitialize = "experiment.initialize";

        /// <summary>An experiment hands out a new attempt.</summary>
        public const string ExperimentBeginAttempt = "experiment.begin_attempt";

        /// <summary>An experiment records its result.</summary>
        public const string ExperimentComplete = "experiment.complete";

        /// <summary>An experiment records a failed or released attempt.</summary>
        public const string ExperimentFail = "experiment.fail";

        /// <summary>An experiment learns that the trainer of its attempt is gone.</summary>
        public const string ExperimentTrainerLost = "experiment.trainer_lost";

        /// <summary>The scheduler queues a sweep's trials.</summary>
        public const string SchedulerEnqueue = "scheduler.enqueue";

        /// <summary>
        /// The scheduler hands a queued trial to a trainer. A trial's first dispatch starts the trial's own trace (a root
        /// span linked to the <see cref="SchedulerEnqueue"/> span of its submission); later dispatches, attempts and
        /// requeues are its children.
        /// </summary>
        public const string SchedulerDispatch = "scheduler.dispatch";

        /// <summary>The scheduler takes a trial back from a lost trainer and queues it again.</summary>
        public const string SchedulerRequeue = "scheduler.requeue";

        /// <summary>One attempt of a trial on a trainer, from hand-out to its outcome (a child of the trial's first dispatch).</summary>
        public const string TrialAttempt = "trial.attempt";

        /// <summary>The engine loads the model and prepares the data of an attempt.</summary>
        public const string Load = "load";

        /// <summary>The engine's training loop (until the end, or until the attempt is stopped).</summary>
        public const string Train = "train";

        /// <summary>One ALoRA round: score, prune, reallocate.</summary>
        public const string AllocationRound = "allocation.round";

        /// <summary>A dev or test evaluation.</summary>
        public const string Evaluate = "evaluate";

        /// <summary>A resumable checkpoint is written.</summary>
        public const string Checkpoint = "checkpoint";
    }

    /// <summary>Span tag (attribute) keys.</summary>
    public static class Tags
    {
        /// <summary>Sweep id.</summary>
        public const string SweepId = "alora.sweep.id";

        /// <summary>Trials of a sweep.</summary>
        public const string TrialCount = "alora.trial.count";

        /// <summary>Trials queued by a submission or enqueue call.</summary>
        public const string Queued = "alora.trial.queued";

        /// <summary>Finished trials a resubmission reused.</summary>
        public const string Reused = "alora.trial.reused";

        /// <summary>Trial id.</summary>
        public const string TrialId = "alora.trial.id";

        /// <summary>Allocation method of a trial (<c>lora</c>, <c>alora</c>, ...).</summary>
        public const string Method = "alora.method";

        /// <summary>Attempt number.</summary>
        public const string Attempt = "alora.attempt";

        /// <summary>Trial state after the span's change.</summary>
        public const string State = "alora.trial.state";

        /// <summary>Trainer key (<c>&lt;silo&gt;/&lt;device&gt;</c>) or identity.</summary>
        public const string Trainer = "alora.trainer";

        /// <summary>Device (<c>cpu:0</c>, <c>cuda:1</c>).</summary>
        public const string Device = "alora.device";

        /// <summary>Step an attempt resumed from (0: from the start).</summary>
        public const string ResumedFromStep = "alora.resumed_from_step";

        /// <summary>
        /// How an attempt ended: <c>completed</c>, <c>failed</c>, <c>cancelled</c>, <c>drained</c> (its silo stopped; checkpointed
        /// and requeued), <c>stale</c> (another attempt took the trial over), <c>skipped</c> (the trial was already final when
        /// it was handed out).
        /// </summary>
        public const string Outcome = "alora.outcome";

        /// <summary>Why a trial was requeued or failed.</summary>
        public const string Reason = "alora.reason";

        /// <summary>Trials waiting in the queue after the span's change.</summary>
        public const string QueueLength = "alora.queue.length";

        /// <summary>Optimizer step.</summary>
        public const string Step = "alora.step";

        /// <summary>Steps the schedule plans.</summary>
        public const string TotalSteps = "alora.total_steps";

        /// <summary>1-based allocation round.</summary>
        public const string Round = "alora.round";

        /// <summary>Ranks scored in a round.</summary>
        public const string RanksScored = "alora.ranks.scored";

        /// <summary>Ranks pruned in a round.</summary>
        public const string RanksPruned = "alora.ranks.pruned";

        /// <summary>Ranks added in a round.</summary>
        public const string RanksAdded = "alora.ranks.added";

        /// <summary>Active ranks after a round.</summary>
        public const string ActiveRanks = "alora.ranks.active";

        /// <summary>Dev loss (after a round, or of an evaluation).</summary>
        public const string DevLoss = "alora.dev_loss";

        /// <summary>Seconds a round spent scoring.</summary>
        public const string ScoringSeconds = "alora.scoring_seconds";

        /// <summary>Evaluated split: <c>dev</c> or <c>test</c>.</summary>
        public const string Split = "alora.split";

        /// <summary>Mean loss of an evaluation.</summary>
        public const string Loss = "alora.loss";

        /// <summary>Metric (accuracy) of an evaluation, when the task has one.</summary>
        public const string Metric = "alora.metric";
    }

    /// <summary>
    /// Instrument names of <see cref="MeterName"/>. The Prometheus names (OpenTelemetry's translation: dots become
    /// underscores, the unit <c>s</c> adds <c>_seconds</c>, monotonic counters add <c>_total</c>) are given on each.
    /// </summary>
    public static class Instruments
    {
        /// <summary>Gauge: loss of a trial's last step (<c>alora_training_loss</c>; tags trial, method).</summary>
        public const string TrainingLoss = "alora.training.loss";

        /// <summary>Histogram: training throughput per step (<c>alora_tokens_per_second</c>; tags method, device).</summary>
        public const string TokensPerSecond = "alora.tokens_per_second";

        /// <summary>Gauge: active LoRA ranks of a trial (<c>alora_active_ranks</c>; tags trial, method).</summary>
        public const string ActiveRanks = "alora.active_ranks";

        /// <summary>Up/down counter: trials by state (<c>alora_trials</c>; tag state).</summary>
        public const string Trials = "alora.trials";

        /// <summary>Observable gauge: trials waiting in the scheduler's queue (<c>alora_queue_length</c>).</summary>
        public const string QueueLength = "alora.queue.length";

        /// <summary>Counter, unit s: time a device spent training (<c>alora_device_busy_seconds_total</c>; tags device, trainer).</summary>
        public const string DeviceBusy = "alora.device.busy";

        /// <summary>Histogram, unit s: duration of an ALoRA scoring round (<c>alora_scoring_round_seconds</c>; tag method).</summary>
        public const string ScoringRound = "alora.scoring.round";
    }

    /// <summary>Tag (label) keys of the instruments.</summary>
    public static class MetricTags
    {
        /// <summary>Trial id.</summary>
        public const string Trial = "trial";

        /// <summary>Allocation method.</summary>
        public const string Method = "method";

        /// <summary>Device (<c>cpu:0</c>).</summary>
        public const string Device = "device";

        /// <summary>Trainer key (<c>&lt;silo&gt;/&lt;device&gt;</c>).</summary>
        public const string Trainer = "trainer";

        /// <summary>Trial state, lower case (<c>queued</c>, <c>running</c>, <c>completed</c>, <c>failed</c>, <c>cancelled</c>).</summary>
        public const string State = "state";

        /// <summary>
        /// The tag keys every measurement of <paramref name="instrument"/> (one of <see cref="Instruments"/>) carries: its
        /// Prometheus labels, besides the resource's. The silo's instruments record exactly these; the dashboard may use
        /// no others.
        /// </summary>
        /// <exception cref="ArgumentException">Not an ALoRA instrument.</exception>
        public static IReadOnlyList<string> Of(string instrument) => instrument switch
        {
            Instruments.TrainingLoss or Instruments.ActiveRanks => [Trial, Method],
            Instruments.TokensPerSecond => [Method, Device],
            Instruments.Trials => [State],
            Instruments.QueueLength => [],
            Instruments.DeviceBusy => [Device, Trainer],
            Instruments.ScoringRound => [Method],
            _ => throw new ArgumentException($"'{instrument}' is not an ALoRA instrument", nameof(instrument)),
        };
    }
}
