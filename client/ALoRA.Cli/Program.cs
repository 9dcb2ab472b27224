using ALoRA.Cli.Hosting;

return await CliApp.RunAsync(args, CliApp.CreateServices());
