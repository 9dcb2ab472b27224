using k8s;
using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>
/// What <c>kubectl apply -k</c> of a kustomization folder creates, for the fields the tests check. Kustomize is not
/// run: an overlay's strategic-merge patches of StatefulSets are applied to the base the way kustomize does for the
/// fields involved (containers, env, volume mounts and volumes merged by their keys; maps and security contexts merged
/// field by field; tolerations replaced), then the <c>images:</c> of the overlay and the base.
/// </summary>
public static class Overlays
{
    /// <summary>The pod templates of every workload of the kustomization in <paramref name="dir"/> (the base or an overlay of it).</summary>
    public static IReadOnlyList<(string Workload, V1PodTemplateSpec Template)> PodTemplates(string dir)
    {
        if (Path.GetFullPath(dir) == Path.GetFullPath(K8sRepo.BaseDir))
        {
            return K8sRepo.PodTemplates().ToList();
        }

        var kustomization = K8sRepo.ReadKustomization(dir);
        Assert.True(kustomization.Resources.SequenceEqual(["../../base"]), $"{dir}: an overlay is expected to build on ../../base only");
        var patches = kustomization.Patches.SelectMany(p => K8sRepo.LoadFile(Path.Combine(dir, p.Path))).Select(m => m.Object).ToList();
        var result = new List<(string, V1PodTemplateSpec)>();
        foreach (var (workload, template) in K8sRepo.PodTemplates())
        {
            var copy = KubernetesYaml.Deserialize<V1PodTemplateSpec>(KubernetesYaml.Serialize(template));
            foreach (var patch in patches.OfType<V1StatefulSet>().Where(p => workload == $"StatefulSet/{p.Metadata.Name}"))
            {
                Apply(copy, patch.Spec.Template);
            }

            Assert.DoesNotContain(patches, p => p is not V1StatefulSet);
            SetImages(copy.Spec, kustomization.Images.Concat(K8sRepo.ReadKustomization(K8sRepo.BaseDir).Images));
            result.Add((workload, copy));
        }

        return result;
    }

    /// <summary>The silo StatefulSet of the kustomization in <paramref name="dir"/>, with its overlay's patches applied.</summary>
    public static V1StatefulSet Silo(string dir)
    {
        var silo = KubernetesYaml.Deserialize<V1StatefulSet>(KubernetesYaml.Serialize(K8sRepo.Silo));
        silo.Spec.Template = PodTemplates(dir).Single(t => t.Workload == $"StatefulSet/{K8sRepo.SiloName}").Template;
        return silo;
    }

    private static void Apply(V1PodTemplateSpec target, V1PodTemplateSpec patch)
    {
        var spec = target.Spec;
        var patchSpec = patch.Spec;
        spec.NodeSelector = MergeMap(spec.NodeSelector, patchSpec.NodeSelector);
        spec.Tolerations = patchSpec.Tolerations ?? spec.Tolerations;
        spec.SecurityContext = MergeFields(spec.SecurityContext, patchSpec.SecurityContext);
        spec.Volumes = MergeBy(spec.Volumes, patchSpec.Volumes, v => v.Name, (_, p) => p);
        spec.Containers = MergeBy(spec.Containers, patchSpec.Containers, c => c.Name, MergeContainer);
        spec.InitContainers = MergeBy(spec.InitContainers, patchSpec.InitContainers, c => c.Name, MergeContainer);
    }

    private static V1Container MergeContainer(V1Container c, V1Container pc)
    {
        c.Image = pc.Image ?? c.Image;
        c.Args = pc.Args ?? c.Args;
        c.Command = pc.Command ?? c.Command;
        c.Resources ??= new V1ResourceRequirements();
        c.Resources.Limits = MergeMap(c.Resources.Limits, pc.Resources?.Limits);
        c.Resources.Requests = MergeMap(c.Resources.Requests, pc.Resources?.Requests);
        c.Env = MergeBy(c.Env, pc.Env, e => e.Name, (_, p) => p);
        c.VolumeMounts = MergeBy(c.VolumeMounts, pc.VolumeMounts, m => m.MountPath, (_, p) => p);
        c.SecurityContext = MergeFields(c.SecurityContext, pc.SecurityContext);
        return c;
    }

    /// <summary>Strategic merge of a list by its merge key: patched items replace (or merge into) those with the same key, new ones are appended.</summary>
    private static IList<T>? MergeBy<T>(IList<T>? target, IList<T>? patch, Func<T, string> key, Func<T, T, T> merge)
    {
        if (patch is null)
        {
            return target;
        }

        var result = (target ?? []).ToList();
        foreach (var item in patch)
        {
            var index = result.FindIndex(x => key(x) == key(item));
            if (index >= 0)
            {
                result[index] = merge(result[index], item);
            }
            else
            {
                result.Add(item);
            }
        }

        return result;
    }

    private static IDictionary<string, TValue>? MergeMap<TValue>(IDictionary<string, TValue>? target, IDictionary<string, TValue>? patch)
    {
        if (patch is null)
        {
            return target;
        }

        var result = new Dictionary<string, TValue>(target ?? new Dictionary<string, TValue>());
        foreach (var (k, v) in patch)
        {
            result[k] = v;
        }

        return result;
    }

    /// <summary>A struct-like object merged field by field: every property the patch sets wins.</summary>
    private static T? MergeFields<T>(T? target, T? patch)
        where T : class
    {
        if (patch is null || target is null)
        {
            return patch ?? target;
        }

        foreach (var property in typeof(T).GetProperties().Where(p => p.CanWrite))
        {
            if (property.GetValue(patch) is { } value)
            {
                property.SetValue(target, value);
            }
        }

        return target;
    }

    private static void SetImages(V1PodSpec spec, IEnumerable<ImageEntry> images)
    {
        var list = images.ToList();
        foreach (var c in spec.Containers.Concat(spec.InitContainers ?? []))
        {
            foreach (var image in list)
            {
                var (name, tag) = K8sRepo.SplitImage(c.Image);
                if (name == image.Name)
                {
                    c.Image = $"{image.NewName ?? name}:{image.NewTag ?? tag ?? "latest"}";
                }
            }
        }
    }
}
