using System.CommandLine;
using ALoRA.Cli.Commands;

var root = new RootCommand("alora: ALoRA fine-tuning sweeps on Orleans")
{
    new DemoCommand(),
};
return await root.Parse(args).InvokeAsync();
