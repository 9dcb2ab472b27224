using ALoRA.Silo.Hosting;
using Microsoft.Extensions.Hosting;

// Settings: appsettings.json next to this program, then Alora__* environment variables, then --Alora:*=value arguments.
var builder = Host.CreateApplicationBuilder(new HostApplicationBuilderSettings { Args = args, ContentRootPath = AppContext.BaseDirectory });
try
{
    builder.UseAloraSilo();
    using var host = builder.Build();
    await host.ValidateOptions().RunAsync();
    return 0;
}
catch (Exception ex) when (SiloStartupFailure.Describe(ex) is { } messages)
{
    SiloStartupFailure.Report(Console.Error, messages);
    return SiloStartupFailure.ExitCode;
}
