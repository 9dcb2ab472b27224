using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>The Job that runs <c>alora submit</c> against the gateway Service.</summary>
public sealed class SubmitJobTests
{
    private static V1Job Job => Assert.Single(K8sRepo.All<V1Job>());

    private static V1Container Container => Assert.Single(Job.Spec.Template.Spec.Containers);

    [Fact]
    public void Job_RunsTheCliImage()
    {
        Assert.Equal("alora/cli", K8sRepo.SplitImage(Container.Image).Name);
        Assert.Equal("submit", Container.Args[0]);
        Assert.Equal("Never", Job.Spec.Template.Spec.RestartPolicy);
        Assert.True(Job.Spec.BackoffLimit > 0, "the Job should retry while the silos start");
    }

    [Fact]
    public void Job_SubmitsTheSpecFromTheSweepConfigMap()
    {
        var spec = Container.Args[1];
        var mount = Container.VolumeMounts.Single(m => spec.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal));
        var volume = Job.Spec.Template.Spec.Volumes.Single(v => v.Name == mount.Name);
        Assert.NotNull(volume.ConfigMap);
        var key = spec[(mount.MountPath.TrimEnd('/').Length + 1)..];
        Assert.True(File.Exists(K8sRepo.GeneratedFilePath(volume.ConfigMap.Name, key)));
    }

    [Fact]
    public void Job_ConnectsToTheGatewayService()
    {
        var gatewayArg = Container.Args.SkipWhile(a => a != "--gateway").Skip(1).FirstOrDefault();
        var gatewayEnv = Container.Env?.SingleOrDefault(e => e.Name == "ALORA_GATEWAY")?.Value;
        Assert.True(gatewayArg is not null || gatewayEnv is not null, "neither --gateway nor ALORA_GATEWAY is given");
        foreach (var gateway in new[] { gatewayArg, gatewayEnv }.OfType<string>())
        {
            var (host, port) = (gateway.Split(':')[0], int.Parse(gateway.Split(':')[1], System.Globalization.CultureInfo.InvariantCulture));
            var service = K8sRepo.One<V1Service>(host);
            Assert.True(K8sRepo.Selects(service.Spec.Selector, K8sRepo.Silo.Spec.Template.Metadata.Labels), $"{host} does not lead to the silos");
            Assert.Contains(service.Spec.Ports, p => p.Port == port && p.TargetPort.Value == "gateway");
        }
    }

    [Theory]
    [InlineData("ALORA_SERVICE_ID", "orleans/serviceId")]
    [InlineData("ALORA_CLUSTER_ID", "orleans/clusterId")]
    public void Job_UsesTheSilosServiceAndClusterIds(string variable, string label)
    {
        var value = Container.Env.Single(e => e.Name == variable).Value;
        Assert.Equal(K8sRepo.Silo.Spec.Template.Metadata.Labels[label], value);
    }

    [Fact]
    public void Job_PodIsNotMistakenForASilo()
    {
        // Orleans' Kubernetes hosting watches pods carrying these labels as silos.
        Assert.DoesNotContain(Job.Spec.Template.Metadata.Labels.Keys, k => k.StartsWith("orleans/", StringComparison.Ordinal));
    }

    [Fact]
    public void SweepSpec_ModelAndData_AreInBothImages()
    {
        // Both Dockerfiles copy the repository's samples/ to /opt/alora/samples/.
        const string imagePath = "/opt/alora/samples/";
        foreach (var dockerfile in new[] { "silo.Dockerfile", "cli.Dockerfile" })
        {
            Assert.Contains($"COPY samples/ {imagePath}", File.ReadAllText(Path.Combine(K8sRepo.ImagesDir, dockerfile)), StringComparison.Ordinal);
        }

        var spec = (Dictionary<object, object>)K8sRepo.ParseYaml(K8sRepo.GeneratedFile("alora-sweep", "sweep.yaml"))!;
        foreach (var key in new[] { "model", "data" })
        {
            var path = (string)spec[key];
            Assert.StartsWith(imagePath, path, StringComparison.Ordinal);
            var inRepo = Path.Combine(RepositoryPaths.Root, "samples", path[imagePath.Length..]);
            Assert.True(Directory.Exists(inRepo), $"{key}: {path} is {inRepo} in the repository, which does not exist");
        }
    }
}
