using System.Globalization;
using ALoRA.Abstractions.Coordination;
using ALoRA.Sweeps;

namespace ALoRA.Grains.Tests.Cluster;

/// <summary>Sweep specs over the repository's shipped samples (their files exist, so validation passes).</summary>
internal static class Specs
{
    /// <summary>The repository's samples folder.</summary>
    public static string Samples => RepositoryPaths.Samples;

    /// <summary>What a client sends for <paramref name="yaml"/>: its parse, as the <c>alora</c> CLI makes it.</summary>
    public static SweepDefinition Parsed(string yaml) => SweepDefinitions.From(SweepSpecParser.Parse(yaml, "spec.yaml"));

    /// <summary>methods lora/alora (or only lora) x <paramref name="learningRates"/> x <paramref name="seeds"/> seeds.</summary>
    public static string Grid(string id, int seeds, int learningRates = 2, int maxConcurrent = 100, bool loraOnly = false)
    {
        var lrs = string.Join(", ", Enumerable.Range(1, learningRates).Select(i => (i * 1e-3).ToString("R", CultureInfo.InvariantCulture)));
        var seedList = string.Join(", ", Enumerable.Range(1, seeds));
        return $$"""
            id: {{id}}
            model: {{RepositoryPaths.Stories260K}}
            data: {{RepositoryPaths.Sst2}}
            task: sst2
            metric: dev_accuracy
            max_concurrent_trials: {{maxConcurrent}}
            seeds: [{{seedList}}]
            method: {grid_search: [{{(loraOnly ? "lora" : "lora, alora")}}]}
            training:
              learning_rate: {grid_search: [{{lrs}}]}
              max_steps: 20
            {{(loraOnly ? "" : "alora: {k1: 4steps, k2: 2steps, n_rounds: 2}")}}
            """;
    }
}
