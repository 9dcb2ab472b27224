using Xunit.Abstractions;

namespace ALoRA.EndToEnd.Tests;

/// <summary>
/// Issue 12, point 1, with a real silo process: a trial that takes its silo down each time it trains (there, out of
/// memory; here, <c>kill -9</c> while it trains) used to be retried without limit, so the cluster crash-looped. With
/// <c>Alora:MaxInfrastructureRetries=1</c> the second lost attempt fails the trial, naming the trainers it lost, and the
/// sweep ends; the restarted silo stays up and idle.
/// </summary>
public sealed class CrashLoopTests(ITestOutputHelper log) : EndToEndTest(log)
{
    [Fact]
    public async Task TrialWhoseSiloIsKilledEachTimeItTrains_FailsAfterTheCap_SweepEnds()
    {
        var ports = SiloPorts.Free();
        var data = Workspace.PathOf("data");
        var settings = new Dictionary<string, string> { ["Alora__MaxInfrastructureRetries"] = "1" };
        var spec = Workspace.WriteSpec("e2e-crash.yaml", """
            id: e2e-crash
            seeds: [1]
            method: lora
            lora: {r: 2}
            training: {learning_rate: 5.0e-3, batch_size: 8, max_steps: 20000, eval_every_steps: 20000, max_sequence_length: 48, max_dev_examples: 8}
            """);
        var silos = new List<SiloProcess>();
        try
        {
            silos.Add(await SiloProcess.StartAsync("node-a", ports, data, Workspace.Root, SiloStart, settings));
            await AloraOk("submit", spec, "--gateway", ports.Gateway);
            for (var attempt = 1; attempt <= 2; attempt++)
            {
                var running = await PollStatusAsync(silos[^1], "e2e-crash",
                    s => s.GetProperty("trials")[0] is var t && t.Str("state") == "running" && t.Int("attempt") == attempt && t.Int("step") >= 1,
                    TimeSpan.FromMinutes(5), $"attempt {attempt} to train");
                Log.WriteLine($"attempt {attempt} trains at step {running.GetProperty("trials")[0].Int("step")}; kill -9");
                await silos[^1].KillAsync();
                LogSilo(silos[^1]);
                silos.Add(await SiloProcess.StartAsync("node-a", ports, data, Workspace.Root, SiloStart, settings));
            }

            var done = await PollStatusAsync(silos[^1], "e2e-crash", s => s.Str("state") != "running", TimeSpan.FromMinutes(3), "the sweep to end");
            var trial = done.GetProperty("trials")[0];
            Assert.Equal("completed", done.Str("state")); // every trial settled
            Assert.Equal(("failed", 2), (trial.Str("state"), trial.Int("attempt")));
            Assert.Contains("its attempts kept losing their trainer (2 lost, at most 1 retried", trial.Str("error"), StringComparison.Ordinal);
            Assert.Contains("attempt 1 on node-a/cpu:0@", trial.Str("error"), StringComparison.Ordinal);
            Assert.Contains("attempt 2 on node-a/cpu:0@", trial.Str("error"), StringComparison.Ordinal);

            // The silo stays up with an idle trainer: the trial is not handed out again.
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.False(silos[^1].HasExited, silos[^1].Output);
            var again = await StatusAsync(silos[^1], "e2e-crash");
            Assert.Equal(("failed", 2), (again.GetProperty("trials")[0].Str("state"), again.GetProperty("trials")[0].Int("attempt")));
        }
        finally
        {
            LogSilo(silos[^1]);
            foreach (var silo in silos)
            {
                await silo.DisposeAsync();
            }
        }
    }
}
