using ALoRA.Cli.Output;

namespace ALoRA.Cli.Local;

/// <summary>The options of <c>alora score</c>.</summary>
/// <param name="Model">Hugging Face model folder.</param>
/// <param name="Adapter">PEFT LoRA adapter folder.</param>
/// <param name="Data">JSONL examples or pre-tokenised JSON.</param>
/// <param name="Task">Task template for JSONL data.</param>
/// <param name="Batch">Examples (or sequences) in the scoring batch.</param>
/// <param name="Method"><c>fast</c>, <c>reference</c>, <c>approx</c> or <c>hybrid</c>.</param>
/// <param name="Threads">Torch threads (0 = all cores).</param>
/// <param name="Format">Output format.</param>
/// <param name="DType">Base model dtype (<c>--dtype</c>); null for float32 (the CPU default).</param>
/// <param name="RanksPerRound"><c>hybrid</c>: n_A (null: the number of adapted module types).</param>
/// <param name="ShortlistFactor"><c>hybrid</c>: the shortlist holds this many times n_A ranks.</param>
internal sealed record ScoreRequest(string Model, string Adapter, string Data, string Task, int Batch, string Method, int Threads, OutputFormat Format,
                                    string? DType = null, int? RanksPerRound = null, int ShortlistFactor = 3);
