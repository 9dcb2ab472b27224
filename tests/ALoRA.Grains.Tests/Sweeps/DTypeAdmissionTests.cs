using System.Collections.Immutable;
using ALoRA.Grains.Sweeps;
using ALoRA.Grains.Tests.Cluster;
using ALoRA.Sweeps;

namespace ALoRA.Grains.Tests.Sweeps;

/// <summary>
/// Issue 13: a <c>model.dtype</c> that no trainer's device computes is refused at submit, naming model.dtype, before
/// anything is stored (each trainer probes its device when its silo starts and registers the dtypes with the scheduler).
/// </summary>
public sealed class DTypeAdmissionTests
{
    private static string Yaml(string id, string dtype) =>
        $"id: {id}\nmodel: {{path: {RepositoryPaths.Stories260K}, dtype: {dtype}}}\ndata: {RepositoryPaths.Sst2}\ntask: sst2\nseeds: [1]\nmethod: lora\n";

    private static SweepSpec Spec(string dtype) => SweepSpecParser.Parse(Yaml("dt", dtype), "dt.yaml");

    private static Dictionary<string, ImmutableList<string>> Registered(params (string Key, string[] DTypes)[] trainers) =>
        trainers.ToDictionary(t => t.Key, t => t.DTypes.ToImmutableList(), StringComparer.Ordinal);

    [Fact]
    public void ADTypeNoTrainerComputes_IsRefused_NamingModelDType_AtItsLine_AndWhatTheDevicesCompute()
    {
        var ex = Assert.Throws<SweepSpecException>(() => DTypeAdmission.Check(Spec("float16"),
            Registered(("a/cuda:0", ["float32", "bfloat16"]), ("b/cpu:0", ["float32"]))));

        var error = Assert.Single(ex.Errors);
        Assert.Equal(("model.dtype", 2), (error.Path, error.Line));
        Assert.Contains("model.dtype float16 cannot be computed by any trainer of the cluster (a/cuda:0: float32, bfloat16; b/cpu:0: float32)", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void OneTrainerComputingIt_NoneRegistered_OrNoDTypeGiven_IsAccepted()
    {
        DTypeAdmission.Check(Spec("bfloat16"), Registered(("a/cpu:0", ["float32"]), ("b/cuda:0", ["float32", "bfloat16"])));
        DTypeAdmission.Check(Spec("float16"), Registered());
        DTypeAdmission.Check(SweepSpecParser.Parse($"model: {RepositoryPaths.Stories260K}\ndata: {RepositoryPaths.Sst2}\ntask: sst2\n", "x.yaml"),
            Registered(("a/cpu:0", [])));
    }

    [Fact]
    public async Task Submit_ADTypeTheTrainersDoNotCompute_IsRefusedBeforeAnythingIsStored_OneTheyDoRuns()
    {
        var engine = new FakeTrainingEngine { DTypes = ["float32", "bfloat16"] };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 2, engine: engine);
        await h.WaitForAsync(() => h.Scheduler.GetDeviceDTypesAsync(), d => d.Count == 2, what: "2 trainers' dtypes");

        var ex = await Assert.ThrowsAsync<ArgumentException>(() => h.Sweep("half").SubmitAsync(Specs.Parsed(Yaml("half", "float16"))));

        Assert.Contains("model.dtype (line 2, col ", ex.Message, StringComparison.Ordinal);
        Assert.Contains("model.dtype float16 cannot be computed by any trainer of the cluster", ex.Message, StringComparison.Ordinal);
        await Assert.ThrowsAsync<KeyNotFoundException>(() => h.Sweep("half").GetStatusAsync());
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(h.Directory, "state"), "*half*", SearchOption.AllDirectories));

        await h.Sweep("brain").SubmitAsync(Specs.Parsed(Yaml("brain", "bfloat16")));
        await h.WaitForAsync(() => Task.FromResult(engine.Starts.Select(s => s.TrialId).ToList()), s => s.Count > 0, what: "the bfloat16 trial to start");
    }

    [Fact]
    public async Task ASweepsTrials_GoOnlyToDevicesThatComputeItsDType_TheOthersTakeTheDefaultDTypeSweep()
    {
        // cpu:0 computes float32 only, cpu:1 also bfloat16: the bfloat16 sweep runs on cpu:1 alone, while the sweep
        // without a dtype (each device's default) runs on both. Before dispatch checked the dtype, cpu:0 would have taken
        // bfloat16 trials and failed them at their start.
        var engine = new FakeTrainingEngine { DTypesOf = d => d == "cpu:0" ? ["float32"] : ["float32", "bfloat16"], StepDelay = TimeSpan.FromMilliseconds(20) };
        await using var h = await ClusterHarness.StartAsync(silos: 1, trainersPerSilo: 2, engine: engine);
        await h.WaitForAsync(() => h.Scheduler.GetDeviceDTypesAsync(), d => d.Count == 2, what: "2 trainers' dtypes");

        await h.Sweep("brain").SubmitAsync(Specs.Parsed(Yaml("brain", "bfloat16").Replace("seeds: [1]", "seeds: [1, 2, 3, 4]", StringComparison.Ordinal)));
        await h.Sweep("plain").SubmitAsync(Specs.Parsed($"id: plain\nmodel: {RepositoryPaths.Stories260K}\ndata: {RepositoryPaths.Sst2}\ntask: sst2\nseeds: [1, 2, 3, 4]\nmethod: lora\n"));
        await h.WaitForSweepAsync("brain", timeout: TimeSpan.FromMinutes(2));
        await h.WaitForSweepAsync("plain", timeout: TimeSpan.FromMinutes(2));

        var brain = engine.Starts.Where(s => s.TrialId.StartsWith("brain-", StringComparison.Ordinal)).ToList();
        Assert.Equal(4, brain.Count);
        Assert.All(brain, s => Assert.Equal("cpu:1", s.Device));
        Assert.Contains(engine.Starts, s => s.TrialId.StartsWith("plain-", StringComparison.Ordinal) && s.Device == "cpu:0");
    }
}
