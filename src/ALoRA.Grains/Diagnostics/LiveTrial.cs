namespace ALoRA.Grains.Diagnostics;

/// <summary>What <see cref="AloraInstruments"/> reports of a trial training on this silo: its latest loss and active ranks.</summary>
/// <param name="Attempt">The attempt that reported last.</param>
/// <param name="Method">Allocation method (the <c>method</c> tag).</param>
/// <param name="Loss">Loss of the last step, if any yet.</param>
/// <param name="ActiveRanks">Active ranks after the last allocation round, if any yet.</param>
internal sealed record LiveTrial(int Attempt, string Method, double? Loss, long? ActiveRanks);
