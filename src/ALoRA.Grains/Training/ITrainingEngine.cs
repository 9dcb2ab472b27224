using ALoRA.Abstractions.Trials;

namespace ALoRA.Grains.Training;

/// <summary>
/// Runs one attempt of a trial on the calling thread (a device's dedicated thread, never the grain scheduler).
/// The seam between the grains and the TorchSharp engine; tests use a fake.
/// </summary>
public interface ITrainingEngine
{
    /// <summary>
    /// Trains <paramref name="assignment"/>'s trial on <paramref name="device"/>, resuming from the newest checkpoint in
    /// <paramref name="workspace"/> when there is one, reporting through <paramref name="progress"/>.
    /// </summary>
    /// <exception cref="OperationCanceledException">Cancelled; a checkpoint was written first, so a later attempt resumes.</exception>
    /// <exception cref="Exception">Anything else: the training failed (counted against the trial's retry budget).</exception>
    TrialResult Run(TrialAssignment assignment, TrialWorkspace workspace, string device, Action<TrialProgress> progress, CancellationToken cancellationToken);

    /// <summary>
    /// The base-model dtypes (<c>float32</c>, <c>bfloat16</c>, <c>float16</c>) that <paramref name="device"/> computes, as
    /// registered with the scheduler so that a submit asking for another is refused (docs/sweep-spec.md, <c>model.dtype</c>);
    /// null when unknown (the default: nothing is registered and no dtype is refused at submit).
    /// </summary>
    /// <param name="device">A trainer device name (<c>cpu:0</c>, <c>cuda:1</c>).</param>
    IReadOnlyList<string>? ComputableDTypes(string device) => null;
}
