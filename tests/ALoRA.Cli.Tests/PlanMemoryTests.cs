using System.Text.Json;

namespace ALoRA.Cli.Tests;

/// <summary>
/// Issue 13, point 7: <c>alora plan</c> prints per trial the device memory it needs and the forwards per allocation
/// round of its scorer, from the model's config.json alone (the real program, no cluster, no weights read). The oracle
/// for the 7B case is LLaMA-2-7B's published parameter count and the LoRA shapes worked out by hand.
/// </summary>
public sealed class PlanMemoryTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-cli-plan-memory-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>A model folder with LLaMA-2-7B's config.json and placeholder weight and tokenizer files.</summary>
    private string Model7B()
    {
        var model = Path.Combine(_dir, "llama-7b");
        Directory.CreateDirectory(model);
        File.WriteAllText(Path.Combine(model, "config.json"), """
            {"architectures": ["LlamaForCausalLM"], "model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008,
             "num_hidden_layers": 32, "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32000,
             "max_position_embeddings": 4096, "rms_norm_eps": 1e-05, "tie_word_embeddings": false, "torch_dtype": "float16"}
            """);
        File.WriteAllText(Path.Combine(model, "model.safetensors"), "not weights: plan reads only config.json");
        File.WriteAllText(Path.Combine(model, "tokenizer.json"), "{}");
        return model;
    }

    [Fact]
    public void Plan_On7B_PrintsEachTrialsMemory_AndItsScorersForwardsPerRound()
    {
        var spec = Path.Combine(_dir, "big.yaml");
        File.WriteAllText(spec, $$$"""
            id: big
            model: {{{Model7B()}}}
            data: {{{Path.Combine(RepositoryPaths.Root, "samples", "data", "sst2")}}}
            task: sst2
            method: {grid_search: [lora, alora]}
            lora: {r: 8, target_modules: [q_proj, v_proj]}
            training: {batch_size: 4, max_sequence_length: 8192}
            alora: {scorer: {grid_search: [fast, reference]}}
            """);

        var (code, stdout, stderr) = AloraCli.Run(_dir, "plan", spec, "--format", "json");

        Assert.True(code == 0, stderr + stdout);
        using var json = JsonDocument.Parse(stdout);
        var trials = json.RootElement.GetProperty("trials").EnumerateArray().ToList();
        Assert.Equal(3, trials.Count); // lora once (the scorer is an alora setting), alora with each scorer
        const long adapter = 32L * 8 * (4096 + 4096) * 2; // layers x r x (in + out) x 2 modules
        foreach (var t in trials)
        {
            var memory = t.GetProperty("memory");
            Assert.Equal(6_738_415_616L * 4, memory.GetProperty("weight_bytes").GetInt64()); // float32 until model.dtype exists
            Assert.Equal(adapter * 4 * 5, memory.GetProperty("adapter_bytes").GetInt64()); // parameters, best copy, gradients, 2 moments
            Assert.Equal(4, memory.GetProperty("batch_size").GetInt32());
            Assert.Equal(4096, memory.GetProperty("sequence_length").GetInt32()); // 8192 capped at max_position_embeddings
            var plain = memory.GetProperty("activation_bytes").GetInt64();
            var checkpointed = memory.GetProperty("checkpointed_activation_bytes").GetInt64();
            Assert.InRange(checkpointed, plain / 40, plain / 2); // each layer keeps its input instead of about 20 hidden-sized values
            var scoring = memory.GetProperty("scoring_bytes").GetInt64();
            Assert.Equal(memory.GetProperty("weight_bytes").GetInt64() + memory.GetProperty("adapter_bytes").GetInt64() + Math.Max(plain, scoring),
                memory.GetProperty("total_bytes").GetInt64());
            var ranks = 8 * 2 * 32;
            switch (t.GetProperty("method").GetString(), memory.GetProperty("scorer").GetString())
            {
                case ("lora", null):
                    Assert.Equal(0, scoring);
                    Assert.Equal(JsonValueKind.Null, memory.GetProperty("forwards_per_round").ValueKind);
                    break;
                case ("alora", "fast"):
                    Assert.True(scoring > 0);
                    Assert.Equal(2 + (ranks * 33.0 / 32), memory.GetProperty("forwards_per_round").GetDouble(), 9);
                    break;
                case ("alora", "reference"):
                    Assert.Equal(1 + (2 * ranks), memory.GetProperty("forwards_per_round").GetDouble());
                    break;
                case var other:
                    Assert.Fail($"unexpected trial {other}");
                    break;
            }
        }
    }

    [Fact]
    public void Plan_DemoSpec_Table_OneMemoryLinePerDistinctConfiguration()
    {
        var (code, stdout, stderr) = AloraCli.Run(RepositoryPaths.Root, "plan", "samples/sweeps/demo.yaml");

        Assert.True(code == 0, stderr + stdout);
        var lines = stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        var header = Array.FindIndex(lines, l => l.StartsWith("device memory per trial", StringComparison.Ordinal));
        Assert.True(header > 0, stdout);
        var rows = lines.Skip(header + 2).ToList(); // after the column headers
        Assert.Equal(2, rows.Count);
        Assert.StartsWith("0-2 ", rows[0], StringComparison.Ordinal); // the three lora seeds share one estimate
        Assert.StartsWith("3-5 ", rows[1], StringComparison.Ordinal);
        Assert.Contains(" fast ", rows[1], StringComparison.Ordinal);
        Assert.Contains(" 338", rows[1], StringComparison.Ordinal); // 2 + 280 x 6 / 5 forwards per round
        Assert.Contains(" 512 ", rows[0], StringComparison.Ordinal); // the default 2,048 tokens, capped at the model's 512 positions
    }
}
