using ALoRA.Abstractions.Sweeps;

namespace ALoRA.Sweeps.Tests;

public sealed class SweepExpanderTests
{
    [Fact]
    public void Expand_GridTimesSeeds_InDocumentOrderLastKeyFastestSeedsInnermost()
    {
        var plan = Specs.Expand("seeds: [1, 2]\nmethod: {grid_search: [lora, alora]}\nlora:\n  r: {grid_search: [4, 8, 16]}\n");

        Assert.Equal(12, plan.Trials.Count);
        Assert.Equal(0, plan.Duplicates);
        var expected =
            from method in new[] { "lora", "alora" }
            from r in new[] { 4, 8, 16 }
            from seed in new long[] { 1, 2 }
            select (method, r, seed);
        Assert.Equal(expected, plan.Trials.Select(t => (t.Method, t.Lora.R, t.Training.Seed)));
        Assert.Equal(Enumerable.Range(0, 12), plan.Trials.Select(t => t.Index));
        Assert.Equal(new Dictionary<string, string> { ["method"] = "alora", ["lora.r"] = "16" }, plan.Trials[^1].SearchValues);
    }

    [Fact]
    public void Expand_NumSamples_RepeatsTheGridAndRedrawsRandomDomains()
    {
        var plan = Specs.Expand(
            "num_samples: 3\nseeds: [1, 2]\nmethod: {grid_search: [lora, alora]}\n" +
            "training:\n  learning_rate: {loguniform: [1.0e-4, 1.0e-2]}\n  batch_size: {randint: [8, 65]}\n  warmup_ratio: {uniform: [0.0, 0.1]}\n  patience: {choice: [3, 5, 7]}\n");

        Assert.Equal(3 * 2 * 2, plan.Trials.Count);
        var samples = plan.Trials.Chunk(4).ToList();
        foreach (var sample in samples)
        {
            // One draw per sample, shared by the grid cells and seeds of that sample.
            Assert.Single(sample.Select(t => t.Training.LearningRate).Distinct());
            Assert.Equal(["lora", "lora", "alora", "alora"], sample.Select(t => t.Method));
        }

        var rates = samples.Select(s => s[0].Training.LearningRate).ToList();
        Assert.Equal(3, rates.Distinct().Count());
        Assert.All(plan.Trials, t =>
        {
            Assert.InRange(t.Training.LearningRate, 1e-4, 1e-2);
            Assert.InRange(t.Training.BatchSize!.Value, 8, 64);
            Assert.InRange(t.Training.WarmupRatio, 0.0, 0.1);
            Assert.Contains(t.Training.Patience, new[] { 3, 5, 7 });
            Assert.Equal(t.Training.LearningRate.ToString("R", System.Globalization.CultureInfo.InvariantCulture), t.SearchValues["training.learning_rate"]);
        });
    }

    [Fact]
    public void Expand_SameSpecTwice_GivesIdenticalTrials()
    {
        const string body = "num_samples: 4\nmethod: {grid_search: [lora, alora]}\ntraining:\n  learning_rate: {loguniform: [1.0e-4, 1.0e-2]}\n";
        var a = Specs.Expand(body);
        var b = Specs.Expand(body);

        Assert.Equal(a.Trials.Select(t => t.TrialId), b.Trials.Select(t => t.TrialId));
        Assert.Equal(a.Trials.Select(t => t.Training.LearningRate), b.Trials.Select(t => t.Training.LearningRate));
        Assert.All(a.Trials, t => Assert.Matches($"^{a.SweepId}-[0-9a-f]{{12}}$", t.TrialId));
        Assert.All(a.Trials, t => Assert.Equal(t.TrialId, $"{t.SweepId}-{t.ConfigHash}"));
        Assert.Equal(a.Trials.Count, a.Trials.Select(t => t.TrialId).Distinct().Count());
    }

    [Fact]
    public void Expand_DifferentSearchSeed_DrawsDifferentValues()
    {
        const string body = "num_samples: 4\ntraining:\n  learning_rate: {loguniform: [1.0e-4, 1.0e-2]}\n";
        var a = Specs.Expand("search_seed: 1\n" + body).Trials.Select(t => t.Training.LearningRate).ToList();
        var b = Specs.Expand("search_seed: 2\n" + body).Trials.Select(t => t.Training.LearningRate).ToList();

        Assert.Equal(4, a.Count);
        Assert.All(a.Zip(b), pair => Assert.NotEqual(pair.First, pair.Second));
    }

    [Fact]
    public void Expand_RandomDraws_DoNotDependOnTheRestOfTheSpec()
    {
        const string lr = "num_samples: 3\ntraining:\n  learning_rate: {loguniform: [1.0e-4, 1.0e-2]}\n";
        var alone = Specs.Expand(lr).Trials.Select(t => t.Training.LearningRate).ToList();
        var withGrid = Specs.Expand("lora:\n  r: {grid_search: [4, 8]}\n  lora_dropout: {uniform: [0.0, 0.1]}\n" + lr)
            .Trials.Where(t => t.Lora.R == 4).Select(t => t.Training.LearningRate).ToList();

        Assert.Equal(alone, withGrid);
    }

    [Fact]
    public void Expand_LoraTrials_CarryNoAllocationAndIgnoreAloraSettings()
    {
        const string common = "id: same-sweep\nmethod: {grid_search: [lora, alora]}\n";
        var a = Specs.Expand(common + "alora:\n  k1: 2\n  n_rounds: 3\n");
        var b = Specs.Expand(common + "alora:\n  k1: 0.5\n  n_rounds: 6\n  scorer: reference\n");

        var loraA = Assert.Single(a.Trials, t => t.Method == TrialMethods.Lora);
        var loraB = Assert.Single(b.Trials, t => t.Method == TrialMethods.Lora);
        Assert.Null(loraA.Allocation);
        Assert.DoesNotContain(loraA.SearchValues.Keys, k => k.StartsWith("alora", StringComparison.Ordinal));
        Assert.Equal(loraA.TrialId, loraB.TrialId);
        Assert.NotEqual(a.Trials.Single(t => t.Method == TrialMethods.Alora).TrialId, b.Trials.Single(t => t.Method == TrialMethods.Alora).TrialId);
    }

    [Fact]
    public void Expand_GridOverAnotherMethodsSetting_CollapsesDuplicates()
    {
        var plan = Specs.Expand("seeds: [1, 2]\nmethod: {grid_search: [lora, alora]}\nalora:\n  k1: {grid_search: [0.5, 1, 2]}\n");

        // lora x 3 k1 values x 2 seeds collapse to lora x 2 seeds; alora keeps 3 x 2.
        Assert.Equal(2 + 6, plan.Trials.Count);
        Assert.Equal(4, plan.Duplicates);
        Assert.Equal(Enumerable.Range(0, 8), plan.Trials.Select(t => t.Index));
        Assert.Equal(["lora", "lora", "alora", "alora", "alora", "alora", "alora", "alora"], plan.Trials.Select(t => t.Method));
        Assert.Equal(["0.5", "0.5", "1", "1", "2", "2"], plan.Trials.Skip(2).Select(t => t.Allocation!.K1));
    }

    [Fact]
    public void Expand_EquivalentValues_CollapseIntoTheFirst()
    {
        // lora_alpha null means 2r; "2epochs" equals 2; module order does not matter.
        var plan = Specs.Expand(
            "lora:\n  lora_alpha: {grid_search: [null, 16]}\n  target_modules: [v_proj, q_proj]\nalora:\n  k1: {grid_search: [2, 2epochs]}\n");

        var trial = Assert.Single(plan.Trials);
        Assert.Equal(3, plan.Duplicates);
        Assert.Equal(16.0, trial.Lora.LoraAlpha);
        Assert.Equal(["q_proj", "v_proj"], trial.Lora.TargetModules);
        Assert.Equal("2", trial.Allocation!.K1);
        Assert.Equal(0, trial.Index);
    }

    [Fact]
    public void Expand_Defaults_AreThePapers()
    {
        var trial = Assert.Single(Specs.Expand("").Trials);

        Assert.Equal(TrialMethods.Alora, trial.Method);
        Assert.Equal(8, trial.Lora.R);
        Assert.Equal(16.0, trial.Lora.LoraAlpha);
        Assert.Equal(0.0, trial.Lora.LoraDropout);
        Assert.Equal(LoraSettings.LlamaModuleNames, trial.Lora.TargetModules);
        Assert.Equal(1e-4, trial.Training.LearningRate);
        Assert.Null(trial.Training.BatchSize);
        Assert.Equal(10, trial.Training.MaxEpochs);
        Assert.Null(trial.Training.MaxSteps);
        Assert.Equal(0.06, trial.Training.WarmupRatio);
        Assert.Equal(0.0, trial.Training.WeightDecay);
        Assert.Equal(200, trial.Training.EvalEverySteps);
        Assert.Equal(10, trial.Training.Patience);
        Assert.Equal(2048, trial.Training.MaxSequenceLength);
        Assert.Equal(42, trial.Training.Seed);
        Assert.Null(trial.Training.MaxDevExamples);
        Assert.Equal(200, trial.Training.CheckpointEverySteps);
        Assert.False(trial.Training.GradientCheckpointing);
        Assert.Equal(1, trial.Training.GradientAccumulationSteps);
        var a = trial.Allocation!;
        Assert.Equal("1", a.K1);
        Assert.Equal("0.25", a.K2);
        Assert.Equal(8, a.Rounds);
        Assert.Equal(7, a.RanksPerRound);
        Assert.Equal(32, a.ValBatchSize);
        Assert.True(a.ResampleValBatch);
        Assert.Equal("fast", a.Scorer);
        Assert.Equal(3, a.ShortlistFactor);
        Assert.Null(a.GateLearningRate);
        Assert.Empty(trial.SearchValues);
    }

    [Fact]
    public void Expand_ContractDefaults_MatchTheSpecDefaults()
    {
        var trial = Assert.Single(Specs.Expand("method: alora-sensi\nlora:\n  lora_alpha: null\n").Trials);

        Assert.Equal(new LoraSettings().R, trial.Lora.R);
        Assert.Equal(new TrainingSettings() with { Seed = 42 }, trial.Training);
        Assert.Equal(new AllocationSettings() with { RanksPerRound = 7 }, trial.Allocation);
    }

    [Fact]
    public void Expand_MethodSpecificSettings_ApplyOnlyToTheirMethod()
    {
        var plan = Specs.Expand(
            "method: {grid_search: [alora, alora-dnas, alora-sensi]}\ntraining:\n  learning_rate: 0.002\n" +
            "alora:\n  scorer: hybrid\n  shortlist_factor: 5\nalora-dnas:\n  n_rounds: 3\nalora-sensi:\n  beta1: 0.5\n  ranks_per_round: 2\n");

        var (alora, dnas, sensi) = (plan.Trials[0].Allocation!, plan.Trials[1].Allocation!, plan.Trials[2].Allocation!);
        Assert.Equal(("hybrid", 5, 8, null), (alora.Scorer, alora.ShortlistFactor, alora.Rounds, alora.GateLearningRate));
        Assert.Equal(("fast", 3, 3, 0.002), (dnas.Scorer, dnas.ShortlistFactor, dnas.Rounds, dnas.GateLearningRate));
        Assert.Equal((0.5, 0.85, 2, 8), (sensi.SensitivityBeta1, sensi.SensitivityBeta2, sensi.RanksPerRound, sensi.Rounds));
    }

    [Fact]
    public void Expand_WithBaseDirectory_TrialsCarryResolvedPaths()
    {
        var baseDir = Path.Combine(Path.GetTempPath(), "sweeps");
        var trial = SweepExpander.Expand(SweepSpecParser.Parse("model: m\ndata: ../d\ntask: rte\n", null, baseDir)).Trials[0];

        Assert.Equal(Path.Combine(baseDir, "m"), trial.Model);
        Assert.Equal(Path.GetFullPath(Path.Combine(baseDir, "../d")), trial.Data);
        Assert.Equal("rte", trial.Task);
    }

    [Fact]
    public void Expand_PlanCarriesSweepSettings()
    {
        var plan = Specs.Expand("id: my-sweep\nname: My sweep\nmetric: test_loss\nmax_concurrent_trials: 3\n");

        Assert.Equal(("my-sweep", "My sweep", "test_loss", MetricMode.Min, 3), (plan.SweepId, plan.Name, plan.Metric, plan.Mode, plan.MaxConcurrentTrials));
        Assert.All(plan.Trials, t => Assert.StartsWith("my-sweep-", t.TrialId));
        Assert.Equal(64, plan.SpecHash.Length);
    }

    [Fact]
    public void Expand_AccumulationAndCheckpointing_ReachTheTrials()
    {
        // 4 divides both engine defaults (16 and 128); 32 divides only 128 and is left to the trainer, which knows the data.
        var plan = Specs.Expand("training:\n  gradient_checkpointing: true\n  gradient_accumulation_steps: {grid_search: [4, 32]}\n");

        Assert.Equal([4, 32], plan.Trials.Select(t => t.Training.GradientAccumulationSteps));
        Assert.All(plan.Trials, t => Assert.True(t.Training.GradientCheckpointing));
        Assert.Equal(2, plan.Trials.Select(t => t.ConfigHash).Distinct().Count());
    }
}
