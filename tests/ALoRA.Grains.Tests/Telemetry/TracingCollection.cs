namespace ALoRA.Grains.Tests.Telemetry;

/// <summary>
/// Tests that listen to every span of the process (activity listeners and tracer providers are process-wide, and one
/// listener that records a span makes it recorded for all): they run alone, so no other test's listener changes what
/// they see.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class TracingCollection
{
    public const string Name = "Tracing";
}
