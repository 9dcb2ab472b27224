using ALoRA.Grains.Resilience;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Polly;
using Polly.Registry;

namespace ALoRA.Grains.Tests.Resilience;

public sealed class AloraResilienceExtensionsTests
{
    [Fact]
    public void AddAloraResilience_RegistersEveryPipelineOnce()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAloraResilience();
        services.AddAloraResilience();
        using var provider = services.BuildServiceProvider();
        var registry = provider.GetRequiredService<ResiliencePipelineProvider<string>>();

        foreach (var key in AloraResilience.All)
        {
            var pipeline = registry.GetPipeline(key);
            Assert.Same(pipeline, registry.GetPipeline(key));
            Assert.NotNull(provider.GetRequiredKeyedService<ResiliencePipeline>(key));
        }
    }

    [Fact]
    public async Task AddAloraResilience_AppliesConfiguredOptions()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAloraResilience(o => o.GrainCalls = new AloraRetryOptions { MaxRetryAttempts = 1, BaseDelay = TimeSpan.Zero, MaxDelay = TimeSpan.Zero });
        using var provider = services.BuildServiceProvider();
        var pipeline = provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(AloraResilience.GrainCalls);
        var attempts = 0;

        await Assert.ThrowsAsync<SiloUnavailableException>(async () => await pipeline.ExecuteAsync(_ =>
        {
            attempts++;
            throw new SiloUnavailableException();
        }, CancellationToken.None));

        Assert.Equal(2, attempts);
    }

    [Fact]
    public void AddAloraResilience_InvalidOptions_FailNamingSetting()
    {
        var services = new ServiceCollection().AddLogging();
        services.AddAloraResilience(o => o.Storage.MaxRetryAttempts = -2);
        using var provider = services.BuildServiceProvider();

        var ex = Assert.Throws<OptionsValidationException>(() =>
            provider.GetRequiredService<ResiliencePipelineProvider<string>>().GetPipeline(AloraResilience.Storage));

        Assert.Contains("Alora:Resilience:Storage:MaxRetryAttempts", ex.Message, StringComparison.Ordinal);
    }
}
