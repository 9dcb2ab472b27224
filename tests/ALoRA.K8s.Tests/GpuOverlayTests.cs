using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>
/// The <c>gpu</c> overlay. Kustomize is not run here: <see cref="Overlays"/> applies the overlay's strategic-merge
/// patch to the base StatefulSet the way kustomize does for the fields involved, then its <c>images:</c>, and the
/// tests check the result.
/// </summary>
public sealed class GpuOverlayTests
{
    private static Kustomization Overlay => K8sRepo.ReadKustomization(K8sRepo.GpuDir);

    private static V1StatefulSet Patch()
    {
        var entry = Assert.Single(Overlay.Patches);
        return Assert.IsType<V1StatefulSet>(Assert.Single(K8sRepo.LoadFile(Path.Combine(K8sRepo.GpuDir, entry.Path))).Object);
    }

    /// <summary>The silo StatefulSet as <c>kubectl apply -k k8s/overlays/gpu</c> would create it (for the fields tested).</summary>
    private static V1StatefulSet Effective() => Overlays.Silo(K8sRepo.GpuDir);

    [Fact]
    public void Overlay_BuildsOnTheBase()
    {
        Assert.Equal(["../../base"], Overlay.Resources);
    }

    [Fact]
    public void Patch_TargetsTheSiloStatefulSet()
    {
        var entry = Assert.Single(Overlay.Patches);
        var patch = Patch();
        Assert.Equal(K8sRepo.SiloName, patch.Metadata.Name);
        Assert.Equal(K8sRepo.Silo.ApiVersion, patch.ApiVersion);
        if (entry.Target is { } target)
        {
            Assert.Equal("StatefulSet", target.Kind);
            Assert.Equal(K8sRepo.SiloName, target.Name);
        }
    }

    [Fact]
    public void Patch_ChangesOnlyTheSiloContainer()
    {
        // A container name the base does not have would add a second container instead of changing the silo.
        var patch = Patch();
        var container = Assert.Single(patch.Spec.Template.Spec.Containers);
        Assert.Equal(K8sRepo.SiloContainer, container.Name);
    }

    [Fact]
    public void Effective_SiloContainer_LimitsNvidiaGpus()
    {
        var container = K8sRepo.SiloContainerOf(Effective());
        Assert.True(container.Resources.Limits.TryGetValue("nvidia.com/gpu", out var gpus), "no nvidia.com/gpu limit on the silo container");
        Assert.True(gpus.ToInt32() >= 1);
        Assert.True(container.Resources.Limits.ContainsKey("memory"));
    }

    [Fact]
    public void Effective_SiloContainer_RunsTheCudaImage()
    {
        var (name, tag) = K8sRepo.SplitImage(K8sRepo.SiloContainerOf(Effective()).Image);
        Assert.Equal("alora/silo-cuda", name);
        Assert.False(string.IsNullOrEmpty(tag));
    }

    [Fact]
    public void Effective_Pods_LandOnGpuNodes()
    {
        var spec = Effective().Spec.Template.Spec;
        Assert.True(spec.NodeSelector?.Keys.Any(k => k.Contains("nvidia", StringComparison.Ordinal) || k.Contains("accelerator", StringComparison.Ordinal)) == true,
            "no GPU node selector");
        Assert.Contains(spec.Tolerations ?? [], t => t.Key == "nvidia.com/gpu");
    }

    [Fact]
    public void Effective_KeepsWhatOrleansHostingNeeds()
    {
        var merged = Effective();
        var container = K8sRepo.SiloContainerOf(merged);
        foreach (var name in new[] { "POD_NAME", "POD_NAMESPACE", "POD_IP", "ORLEANS_SERVICE_ID", "ORLEANS_CLUSTER_ID", "OTEL_EXPORTER_OTLP_ENDPOINT" })
        {
            Assert.Contains(container.Env, e => e.Name == name);
        }

        Assert.Single(merged.Spec.Template.Spec.Containers);
        Assert.NotNull(container.ReadinessProbe);
        Assert.NotNull(container.LivenessProbe);
    }
}
