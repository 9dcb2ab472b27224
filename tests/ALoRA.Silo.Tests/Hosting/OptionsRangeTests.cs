using ALoRA.Grains.Hosting;
using ALoRA.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Hosting;

namespace ALoRA.Silo.Tests.Hosting;

/// <summary>
/// The <c>[Range]</c> annotations of the options classes are enforced when the silo host validates its options, each
/// out-of-range value with a message naming its setting, through the silo's own host builder (no silo starts).
/// </summary>
public sealed class OptionsRangeTests
{
    [Theory]
    [InlineData("Alora:MaxTrialRetries", "101", "between 0 and 100")]
    [InlineData("Alora:MaxTrialRetries", "-1", "between 0 and 100")]
    [InlineData("Alora:FeedCapacity", "99", "between 100 and 10000000")]
    public void AloraClusterOptions_OutOfRange_RejectedNamingTheSetting(string key, string value, string range) =>
        AssertRejected(key, value, range);

    [Theory]
    [InlineData("Alora:Trainers:CpuTrainers", "257", "between 0 and 256")]
    [InlineData("Alora:Trainers:TorchThreads", "1025", "between 0 and 1024")]
    [InlineData("Alora:Trainers:TorchThreads", "-1", "between 0 and 1024")]
    public void AloraTrainerOptions_OutOfRange_RejectedNamingTheSetting(string key, string value, string range) =>
        AssertRejected(key, value, range);

    [Fact]
    public void RangeAnnotations_AtTheirBounds_Accepted()
    {
        using var host = Build(new()
        {
            ["Alora:MaxTrialRetries"] = "100",
            ["Alora:FeedCapacity"] = "100",
            ["Alora:Trainers:CpuTrainers"] = "256",
            ["Alora:Trainers:TorchThreads"] = "1024",
        });

        host.ValidateOptions();
    }

    private static void AssertRejected(string key, string value, string range)
    {
        using var host = Build(new() { [key] = value });

        var ex = Assert.ThrowsAny<Exception>(() => host.ValidateOptions());

        var messages = SiloStartupFailure.Describe(ex);
        Assert.NotNull(messages);
        var message = Assert.Single(messages);
        Assert.StartsWith($"{key}: ", message, StringComparison.Ordinal);
        Assert.Contains(range, message, StringComparison.Ordinal);
        Assert.EndsWith($"(got {value})", message, StringComparison.Ordinal);
    }

    private static IHost Build(Dictionary<string, string?> settings)
    {
        var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { DisableDefaults = true });
        builder.Configuration.AddInMemoryCollection(settings);
        builder.Configuration.AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alora:Silo:DataDirectory"] = Path.Combine(Path.GetTempPath(), "alora-options-range"),
            ["Alora:Trainers:DiscoverCuda"] = "false",
        });
        builder.UseAloraSilo();
        return builder.Build();
    }
}
