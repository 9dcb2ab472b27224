using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>The kustomizations and the manifests they list: every file is there and parses into typed objects.</summary>
public sealed class ManifestTests
{
    public static TheoryData<string> Kustomizations()
    {
        var data = new TheoryData<string>();
        foreach (var dir in K8sRepo.KustomizationDirs)
        {
            data.Add(Path.GetRelativePath(RepositoryPaths.Root, dir));
        }

        return data;
    }

    [Fact]
    public void Kustomizations_BaseAndGpuOverlay_Exist()
    {
        Assert.Contains(K8sRepo.BaseDir, K8sRepo.KustomizationDirs);
        Assert.Contains(K8sRepo.GpuDir, K8sRepo.KustomizationDirs);
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Kustomization_EveryListedFile_Exists(string dir)
    {
        var root = Path.Combine(RepositoryPaths.Root, dir);
        var k = K8sRepo.ReadKustomization(root);
        Assert.Equal("kustomize.config.k8s.io/v1beta1", k.ApiVersion);
        Assert.Equal("Kustomization", k.Kind);
        Assert.NotEmpty(k.Resources);
        foreach (var resource in k.Resources)
        {
            var path = Path.GetFullPath(Path.Combine(root, resource));
            Assert.True(
                File.Exists(path) || File.Exists(Path.Combine(path, "kustomization.yaml")),
                $"{dir}/kustomization.yaml lists resource {resource}, which is neither a file nor a folder with a kustomization.yaml");
        }

        foreach (var patch in k.Patches)
        {
            Assert.True(File.Exists(Path.Combine(root, patch.Path)), $"{dir}/kustomization.yaml lists patch {patch.Path}, which does not exist");
        }

        foreach (var (key, file) in k.ConfigMapGenerator.SelectMany(g => g.KeyedFiles.Select(kv => (kv.Key, kv.Value))))
        {
            Assert.True(File.Exists(Path.Combine(root, file)), $"{dir}/kustomization.yaml generates key {key} from {file}, which does not exist");
        }
    }

    [Theory]
    [MemberData(nameof(Kustomizations))]
    public void Kustomization_EveryResourceFile_ParsesIntoTypedObjects(string dir)
    {
        var root = Path.Combine(RepositoryPaths.Root, dir);
        var files = K8sRepo.ReadKustomization(root).Resources.Select(r => Path.Combine(root, r)).Where(File.Exists).ToList();
        foreach (var file in files)
        {
            var objects = K8sRepo.LoadFile(file);
            Assert.True(objects.Count > 0, $"{file} holds no object");
            foreach (var o in objects)
            {
                Assert.False(string.IsNullOrEmpty(o.Object.ApiVersion), $"{file}: an object has no apiVersion");
                Assert.False(string.IsNullOrEmpty(o.Name), $"{file}: a {o.Kind} has no name");
                Assert.StartsWith("V", o.Object.GetType().Name, StringComparison.Ordinal);
            }
        }
    }

    [Fact]
    public void GpuPatch_ParsesIntoTypedStatefulSet()
    {
        foreach (var patch in K8sRepo.ReadKustomization(K8sRepo.GpuDir).Patches)
        {
            var objects = K8sRepo.LoadFile(Path.Combine(K8sRepo.GpuDir, patch.Path));
            Assert.IsType<V1StatefulSet>(Assert.Single(objects).Object);
        }
    }

    [Fact]
    public void EveryYamlFileUnderK8s_IsUsedByAKustomization()
    {
        var used = new HashSet<string>(StringComparer.Ordinal);
        foreach (var dir in K8sRepo.KustomizationDirs)
        {
            var k = K8sRepo.ReadKustomization(dir);
            used.Add(Path.Combine(dir, "kustomization.yaml"));
            used.UnionWith(k.Resources.Select(r => Path.GetFullPath(Path.Combine(dir, r))));
            used.UnionWith(k.Patches.Select(p => Path.GetFullPath(Path.Combine(dir, p.Path))));
            used.UnionWith(k.ConfigMapGenerator.SelectMany(g => g.KeyedFiles.Values).Select(f => Path.GetFullPath(Path.Combine(dir, f))));
        }

        var stray = Directory.EnumerateFiles(K8sRepo.K8sDir, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".yaml", StringComparison.Ordinal) || f.EndsWith(".yml", StringComparison.Ordinal) || f.EndsWith(".json", StringComparison.Ordinal))
            .Where(f => !used.Contains(f))
            .ToList();
        Assert.True(stray.Count == 0, "not listed by any kustomization: " + string.Join(", ", stray));
    }

    [Fact]
    public void Base_EveryNamespacedObject_IsInTheAloraNamespace()
    {
        Assert.Equal(K8sRepo.Namespace, K8sRepo.ReadKustomization(K8sRepo.BaseDir).Namespace);
        Assert.Equal(K8sRepo.Namespace, K8sRepo.One<V1Namespace>(K8sRepo.Namespace).Metadata.Name);
        foreach (var m in K8sRepo.Base.Where(m => m.Object is not V1Namespace))
        {
            Assert.True(m.Object.Metadata.NamespaceProperty == K8sRepo.Namespace, $"{m.Kind}/{m.Name} in {m.File} is not in namespace {K8sRepo.Namespace}");
        }
    }

    [Fact]
    public void Base_ObjectNames_AreUniquePerKind()
    {
        var duplicates = K8sRepo.Base.GroupBy(m => (m.Kind, m.Name)).Where(g => g.Count() > 1).Select(g => $"{g.Key.Kind}/{g.Key.Name}").ToList();
        Assert.Empty(duplicates);
    }

    [Fact]
    public void Base_VolumeReferences_NameConfigMapsAndClaimsThatExist()
    {
        var configMaps = K8sRepo.ConfigMapNames;
        var claims = K8sRepo.All<V1PersistentVolumeClaim>().Select(c => c.Metadata.Name).ToHashSet();
        foreach (var (workload, template) in K8sRepo.PodTemplates())
        {
            foreach (var volume in template.Spec.Volumes ?? [])
            {
                if (volume.ConfigMap is { } cm)
                {
                    Assert.True(configMaps.Contains(cm.Name), $"{workload} mounts ConfigMap {cm.Name}, which the base does not create");
                }

                if (volume.PersistentVolumeClaim is { } pvc)
                {
                    Assert.True(claims.Contains(pvc.ClaimName), $"{workload} mounts claim {pvc.ClaimName}, which the base does not create");
                }
            }

            var volumes = (template.Spec.Volumes ?? []).Select(v => v.Name).ToHashSet();
            // A StatefulSet's volumeClaimTemplates are volumes of its pods too.
            volumes.UnionWith(K8sRepo.All<V1StatefulSet>()
                .Where(s => workload == $"StatefulSet/{s.Metadata.Name}")
                .SelectMany(s => s.Spec.VolumeClaimTemplates ?? [])
                .Select(c => c.Metadata.Name));
            foreach (var mount in template.Spec.Containers.SelectMany(c => c.VolumeMounts ?? []))
            {
                Assert.True(volumes.Contains(mount.Name), $"{workload} mounts volume {mount.Name}, which its pod does not declare");
            }
        }
    }

    [Fact]
    public void Base_EveryService_SelectsAWorkloadWithItsTargetPorts()
    {
        foreach (var service in K8sRepo.All<V1Service>())
        {
            var targets = K8sRepo.PodTemplates().Where(t => K8sRepo.Selects(service.Spec.Selector, t.Template.Metadata.Labels)).ToList();
            Assert.True(targets.Count > 0, $"Service {service.Metadata.Name} selects no pod of the base");
            foreach (var port in service.Spec.Ports)
            {
                var target = port.TargetPort?.Value ?? port.Port.ToString(System.Globalization.CultureInfo.InvariantCulture);
                foreach (var (workload, template) in targets)
                {
                    var ports = template.Spec.Containers.SelectMany(c => c.Ports ?? []).ToList();
                    Assert.True(
                        ports.Any(p => p.Name == target || p.ContainerPort.ToString(System.Globalization.CultureInfo.InvariantCulture) == target),
                        $"Service {service.Metadata.Name} port {port.Name} targets {target}, which {workload} does not expose");
                }
            }
        }
    }

    [Fact]
    public void Base_EveryContainer_HasResourceRequestsAndAMemoryLimit()
    {
        foreach (var (workload, template) in K8sRepo.PodTemplates())
        {
            foreach (var c in template.Spec.Containers.Concat(template.Spec.InitContainers ?? []))
            {
                Assert.True(c.Resources?.Requests is { Count: > 0 }, $"{workload} container {c.Name} requests no resources");
                Assert.True(c.Resources?.Limits?.ContainsKey("memory") == true, $"{workload} container {c.Name} has no memory limit");
            }
        }
    }
}
