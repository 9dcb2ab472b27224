using System.Text.Json;
using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Peft;
using ALoRA.Engine.Runtime;
using static TorchSharp.torch;

namespace ALoRA.Cli.Tests;

/// <summary><c>--dtype</c> on <c>alora train</c> and <c>alora score</c>, and <c>model: {path, dtype}</c>, as real processes.</summary>
public sealed class DTypeOptionTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("alora-dtype-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void Train_ModelMappingWithDType_AndDTypeOption_RunsInTheOptionsDType()
    {
        var spec = Path.Combine(_dir, "trial.yaml");
        File.WriteAllText(spec, $$"""
            model: {path: {{RepositoryPaths.Stories260K}}, dtype: float16}
            data: {{RepositoryPaths.Sst2}}
            task: sst2
            seeds: [4]
            method: lora
            training: {learning_rate: 5.0e-3, batch_size: 16, max_steps: 3, eval_every_steps: 3, max_sequence_length: 64, max_dev_examples: 16}
            """);

        var (code, stdout, stderr) = AloraCli.Run(RepositoryPaths.Root, "train", spec, "--out", Path.Combine(_dir, "run"), "--threads", "1", "--dtype", "bfloat16");

        Assert.True(code == 0, stderr + stdout);
        Assert.Contains("bfloat16 base", stdout, StringComparison.Ordinal);
        Assert.Matches(@"result: dev acc \d+\.\d %", stdout);
        using var config = JsonDocument.Parse(File.ReadAllText(Path.Combine(_dir, "run", "adapter", "adapter_config.json")));
        Assert.Equal("lora", config.RootElement.GetProperty("peft_type").GetString()!.ToLowerInvariant());
    }

    [Fact]
    public void Score_BFloat16_CeCloseToFloat32_UnknownDTypeRefused()
    {
        TorchRuntime.EnsureInitialized(1);
        var adapter = Path.Combine(_dir, "adapter");
        using (var model = HfModelLoader.Load(RepositoryPaths.Stories260K, new ModelLoadOptions { Lora = new LoraConfig { R = 2, TargetModules = ["q_proj", "v_proj"] } }))
        {
            manual_seed(3);
            using (no_grad())
            {
                foreach (var slot in model.Adapters)
                {
                    slot.Module.LoraB.normal_(0, 0.5);
                }
            }

            PeftAdapterExporter.Export(model, adapter);
        }

        var data = Path.Combine(RepositoryPaths.Sst2, "validation.jsonl");
        double Ce(params string[] extra)
        {
            var (code, stdout, stderr) = AloraCli.Run(_dir, ["score", "--model", RepositoryPaths.Stories260K, "--adapter", adapter, "--data", data,
                "--task", "sst2", "--batch", "4", "--format", "json", "--threads", "1", .. extra]);
            Assert.True(code == 0, stderr);
            return JsonDocument.Parse(stdout).RootElement.GetProperty("ce").GetDouble();
        }

        var fp32 = Ce();
        var bf16 = Ce("--dtype", "bfloat16");
        Assert.InRange(Math.Abs(bf16 - fp32), 0, 0.05); // docs/engine-notes.md, "Precision"

        var bad = AloraCli.Run(_dir, "score", "--model", RepositoryPaths.Stories260K, "--adapter", adapter, "--data", data, "--dtype", "fp8");
        Assert.Equal(2, bad.ExitCode);
        Assert.Contains("'fp8' not recognized", bad.Stderr + bad.Stdout, StringComparison.Ordinal);
        Assert.Contains("'bfloat16'", bad.Stderr + bad.Stdout, StringComparison.Ordinal);
    }
}
