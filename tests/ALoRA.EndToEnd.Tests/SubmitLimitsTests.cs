using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// Issue 12, "bounded work", against a real silo process and the CLI: a rank of a million, and trials whose estimated
/// memory fits no device (a 7B model's config with the issue's settings; the sample model with a huge batch on a silo
/// whose trainer registers 1 GiB) are refused at submit with exit 2, naming the setting and both sizes, and nothing is
/// stored. They used to be accepted, and every attempt killed the silo. A model folder without its tokenizer is refused
/// at submit too, naming the file.
/// </summary>
public sealed class SubmitLimitsTests(ITestOutputHelper log) : EndToEndTest(log)
{
    [Fact]
    public async Task Submit_TrialsThatFitNoDevice_Exit2NamingTheSetting_NothingStored_OneThatFitsIsAccepted()
    {
        var settings = new Dictionary<string, string> { ["Alora__Trainers__DeviceMemory"] = "1GiB" };
        await using var silo = await SiloProcess.StartAsync("node-limits", SiloPorts.Free(), Workspace.PathOf("silo-data"), Workspace.Root, SiloStart, settings);
        var gateway = silo.Ports.Gateway;
        try
        {
            // The trainer registered the memory it was given; `alora cluster` shows it.
            var cluster = JsonOutput.Document(await AloraOk("cluster", "--gateway", gateway, "--format", "json"));
            Assert.Equal(1L << 30, cluster.GetProperty("trainers")[0].GetProperty("device_memory_bytes").GetInt64());
            Assert.Contains(" 1.0 GiB ", (await AloraOk("cluster", "--gateway", gateway)).Stdout, StringComparison.Ordinal);

            // lora.r = 1,000,000: refused by the schema's bound.
            var million = Workspace.WriteSpec("million.yaml", "id: million\nseeds: [1]\nmethod: lora\nlora: {r: 1000000}");
            var refused = await Alora("submit", million, "--gateway", gateway, "--format", "json");
            Assert.True(refused.ExitCode == 2, refused.ToString());
            Assert.True(refused.Stderr.Contains("lora.r (line 7, col 11): r must be in [1, 1024], got 1000000", StringComparison.Ordinal), refused.ToString());

            // The sample model with a batch of 4096 rows of 4096 tokens: hundreds of GiB of activations on a 1 GiB device.
            var wide = Workspace.WriteSpec("wide.yaml", "id: wide\nseeds: [1]\nmethod: lora\ntraining: {batch_size: 4096, max_sequence_length: 4096}");
            var tooWide = await Alora("submit", wide, "--gateway", gateway, "--format", "json");
            Assert.True(tooWide.ExitCode == 2, tooWide.ToString());
            Assert.Equal("", tooWide.Stdout);
            Assert.True(tooWide.Stderr.Contains("training.batch_size (line 7, col ", StringComparison.Ordinal), tooWide.ToString());
            Assert.Contains("but the largest device in the cluster has 1.00 GiB; the largest part comes from training.batch_size = 4096 and training.max_sequence_length = 4096", tooWide.Stderr, StringComparison.Ordinal);

            // The issue's case on a 7B model's config.json (placeholder weights: the check reads only the config).
            var model = Workspace.PathOf("llama-7b");
            Directory.CreateDirectory(model);
            await File.WriteAllTextAsync(Path.Combine(model, "config.json"), """
                {"model_type": "llama", "hidden_size": 4096, "intermediate_size": 11008, "num_hidden_layers": 32,
                 "num_attention_heads": 32, "num_key_value_heads": 32, "vocab_size": 32000, "tie_word_embeddings": false}
                """);
            await File.WriteAllTextAsync(Path.Combine(model, "model.safetensors"), "placeholder");
            await File.WriteAllTextAsync(Path.Combine(model, "tokenizer.json"), "{}");
            var big = Workspace.PathOf("big.yaml");
            await File.WriteAllTextAsync(big, $"id: big\nmodel: {model}\ndata: {Workspace.Data}\ntask: sst2\nseeds: [1]\nmethod: lora\nlora: {{r: 1024}}\ntraining: {{batch_size: 4096, max_sequence_length: 131072}}\n");
            var tooBig = await Alora("submit", big, "--gateway", gateway, "--format", "json");
            Assert.True(tooBig.ExitCode == 2, tooBig.ToString());
            Assert.Matches(@"needs about [0-9]+\.[0-9]{2} GiB \(weights 25\.10 GiB, ", tooBig.Stderr);
            Assert.True(tooBig.Stderr.Contains("has 1.00 GiB", StringComparison.Ordinal), tooBig.ToString());
            Assert.DoesNotContain("   at ", tooBig.Stderr, StringComparison.Ordinal);

            // A model folder without its tokenizer: exit 2 at submit naming the file (not exit 4 after three attempts).
            File.Delete(Path.Combine(model, "tokenizer.json"));
            var noTokenizer = Workspace.PathOf("no-tokenizer.yaml");
            await File.WriteAllTextAsync(noTokenizer, $"id: notok\nmodel: {model}\ndata: {Workspace.Data}\ntask: sst2\nseeds: [1]\nmethod: lora\n");
            var missing = await Alora("submit", noTokenizer, "--gateway", gateway, "--format", "json");
            Assert.True(missing.ExitCode == 2, missing.ToString());
            Assert.True(missing.Stderr.Contains($"model (line 2, col 8): model folder {model} has no tokenizer.json", StringComparison.Ordinal), missing.ToString());

            var sweeps = JsonOutput.Document(await AloraOk("status", "--gateway", gateway, "--format", "json"));
            Assert.Equal(0, sweeps.GetArrayLength());

            // A trial that fits is accepted as before.
            var small = Workspace.WriteSpec("small.yaml", "id: small\nseeds: [1]\nmethod: lora\ntraining: {batch_size: 4, max_sequence_length: 64, max_steps: 2, eval_every_steps: 2}");
            await AloraOk("submit", small, "--gateway", gateway, "--format", "json");
            Assert.False(silo.HasExited, silo.Output);
        }
        finally
        {
            LogSilo(silo);
        }
    }
}
