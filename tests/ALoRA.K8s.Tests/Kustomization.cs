namespace ALoRA.K8s.Tests;

/// <summary>
/// The fields of a <c>kustomization.yaml</c> these manifests use. Deserialized without ignoring unknown keys, so a
/// field kustomize would not know either (a typo) fails the load.
/// </summary>
public sealed class Kustomization
{
    public string ApiVersion { get; set; } = "";

    public string Kind { get; set; } = "";

    public string? Namespace { get; set; }

    public List<string> Resources { get; set; } = [];

    public List<KustomizationPatch> Patches { get; set; } = [];

    public List<ConfigMapGeneratorEntry> ConfigMapGenerator { get; set; } = [];

    public List<ImageEntry> Images { get; set; } = [];
}

/// <summary>An entry of <c>patches:</c>.</summary>
public sealed class KustomizationPatch
{
    public string Path { get; set; } = "";

    public PatchTarget? Target { get; set; }
}

/// <summary>The <c>target:</c> of a patch.</summary>
public sealed class PatchTarget
{
    public string? Group { get; set; }

    public string? Version { get; set; }

    public string? Kind { get; set; }

    public string? Name { get; set; }
}

/// <summary>An entry of <c>configMapGenerator:</c> (<c>key=path</c> or <c>path</c> files).</summary>
public sealed class ConfigMapGeneratorEntry
{
    public string Name { get; set; } = "";

    public List<string> Files { get; set; } = [];

    /// <summary>ConfigMap key to file path relative to the kustomization folder.</summary>
    public IReadOnlyDictionary<string, string> KeyedFiles =>
        Files.Select(f => f.Split('=', 2)).ToDictionary(p => p.Length == 2 ? p[0] : Path.GetFileName(p[0]), p => p[^1]);
}

/// <summary>An entry of <c>images:</c>.</summary>
public sealed class ImageEntry
{
    public string Name { get; set; } = "";

    public string? NewName { get; set; }

    public string? NewTag { get; set; }
}
