using ALoRA.Engine.Allocation;
using ALoRA.Engine.Model;

namespace ALoRA.Engine.Training;

/// <summary>Names of the allocation methods in configuration, and the strategy that implements each.</summary>
public static class AllocationMethods
{
    private static readonly (AllocationMethod Method, string Name)[] Names =
    [
        (AllocationMethod.Lora, "lora"),
        (AllocationMethod.Alora, "alora"),
        (AllocationMethod.AloraDnas, "alora-dnas"),
        (AllocationMethod.AloraSensi, "alora-sensi"),
    ];

    /// <summary>Every method name, in documentation order.</summary>
    public static IReadOnlyList<string> All { get; } = Names.Select(n => n.Name).ToArray();

    /// <summary>The configuration name of <paramref name="method"/>.</summary>
    public static string ToName(this AllocationMethod method) => Names.First(n => n.Method == method).Name;

    /// <summary>Parses a configuration name (case-insensitive).</summary>
    /// <exception cref="ArgumentException">Unknown name; the message lists the valid ones.</exception>
    public static AllocationMethod Parse(string name)
    {
        foreach (var (method, known) in Names)
        {
            if (string.Equals(known, name?.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                return method;
            }
        }

        throw new ArgumentException($"method '{name}' is not one of {string.Join(", ", All)}");
    }

    /// <summary>Creates the strategy of <paramref name="options"/>'s method for a run on <paramref name="model"/> and <paramref name="data"/>.</summary>
    public static IAllocationMethod Create(AllocationOptions options, LlamaForCausalLM model, TrainingData data, TrainingOptions training) =>
        options.Method switch
        {
            AllocationMethod.Lora => new FixedRankMethod(),
            AllocationMethod.Alora => new AbLoraMethod(model, options.Scorer, options.MaxVariantsPerPass, options.RanksPerRoundFor(model), options.ShortlistFactor),
            AllocationMethod.AloraDnas => new DnasGateMethod(model, data, training, options.GateLearningRate),
            AllocationMethod.AloraSensi => new SensitivityMethod(model, options.SensitivityBeta1, options.SensitivityBeta2),
            _ => throw new ArgumentOutOfRangeException(nameof(options), options.Method, "unknown allocation method"),
        };
}
