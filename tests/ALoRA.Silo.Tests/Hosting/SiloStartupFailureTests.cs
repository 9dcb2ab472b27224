using ALoRA.Silo.Hosting;
using Microsoft.Extensions.Options;
using StackExchange.Redis;

namespace ALoRA.Silo.Tests.Hosting;

public sealed class SiloStartupFailureTests
{
    [Fact]
    public void Describe_AggregateOfValidationFailures_ListsEveryMessage()
    {
        var ex = new AggregateException(
            new OptionsValidationException("", typeof(object), ["Alora:Silo:SiloPort must be between 1 and 65535, got 0"]),
            new OptionsValidationException("", typeof(object), ["Alora:Trainers:CpuTrainers must be between 0 and 256, got -1", "Alora:Trainers:Devices lists a device twice"]));

        var messages = SiloStartupFailure.Describe(ex);

        Assert.Equal(3, messages!.Count);
    }

    [Fact]
    public void Describe_OrleansConfigurationError_IsAConfigurationError()
    {
        Assert.NotNull(SiloStartupFailure.Describe(new OrleansConfigurationException("ClusterId is required")));
    }

    [Fact]
    public void Describe_RedisRefusingThePassword_NamesTheSettingAndTheReply_NotThePassword()
    {
        var ex = new RedisConnectionException(
            ConnectionFailureType.AuthenticationFailure,
            "It was not possible to connect to the redis server(s). There was an authentication failure",
            new RedisServerException("Error: WRONGPASS invalid username-password pair or user is disabled."));

        var message = Assert.Single(SiloStartupFailure.Describe(ex)!);

        Assert.StartsWith("Alora:Silo:RedisConnectionString: authentication with Redis failed (WRONGPASS invalid username-password pair", message, StringComparison.Ordinal);
    }

    [Fact]
    public void Describe_RedisUnreachable_IsNotAConfigurationError()
    {
        Assert.Null(SiloStartupFailure.Describe(new RedisConnectionException(ConnectionFailureType.UnableToConnect, "It was not possible to connect")));
    }

    [Fact]
    public void Describe_OtherFailure_IsNotAConfigurationError()
    {
        Assert.Null(SiloStartupFailure.Describe(new IOException("disk full")));
        Assert.Null(SiloStartupFailure.Describe(new AggregateException(new OptionsValidationException("", typeof(object), ["x"]), new IOException("disk full"))));
    }

    [Fact]
    public void Report_WritesOneMessagePerLine()
    {
        var writer = new StringWriter();

        SiloStartupFailure.Report(writer, ["Alora:Silo:SiloPort must be between 1 and 65535, got 0", "Alora:Silo:Storage = 'mongo' is not one of: file, redis"]);

        var lines = writer.ToString().Split(Environment.NewLine, StringSplitOptions.RemoveEmptyEntries);
        Assert.Equal(3, lines.Length);
        Assert.Equal("Alora:Silo:SiloPort must be between 1 and 65535, got 0", lines[1]);
    }
}
