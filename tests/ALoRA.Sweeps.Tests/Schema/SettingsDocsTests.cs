using ALoRA.Sweeps.Schema;

namespace ALoRA.Sweeps.Tests.Schema;

public sealed class SettingsDocsTests
{
    private const string Doc = "docs/sweep-spec.md";

    [Fact]
    public void SweepSpecDoc_TablesAreTheGeneratedOnes()
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, Doc)).ReplaceLineEndings("\n");

        GeneratedFiles.AssertCurrent(Doc, SettingsDocs.Apply(text));
    }

    [Fact]
    public void Tables_HaveARowPerDeclaredSetting()
    {
        var tables = SettingsDocs.Tables();

        Assert.All(SpecSchema.Training, d => Assert.Contains($"| `{d.Key}` | ", tables["training"], StringComparison.Ordinal));
        Assert.Contains("| `learning_rate` | number > 0 | `0.0001` (paper) | Peak AdamW learning rate. |", tables["training"], StringComparison.Ordinal);
        Assert.Contains("| `alora-sensi` | `beta2` | number in [0, 1) | `0.85` (AdaLoRA) |", tables["methods"], StringComparison.Ordinal);
        Assert.Contains("| `max_steps` | integer >= 1, or null | `null` (no cap) |", tables["training"], StringComparison.Ordinal);
    }

    [Fact]
    public void Apply_UnknownMarker_Throws() =>
        Assert.Throws<InvalidOperationException>(() => SettingsDocs.Apply("<!-- settings:nope -->\n<!-- /settings -->"));
}
