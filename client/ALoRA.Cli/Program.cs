using System.CommandLine;
using ALoRA.Cli.Commands;
using ALoRA.Cli.Connection;

var root = new RootCommand("alora: ALoRA fine-tuning sweeps on Orleans")
{
    new SubmitCommand(),
    new WatchCommand(),
    new StatusCommand(),
    new ResultsCommand(),
    new ShowCommand(),
    new ExportCommand(),
    new CancelCommand(),
    new ClusterInfoCommand(),
    new PlanCommand(),
    new TrainCommand(),
    new DoctorCommand(),
    new DemoCommand(),
    new ScoreCommand(),
};
ConnectionOptions.AddTo(root);
return await root.Parse(args).InvokeAsync();
