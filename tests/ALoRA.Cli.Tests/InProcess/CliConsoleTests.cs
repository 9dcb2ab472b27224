using ALoRA.Cli.Output;
using Spectre.Console;

namespace ALoRA.Cli.Tests.InProcess;

public sealed class CliConsoleTests
{
    /// <summary>The process' console has no colours when NO_COLOR is set (any non-empty value), whatever the terminal supports.</summary>
    [Fact]
    public void SystemConsole_WithNoColorSet_HasNoColours()
    {
        var before = Environment.GetEnvironmentVariable("NO_COLOR");
        try
        {
            Environment.SetEnvironmentVariable("NO_COLOR", "1");
            var console = CliConsole.CreateSystem();

            Assert.Equal(ColorSystem.NoColors, console.Out.Profile.Capabilities.ColorSystem);
            Assert.Equal(ColorSystem.NoColors, console.Error.Profile.Capabilities.ColorSystem);
            Assert.False(console.Color);
        }
        finally
        {
            Environment.SetEnvironmentVariable("NO_COLOR", before);
        }
    }
}
