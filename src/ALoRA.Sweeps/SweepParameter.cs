namespace ALoRA.Sweeps;

/// <summary>A setting written in a spec, with where its value comes from.</summary>
/// <param name="Path">YAML path: <c>method</c>, <c>lora.r</c>, <c>training.learning_rate</c>, <c>alora.k1</c>.</param>
/// <param name="Section">The block it is in: <c>lora</c>, <c>training</c>, a method name, or empty for <c>method</c>.</param>
/// <param name="Key">The key inside the block (<c>method</c> for the method itself).</param>
/// <param name="Domain">Fixed value, grid or random distribution.</param>
public sealed record SweepParameter(string Path, string Section, string Key, SearchDomain Domain);
