namespace ALoRA.Engine.Data;

/// <summary>The three splits used for one run.</summary>
/// <param name="Train">Examples to train on.</param>
/// <param name="Dev">Held-out examples for model selection / early stopping.</param>
/// <param name="Test">Examples for the final reported score.</param>
public sealed record DatasetSplits(IReadOnlyList<TaskExample> Train, IReadOnlyList<TaskExample> Dev, IReadOnlyList<TaskExample> Test);
