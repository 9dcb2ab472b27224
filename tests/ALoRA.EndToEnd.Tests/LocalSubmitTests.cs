using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// <c>alora submit --local</c>: the silo runs in the CLI process, so relative spec paths resolve against the spec
/// file's folder (its <c>Alora:DataRoot</c>), not the working directory (docs/sweep-spec.md, "Paths and where they are read").
/// </summary>
public sealed class LocalSubmitTests(ITestOutputHelper log) : EndToEndTest(log)
{
    [Fact]
    public async Task SubmitLocal_RelativeDataPath_ResolvesAgainstTheSpecsFolder()
    {
        var folder = Workspace.PathOf("specs", "nested");
        Directory.CreateDirectory(folder);
        var spec = Path.Combine(folder, "relative.yaml");
        await File.WriteAllTextAsync(spec, $"""
            id: local-relative
            model: {Workspace.Model}
            data: ../../sst2-small
            task: sst2
            metric: dev_accuracy
            seeds: [1]
            method: lora
            lora: {"{"}r: 2{"}"}
            training: {"{"}learning_rate: 5.0e-3, batch_size: 16, max_steps: 2, eval_every_steps: 2, checkpoint_every_steps: null, max_sequence_length: 64, max_dev_examples: 8{"}"}
            """);

        // The working directory (the workspace root) has no ../../sst2-small; the spec's folder has.
        var submit = await Alora(Watch, "submit", spec, "--local", "--data-dir", Workspace.PathOf("local-data"), "--format", "json");

        Assert.True(submit.ExitCode == 0, submit.ToString());
        var (_, _, final) = JsonOutput.WatchStream(submit, header: true);
        var trial = final.GetProperty("trials").EnumerateArray().Single();
        Assert.Equal("completed", trial.Str("state"));
        var show = JsonOutput.Document(await AloraOk("show", trial.Str("trial_id"), "--local", "--data-dir", Workspace.PathOf("local-data"), "--format", "json"));
        Assert.Equal(Workspace.Data, show.GetProperty("spec").Str("data"));
    }
}
