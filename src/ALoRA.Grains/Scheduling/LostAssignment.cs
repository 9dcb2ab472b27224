namespace ALoRA.Grains.Scheduling;

/// <summary>A trial taken away from a slot whose trainer cannot be running it any more (<see cref="SlotBook"/>).</summary>
/// <param name="TrainerKey">The slot's trainer key.</param>
/// <param name="Trainer">The trainer's identity as its experiment knows it (<c>key@silo address</c>).</param>
/// <param name="TrialId">The trial.</param>
/// <param name="Reason">Why, for the experiment's record and the log.</param>
public sealed record LostAssignment(string TrainerKey, string Trainer, string TrialId, string Reason);
