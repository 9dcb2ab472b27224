using ALoRA.Abstractions.Sweeps;
using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Training;

namespace ALoRA.Grains.Training;

/// <summary>The engine's settings for one trial, mapped from its <see cref="TrialSpec"/> by <see cref="TrialSpecMapping"/>.</summary>
/// <param name="Task">The task template (<see cref="TrialSpec.Task"/>).</param>
/// <param name="Lora">The adapter (<see cref="TrialSpec.Lora"/>; its init seed is the training seed).</param>
/// <param name="Training">The optimisation settings (<see cref="TrialSpec.Training"/>).</param>
/// <param name="Allocation">The allocation method and schedule (<see cref="TrialSpec.Method"/>, <see cref="TrialSpec.Allocation"/>).</param>
public sealed record TrialEngineSettings(ITaskTemplate Task, LoraConfig Lora, TrainingOptions Training, AllocationOptions Allocation);
