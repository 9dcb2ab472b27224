using ALoRA.Silo.Hosting;

namespace ALoRA.Silo.Tests.Hosting;

public sealed class SiloHostOptionsValidatorTests
{
    private static readonly Dictionary<string, Action<SiloHostOptions>> Changes = new()
    {
        ["empty SiloName"] = o => o.SiloName = "",
        ["blank SiloName"] = o => o.SiloName = "  ",
        ["SiloName with slash"] = o => o.SiloName = "node/a",
        ["empty ServiceId"] = o => o.ServiceId = "",
        ["empty ClusterId"] = o => o.ClusterId = " ",
        ["SiloPort 0"] = o => o.SiloPort = 0,
        ["SiloPort 70000"] = o => o.SiloPort = 70000,
        ["GatewayPort 0"] = o => o.GatewayPort = 0,
        ["GatewayPort -1"] = o => o.GatewayPort = -1,
        ["same ports"] = o => o.GatewayPort = o.SiloPort,
        ["HealthPort -1"] = o => o.HealthPort = -1,
        ["HealthPort 70000"] = o => o.HealthPort = 70000,
        ["HealthPort is the SiloPort"] = o => o.HealthPort = o.SiloPort,
        ["HealthPort is the GatewayPort"] = o => o.HealthPort = o.GatewayPort,
        ["Clustering zookeeper"] = o => o.Clustering = "zookeeper",
        ["Clustering empty"] = o => o.Clustering = "",
        ["redis clustering without connection string"] = o => o.Clustering = "redis",
        ["kubernetes clustering without connection string"] = o => o.Clustering = "kubernetes",
        ["Storage mongo"] = o => o.Storage = "mongo",
        ["redis storage without connection string"] = o => o.Storage = "redis",
        ["connection string with no host"] = o => o.RedisConnectionString = "password=secret",
        ["connection string with unknown keyword"] = o => o.RedisConnectionString = "redis:6379,frobnicate=1",
        ["empty DataDirectory"] = o => o.DataDirectory = "",
        ["PrimarySiloEndpoint without port"] = o => o.PrimarySiloEndpoint = "127.0.0.1",
        ["PrimarySiloEndpoint port 0"] = o => o.PrimarySiloEndpoint = "127.0.0.1:0",
        ["PrimarySiloEndpoint garbage"] = o => o.PrimarySiloEndpoint = "not an endpoint",
        ["PrimarySiloEndpoint with redis clustering"] = o =>
        {
            o.Clustering = "redis";
            o.RedisConnectionString = "redis:6379";
            o.PrimarySiloEndpoint = "127.0.0.1:11111";
        },
        ["AdvertisedAddress blank"] = o => o.AdvertisedAddress = " ",
        ["AdvertisedAddress garbage"] = o => o.AdvertisedAddress = "not a host!",
        ["negative ProbeTimeout"] = o => o.ProbeTimeout = TimeSpan.FromSeconds(-1),
        ["zero ProbeTimeout"] = o => o.ProbeTimeout = TimeSpan.Zero,
        ["NumMissedProbesLimit 0"] = o => o.NumMissedProbesLimit = 0,
        ["NumVotesForDeathDeclaration 0"] = o => o.NumVotesForDeathDeclaration = 0,
        ["negative DeathVoteExpirationTimeout"] = o => o.DeathVoteExpirationTimeout = TimeSpan.FromMinutes(-1),
        ["zero ShutdownTimeout"] = o => o.ShutdownTimeout = TimeSpan.Zero,
    };

    public static TheoryData<string, string> BadSettings() => new()
    {
        { "empty SiloName", "Alora:Silo:SiloName is required" },
        { "blank SiloName", "Alora:Silo:SiloName is required" },
        { "SiloName with slash", "Alora:Silo:SiloName = 'node/a' must not contain '/'" },
        { "empty ServiceId", "Alora:Silo:ServiceId is required" },
        { "empty ClusterId", "Alora:Silo:ClusterId is required" },
        { "SiloPort 0", "Alora:Silo:SiloPort must be between 1 and 65535, got 0" },
        { "SiloPort 70000", "Alora:Silo:SiloPort must be between 1 and 65535, got 70000" },
        { "GatewayPort 0", "Alora:Silo:GatewayPort must be between 1 and 65535, got 0" },
        { "GatewayPort -1", "Alora:Silo:GatewayPort must be between 1 and 65535, got -1" },
        { "same ports", "Alora:Silo:SiloPort and Alora:Silo:GatewayPort must differ" },
        { "HealthPort -1", "Alora:Silo:HealthPort must be between 1 and 65535, or 0 to turn the health endpoints off, got -1" },
        { "HealthPort 70000", "Alora:Silo:HealthPort must be between 1 and 65535, or 0 to turn the health endpoints off, got 70000" },
        { "HealthPort is the SiloPort", "Alora:Silo:HealthPort and Alora:Silo:SiloPort must differ, both are 11111" },
        { "HealthPort is the GatewayPort", "Alora:Silo:HealthPort and Alora:Silo:GatewayPort must differ, both are 30000" },
        { "Clustering zookeeper", "Alora:Silo:Clustering = 'zookeeper' is not one of: localhost, redis, kubernetes" },
        { "Clustering empty", "Alora:Silo:Clustering = '' is not one of" },
        { "redis clustering without connection string", "Alora:Silo:RedisConnectionString is required with Alora:Silo:Clustering=redis" },
        { "kubernetes clustering without connection string", "Alora:Silo:RedisConnectionString is required with Alora:Silo:Clustering=kubernetes" },
        { "Storage mongo", "Alora:Silo:Storage = 'mongo' is not one of: file, redis" },
        { "redis storage without connection string", "Alora:Silo:RedisConnectionString is required with Alora:Silo:Storage=redis" },
        { "connection string with no host", "Alora:Silo:RedisConnectionString is not a Redis connection string" },
        { "connection string with unknown keyword", "Alora:Silo:RedisConnectionString is not a Redis connection string" },
        { "empty DataDirectory", "Alora:Silo:DataDirectory is required" },
        { "PrimarySiloEndpoint without port", "Alora:Silo:PrimarySiloEndpoint = '127.0.0.1' is not host:port" },
        { "PrimarySiloEndpoint port 0", "Alora:Silo:PrimarySiloEndpoint = '127.0.0.1:0' is not host:port" },
        { "PrimarySiloEndpoint garbage", "Alora:Silo:PrimarySiloEndpoint = 'not an endpoint' is not host:port" },
        { "PrimarySiloEndpoint with redis clustering", "Alora:Silo:PrimarySiloEndpoint is only used with Alora:Silo:Clustering=localhost" },
        { "AdvertisedAddress blank", "Alora:Silo:AdvertisedAddress = ' ' is not an IP address or host name" },
        { "AdvertisedAddress garbage", "Alora:Silo:AdvertisedAddress = 'not a host!' is not an IP address or host name" },
        { "negative ProbeTimeout", "Alora:Silo:ProbeTimeout must be a positive time span" },
        { "zero ProbeTimeout", "Alora:Silo:ProbeTimeout must be a positive time span" },
        { "NumMissedProbesLimit 0", "Alora:Silo:NumMissedProbesLimit must be between 1 and 100, got 0" },
        { "NumVotesForDeathDeclaration 0", "Alora:Silo:NumVotesForDeathDeclaration must be between 1 and 100, got 0" },
        { "negative DeathVoteExpirationTimeout", "Alora:Silo:DeathVoteExpirationTimeout must be a positive time span" },
        { "zero ShutdownTimeout", "Alora:Silo:ShutdownTimeout must be a positive time span" },
    };

    [Fact]
    public void Validate_Defaults_Succeeds()
    {
        var result = new SiloHostOptionsValidator().Validate(null, new SiloHostOptions());

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [MemberData(nameof(BadSettings))]
    public void Validate_BadSetting_FailsNamingTheKey(string change, string expected)
    {
        var options = new SiloHostOptions();
        Changes[change](options);

        var result = new SiloHostOptionsValidator().Validate(null, options);

        Assert.True(result.Failed, $"{change} passed validation");
        var failure = Assert.Single(result.Failures!, f => f.StartsWith("Alora:Silo:", StringComparison.Ordinal) && f.Contains(expected, StringComparison.Ordinal));
        Assert.DoesNotContain("secret", failure, StringComparison.Ordinal);
    }

    [Fact]
    public void BadSettings_CoverEveryChange()
    {
        var covered = BadSettings().Select(row => (string)row[0]).ToHashSet();

        Assert.Equal(Changes.Keys.Order(), covered.Order());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(8080)]
    [InlineData(65535)]
    public void Validate_HealthPort_ZeroTurnsItOffAnyOtherPortIsFine(int port)
    {
        var result = new SiloHostOptionsValidator().Validate(null, new SiloHostOptions { HealthPort = port });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("redis", "file", "redis:6379")]
    [InlineData("kubernetes", "redis", "redis-0.redis:6379,password=secret,ssl=true,abortConnect=false")]
    [InlineData("LocalHost", "FILE", null)]
    public void Validate_GoodProviderChoice_Succeeds(string clustering, string storage, string? redis)
    {
        var options = new SiloHostOptions { Clustering = clustering, Storage = storage, RedisConnectionString = redis };

        var result = new SiloHostOptionsValidator().Validate(null, options);

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Theory]
    [InlineData("127.0.0.1:11111")]
    [InlineData("localhost:11111")]
    [InlineData("[::1]:11111")]
    [InlineData("node-a.cluster.local:65535")]
    public void Validate_PrimarySiloEndpoint_AcceptsHostPort(string endpoint)
    {
        var result = new SiloHostOptionsValidator().Validate(null, new SiloHostOptions { PrimarySiloEndpoint = endpoint });

        Assert.True(result.Succeeded, result.FailureMessage);
    }

    [Fact]
    public void Validate_ManyBadSettings_ReportsEveryOne()
    {
        var options = new SiloHostOptions { SiloName = "", SiloPort = 0, Storage = "mongo", ProbeTimeout = TimeSpan.FromSeconds(-2) };

        var result = new SiloHostOptionsValidator().Validate(null, options);

        Assert.Equal(4, result.Failures!.Count());
    }
}
