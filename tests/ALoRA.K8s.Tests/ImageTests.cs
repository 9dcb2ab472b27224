using System.Text.RegularExpressions;
using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>Image names agree between manifests, kustomizations and the Dockerfiles that build them.</summary>
public sealed partial class ImageTests
{
    private static readonly Dictionary<string, string> Builders = new(StringComparer.Ordinal)
    {
        ["alora/silo"] = "silo.Dockerfile",
        ["alora/silo-cuda"] = "silo.Dockerfile",
        ["alora/cli"] = "cli.Dockerfile",
    };

    private static string Dockerfile(string name) => File.ReadAllText(Path.Combine(K8sRepo.ImagesDir, name));

    /// <summary>Every project image a manifest or patch names (before kustomize's images: rewrite them).</summary>
    private static IEnumerable<string> ProjectImagesInManifests()
    {
        var patches = K8sRepo.KustomizationDirs.SelectMany(d => K8sRepo.ReadKustomization(d).Patches.Select(p => Path.Combine(d, p.Path)));
        var objects = K8sRepo.Base.Concat(patches.SelectMany(K8sRepo.LoadFile));
        foreach (var o in objects)
        {
            var spec = o.Object switch
            {
                V1StatefulSet s => s.Spec.Template.Spec,
                V1Deployment d => d.Spec.Template.Spec,
                V1Job j => j.Spec.Template.Spec,
                _ => null,
            };
            foreach (var c in spec is null ? [] : spec.Containers.Concat(spec.InitContainers ?? []))
            {
                if (c.Image?.StartsWith("alora/", StringComparison.Ordinal) == true)
                {
                    yield return K8sRepo.SplitImage(c.Image).Name;
                }
            }
        }
    }

    [Fact]
    public void Manifests_UseOnlyImagesTheDockerfilesBuild()
    {
        var used = ProjectImagesInManifests().ToHashSet();
        Assert.Equal(Builders.Keys.Order(StringComparer.Ordinal), used.Order(StringComparer.Ordinal));
        foreach (var image in used)
        {
            Assert.True(Dockerfile(Builders[image]).Contains($"-t {image}:", StringComparison.Ordinal), $"{Builders[image]} does not document building {image}");
        }
    }

    [Fact]
    public void Manifests_PinNoTag_KustomizationsDo()
    {
        var images = K8sRepo.KustomizationDirs.SelectMany(d => K8sRepo.ReadKustomization(d).Images).ToList();
        foreach (var image in ProjectImagesInManifests().Distinct())
        {
            Assert.Contains(images, i => i.Name == image && !string.IsNullOrEmpty(i.NewTag));
        }

        foreach (var image in images)
        {
            Assert.True(Builders.ContainsKey(image.Name), $"kustomization images: names {image.Name}, which no Dockerfile builds");
            Assert.True(image.NewName is null || Builders.ContainsKey(image.NewName), $"kustomization images: renames to {image.NewName}, which no Dockerfile builds");
        }
    }

    [Fact]
    public void Base_Kustomization_TagsTheCpuAndCliImages()
    {
        var names = K8sRepo.ReadKustomization(K8sRepo.BaseDir).Images.Select(i => i.Name).ToHashSet();
        Assert.Contains("alora/silo", names);
        Assert.Contains("alora/cli", names);
    }

    [Fact]
    public void SiloDockerfile_BuildsCpuAndCudaVariants()
    {
        var text = Dockerfile("silo.Dockerfile");
        Assert.Contains("ARG TORCH_BACKEND=cpu", text, StringComparison.Ordinal);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/sdk:${DOTNET_VERSION}-noble AS build", text, StringComparison.Ordinal);
        Assert.Matches(@"dotnet publish silo/ALoRA\.Silo\S* -c Release -p:TorchBackend=\$\{TORCH_BACKEND\}", text);
        Assert.Matches(@"FROM mcr\.microsoft\.com/dotnet/(aspnet|runtime):\$\{DOTNET_VERSION\}-noble AS runtime-cpu", text);
        Assert.Matches(@"ARG CUDA_IMAGE=nvidia/cuda:12\.\d+(\.\d+)?-cudnn-runtime-ubuntu24\.04", text);
        Assert.Contains("FROM ${CUDA_IMAGE} AS runtime-cuda", text, StringComparison.Ordinal);
        Assert.Contains("FROM runtime-${TORCH_BACKEND} AS final", text, StringComparison.Ordinal);
        Assert.Contains("GLIBCXX_3.4.32", text, StringComparison.Ordinal);
        Assert.Contains("--build-arg TORCH_BACKEND=cuda -t alora/silo-cuda:", text, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/app/alora-silo.dll\"]", text, StringComparison.Ordinal);
        Assert.Contains("<AssemblyName>alora-silo</AssemblyName>", File.ReadAllText(Path.Combine(RepositoryPaths.Root, "silo", "ALoRA.Silo", "ALoRA.Silo.csproj")), StringComparison.Ordinal);
    }

    [Fact]
    public void SiloDockerfile_ExposesTheSiloGatewayAndHealthPorts()
    {
        var exposed = Dockerfile("silo.Dockerfile").Split('\n').Single(l => l.StartsWith("EXPOSE ", StringComparison.Ordinal)).Split(' ').Skip(1).Select(int.Parse).ToHashSet();
        var ports = K8sRepo.SiloContainerOf(K8sRepo.Silo).Ports.Select(p => p.ContainerPort).ToHashSet();
        Assert.Equal(ports.Order(), exposed.Order());
    }

    [Fact]
    public void CliDockerfile_PublishesTheAloraCli()
    {
        var text = Dockerfile("cli.Dockerfile");
        Assert.Matches(@"dotnet publish client/ALoRA\.Cli\S* -c Release", text);
        Assert.Contains("FROM mcr.microsoft.com/dotnet/runtime:${DOTNET_VERSION}-noble", text, StringComparison.Ordinal);
        Assert.Contains("ENTRYPOINT [\"dotnet\", \"/app/alora.dll\"]", text, StringComparison.Ordinal);
        Assert.Contains("<AssemblyName>alora</AssemblyName>", File.ReadAllText(Path.Combine(RepositoryPaths.Root, "client", "ALoRA.Cli", "ALoRA.Cli.csproj")), StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("silo.Dockerfile")]
    [InlineData("cli.Dockerfile")]
    public void Dockerfile_CopiesOnlyPathsThatExist_AndHasItsIgnoreFile(string name)
    {
        Assert.True(File.Exists(Path.Combine(K8sRepo.ImagesDir, name + ".dockerignore")), $"{name}.dockerignore is missing");
        foreach (Match copy in CopyFromContext().Matches(Dockerfile(name)))
        {
            foreach (var source in copy.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
            {
                var path = Path.Combine(RepositoryPaths.Root, source.TrimEnd('/'));
                Assert.True(File.Exists(path) || Directory.Exists(path), $"{name} copies {source}, which the repository does not have");
            }
        }
    }

    [Fact]
    public void DockerIgnoreFiles_KeepWhatTheDockerfilesCopy()
    {
        foreach (var name in new[] { "silo.Dockerfile", "cli.Dockerfile" })
        {
            var ignored = File.ReadAllLines(Path.Combine(K8sRepo.ImagesDir, name + ".dockerignore"))
                .Where(l => l.Length > 0 && !l.StartsWith('#')).ToHashSet();
            foreach (Match copy in CopyFromContext().Matches(Dockerfile(name)))
            {
                foreach (var source in copy.Groups[1].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries)[..^1])
                {
                    Assert.DoesNotContain(source.TrimEnd('/'), ignored);
                }
            }

            Assert.Contains("**/bin", ignored);
            Assert.Contains("**/obj", ignored);
        }
    }

    // COPY lines that take files from the build context (not --from=stage).
    [GeneratedRegex(@"^COPY (?!--from)(.+)$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex CopyFromContext();
}
