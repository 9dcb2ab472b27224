using System.Text.Json.Nodes;
using ALoRA.Sweeps.Schema;
using Json.Schema;

namespace ALoRA.Sweeps.Tests.Schema;

/// <summary>The published JSON Schema: current, a valid draft 2020-12 schema, and agreeing with the reader.</summary>
public sealed class SpecJsonSchemaTests
{
    private static readonly Lazy<JsonSchema> Schema = new(() => JsonSchema.FromText(SpecJsonSchema.Generate()));

    public static TheoryData<string> SampleFiles() =>
        [.. Directory.GetFiles(RepositoryPaths.SampleSweeps, "*.yaml").Select(f => Path.GetFileName(f)).Order(StringComparer.Ordinal)];

    public static TheoryData<string> ValidBodies() =>
    [
        "",
        "lora: {r: 4, lora_alpha: null, target_modules: [v_proj, q_proj]}",
        "training: {learning_rate: {loguniform: [1.0e-5, 1.0e-3]}, batch_size: {randint: [8, 33]}, max_steps: null}",
        "training: {warmup_ratio: {uniform: [0, 0.1]}, checkpoint_every_steps: {grid_search: [null, 50]}}",
        "method: {choice: [lora, alora-dnas]}\nnum_samples: 2\nalora-dnas: {gate_learning_rate: 0.01, k1: 100steps, k2: 0.5}",
        "method: alora-sensi\nalora-sensi: {beta1: 0.5, k1: 2epochs, resample_val_batch: false}",
        "method: alora\nalora: {scorer: reference, k2: 25 steps}\nmetric: dev_loss\nmode: min\nseeds: [1, 2]",
        "id: my-sweep-1\nname: x\nmax_concurrent_trials: 2\nsearch_seed: -3\nlora:\ntraining:",
    ];

    public static TheoryData<string, string> InvalidBodies() => new()
    {
        { "training: {learning_rate: abc}", "wrong type" },
        { "lora: {r: \"8\"}", "quoted number" },
        { "lora: {r: 2.5}", "real for integer" },
        { "lora: {r: 0}", "below minimum" },
        { "training: {warmup_ratio: 1}", "at exclusive maximum" },
        { "training: {learning_rate: 0}", "at exclusive minimum" },
        { "training: {max_sequence_length: 7}", "below minimum" },
        { "training: {learning_rate: {loguniform: [0, 1]}}", "range end out of range" },
        { "training: {learning_rate: {randint: [1, 3]}}", "randint on a number" },
        { "lora: {r: {uniform: [1, 3]}}", "uniform on an integer" },
        { "training: {learning_rate: {gridsearch: [1]}}", "unknown domain" },
        { "training: {learning_rate: {grid_search: []}}", "empty grid" },
        { "training: {patience: null}", "null where not allowed" },
        { "lerning_rate: 1", "unknown top-level key" },
        { "training: {learning_rat: 1}", "unknown key in a block" },
        { "training: {seed: 1}", "seed under training" },
        { "method: qlora", "unknown method" },
        { "method: {grid_search: [lora, qlora]}", "unknown method in a grid" },
        { "lora: {target_modules: [q_proj, lm_head]}", "unknown module" },
        { "lora: {target_modules: [q_proj, q_proj]}", "repeated module" },
        { "lora: {target_modules: {grid_search: [[q_proj]]}}", "domain on a list" },
        { "alora: {k1: -1}", "negative schedule length" },
        { "alora: {k1: 2.5steps}", "fractional steps" },
        { "alora: {k1: soon}", "not a schedule length" },
        { "alora: {scorer: slow}", "unknown scorer" },
        { "seeds: [1, 1]", "repeated seed" },
        { "seeds: []", "no seed" },
        { "metric: accuracy", "unknown metric" },
        { "max_concurrent_trials: 0", "below minimum" },
        { "id: My_Sweep", "id pattern" },
        { "training: [1, 2]", "block not a mapping" },
    };

    [Fact]
    public void CommittedSchema_IsTheGeneratedOne() => GeneratedFiles.AssertCurrent(SpecJsonSchema.RelativePath, SpecJsonSchema.Generate());

    [Fact]
    public void Schema_IsAValidDraft202012Schema()
    {
        var result = MetaSchemas.Draft202012.Evaluate(JsonNode.Parse(SpecJsonSchema.Generate()), new EvaluationOptions { OutputFormat = OutputFormat.List });

        Assert.True(result.IsValid, Describe(result));
    }

    [Theory]
    [MemberData(nameof(SampleFiles))]
    public void Sample_ValidatesAndPointsEditorsAtTheSchema(string file)
    {
        var path = Path.Combine(RepositoryPaths.SampleSweeps, file);
        var yaml = File.ReadAllText(path);

        var result = Evaluate(yaml);

        Assert.True(result.IsValid, Describe(result));
        var first = yaml.Split('\n')[0].Trim();
        Assert.Equal("# yaml-language-server: $schema=../../docs/sweep-spec.schema.json", first);
        var schema = Path.GetFullPath(Path.Combine(RepositoryPaths.SampleSweeps, "../../docs/sweep-spec.schema.json"));
        Assert.True(File.Exists(schema), $"{file} points at {schema}, which does not exist");
    }

    [Theory]
    [MemberData(nameof(ValidBodies))]
    public void ValidSpec_PassesReaderAndSchema(string body)
    {
        _ = Specs.Parse(body);
        var result = Evaluate(Specs.Header + body);

        Assert.True(result.IsValid, Describe(result));
    }

    [Theory]
    [MemberData(nameof(InvalidBodies))]
    public void InvalidSpec_FailsReaderAndSchema(string body, string why)
    {
        Assert.NotEmpty(Specs.Fail(Specs.Header + body).Errors);
        Assert.False(Evaluate(Specs.Header + body).IsValid, $"the schema accepts {why}: {body}");
    }

    [Fact]
    public void MissingRequiredKey_FailsReaderAndSchema()
    {
        const string yaml = "model: m\ndata: d\n";

        Assert.Contains(Specs.Fail(yaml).Errors, e => e.Path == "task");
        Assert.False(Evaluate(yaml).IsValid);
    }

    [Fact]
    public void Schema_DescribesEverySettingWithDefaultAndDoc()
    {
        var root = JsonNode.Parse(SpecJsonSchema.Generate())!;
        foreach (var section in SpecSchema.SectionNames)
        {
            var block = root["properties"]![section]!;
            Assert.False(block["additionalProperties"]!.GetValue<bool>());
            foreach (var def in SpecSchema.Section(section)!)
            {
                var setting = block["properties"]![def.Key]!.AsObject();
                if (setting["$ref"] is { } reference)
                {
                    // Keys every allocating block shares: defined once under $defs.
                    setting = root["$defs"]![reference.GetValue<string>()["#/$defs/".Length..]]!.AsObject();
                }

                Assert.Equal(def.Doc, setting["description"]!.GetValue<string>());
                Assert.True(setting.ContainsKey("default"), $"{section}.{def.Key} has no default");
                Assert.Equal(def.Searchable, setting.ContainsKey("anyOf"));
            }
        }

        var training = root["properties"]!["training"]!["properties"]!;
        Assert.Equal(0.0001, training["learning_rate"]!["default"]!.GetValue<double>());
        Assert.Equal(["grid_search", "choice", "uniform", "loguniform"], Domains(training["learning_rate"]!));
        Assert.Equal(["grid_search", "choice", "randint"], Domains(training["batch_size"]!));
        Assert.Equal(["grid_search", "choice"], Domains(root["properties"]!["method"]!));
    }

    private static List<string> Domains(JsonNode setting) => [.. setting["anyOf"]![1]!["properties"]!.AsObject().Select(p => p.Key)];

    private static EvaluationResults Evaluate(string yaml) =>
        Schema.Value.Evaluate(YamlJson.Convert(yaml), new EvaluationOptions { OutputFormat = OutputFormat.List });

    private static string Describe(EvaluationResults result) =>
        string.Join("; ", (result.Details ?? []).Where(d => d.Errors is { Count: > 0 }).Select(d => $"{d.InstanceLocation} ({d.EvaluationPath}): {string.Join(", ", d.Errors!.Values)}"));
}
