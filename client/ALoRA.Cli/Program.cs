using System.CommandLine;
using ALoRA.Cli.Commands;

var root = new RootCommand("alora: ALoRA fine-tuning sweeps on Orleans")
{
    new DemoCommand(),
    new ScoreCommand(),
};
return await root.Parse(args).InvokeAsync();
