using System.Reflection;
using ALoRA.Silo.Hosting;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.Options;

namespace ALoRA.Silo.Tests.Hosting;

public sealed class SiloHostConfigurationTests
{
    [Fact]
    public void Read_EmptyConfiguration_GivesDefaults()
    {
        var options = SiloHostConfiguration.Read(new ConfigurationBuilder().Build());

        Assert.Equal(Environment.MachineName, options.SiloName);
        Assert.Equal("alora", options.ServiceId);
        Assert.Equal("alora-dev", options.ClusterId);
        Assert.Equal("localhost", options.Clustering);
        Assert.Equal("file", options.Storage);
        Assert.Equal("./alora-data", options.DataDirectory);
        Assert.Equal(11111, options.SiloPort);
        Assert.Equal(30000, options.GatewayPort);
        Assert.Null(options.PrimarySiloEndpoint);
        Assert.Null(options.AdvertisedAddress);
        Assert.Null(options.RedisConnectionString);
        Assert.Equal(TimeSpan.FromSeconds(2), options.ProbeTimeout);
        Assert.Equal(2, options.NumMissedProbesLimit);
        Assert.Equal(2, options.NumVotesForDeathDeclaration);
        Assert.Equal(TimeSpan.FromMinutes(2), options.DeathVoteExpirationTimeout);
        Assert.Equal(TimeSpan.FromSeconds(60), options.ShutdownTimeout);
    }

    [Fact]
    public void Read_EnvironmentVariables_UseDoubleUnderscoreMapping()
    {
        // A prefix private to this test keeps the process environment of the other tests clean.
        const string prefix = "ALORA_SILO_TESTS_ENV_";
        var variables = new Dictionary<string, string>
        {
            [prefix + "Alora__Silo__SiloName"] = "node-env",
            [prefix + "Alora__Silo__SiloPort"] = "12111",
            [prefix + "Alora__Silo__ProbeTimeout"] = "00:00:03",
            [prefix + "Alora__Silo__Clustering"] = "redis",
            [prefix + "Alora__Silo__RedisConnectionString"] = "redis:6379",
        };
        try
        {
            foreach (var (name, value) in variables)
            {
                Environment.SetEnvironmentVariable(name, value);
            }

            var configuration = new ConfigurationBuilder().AddEnvironmentVariables(prefix).Build();
            var options = SiloHostConfiguration.Read(configuration);

            Assert.Equal("node-env", options.SiloName);
            Assert.Equal(12111, options.SiloPort);
            Assert.Equal(TimeSpan.FromSeconds(3), options.ProbeTimeout);
            Assert.Equal("redis", options.Clustering);
            Assert.Equal("redis:6379", options.RedisConnectionString);
        }
        finally
        {
            foreach (var name in variables.Keys)
            {
                Environment.SetEnvironmentVariable(name, null);
            }
        }
    }

    [Fact]
    public void Read_CommandLineOverridesJson()
    {
        var json = Path.Combine(Directory.CreateTempSubdirectory("alora-silo-json-").FullName, "appsettings.json");
        File.WriteAllText(json, """{ "Alora": { "Silo": { "SiloPort": 12000, "GatewayPort": 32000 } } }""");
        try
        {
            var configuration = new ConfigurationBuilder()
                .AddJsonFile(json)
                .AddCommandLine(["--Alora:Silo:SiloPort=12001"])
                .Build();

            var options = SiloHostConfiguration.Read(configuration);

            Assert.Equal(12001, options.SiloPort);
            Assert.Equal(32000, options.GatewayPort);
        }
        finally
        {
            Directory.Delete(Path.GetDirectoryName(json)!, recursive: true);
        }
    }

    [Fact]
    public void ShippedAppSettings_ListsEveryDefault()
    {
        var path = Path.Combine(RepositoryPaths.Root, "silo", "ALoRA.Silo", "appsettings.json");
        var configuration = new ConfigurationBuilder().AddJsonFile(path).Build();
        var section = configuration.GetSection(SiloHostOptions.Section);

        var options = SiloHostConfiguration.Read(configuration);

        var defaults = new SiloHostOptions();
        foreach (var property in typeof(SiloHostOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Assert.Equal(property.GetValue(defaults), property.GetValue(options));
            var optional = property.Name is nameof(SiloHostOptions.SiloName) or nameof(SiloHostOptions.RedisConnectionString)
                or nameof(SiloHostOptions.PrimarySiloEndpoint) or nameof(SiloHostOptions.AdvertisedAddress)
                or nameof(SiloHostOptions.AllowedRoots); // an empty list is no key in configuration; listed as a comment
            Assert.True(optional || section[property.Name] is not null, $"appsettings.json does not list Alora:Silo:{property.Name}");
        }
    }

    [Fact]
    public void OperationsDoc_DocumentsEverySetting()
    {
        var readme = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "docs", "operations.md"));

        foreach (var property in typeof(SiloHostOptions).GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            Assert.Contains($"`Alora:Silo:{property.Name}`", readme, StringComparison.Ordinal);
            Assert.Contains($"`Alora__Silo__{property.Name}`", readme, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Read_UnknownKeyAndBadValues_ReportsEachNamingTheKey()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alora:Silo:Clusterin"] = "redis",
            ["Alora:Silo:SiloPort"] = "eleven",
            ["Alora:Silo:ProbeTimeout"] = "soon",
            ["Alora:Silo:Storage"] = "mongo",
        }).Build();

        var ex = Assert.Throws<OptionsValidationException>(() => SiloHostConfiguration.Read(configuration));

        Assert.Collection(
            ex.Failures.Order(StringComparer.Ordinal),
            f => Assert.StartsWith("Alora:Silo:Clusterin is not a setting", f, StringComparison.Ordinal),
            f => Assert.Equal("Alora:Silo:ProbeTimeout = 'soon' is not a valid time span (hh:mm:ss, e.g. 00:00:02)", f),
            f => Assert.Equal("Alora:Silo:SiloPort = 'eleven' is not a valid whole number", f),
            f => Assert.StartsWith("Alora:Silo:Storage = 'mongo' is not one of", f, StringComparison.Ordinal));
    }

    [Fact]
    public void Read_KeysIgnoreCase()
    {
        var configuration = new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["alora:silo:siloport"] = "12345",
            ["ALORA:SILO:CLUSTERING"] = "Localhost",
        }).Build();

        var options = SiloHostConfiguration.Read(configuration);

        Assert.Equal(12345, options.SiloPort);
    }

    [Fact]
    public void Read_AllowedRoots_AListOfExistingFolders_EachMissingOneNamedByIndex()
    {
        var here = AppContext.BaseDirectory;
        var options = SiloHostConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alora:Silo:AllowedRoots:0"] = here,
            ["Alora:Silo:AllowedRoots:1"] = Path.GetTempPath(),
        }).Build());
        Assert.Equal([here, Path.GetTempPath()], options.AllowedRoots);
        Assert.Empty(SiloHostConfiguration.Read(new ConfigurationBuilder().Build()).AllowedRoots);

        var missing = Path.Combine(here, "no-such-root");
        var ex = Assert.Throws<OptionsValidationException>(() => SiloHostConfiguration.Read(new ConfigurationBuilder().AddInMemoryCollection(new Dictionary<string, string?>
        {
            ["Alora:Silo:AllowedRoots:0"] = here,
            ["Alora:Silo:AllowedRoots:1"] = missing,
        }).Build()));
        Assert.Equal($"Alora:Silo:AllowedRoots:1 = '{missing}' does not exist (a folder specs may name model and data folders under)", Assert.Single(ex.Failures));
    }
}
