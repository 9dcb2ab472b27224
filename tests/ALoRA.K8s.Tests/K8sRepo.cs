using System.Text.Json;
using k8s;
using k8s.Models;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace ALoRA.K8s.Tests;

/// <summary>One object of a manifest file, typed by the Kubernetes client's YAML loader.</summary>
public sealed record Manifest(string File, IKubernetesObject<V1ObjectMeta> Object)
{
    public string Kind => Object.Kind;

    public string Name => Object.Metadata.Name;
}

/// <summary>The repository's <c>k8s/</c> folder, loaded once: kustomizations, manifests, generated config files.</summary>
public static class K8sRepo
{
    public const string Namespace = "alora";
    public const string SiloName = "alora-silo";
    public const string SiloContainer = "silo";

    public static string K8sDir => Path.Combine(RepositoryPaths.Root, "k8s");

    public static string BaseDir => Path.Combine(K8sDir, "base");

    public static string GpuDir => Path.Combine(K8sDir, "overlays", "gpu");

    public static string ImagesDir => Path.Combine(K8sDir, "images");

    /// <summary>Every folder under <c>k8s/</c> holding a <c>kustomization.yaml</c>.</summary>
    public static IReadOnlyList<string> KustomizationDirs { get; } =
        Directory.EnumerateFiles(Path.Combine(RepositoryPaths.Root, "k8s"), "kustomization.yaml", SearchOption.AllDirectories)
            .Select(f => Path.GetDirectoryName(f)!)
            .Order(StringComparer.Ordinal)
            .ToList();

    private static readonly Lazy<IReadOnlyList<Manifest>> BaseObjects = new(() => LoadResources(BaseDir));

    /// <summary>Every object of every resource file of <c>k8s/base</c>.</summary>
    public static IReadOnlyList<Manifest> Base => BaseObjects.Value;

    /// <summary>Reads <c>kustomization.yaml</c> of <paramref name="dir"/>.</summary>
    public static Kustomization ReadKustomization(string dir) =>
        new DeserializerBuilder()
            .WithNamingConvention(CamelCaseNamingConvention.Instance)
            .Build()
            .Deserialize<Kustomization>(File.ReadAllText(Path.Combine(dir, "kustomization.yaml")));

    /// <summary>Loads a (multi-document) manifest file with the Kubernetes client, strictly: unknown fields fail.</summary>
    public static IReadOnlyList<Manifest> LoadFile(string path)
    {
        var objects = KubernetesYaml.LoadAllFromString(File.ReadAllText(path), typeMap: null, strict: true);
        return objects
            .Select(o => o as IKubernetesObject<V1ObjectMeta>
                         ?? throw new InvalidDataException($"{path}: {o.GetType().Name} is not a Kubernetes object with metadata"))
            .Select(o => new Manifest(path, o))
            .ToList();
    }

    /// <summary>Every object of the resource files (not folders) listed by the kustomization in <paramref name="dir"/>.</summary>
    public static IReadOnlyList<Manifest> LoadResources(string dir) =>
        ReadKustomization(dir).Resources
            .Select(r => Path.GetFullPath(Path.Combine(dir, r)))
            .Where(File.Exists)
            .SelectMany(LoadFile)
            .ToList();

    public static IEnumerable<T> All<T>()
        where T : IKubernetesObject<V1ObjectMeta> => Base.Select(m => m.Object).OfType<T>();

    /// <summary>The one object of type <typeparamref name="T"/> named <paramref name="name"/> in the base.</summary>
    public static T One<T>(string name)
        where T : IKubernetesObject<V1ObjectMeta>
    {
        var matches = All<T>().Where(o => o.Metadata.Name == name).ToList();
        Assert.True(matches.Count == 1, $"expected one {typeof(T).Name} named {name} in k8s/base, found {matches.Count}");
        return matches[0];
    }

    public static V1StatefulSet Silo => One<V1StatefulSet>(SiloName);

    public static V1Container SiloContainerOf(V1StatefulSet statefulSet) =>
        statefulSet.Spec.Template.Spec.Containers.Single(c => c.Name == SiloContainer);

    /// <summary>The text of the file a base ConfigMap generator puts under <paramref name="key"/> of <paramref name="configMap"/>.</summary>
    public static string GeneratedFile(string configMap, string key) => File.ReadAllText(GeneratedFilePath(configMap, key));

    public static string GeneratedFilePath(string configMap, string key)
    {
        var generator = ReadKustomization(BaseDir).ConfigMapGenerator.SingleOrDefault(g => g.Name == configMap);
        Assert.True(generator is not null, $"k8s/base/kustomization.yaml has no configMapGenerator named {configMap}");
        Assert.True(generator.KeyedFiles.TryGetValue(key, out var file), $"ConfigMap {configMap} has no key {key}");
        return Path.Combine(BaseDir, file);
    }

    /// <summary>Names of every ConfigMap the base produces: generated ones and ConfigMap manifests.</summary>
    public static IReadOnlySet<string> ConfigMapNames =>
        ReadKustomization(BaseDir).ConfigMapGenerator.Select(g => g.Name).Concat(All<V1ConfigMap>().Select(c => c.Metadata.Name)).ToHashSet();

    /// <summary>Parses a YAML config file (not a Kubernetes object) into dictionaries, lists and strings.</summary>
    public static object? ParseYaml(string text) => new DeserializerBuilder().Build().Deserialize<object>(text);

    /// <summary>The value of an environment variable, literal or from a pod label through the downward API.</summary>
    public static string? ResolveEnv(V1Container container, V1PodTemplateSpec template, string name)
    {
        var env = container.Env?.SingleOrDefault(e => e.Name == name);
        if (env is null)
        {
            return null;
        }

        if (env.Value is not null)
        {
            return env.Value;
        }

        var path = env.ValueFrom?.FieldRef?.FieldPath;
        const string prefix = "metadata.labels['";
        if (path is not null && path.StartsWith(prefix, StringComparison.Ordinal) && path.EndsWith("']", StringComparison.Ordinal))
        {
            var label = path[prefix.Length..^2];
            return template.Metadata.Labels.TryGetValue(label, out var value) ? value : null;
        }

        return null;
    }

    /// <summary>Whether <paramref name="selector"/> selects pods labelled <paramref name="labels"/>.</summary>
    public static bool Selects(IDictionary<string, string>? selector, IDictionary<string, string>? labels) =>
        selector is { Count: > 0 } && labels is not null
        && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>Pod templates of every workload in the base, with the workload's kind and name.</summary>
    public static IEnumerable<(string Workload, V1PodTemplateSpec Template)> PodTemplates()
    {
        foreach (var s in All<V1StatefulSet>())
        {
            yield return ($"StatefulSet/{s.Metadata.Name}", s.Spec.Template);
        }

        foreach (var d in All<V1Deployment>())
        {
            yield return ($"Deployment/{d.Metadata.Name}", d.Spec.Template);
        }

        foreach (var j in All<V1Job>())
        {
            yield return ($"Job/{j.Metadata.Name}", j.Spec.Template);
        }
    }

    /// <summary>The silo's <c>appsettings.json</c> (JSON with comments).</summary>
    public static JsonDocument SiloAppSettings() =>
        JsonDocument.Parse(
            File.ReadAllText(Path.Combine(RepositoryPaths.Root, "silo", "ALoRA.Silo", "appsettings.json")),
            new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });

    /// <summary>A silo setting (<c>Alora:Silo:Name</c>): the StatefulSet's env var if set, else appsettings.json's default.</summary>
    public static string SiloSetting(string name)
    {
        var silo = Silo;
        var fromEnv = ResolveEnv(SiloContainerOf(silo), silo.Spec.Template, $"Alora__Silo__{name}");
        if (fromEnv is not null)
        {
            return fromEnv;
        }

        using var settings = SiloAppSettings();
        return settings.RootElement.GetProperty("Alora").GetProperty("Silo").GetProperty(name).ToString();
    }

    /// <summary>Splits an image reference into name and tag (no digest support needed here).</summary>
    public static (string Name, string? Tag) SplitImage(string image)
    {
        var slash = image.LastIndexOf('/');
        var colon = image.LastIndexOf(':');
        return colon > slash ? (image[..colon], image[(colon + 1)..]) : (image, null);
    }
}
