using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps;

/// <summary>
/// The canonical form of a whole spec, hashed for the default sweep id: every setting with its default filled in,
/// domains as <c>{keyword: values}</c>, <c>model</c> (with its dtype when one is given, <see cref="ModelCanonical"/>) and <c>data</c> as written (where relative paths resolve is the
/// business of whoever reads the files: the same spec gives the same id from any folder; the trials' config hashes
/// cover the resolved paths). Leaves out what does not change which trials run or how they
/// are ranked: <c>id</c>, <c>name</c>, <c>max_concurrent_trials</c>.
/// </summary>
internal static class SpecCanonicalizer
{
    public static SortedDictionary<string, object?> Canonicalize(SweepSpec spec)
    {
        var root = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["model"] = ModelCanonical.Of(spec.Model, spec.ModelDType),
            ["data"] = spec.Data,
            ["task"] = spec.Task,
            ["metric"] = spec.Metric,
            ["mode"] = spec.Mode == MetricMode.Max ? "max" : "min",
            ["seeds"] = spec.Seeds,
            ["num_samples"] = spec.NumSamples,
            ["search_seed"] = spec.SearchSeed,
            ["method"] = spec.Method.Domain.ToCanonical(),
        };

        var sections = new List<string> { SpecSchema.LoraSection, SpecSchema.TrainingSection };
        sections.AddRange(spec.Methods.Where(TrialMethods.Allocates));
        foreach (var section in sections)
        {
            var block = new SortedDictionary<string, object?>(StringComparer.Ordinal);
            foreach (var def in SpecSchema.Section(section)!)
            {
                block[def.Key] = spec.DomainOf(section, def).ToCanonical();
            }

            root[section] = block;
        }

        if (spec.Stopping is { } stopping)
        {
            // Only an active scheduler is hashed, so a spec without one (or with type: none) keeps its hash and ids.
            root[Stopping.SchedulerBlock.Key] = Stopping.SchedulerBlock.Canonical(stopping);
        }

        return root;
    }
}
