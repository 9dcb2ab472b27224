using System.Globalization;
using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps;

/// <summary>
/// A trial's settings seen through the one schema (<see cref="SpecSchema"/>): the hashed canonical form and the check
/// that a trainer runs before training, both read from the contract by each setting's <see cref="SettingDef.Read"/>.
/// </summary>
public static class TrialSettings
{
    /// <summary>
    /// The hashed form of a trial: every resolved setting under its YAML key (<c>lora</c>, <c>training</c> with
    /// <c>seed</c>, and <c>allocation</c> with only the keys of the trial's own method, or null), plus model, data, task
    /// and method; nothing about the sweep (ids, index, search values).
    /// </summary>
    /// <param name="trial">A trial.</param>
    public static SortedDictionary<string, object?> Canonical(TrialSpec trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        var root = new SortedDictionary<string, object?>(StringComparer.Ordinal)
        {
            ["model"] = ModelCanonical.Of(trial.Model, trial.DType),
            ["data"] = trial.Data,
            ["task"] = trial.Task,
            ["method"] = trial.Method,
            [SpecSchema.LoraSection] = Block(SpecSchema.Lora, trial),
        };

        var training = Block(SpecSchema.Training, trial);
        training["seed"] = trial.Training.Seed;
        root[SpecSchema.TrainingSection] = training;
        root["allocation"] = trial.Allocation is null ? null : Block(SpecSchema.Section(trial.Method) ?? [], trial);
        return root;
    }

    /// <summary>
    /// Checks every setting of <paramref name="trial"/> against its declaration (type, null, range, vocabulary): the
    /// same rules the spec reader applies. Messages name the setting by its spec path (<c>training.learning_rate</c>,
    /// <c>alora-sensi.beta1</c>, <c>lora.target_modules[2]</c>); the allocation block is checked only for allocating
    /// methods. Missing blocks count as default ones. Task and method names are not checked here.
    /// </summary>
    /// <param name="trial">A trial.</param>
    /// <returns>Every problem, or an empty list.</returns>
    public static IReadOnlyList<string> Check(TrialSpec trial)
    {
        ArgumentNullException.ThrowIfNull(trial);
        var allocates = TrialMethods.Allocates(trial.Method ?? "");
        trial = trial with
        {
            Lora = trial.Lora ?? new LoraSettings(),
            Training = trial.Training ?? new TrainingSettings(),
            Allocation = allocates ? trial.Allocation ?? new AllocationSettings() : null,
        };

        var errors = new List<string>();
        if (trial.DType is { } dtype && !ModelDTypes.IsKnown(dtype))
        {
            errors.Add($"model.dtype must be one of {string.Join(", ", ModelDTypes.All)}, got {dtype}");
        }

        foreach (var section in SpecSchema.SectionNames.Where(s => !TrialMethods.Allocates(s) || (allocates && s == trial.Method)))
        {
            foreach (var def in SpecSchema.Section(section)!)
            {
                CheckValue(errors, $"{section}.{def.Key}", def, def.Read!(trial));
            }
        }

        // Across keys: the batch splits into equal micro-batches (a null batch size is checked where it is resolved).
        if (trial.Training is { BatchSize: int batch, GradientAccumulationSteps: >= 1 and var steps } && batch % steps != 0)
        {
            errors.Add(string.Create(CultureInfo.InvariantCulture,
                $"training.batch_size = {batch} is not divisible by training.gradient_accumulation_steps = {steps}"));
        }

        return errors;
    }

    private static SortedDictionary<string, object?> Block(IEnumerable<SettingDef> defs, TrialSpec trial)
    {
        var block = new SortedDictionary<string, object?>(StringComparer.Ordinal);
        foreach (var def in defs)
        {
            block[def.Key] = def.Read!(trial);
        }

        return block;
    }

    private static void CheckValue(List<string> errors, string path, SettingDef def, object? value)
    {
        void Add(string at, string rule, object? got) =>
            errors.Add(string.Create(CultureInfo.InvariantCulture, $"{at} {rule}, got {SpecSchema.Format(got)}"));

        if (value is null)
        {
            if (!def.Nullable)
            {
                Add(path, $"must be {def.TypeName}", null);
            }

            return;
        }

        switch (def.Kind)
        {
            case SettingKind.Schedule:
                if (!ScheduleLength.TryParse((string)value, out _, out var error))
                {
                    errors.Add($"{path}: {error}");
                    return;
                }

                break;
            case SettingKind.Text when def.Allowed is { } words && !words.Contains((string)value):
                Add(path, $"must be {def.TypeName}", value);
                return;
            case SettingKind.ModuleList:
                var modules = (IReadOnlyList<string>)value;
                if (modules.Count == 0)
                {
                    Add(path, "must name at least one module", "[]");
                }

                for (var i = 0; i < modules.Count; i++)
                {
                    if (!def.Allowed!.Contains(modules[i]))
                    {
                        Add($"{path}[{i}]", "must be one of " + string.Join(", ", def.Allowed!), modules[i]);
                    }
                    else if (modules.Take(i).Contains(modules[i]))
                    {
                        Add($"{path}[{i}]", "must not repeat a module", modules[i]);
                    }
                }

                return;
        }

        if (def.CheckRange(value) is { } rule)
        {
            Add(path, def.Nullable ? rule + " or null" : rule, value);
        }
    }
}
