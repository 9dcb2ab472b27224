using ALoRA.Engine.Lora;

namespace ALoRA.Engine.Tests.Lora;

public sealed class LoraTargetingTests
{
    [Theory]
    [InlineData("model.layers.0.self_attn.q_proj", true)]
    [InlineData("model.layers.3.mlp.down_proj", true)]
    [InlineData("lm_head", false)]
    [InlineData("model.layers.0.self_attn.xq_proj", false)]
    public void IsTarget_DefaultList_MatchesSuffixAfterDot(string path, bool expected) =>
        Assert.Equal(expected, new LoraTargeting(new LoraConfig()).IsTarget(path));

    [Fact]
    public void IsTarget_Regex_MustMatchWholePath()
    {
        var t = new LoraTargeting(new LoraConfig { TargetModulesRegex = @".*\.layers\.[01]\.self_attn\.(q|v)_proj" });
        Assert.True(t.IsTarget("model.layers.1.self_attn.v_proj"));
        Assert.False(t.IsTarget("model.layers.2.self_attn.v_proj"));
        Assert.False(t.IsTarget("model.layers.1.self_attn.v_proj.extra"));
    }

    [Fact]
    public void IsTarget_ExcludeAndAllLinear()
    {
        var t = new LoraTargeting(new LoraConfig { TargetModules = ["all-linear"], ExcludeModules = ["model.layers.0.mlp.up_proj"] });
        Assert.True(t.IsTarget("model.layers.0.mlp.gate_proj"));
        Assert.False(t.IsTarget("model.layers.0.mlp.up_proj"));
        Assert.False(t.IsTarget("lm_head", isOutputLayer: true));
    }

    [Fact]
    public void RankAndAlphaPattern_KeysMatchAsPeftDoes_OtherModulesGetRAndAlpha()
    {
        var t = new LoraTargeting(new LoraConfig
        {
            R = 8,
            RankPattern = new Dictionary<string, int> { ["model.layers.0.self_attn.q_proj"] = 3, ["down_proj"] = 12 },
            AlphaPattern = new Dictionary<string, double> { ["down_proj"] = 5 },
        });
        Assert.Equal(3, t.InitialRank("model.layers.0.self_attn.q_proj"));
        Assert.Equal(8, t.InitialRank("model.layers.1.self_attn.q_proj"));
        Assert.Equal(12, t.InitialRank("model.layers.4.mlp.down_proj"));
        Assert.Equal(5, t.Alpha("model.layers.4.mlp.down_proj"));
        Assert.Equal(16, t.Alpha("model.layers.4.mlp.up_proj"));
    }

    [Fact]
    public void RankAndAlphaPattern_OverlappingKeys_FirstMatchingKeyWins()
    {
        // Both keys match layer 0's q_proj; only their order differs between the two configurations.
        const string path = "model.layers.0.self_attn.q_proj";
        const string specific = @"layers\.0\.self_attn\.q_proj";
        var specificFirst = new LoraTargeting(new LoraConfig
        {
            R = 8,
            RankPattern = new Dictionary<string, int> { [specific] = 3, ["q_proj"] = 5 },
            AlphaPattern = new Dictionary<string, double> { [specific] = 7, ["q_proj"] = 9 },
        });
        var generalFirst = new LoraTargeting(new LoraConfig
        {
            R = 8,
            RankPattern = new Dictionary<string, int> { ["q_proj"] = 5, [specific] = 3 },
            AlphaPattern = new Dictionary<string, double> { ["q_proj"] = 9, [specific] = 7 },
        });

        Assert.Equal((3, 7.0), (specificFirst.InitialRank(path), specificFirst.Alpha(path)));
        Assert.Equal((5, 9.0), (generalFirst.InitialRank(path), generalFirst.Alpha(path)));
        Assert.All(new[] { specificFirst, generalFirst }, t => Assert.Equal((5, 9.0), (t.InitialRank("model.layers.1.self_attn.q_proj"), t.Alpha("model.layers.1.self_attn.q_proj"))));
        Assert.All(new[] { specificFirst, generalFirst }, t => Assert.Equal((8, 16.0), (t.InitialRank("model.layers.0.self_attn.k_proj"), t.Alpha("model.layers.0.self_attn.k_proj"))));
    }

    [Fact]
    public void Validate_BadFields_NamesEachField()
    {
        var ex = Assert.Throws<ArgumentException>(() => new LoraConfig { R = 0, LoraDropout = 1.5, TargetModules = [] }.Validate());
        Assert.Contains("r must be in [1, 1024]", ex.Message);
        Assert.Contains("lora_dropout", ex.Message);
        Assert.Contains("target_modules", ex.Message);
    }
}
