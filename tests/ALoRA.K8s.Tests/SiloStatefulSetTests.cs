using System.Globalization;
using System.Text.RegularExpressions;
using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>The silo StatefulSet against what Orleans' Kubernetes hosting and the silo's settings need.</summary>
public sealed partial class SiloStatefulSetTests
{
    private static V1StatefulSet Silo => K8sRepo.Silo;

    private static V1PodTemplateSpec Template => Silo.Spec.Template;

    private static V1Container Container => K8sRepo.SiloContainerOf(Silo);

    private static string? Env(string name) => K8sRepo.ResolveEnv(Container, Template, name);

    [Theory]
    [InlineData("POD_NAME", "metadata.name")]
    [InlineData("POD_NAMESPACE", "metadata.namespace")]
    [InlineData("POD_IP", "status.podIP")]
    public void Env_PodFields_ComeFromTheDownwardApi(string name, string fieldPath)
    {
        var env = Assert.Single(Container.Env, e => e.Name == name);
        Assert.Null(env.Value);
        Assert.Equal(fieldPath, env.ValueFrom?.FieldRef?.FieldPath);
    }

    [Theory]
    [InlineData("ORLEANS_SERVICE_ID", "orleans/serviceId")]
    [InlineData("ORLEANS_CLUSTER_ID", "orleans/clusterId")]
    [InlineData("Alora__Silo__ServiceId", "orleans/serviceId")]
    [InlineData("Alora__Silo__ClusterId", "orleans/clusterId")]
    public void Env_OrleansIds_MatchThePodLabels(string name, string label)
    {
        Assert.True(Template.Metadata.Labels.TryGetValue(label, out var expected), $"the silo pod template has no label {label}");
        Assert.False(string.IsNullOrWhiteSpace(expected));
        Assert.Equal(expected, Env(name));
    }

    [Fact]
    public void Selector_DoesNotDependOnTheLabelsOrleansPatches()
    {
        // Orleans patches orleans/* onto its pod; a selector on them would tie the StatefulSet to Orleans' writes.
        Assert.DoesNotContain(Silo.Spec.Selector.MatchLabels.Keys, k => k.StartsWith("orleans/", StringComparison.Ordinal));
        Assert.True(K8sRepo.Selects(Silo.Spec.Selector.MatchLabels, Template.Metadata.Labels));
    }

    [Fact]
    public void Settings_SelectKubernetesClusteringAndRedisStorage()
    {
        Assert.Equal("kubernetes", K8sRepo.SiloSetting("Clustering"));
        Assert.Equal("redis", K8sRepo.SiloSetting("Storage"));
    }

    [Fact]
    public void Settings_RedisConnectionString_NamesTheRedisService()
    {
        var connection = K8sRepo.SiloSetting("RedisConnectionString");
        var endpoint = connection.Split(',')[0];
        var (host, port) = (endpoint.Split(':')[0], int.Parse(endpoint.Split(':')[1], CultureInfo.InvariantCulture));
        var service = K8sRepo.One<V1Service>(host);
        Assert.Contains(service.Spec.Ports, p => p.Port == port);
    }

    [Fact]
    public void Settings_EveryAloraSiloVariable_IsASettingOfSiloHostOptions()
    {
        // Unknown keys under Alora:Silo stop the silo at start (docs/operations.md), so check the names against the options class.
        var source = File.ReadAllText(Path.Combine(RepositoryPaths.Root, "silo", "ALoRA.Silo", "Hosting", "SiloHostOptions.cs"));
        var settings = SettingProperty().Matches(source).Select(m => m.Groups[1].Value).ToHashSet(StringComparer.OrdinalIgnoreCase);
        Assert.Contains("ShutdownTimeout", settings);
        const string prefix = "Alora__Silo__";
        foreach (var env in Container.Env.Where(e => e.Name.StartsWith(prefix, StringComparison.Ordinal)))
        {
            Assert.True(settings.Contains(env.Name[prefix.Length..]), $"{env.Name} is not a property of SiloHostOptions");
        }
    }

    [Fact]
    public void Ports_MatchTheSiloAndGatewaySettings()
    {
        var ports = Container.Ports.ToDictionary(p => p.Name, p => p.ContainerPort);
        Assert.Equal(int.Parse(K8sRepo.SiloSetting("SiloPort"), CultureInfo.InvariantCulture), ports["silo"]);
        Assert.Equal(int.Parse(K8sRepo.SiloSetting("GatewayPort"), CultureInfo.InvariantCulture), ports["gateway"]);
        Assert.Equal(30000, ports["gateway"]);
        Assert.Equal(8080, ports["http"]);
    }

    [Fact]
    public void Probes_ReadinessAndLiveness_UseTheHealthEndpointsOnTheManagementPort()
    {
        var http = Container.Ports.Single(p => p.Name == "http").ContainerPort;
        AssertHttpProbe(Container.ReadinessProbe, "/health/ready", http);
        AssertHttpProbe(Container.LivenessProbe, "/health/live", http);
    }

    [Fact]
    public void TerminationGracePeriod_IsLongerThanTheShutdownTimeout()
    {
        var shutdown = TimeSpan.Parse(K8sRepo.SiloSetting("ShutdownTimeout"), CultureInfo.InvariantCulture);
        var grace = Template.Spec.TerminationGracePeriodSeconds;
        Assert.NotNull(grace);
        Assert.True(grace > shutdown.TotalSeconds, $"terminationGracePeriodSeconds {grace} must exceed ShutdownTimeout {shutdown}");
    }

    [Fact]
    public void ServiceAccount_IsSetAndItsTokenMounted()
    {
        Assert.False(string.IsNullOrEmpty(Template.Spec.ServiceAccountName));
        Assert.True(Template.Spec.AutomountServiceAccountToken);
    }

    [Fact]
    public void CheckpointRoot_IsOnTheSharedReadWriteManyVolume()
    {
        var root = Env("Alora__Checkpoints__RootDirectory");
        Assert.False(string.IsNullOrEmpty(root), "Alora__Checkpoints__RootDirectory is not set");
        Assert.True(Path.IsPathRooted(root));
        var mount = Container.VolumeMounts
            .Where(m => root == m.MountPath || root.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal))
            .OrderByDescending(m => m.MountPath.Length)
            .FirstOrDefault();
        Assert.True(mount is not null, $"nothing is mounted at or above {root}");
        Assert.NotEqual(true, mount.ReadOnlyProperty);
        var volume = Template.Spec.Volumes.Single(v => v.Name == mount.Name);
        Assert.True(volume.PersistentVolumeClaim is not null, $"{mount.MountPath} is not a persistent volume claim");
        var claim = K8sRepo.One<V1PersistentVolumeClaim>(volume.PersistentVolumeClaim.ClaimName);
        Assert.Contains("ReadWriteMany", claim.Spec.AccessModes);
    }

    [Fact]
    public void OtlpEndpoint_PointsAtTheCollectorService()
    {
        var endpoint = new Uri(Env("OTEL_EXPORTER_OTLP_ENDPOINT") ?? throw new InvalidOperationException("OTEL_EXPORTER_OTLP_ENDPOINT is not set"));
        var protocol = Env("OTEL_EXPORTER_OTLP_PROTOCOL") ?? "grpc";
        var host = endpoint.Host.Split('.')[0];
        Assert.True(endpoint.Host == host || endpoint.Host.StartsWith($"{host}.{K8sRepo.Namespace}", StringComparison.Ordinal), endpoint.Host);
        var service = K8sRepo.One<V1Service>(host);
        var collector = K8sRepo.All<V1Deployment>().Single(d => K8sRepo.Selects(service.Spec.Selector, d.Spec.Template.Metadata.Labels));
        Assert.Contains("opentelemetry-collector", collector.Spec.Template.Spec.Containers.Single().Image, StringComparison.Ordinal);
        Assert.Contains(service.Spec.Ports, p => p.Port == endpoint.Port);
        Assert.Equal(protocol == "grpc" ? 4317 : 4318, endpoint.Port);
    }

    [Fact]
    public void HeadlessService_GovernsTheStatefulSet()
    {
        var service = K8sRepo.One<V1Service>(Silo.Spec.ServiceName);
        Assert.Equal("None", service.Spec.ClusterIP);
        Assert.True(K8sRepo.Selects(service.Spec.Selector, Template.Metadata.Labels));
    }

    [Fact]
    public void GatewayService_ExposesPort30000OfTheSilos()
    {
        var gateway = K8sRepo.One<V1Service>("alora-gateway");
        Assert.True(K8sRepo.Selects(gateway.Spec.Selector, Template.Metadata.Labels));
        var port = Assert.Single(gateway.Spec.Ports);
        Assert.Equal(30000, port.Port);
        Assert.Equal("gateway", port.TargetPort.Value);
        Assert.NotEqual("None", gateway.Spec.ClusterIP);
    }

    [Fact]
    public void Image_IsTheSiloImage()
    {
        Assert.Equal("alora/silo", K8sRepo.SplitImage(Container.Image).Name);
    }

    private static void AssertHttpProbe(V1Probe? probe, string path, int port)
    {
        Assert.NotNull(probe);
        Assert.NotNull(probe.HttpGet);
        Assert.Equal(path, probe.HttpGet.Path);
        var target = probe.HttpGet.Port.Value;
        Assert.True(target == "http" || target == port.ToString(CultureInfo.InvariantCulture), $"probe {path} targets port {target}");
    }

    [GeneratedRegex(@"public\s+[\w?<>.]+\s+(\w+)\s*\{\s*get;\s*set;", RegexOptions.CultureInvariant)]
    private static partial Regex SettingProperty();
}
