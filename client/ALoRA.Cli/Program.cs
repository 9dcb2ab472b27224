using ALoRA.Cli.Hosting;

await using var services = CliApp.CreateServices();
return await CliApp.RunAsync(args, services);
