namespace ALoRA.Grains.Sweeps;

/// <summary>What the memory check at submit reads of a training split, in one pass (<see cref="LongestExample.Scan"/>).</summary>
/// <param name="Path">The file.</param>
/// <param name="Examples">Its non-empty lines.</param>
/// <param name="LongestLines">Its <see cref="LongestExample.Candidates"/> longest lines in UTF-8 bytes, with their 1-based line numbers.</param>
public sealed record TrainingFileScan(string Path, int Examples, IReadOnlyList<(string Line, int Number)> LongestLines);
