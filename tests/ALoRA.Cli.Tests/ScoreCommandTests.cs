using System.Text.Json;
using ALoRA.Engine.Data;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Peft;
using ALoRA.Engine.Runtime;
using ALoRA.Engine.SafeTensors;
using static TorchSharp.torch;

namespace ALoRA.Cli.Tests;

/// <summary><c>alora score</c> as a real process on the shipped model with an adapter exported by the engine.</summary>
public sealed class ScoreCommandTests : IDisposable
{
    private static readonly string ModelDir = RepositoryPaths.Stories260K;
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-score-").FullName;

    public ScoreCommandTests() => TorchRuntime.EnsureInitialized(1);

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    /// <summary>Exports a PEFT adapter: r = 2 on q_proj and v_proj of all 5 layers, random B, one rank gated off.</summary>
    private string ExportAdapter()
    {
        var dir = Path.Combine(_dir, "adapter");
        using var model = HfModelLoader.Load(ModelDir, new ModelLoadOptions { Lora = new LoraConfig { R = 2, TargetModules = ["q_proj", "v_proj"] } });
        manual_seed(3);
        using (no_grad())
        {
            foreach (var slot in model.Adapters)
            {
                slot.Module.LoraB.normal_(0, 0.5);
            }
        }

        model.Adapters[0].Module.SetGate(1, false);
        PeftAdapterExporter.Export(model, dir);
        return dir;
    }

    private static JsonElement Json(string stdout) => JsonDocument.Parse(stdout).RootElement;

    [Fact]
    public void Score_JsonlData_PrintsEveryRankWithConsistentImportance()
    {
        var adapter = ExportAdapter();
        var data = Path.Combine(RepositoryPaths.Sst2, "validation.jsonl");
        var (code, stdout, stderr) = AloraCli.Run(_dir, "score", "--model", ModelDir, "--adapter", adapter, "--data", data,
            "--task", "sst2", "--batch", "4", "--format", "json", "--threads", "1");
        Assert.True(code == 0, stderr);
        var json = Json(stdout);
        Assert.Equal("fast", json.GetProperty("method").GetString());
        Assert.Equal(4, json.GetProperty("batch_rows").GetInt32());
        using (var tokenizer = HfTokenizer.Load(Path.Combine(ModelDir, "tokenizer.json")))
        {
            // Targets = the label word's tokens + EOS of each of the 4 examples, as PromptTokenizer defines them.
            var rows = new PromptTokenizer(tokenizer).TokenizeAll(JsonlReader.Read(data, TaskRegistry.Get("sst2"), 4), 256);
            Assert.Equal(rows.Sum(r => r.Length - r.ResponseStart), json.GetProperty("target_tokens").GetInt32());
        }

        var ce = json.GetProperty("ce").GetDouble();
        Assert.InRange(ce, 0.01, 20);
        var ranks = json.GetProperty("ranks").EnumerateArray().ToList();
        Assert.Equal(19, ranks.Count); // 10 modules x 2 ranks, the gated-off one was compacted away by export
        Assert.Equal("model.layers.0.self_attn.q_proj", ranks[0].GetProperty("module").GetString());
        Assert.Equal(0, ranks[0].GetProperty("index").GetInt32());
        foreach (var r in ranks)
        {
            var expected = r.GetProperty("ce_without").GetDouble() - ce - r.GetProperty("ce_only").GetDouble();
            Assert.Equal(expected, r.GetProperty("importance").GetDouble(), 9);
        }

        var modules = json.GetProperty("modules").EnumerateArray().ToList();
        Assert.Equal(10, modules.Count);
        Assert.Equal(1, modules[0].GetProperty("active_ranks").GetInt32());
    }

    [Fact]
    public void Score_PreTokenizedWithoutTokenizer_ReferenceEqualsFast()
    {
        var adapter = ExportAdapter();
        var model = Path.Combine(_dir, "model-no-tokenizer");
        Directory.CreateDirectory(model);
        File.Copy(Path.Combine(ModelDir, "config.json"), Path.Combine(model, "config.json"));
        File.Copy(Path.Combine(ModelDir, "model.safetensors"), Path.Combine(model, "model.safetensors"));
        var data = Path.Combine(_dir, "ids.json");
        File.WriteAllText(data, "{\"input_ids\": [[1, 403, 407, 261, 378, 432], [1, 261, 376, 298, 315, 421], [7, 8, 9, 10, 11, 12]]}");

        var fast = AloraCli.Run(_dir, "score", "--model", model, "--adapter", adapter, "--data", data, "--format", "json", "--threads", "1");
        var reference = AloraCli.Run(_dir, "score", "--model", model, "--adapter", adapter, "--data", data, "--format", "json", "--method", "reference", "--threads", "1");
        Assert.True(fast.ExitCode == 0, fast.Stderr);
        Assert.True(reference.ExitCode == 0, reference.Stderr);
        var (f, r) = (Json(fast.Stdout), Json(reference.Stdout));
        Assert.Equal(15, f.GetProperty("target_tokens").GetInt32()); // 3 sequences x 5 next-token positions
        Assert.Equal(r.GetProperty("ce").GetDouble(), f.GetProperty("ce").GetDouble(), 5);
        var fr = f.GetProperty("ranks").EnumerateArray().ToList();
        var rr = r.GetProperty("ranks").EnumerateArray().ToList();
        Assert.Equal(rr.Count, fr.Count);
        for (var i = 0; i < fr.Count; i++)
        {
            Assert.Equal(rr[i].GetProperty("ce_without").GetDouble(), fr[i].GetProperty("ce_without").GetDouble(), 5);
            Assert.Equal(rr[i].GetProperty("ce_only").GetDouble(), fr[i].GetProperty("ce_only").GetDouble(), 5);
        }
    }

    [Fact]
    public void Score_ApproxAndHybrid_SameFields_HybridShortlistHasTheExactScores()
    {
        var adapter = ExportAdapter();
        var data = Path.Combine(RepositoryPaths.Sst2, "validation.jsonl");
        string[] Args(string method) => ["score", "--model", ModelDir, "--adapter", adapter, "--data", data, "--task", "sst2", "--batch", "8", "--format", "json", "--method", method, "--threads", "1"];
        var fast = AloraCli.Run(_dir, Args("fast"));
        var approx = AloraCli.Run(_dir, Args("approx"));
        var hybrid = AloraCli.Run(_dir, Args("hybrid"));
        foreach (var run in new[] { fast, approx, hybrid })
        {
            Assert.True(run.ExitCode == 0, run.Stderr);
        }

        var (f, a, h) = (Json(fast.Stdout), Json(approx.Stdout), Json(hybrid.Stdout));
        Assert.Equal(f.EnumerateObject().Select(p => p.Name), a.EnumerateObject().Select(p => p.Name));
        Assert.Equal(f.EnumerateObject().Select(p => p.Name), h.EnumerateObject().Select(p => p.Name));
        Assert.Equal("approx", a.GetProperty("method").GetString());
        Assert.Equal(6.0, a.GetProperty("forward_equivalents").GetDouble());
        Assert.Equal(f.GetProperty("ce").GetDouble(), a.GetProperty("ce").GetDouble(), 5);
        var (fr, ar, hr) = (Ranks(f), Ranks(a), Ranks(h));
        Assert.Equal(19, fr.Count); // 10 modules x r = 2, one gated off
        Assert.Equal(fr.Count, ar.Count);
        Assert.Equal(fr.Count, hr.Count);
        Assert.All(fr.Concat(ar), r => Assert.False(r.TryGetProperty("shortlisted", out _)));

        // Default n_A = 2 module types (q_proj, v_proj), shortlist_factor 3: the 6 lowest estimates, scored exactly.
        var shortlisted = Enumerable.Range(0, hr.Count).Where(i => hr[i].GetProperty("shortlisted").GetBoolean()).ToList();
        var lowestApprox = Enumerable.Range(0, ar.Count).OrderBy(i => ar[i].GetProperty("importance").GetDouble()).Take(6).Order().ToList();
        Assert.Equal(lowestApprox, shortlisted);
        for (var i = 0; i < hr.Count; i++)
        {
            var source = shortlisted.Contains(i) ? fr[i] : ar[i];
            Assert.Equal(source.GetProperty("ce_without").GetDouble(), hr[i].GetProperty("ce_without").GetDouble(), 5);
            Assert.Equal(source.GetProperty("ce_only").GetDouble(), hr[i].GetProperty("ce_only").GetDouble(), 5);
        }

        Assert.True(h.GetProperty("forward_equivalents").GetDouble() < f.GetProperty("forward_equivalents").GetDouble());
        static List<JsonElement> Ranks(JsonElement doc) => doc.GetProperty("ranks").EnumerateArray().ToList();
    }

    [Fact]
    public void Score_UnequalSequences_ExitCode2NamesRow()
    {
        var adapter = ExportAdapter();
        var data = Path.Combine(_dir, "bad.json");
        File.WriteAllText(data, "{\"input_ids\": [[1, 2, 3, 4], [1, 2, 3]]}");
        var (code, stdout, stderr) = AloraCli.Run(_dir, "score", "--model", ModelDir, "--adapter", adapter, "--data", data, "--format", "json");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("input_ids[1]", stderr);
    }

    [Fact]
    public void Score_AdapterWithATensorForOtherShapes_ExitCode2NamesTensorAndShapes()
    {
        // The real base model; only the adapter is for another one: layer 3's v_proj lora_A is 2 x 32 (a hidden size of 32).
        var adapter = ExportAdapter();
        var weights = Path.Combine(adapter, "adapter_model.safetensors");
        const string module = "model.layers.3.self_attn.v_proj";
        var stored = $"base_model.model.{module}.lora_A.weight"; // PEFT's name of the tensor
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (var file = SafeTensorsFile.Open(weights))
        {
            Assert.Equal([2L, 64L], file.Tensors[stored].Shape);
            foreach (var name in file.Tensors.Keys)
            {
                tensors[name] = file.Read(name);
            }
        }

        tensors[stored] = zeros(2, 32);
        SafeTensorsWriter.Write(weights, tensors);
        var data = Path.Combine(RepositoryPaths.Sst2, "validation.jsonl");

        var (code, stdout, stderr) = AloraCli.Run(_dir, "score", "--model", ModelDir, "--adapter", adapter, "--data", data,
            "--task", "sst2", "--format", "json", "--threads", "1");

        Assert.True(code == 2, $"exit code {code}; stderr:\n{stderr}");
        Assert.Equal("", stdout);
        Assert.Contains($"tensor '{stored}' has shape [2, 32] but '{module}' needs [2, 64]", stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("json")]
    [InlineData("table")]
    public void Score_AdapterWithANaN_ExitsTwoNamingTheFileAndTensor(string format)
    {
        // Issue 12: NaN in an adapter gave exit 0 with NaN everywhere (table) or exit 2 with a serializer message (json).
        var adapter = ExportAdapter();
        var weights = Path.Combine(adapter, "adapter_model.safetensors");
        var stored = "base_model.model.model.layers.2.self_attn.q_proj.lora_B.weight";
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        using (var file = SafeTensorsFile.Open(weights))
        {
            foreach (var name in file.Tensors.Keys)
            {
                tensors[name] = file.Read(name);
            }
        }

        tensors[stored] = tensors[stored].clone();
        tensors[stored][0, 1] = tensor(float.NaN);
        SafeTensorsWriter.Write(weights, tensors);
        var data = Path.Combine(RepositoryPaths.Sst2, "validation.jsonl");

        var (code, stdout, stderr) = AloraCli.Run(_dir, "score", "--model", ModelDir, "--adapter", adapter, "--data", data,
            "--task", "sst2", "--batch", "4", "--format", format, "--threads", "1");

        Assert.True(code == 2, $"exit code {code}; stderr:\n{stderr}");
        Assert.Equal("", stdout);
        Assert.Contains($"{weights}: tensor '{stored}' holds 1 non-finite values (NaN or infinity)", stderr, StringComparison.Ordinal);
    }
}
