using ALoRA.Cli.Output;

namespace ALoRA.Cli.Local;

/// <summary>The options of <c>alora train</c>.</summary>
/// <param name="Spec">Sweep spec that expands to one trial (or pick one with <paramref name="Index"/>).</param>
/// <param name="Index">Which trial of the expanded spec (0-based), or null for the only one.</param>
/// <param name="Out">Workspace for checkpoints and the adapter, or null for runs/train/&lt;trial id&gt;.</param>
/// <param name="Threads">Torch threads (0 = all cores).</param>
/// <param name="Format">Output format.</param>
/// <param name="DType">Base model dtype (<c>--dtype</c>), overriding the spec's <c>model.dtype</c>; null keeps it.</param>
internal sealed record TrainRequest(FileInfo Spec, int? Index, DirectoryInfo? Out, int Threads, OutputFormat Format, string? DType = null);
