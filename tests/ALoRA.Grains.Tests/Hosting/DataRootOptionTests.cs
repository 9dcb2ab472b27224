using ALoRA.Grains.Hosting;

namespace ALoRA.Grains.Tests.Hosting;

/// <summary><c>Alora:DataRoot</c> is checked at start: when set, it must be an existing folder.</summary>
public sealed class DataRootOptionTests
{
    private static readonly AloraClusterOptionsValidator Validator = new();

    [Fact]
    public void Empty_IsTheWorkingDirectory()
    {
        var options = new AloraClusterOptions();

        Assert.True(Validator.Validate(null, options).Succeeded);
        Assert.Equal(Environment.CurrentDirectory, options.ResolvedDataRoot());
    }

    [Fact]
    public void ExistingFolder_IsAccepted_AndResolvedToItsFullPath()
    {
        var options = new AloraClusterOptions { DataRoot = Path.GetTempPath() };

        Assert.True(Validator.Validate(null, options).Succeeded);
        Assert.Equal(Path.GetFullPath(Path.GetTempPath()), options.ResolvedDataRoot());
    }

    [Fact]
    public void MissingFolder_FailsNamingTheSetting()
    {
        var missing = Path.Combine(Path.GetTempPath(), $"alora-no-such-root-{Guid.NewGuid():N}");

        var result = Validator.Validate(null, new AloraClusterOptions { DataRoot = missing });

        Assert.True(result.Failed);
        Assert.Equal([$"Alora:DataRoot = '{missing}' does not exist (the folder relative model and data paths of specs resolve against)"], result.Failures);
    }
}
