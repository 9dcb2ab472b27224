using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps;

/// <summary>Checks that need the whole spec: required keys, metric/mode, method blocks, schedules against budgets.</summary>
internal sealed partial class SpecReader
{
    private void CheckRequired()
    {
        foreach (var (key, what) in new[]
        {
            ("model", "the path of a Hugging Face LLaMA model folder"),
            ("data", "the path of a folder with train.jsonl, validation.jsonl and test.jsonl"),
            ("task", "one of " + string.Join(", ", SpecSchema.Tasks)),
        })
        {
            if (!_topKeys.ContainsKey(key))
            {
                Error(key, _root, $"{key} is required ({what})");
            }
        }
    }

    private void CheckMode()
    {
        if (_mode is null || _badPaths.Contains("metric"))
        {
            return;
        }

        var expected = IsLossMetric(_metric) ? "min" : "max";
        if (_mode != expected)
        {
            ErrorAt("mode", "", null, $"mode {_mode} contradicts metric {_metric}, which is {(expected == "max" ? "maximised" : "minimised")}; write mode: {expected} or leave mode out");
        }
    }

    /// <summary>The methods the sweep uses; reports method blocks of methods it never uses.</summary>
    private List<string> CheckMethods()
    {
        var parameter = _parameters.FirstOrDefault(p => p.Path == "method");
        var methods = parameter is null
            ? [TrialMethods.Alora]
            : parameter.Domain.Extremes.Cast<string>().Distinct().ToList();
        if (_badPaths.Any(p => p == "method" || p.StartsWith("method.", StringComparison.Ordinal)))
        {
            return methods;
        }

        foreach (var (block, keyNode) in _methodBlocks)
        {
            if (!methods.Contains(block))
            {
                Error(block, keyNode, $"{block} settings given but method never takes the value {block} (it takes {string.Join(", ", methods)}); add {block} to method or remove the block");
            }
        }

        return methods;
    }

    private void CheckAcrossKeys(List<string> methods)
    {
        CheckAccumulation();
        var r = Numbers(SpecSchema.LoraSection, "r");
        var modules = Domain(SpecSchema.LoraSection, "target_modules");
        var maxSteps = Domain(SpecSchema.TrainingSection, "max_steps");
        var maxEpochs = Numbers(SpecSchema.TrainingSection, "max_epochs");
        foreach (var method in methods.Where(TrialMethods.Allocates))
        {
            var k1 = Domain(method, "k1");
            if (k1 is not null && maxSteps is not null)
            {
                var lengths = k1.Extremes.Select(v => ScheduleLength.Parse((string)v!)).ToList();
                var stepCaps = maxSteps.Extremes.OfType<long>().ToList();
                var longestInSteps = lengths.Where(l => l.Unit == ScheduleUnit.Steps).Select(l => l.Value).DefaultIfEmpty(-1).Max();
                if (stepCaps.Count > 0 && longestInSteps >= stepCaps.Min())
                {
                    ErrorAt($"{method}.k1", method, "training.max_steps", $"k1 = {longestInSteps}steps is not below training.max_steps = {stepCaps.Min()}: training would stop before the first allocation round");
                }

                var longestInEpochs = lengths.Where(l => l.Unit == ScheduleUnit.Epochs).Select(l => l.Value).DefaultIfEmpty(-1).Max();
                if (maxSteps.Extremes.Contains(null) && maxEpochs is not null && longestInEpochs >= maxEpochs.Min())
                {
                    ErrorAt($"{method}.k1", method, "training.max_epochs", $"k1 = {SpecSchema.Format(longestInEpochs)} {(longestInEpochs == 1 ? "epoch" : "epochs")} is not below training.max_epochs = {maxEpochs.Min()}: training would stop before the first allocation round");
                }
            }

            var perRound = Numbers(method, "ranks_per_round");
            if (perRound is { Count: > 0 } && r is not null && modules is FixedDomain { Value: IReadOnlyList<string> names })
            {
                var budget = r.Min() * names.Count;
                if (perRound.Max() > budget)
                {
                    ErrorAt($"{method}.ranks_per_round", method, "lora.r",
                        $"ranks_per_round = {perRound.Max()} exceeds r x len(lora.target_modules) = {r.Min()} x {names.Count} = {budget}, the rank budget of one layer; " +
                        "the whole budget is that times the number of layers, which is only known once the model is loaded, so this check uses the one-layer budget as a lower bound");
                }
            }
        }
    }

    /// <summary>
    /// <c>training.batch_size</c> must split into <c>gradient_accumulation_steps</c> equal micro-batches; a null batch size
    /// is the engine's 16 or 128, so steps that divide neither can never work (those that divide only 128 are checked by
    /// the trainer, which knows the training set's size).
    /// </summary>
    private void CheckAccumulation()
    {
        const string t = SpecSchema.TrainingSection;
        var steps = Numbers(t, "gradient_accumulation_steps");
        var batches = Domain(t, "batch_size")?.Extremes;
        if (steps is null || batches is null)
        {
            return;
        }

        foreach (var n in steps.Where(n => n > 1).Distinct())
        {
            var uneven = batches.OfType<long>().FirstOrDefault(b => b % n != 0);
            if (uneven != 0)
            {
                ErrorAt($"{t}.gradient_accumulation_steps", t, $"{t}.batch_size",
                    $"training.batch_size = {uneven} is not divisible by training.gradient_accumulation_steps = {n}: each micro-batch has batch_size / gradient_accumulation_steps rows");
                return;
            }

            if (batches.Contains(null) && 128 % n != 0)
            {
                ErrorAt($"{t}.gradient_accumulation_steps", t, $"{t}.batch_size",
                    $"training.gradient_accumulation_steps = {n} divides neither default batch size (16 below 10,000 training examples, else 128); set training.batch_size to a multiple of it");
                return;
            }
        }
    }

    private void CheckSize()
    {
        if (_numSamples > 1 && !_parameters.Any(p => p.Domain.IsRandom))
        {
            ErrorAt("num_samples", "", null,
                $"num_samples is {_numSamples} but no setting has a random domain (choice, uniform, loguniform, randint), so every sample would repeat the same trials; use seeds for repeated runs");
        }

        var trials = (double)_numSamples * _seeds.Count;
        foreach (var p in _parameters.Where(p => p.Domain.IsGrid))
        {
            trials *= ((GridSearchDomain)p.Domain).Values.Count;
        }

        if (trials > SweepSpecParser.MaxTrials)
        {
            Error("", _root, $"the sweep expands to {trials:0} trials before duplicates are collapsed, more than the limit of {SweepSpecParser.MaxTrials}");
        }
    }

    /// <summary>The domain of a setting (written or default), or null when the setting or its block has errors.</summary>
    private SearchDomain? Domain(string section, string key)
    {
        var path = $"{section}.{key}";
        if (_badPaths.Any(p => p == section || p == path || p.StartsWith(path + ".", StringComparison.Ordinal) || p.StartsWith(path + "[", StringComparison.Ordinal)))
        {
            return null;
        }

        var written = _parameters.FirstOrDefault(p => p.Path == path);
        return written?.Domain ?? new FixedDomain(SpecSchema.Section(section)!.First(d => d.Key == key).Default);
    }

    /// <summary>The non-null integer values a setting can take (extremes for random domains), or null on errors.</summary>
    private List<long>? Numbers(string section, string key) => Domain(section, key)?.Extremes.OfType<long>().ToList();

    /// <summary>
    /// Reports an error at <paramref name="path"/>'s value when it was written, else at the block, else at the value of
    /// <paramref name="related"/> (the other key of the check), else at the document.
    /// </summary>
    private void ErrorAt(string path, string section, string? related, string message)
    {
        var (line, column) = _locations.TryGetValue(path, out var at) ? at
            : _topKeys.TryGetValue(section, out var block) ? Loc(block)
            : related is not null && _locations.TryGetValue(related, out var other) ? other
            : Loc(_root);
        _errors.Add(new SpecError(path, line, column, message));
        _badPaths.Add(path);
    }
}
