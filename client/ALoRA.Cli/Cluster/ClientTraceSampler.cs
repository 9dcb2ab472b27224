using System.Diagnostics;
using ALoRA.Abstractions.Diagnostics;
using OpenTelemetry.Trace;

namespace ALoRA.Cli.Cluster;

/// <summary>
/// The client's sampler: a span with a parent follows its parent's decision; a span without one starts a trace only
/// if it is the CLI's own <see cref="AloraTelemetry.Spans.Submit"/>, so Orleans' spans of calls made outside it
/// (status and watch polls) start no trace.
/// </summary>
internal sealed class ClientTraceSampler : Sampler
{
    private static readonly SamplingResult Keep = new(SamplingDecision.RecordAndSample);
    private static readonly SamplingResult Drop = new(SamplingDecision.Drop);

    /// <summary>Creates the sampler.</summary>
    public ClientTraceSampler()
    {
        Description = nameof(ClientTraceSampler);
    }

    /// <inheritdoc />
    public override SamplingResult ShouldSample(in SamplingParameters samplingParameters)
    {
        var parent = samplingParameters.ParentContext;
        if (parent.TraceId == default)
        {
            return samplingParameters.Name == AloraTelemetry.Spans.Submit ? Keep : Drop;
        }

        return (parent.TraceFlags & ActivityTraceFlags.Recorded) != 0 ? Keep : Drop;
    }
}
