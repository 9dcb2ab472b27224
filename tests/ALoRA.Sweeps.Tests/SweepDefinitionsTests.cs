using ALoRA.Abstractions.Coordination;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Serialization;

namespace ALoRA.Sweeps.Tests;

/// <summary>
/// The parsed spec over the wire: <see cref="SweepDefinitions.From"/> on the client, the Orleans serializer, then
/// <see cref="SweepDefinitions.Read"/> on the silo give the spec the parser gives (oracle: parsing the YAML directly);
/// a forged definition is refused value by value, with the YAML path and the position the client recorded.
/// </summary>
public sealed class SweepDefinitionsTests
{
    private static readonly ServiceProvider Services = new ServiceCollection()
        .AddSerializer(b => b.AddAssembly(typeof(SweepDefinition).Assembly))
        .BuildServiceProvider();

    /// <summary>Specs with every kind of value and domain (the header's three keys are added).</summary>
    public static TheoryData<string> Bodies() => new(
        "",
        "id: every-kind\nname: n\nmetric: dev_loss\nmax_concurrent_trials: 3\nseeds: [7, -2]\nnum_samples: 2\nsearch_seed: -9\n" +
        "method: {choice: [alora, alora-dnas, alora-sensi, lora]}\n" +
        "lora: {r: {randint: [2, 9]}, lora_alpha: null, lora_dropout: {uniform: [0.0, 0.5]}, target_modules: [v_proj, q_proj]}\n" +
        "training: {learning_rate: {loguniform: [1.0e-5, 0.1]}, batch_size: {grid_search: [null, 8]}, max_steps: 300, max_dev_examples: 16, checkpoint_every_steps: null}\n" +
        "alora: {k1: {grid_search: [1, 40steps, 0.5]}, k2: 2epochs, resample_val_batch: false, scorer: reference, ranks_per_round: null}\n" +
        "alora-dnas: {gate_learning_rate: 0.003}\nalora-sensi: {beta1: {choice: [0.5, 0.85]}, beta2: 0.9}\n",
        "method: {grid_search: [lora]}\ntraining: {warmup_ratio: 0.0, weight_decay: 0.01, max_sequence_length: 64}\n");

    [Theory]
    [MemberData(nameof(Bodies))]
    public void FromSerializeRead_GivesTheParsersSpec(string body)
    {
        var spec = Specs.Parse(body);
        var serializer = Services.GetRequiredService<Serializer>();

        var read = SweepDefinitions.Read(serializer.Deserialize<SweepDefinition>(serializer.SerializeToArray(SweepDefinitions.From(spec)))!, null);

        AssertSameSpec(spec, read);
    }

    [Theory]
    [InlineData("demo.yaml")]
    [InlineData("lr-search.yaml")]
    [InlineData("all-methods.yaml")]
    public void FromRead_ShippedSamples_GivesTheParsersSpec_ResolvedAgainstTheGivenRoot(string file)
    {
        var spec = SweepSpecParser.ParseFile(Path.Combine(RepositoryPaths.SampleSweeps, file));

        var read = SweepDefinitions.Read(SweepDefinitions.From(spec), RepositoryPaths.SampleSweeps);

        AssertSameSpec(spec, read);
        Assert.Equal(spec.ResolvePath(spec.Model), read.ResolvePath(read.Model));
    }

    [Fact]
    public void Read_OtherRoot_SameSweepId_OtherTrials()
    {
        var definition = SweepDefinitions.From(Specs.Parse("seeds: [1]\n"));

        var here = SweepDefinitions.Read(definition, "/data/here");
        var there = SweepDefinitions.Read(definition, "/data/there");

        // The sweep's identity is the spec as written; the trials' ids hash the files they read.
        Assert.Equal((here.SweepId, here.SpecHash), (there.SweepId, there.SpecHash));
        Assert.Equal("/data/here/models/tiny", SweepExpander.Expand(here).Trials.Single().Model);
        Assert.NotEqual(SweepExpander.Expand(here).Trials.Single().TrialId, SweepExpander.Expand(there).Trials.Single().TrialId);
    }

    [Theory]
    [InlineData("lora.r", "", "0", "lora.r (line 5, col 6): r must be in [1, 1024], got 0")]
    [InlineData("lora.r", "", "2.5", "lora.r (line 5, col 6): r must be an integer, got '2.5'")]
    [InlineData("lora.r", "randint", "4|4", "lora.r (line 5, col 6): randint for r needs low < high (high is exclusive), got [4, 4]")]
    [InlineData("lora.r", "randint", "0|4", "lora.r (line 5, col 6): r must be in [1, 1024], but randint can give 0")]
    [InlineData("lora.r", "uniform", "1|4", "lora.r (line 5, col 6): r must be an integer; 'uniform' is not a search domain it can take")]
    [InlineData("lora.r", "grid_search", "", "lora.r (line 5, col 6): grid_search for r needs at least one value")]
    [InlineData("lora.r", "", "1|2", "lora.r (line 5, col 6): r: a fixed value has one value, got 2")]
    [InlineData("lora.lora_dropout", "", "1", "lora.lora_dropout: lora_dropout must be in [0, 1), got 1")]
    [InlineData("lora.target_modules", "", "q_proj|q_proj", "lora.target_modules: target_modules must be a non-empty list of distinct names")]
    [InlineData("lora.target_modules", "", "qkv", "lora.target_modules: target_modules must be a non-empty list of distinct names")]
    [InlineData("training.learning_rate", "loguniform", "0|0.1", "training.learning_rate: loguniform for learning_rate needs 0 < low <= high, got [0, 0.1]")]
    [InlineData("training.learning_rate", "", "NaN", "training.learning_rate: learning_rate must be a number, got 'NaN'")]
    [InlineData("training.max_epochs", "", null, "training.max_epochs: max_epochs must be an integer, got null")]
    [InlineData("training.seed", "", "1", "training.seed: unknown setting 'training.seed'")]
    [InlineData("alora.k1", "", "-1", "alora.k1: k1 must be >= 0, got -1")]
    [InlineData("alora.k1", "", "1.5steps", "alora.k1: k1 must be a schedule length")]
    [InlineData("alora.resample_val_batch", "", "yes", "alora.resample_val_batch: resample_val_batch must be true or false, got 'yes'")]
    [InlineData("alora.scorer", "choice", "fast|slow", "alora.scorer: scorer must be one of fast, reference, approx, hybrid, got 'slow'")]
    [InlineData("alora.shortlist_factor", "", "0", "alora.shortlist_factor: shortlist_factor must be >= 1, got 0")]
    [InlineData("method", "", "qlora", "method: method must be one of lora, alora, alora-dnas, alora-sensi, got 'qlora'")]
    [InlineData("bogus", "", "1", "bogus: unknown setting 'bogus'")]
    public void Read_ForgedSetting_IsRefusedWithItsPathAndPosition(string path, string domain, string? values, string expected)
    {
        var definition = SweepDefinitions.From(Specs.Parse("lora:\n  r: 8\n"));
        var setting = new SweepSetting { Path = path, Domain = domain, Values = values is null ? [null] : [.. values.Split('|', StringSplitOptions.RemoveEmptyEntries)] };
        var forged = definition with { Settings = [.. definition.Settings.Where(s => s.Path != path), setting] };

        var e = Assert.Throws<SweepSpecException>(() => SweepDefinitions.Read(forged, null));

        Assert.Contains(e.Errors, x => x.ToString().StartsWith(expected, StringComparison.Ordinal));
        Assert.Single(e.Errors);
    }

    [Fact]
    public void Read_ForgedTopLevel_ReportsEveryProblem()
    {
        var definition = SweepDefinitions.From(Specs.Parse("id: fine\nseeds: [1, 2]\n"));
        var forged = definition with
        {
            Id = "Not_An_Id", Model = " ", Task = "mnist", Metric = "dev_accuracy", Mode = "min", MaxConcurrentTrials = 0, NumSamples = 2, Seeds = [3, 3],
            Settings = [new SweepSetting { Path = "method", Values = ["lora"] }, new SweepSetting { Path = "alora.k1", Values = ["1"] }],
        };

        var e = Assert.Throws<SweepSpecException>(() => SweepDefinitions.Read(forged, null));

        Assert.Equal(
            [
                "mode: mode min contradicts metric dev_accuracy; write mode: max or leave mode out",
                "max_concurrent_trials: max_concurrent_trials must be >= 1, got 0",
                "alora.k1: alora settings given but method never takes the value alora (it takes lora)",
                "num_samples: num_samples is 2 but no setting has a random domain, so every sample would repeat the same trials",
                "model (line 1, col 8): model must be a non-empty path, got ' '",
                "task (line 3, col 7): unknown task 'mnist'; expected one of sst2, rte, qnli, boolq, copa, prompt",
                "id (line 4, col 5): id must match [a-z0-9][a-z0-9-]{0,62}, got 'Not_An_Id'",
                "seeds (line 5, col 8): seeds must be distinct",
            ],
            e.Errors.Select(x => x.ToString()));
    }

    [Fact]
    public void Read_NullsWhereTheContractHasNone_AreRefusedNotThrown()
    {
        var definition = SweepDefinitions.From(Specs.Parse("lora: {r: 8}\n"));
        var forged = definition with
        {
            Task = null!, Metric = null!, Model = null!,
            Settings = [new SweepSetting { Path = null! }, new SweepSetting { Path = "lora.r", Domain = null!, Values = null! }, new SweepSetting { Path = "lora.r", Values = ["8"] }],
        };

        var e = Assert.Throws<SweepSpecException>(() => SweepDefinitions.Read(forged, null));

        string[] expected =
        [
            "a setting without a path", "lora.r is given twice", "r: a fixed value has one value, got 0", "model must be a non-empty path, got ''",
            "unknown task ''; expected one of sst2, rte, qnli, boolq, copa, prompt",
            "unknown metric ''; expected one of dev_accuracy, test_accuracy, dev_loss, test_loss",
        ];
        Assert.Equal(expected.Order(StringComparer.Ordinal), e.Errors.Select(x => x.Message).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Read_TooManyTrials_IsRefused()
    {
        var definition = SweepDefinitions.From(Specs.Parse("seeds: [1]\n"));
        var forged = definition with
        {
            Seeds = [.. Enumerable.Range(0, 1_000).Select(i => (long)i)],
            Settings = [new SweepSetting { Path = "lora.r", Domain = "grid_search", Values = [.. Enumerable.Range(1, 101).Select(i => (string?)i.ToString(System.Globalization.CultureInfo.InvariantCulture))] }],
        };

        var e = Assert.Throws<SweepSpecException>(() => SweepDefinitions.Read(forged, null));

        Assert.Equal("the sweep expands to 101000 trials before duplicates are collapsed, more than the limit of 100000", Assert.Single(e.Errors).Message);
    }

    private static void AssertSameSpec(SweepSpec expected, SweepSpec actual)
    {
        Assert.Equal(expected.SpecHash, actual.SpecHash);
        Assert.Equal(expected.SweepId, actual.SweepId);
        Assert.Equal((expected.Name, expected.MaxConcurrentTrials, expected.SourceName), (actual.Name, actual.MaxConcurrentTrials, actual.SourceName));
        Assert.Equal(expected.Methods, actual.Methods);
        var (a, b) = (SweepExpander.Expand(expected), SweepExpander.Expand(actual));
        Assert.Equal(a.Trials.Select(t => (t.TrialId, t.ConfigHash, t.Index)), b.Trials.Select(t => (t.TrialId, t.ConfigHash, t.Index)));
        Assert.Equal(a.Trials.Select(t => string.Join(";", t.SearchValues.OrderBy(kv => kv.Key, StringComparer.Ordinal))), b.Trials.Select(t => string.Join(";", t.SearchValues.OrderBy(kv => kv.Key, StringComparer.Ordinal))));
        Assert.Equal(a.Duplicates, b.Duplicates);
    }
}
