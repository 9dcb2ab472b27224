using ALoRA.Engine.Lora;
using ALoRA.Engine.Model;
using ALoRA.Engine.Peft;
using TorchSharp.Modules;

namespace ALoRA.Engine.Tests.Peft;

public sealed class PeftConfigTests : IDisposable
{
    private readonly PeftTestFiles _files = new();

    public void Dispose() => _files.Dispose();

    [Theory]
    [InlineData("\"use_dora\": true", "\"use_dora\"")]
    [InlineData("\"peft_type\": \"IA3\"", "\"peft_type\" is \"IA3\"")]
    [InlineData("\"bias\": \"all\"", "\"bias\" is \"all\"")]
    [InlineData("\"fan_in_fan_out\": true", "\"fan_in_fan_out\"")]
    [InlineData("\"modules_to_save\": [\"lm_head\"]", "\"modules_to_save\"")]
    [InlineData("\"layers_to_transform\": [0, 1]", "\"layers_to_transform\"")]
    [InlineData("\"r\": \"eight\"", "\"r\" must be an integer")]
    [InlineData("\"rank_pattern\": {\"q_proj\": 0}", "\"rank_pattern\"['q_proj']")]
    public void ReadConfig_UnsupportedOrInvalidField_FailsNamingField(string field, string expected)
    {
        var dir = _files.WriteAdapter("bad", $$"""{"peft_type": "LORA", "r": 4, "target_modules": ["q_proj"], {{field}}}""");

        var ex = Assert.Throws<PeftFormatException>(() => PeftAdapterImporter.ReadConfig(dir));

        Assert.Contains(expected, ex.Message);
        Assert.StartsWith(Path.Combine(dir, "adapter_config.json"), ex.Message);
    }

    [Fact]
    public void ReadConfig_MissingFile_FailsNamingFile()
    {
        var dir = _files.Dir("absent");

        var ex = Assert.Throws<PeftFormatException>(() => PeftAdapterImporter.ReadConfig(dir));

        Assert.Contains($"{Path.Combine(dir, "adapter_config.json")}: file not found", ex.Message);
    }

    [Fact]
    public void ReadConfig_BadJson_FailsNamingFile()
    {
        var dir = _files.WriteAdapter("json", """{"peft_type": "LORA", "r": 4,""");

        var ex = Assert.Throws<PeftFormatException>(() => PeftAdapterImporter.ReadConfig(dir));

        Assert.Contains($"{Path.Combine(dir, "adapter_config.json")}: not valid JSON", ex.Message);
    }

    [Fact]
    public void ReadConfig_PeftFields_MapToLoraConfig()
    {
        var dir = _files.WriteAdapter("fields", """
            {"peft_type": "LORA", "r": 16, "lora_alpha": 32, "lora_dropout": 0.1, "target_modules": ["q_proj", "down_proj"],
             "exclude_modules": ["model.layers.0.mlp.down_proj"], "rank_pattern": {"layers\\.1\\..*": 4, "q_proj": 2},
             "alpha_pattern": {"down_proj": 3.5}, "bias": "none", "modules_to_save": null, "layers_to_transform": null}
            """);

        var config = PeftAdapterImporter.ReadConfig(dir);

        Assert.Equal(16, config.R);
        Assert.Equal(32.0, config.LoraAlpha);
        Assert.Equal(0.1, config.LoraDropout);
        Assert.Equal(["q_proj", "down_proj"], config.TargetModules);
        Assert.Null(config.TargetModulesRegex);
        Assert.Equal(["model.layers.0.mlp.down_proj"], config.ExcludeModules);
        Assert.Equal([KeyValuePair.Create(@"layers\.1\..*", 4), KeyValuePair.Create("q_proj", 2)], config.RankPattern);
        Assert.Equal([KeyValuePair.Create("down_proj", 3.5)], config.AlphaPattern);
    }

    [Fact]
    public void ReadConfig_AbsentFields_UsePeftDefaults()
    {
        var dir = _files.WriteAdapter("defaults", """{"peft_type": "LORA"}""");

        var config = PeftAdapterImporter.ReadConfig(dir);

        Assert.Equal(8, config.R);
        Assert.Equal(8.0, config.LoraAlpha); // PEFT's default, not this engine's 2 r
        Assert.Equal(["q_proj", "v_proj"], config.TargetModules);
    }

    [Fact]
    public void ReadConfig_TargetModulesString_IsRegexOrAllLinear()
    {
        var regex = PeftAdapterImporter.ReadConfig(_files.WriteAdapter("regex", """{"peft_type": "LORA", "target_modules": ".*\\.q_proj"}"""));
        var all = PeftAdapterImporter.ReadConfig(_files.WriteAdapter("all", """{"peft_type": "LORA", "target_modules": "all-linear"}"""));

        Assert.Equal(@".*\.q_proj", regex.TargetModulesRegex);
        Assert.Null(all.TargetModulesRegex);
        Assert.Equal(["all-linear"], all.TargetModules);
    }

    [Fact]
    public void ReadConfig_RsLoraWithoutArchitecture_ThrowsNamingUseRsLora()
    {
        var dir = _files.WriteAdapter("rslora", """{"peft_type": "LORA", "use_rslora": true}""");

        var ex = Assert.Throws<ArgumentException>(() => PeftAdapterImporter.ReadConfig(dir));

        Assert.Contains("use_rslora", ex.Message);
    }

    [Fact]
    public void ReadConfig_ExcludeModulesRegex_ExpandsToMatchingPaths()
    {
        var architecture = LlamaConfig.Load(Path.Combine(RepositoryPaths.Stories260K, "config.json"));
        var dir = _files.WriteAdapter("exclude", """{"peft_type": "LORA", "exclude_modules": ".*layers\\.[34]\\..*"}""");

        var config = PeftAdapterImporter.ReadConfig(dir, architecture);

        Assert.Equal(14, config.ExcludeModules.Count);
        Assert.All(config.ExcludeModules, p => Assert.Matches(@"^model\.layers\.[34]\.", p));
    }

    [Fact]
    public void LlamaLinearPaths_For_MatchesModelLinearModules()
    {
        Samples.EnsureTorch();
        using var model = HfModelLoader.Load(RepositoryPaths.Stories260K);
        var modelPaths = model.named_modules().Where(m => m.module is Linear && m.name != "lm_head").Select(m => m.name);

        Assert.Equal(modelPaths, LlamaLinearPaths.For(model.Config));
        Assert.Equal(LoraConfig.LlamaModuleTypes.Count * model.Config.NumHiddenLayers, LlamaLinearPaths.For(model.Config).Count);
    }
}
