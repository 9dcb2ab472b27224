namespace ALoRA.Grains.Tests.Training;

/// <summary>
/// The tests that train with torch: run one at a time and not alongside other collections, since torch processes on
/// the 2-core machines slow each other down a lot and share libtorch's thread pool.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EngineCollection
{
    public const string Name = "AloraTrainingEngine (torch)";
}
