using System.Collections.Frozen;
using System.Diagnostics;
using System.Reflection;
using ALoRA.Abstractions.Diagnostics;
using ALoRA.Abstractions.Grains;
using OpenTelemetry.Trace;

namespace ALoRA.Telemetry;

/// <summary>
/// The sampler of the silo's and the CLI's tracer providers (<see cref="AloraTelemetryExtensions"/>). A span with a
/// parent follows its parent's decision. A span without one starts a trace only if it is one of ALoRA's own
/// (<see cref="AloraTelemetry.Spans"/>: <c>alora.submit</c>, a trial's first <c>scheduler.dispatch</c>, ...): Orleans'
/// spans of grain calls and activations made outside any trace (trainer heartbeats, <c>watch</c> polls, timers) are
/// dropped, so they start no trace. The calls that carry a trial's progress (<see cref="ProgressCalls"/>, one or more per
/// training report) are dropped wherever they happen, so a trial's trace holds no span per step.
/// </summary>
public sealed class AloraTraceSampler : Sampler
{
    /// <summary>Orleans' span names (<c>interface/method</c>) of the grain calls that carry progress.</summary>
    public static readonly IReadOnlyList<string> ProgressCalls =
    [
        $"{nameof(IExperimentGrain)}/{nameof(IExperimentGrain.ReportProgressAsync)}",
        $"{nameof(ISweepCoordinatorGrain)}/{nameof(ISweepCoordinatorGrain.PublishAsync)}",
    ];

    private static readonly FrozenSet<string> Dropped = ProgressCalls.ToFrozenSet(StringComparer.Ordinal);

    private static readonly FrozenSet<string> Roots = typeof(AloraTelemetry.Spans)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Where(f => f.IsLiteral && f.FieldType == typeof(string))
        .Select(f => (string)f.GetRawConstantValue()!)
        .ToFrozenSet(StringComparer.Ordinal);

    private static readonly SamplingResult Keep = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    /// <summary>Creates the sampler.</summary>
    public AloraTraceSampler()
    {
        Description = nameof(AloraTraceSampler);
    }

    /// <inheritdoc />
    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        if (Dropped.Contains(samplingParameters.Name))
        {
            return Drop;
        }

        var parent = samplingParameters.ParentContext;
        if (parent.TraceId == default)
        {
            return Roots.Contains(samplingParameters.Name) ? Keep : Drop;
        }

        return (parent.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? Keep : Drop;
    }
}
