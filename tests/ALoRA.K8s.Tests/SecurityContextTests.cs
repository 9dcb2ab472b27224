using System.Text.RegularExpressions;
using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>
/// Every container of every workload, in the base and in every overlay, runs restricted: read-only root file system,
/// no privilege escalation, non-root with a uid, every capability dropped, the runtime's default seccomp profile
/// (container or pod level). The project images run as that uid. Containers with a read-only root have a writable
/// volume for every path they write, derived from their own settings.
/// </summary>
public sealed partial class SecurityContextTests
{
    public static TheoryData<string, string, string> Containers()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var dir in K8sRepo.KustomizationDirs)
        {
            foreach (var (workload, template) in Overlays.PodTemplates(dir))
            {
                foreach (var c in template.Spec.Containers.Concat(template.Spec.InitContainers ?? []))
                {
                    data.Add(Path.GetRelativePath(RepositoryPaths.Root, dir), workload, c.Name);
                }
            }
        }

        return data;
    }

    private static (V1PodTemplateSpec Template, V1Container Container) Find(string dir, string workload, string container)
    {
        var template = Overlays.PodTemplates(Path.Combine(RepositoryPaths.Root, dir)).Single(t => t.Workload == workload).Template;
        return (template, template.Spec.Containers.Concat(template.Spec.InitContainers ?? []).Single(c => c.Name == container));
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void Container_RunsRestricted(string dir, string workload, string container)
    {
        var (template, c) = Find(dir, workload, container);
        var pod = template.Spec.SecurityContext;
        var sc = c.SecurityContext;
        var what = $"{dir}: {workload} container {container}";
        Assert.True(sc is not null, $"{what} has no securityContext");
        Assert.True(sc.ReadOnlyRootFilesystem == true, $"{what}: readOnlyRootFilesystem is not true");
        Assert.True(sc.AllowPrivilegeEscalation == false, $"{what}: allowPrivilegeEscalation is not false");
        Assert.True(sc.Privileged != true, $"{what} is privileged");
        Assert.True((sc.RunAsNonRoot ?? pod?.RunAsNonRoot) == true, $"{what}: runAsNonRoot is not true");
        var uid = sc.RunAsUser ?? pod?.RunAsUser;
        Assert.True(uid is > 0, $"{what}: no non-zero runAsUser (got {uid})");
        Assert.True(sc.Capabilities?.Drop?.Contains("ALL") == true, $"{what} does not drop ALL capabilities");
        Assert.True(sc.Capabilities?.Add is not { Count: > 0 }, $"{what} adds capabilities");
        Assert.True((sc.SeccompProfile ?? pod?.SeccompProfile)?.Type == "RuntimeDefault", $"{what}: seccompProfile is not RuntimeDefault");
        Assert.True(template.Spec.HostNetwork != true && template.Spec.HostPID != true && template.Spec.HostIPC != true, $"{what} shares a host namespace");
    }

    [Theory]
    [MemberData(nameof(Containers))]
    public void Container_WithAReadOnlyRoot_HasAWritableVolumeForEveryPathItWrites(string dir, string workload, string container)
    {
        var (template, c) = Find(dir, workload, container);
        Assert.True(c.SecurityContext?.ReadOnlyRootFilesystem == true);
        foreach (var (path, why) in WrittenPaths(template, c))
        {
            var mount = (c.VolumeMounts ?? [])
                .Where(m => path == m.MountPath || path.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal))
                .OrderByDescending(m => m.MountPath.Length)
                .FirstOrDefault();
            Assert.True(mount is not null, $"{dir}: {workload} container {container} writes {path} ({why}), under no volume: its root file system is read-only");
            Assert.True(mount.ReadOnlyProperty != true, $"{dir}: {workload} container {container} writes {path} ({why}), but {mount.MountPath} is mounted read-only");
            var volume = template.Spec.Volumes?.SingleOrDefault(v => v.Name == mount.Name);
            var claimTemplate = K8sRepo.All<V1StatefulSet>().Where(s => workload == $"StatefulSet/{s.Metadata.Name}")
                .SelectMany(s => s.Spec.VolumeClaimTemplates ?? []).Any(t => t.Metadata.Name == mount.Name);
            Assert.True(claimTemplate || volume?.EmptyDir is not null || volume?.PersistentVolumeClaim is { ReadOnlyProperty: not true },
                $"{dir}: {workload} container {container} writes {path} ({why}) on volume {mount.Name}, which is not an emptyDir or a writable claim");
        }
    }

    /// <summary>
    /// The paths <paramref name="c"/> writes, from its own settings: for the project's .NET images, the temporary folder
    /// (<c>TMPDIR</c>, else /tmp) and every <c>Alora__*Directory</c> variable with the silo's defaults derived from
    /// <c>Alora__Silo__DataDirectory</c>; Redis' <c>--dir</c>; Prometheus' <c>--storage.tsdb.path</c>; Grafana's
    /// <c>GF_PATHS_DATA</c> and <c>GF_PATHS_LOGS</c> (its image's defaults when not set).
    /// </summary>
    private static IEnumerable<(string Path, string Why)> WrittenPaths(V1PodTemplateSpec template, V1Container c)
    {
        var image = K8sRepo.SplitImage(c.Image).Name;
        string? Env(string name) => K8sRepo.ResolveEnv(c, template, name);
        string? Arg(string flag)
        {
            var args = (c.Command ?? []).Concat(c.Args ?? []).ToList();
            var i = args.IndexOf(flag);
            return i >= 0 && i + 1 < args.Count ? args[i + 1]
                : args.FirstOrDefault(a => a.StartsWith(flag + "=", StringComparison.Ordinal))?[(flag.Length + 1)..];
        }

        if (image.StartsWith("alora/", StringComparison.Ordinal))
        {
            yield return (Env("TMPDIR") ?? "/tmp", "the .NET temporary folder (TMPDIR) and diagnostics sockets");
        }

        if (image.StartsWith("alora/silo", StringComparison.Ordinal))
        {
            // A relative DataDirectory is relative to the image's WORKDIR (/app), which is read-only: it must be absolute.
            var data = Env("Alora__Silo__DataDirectory") ?? K8sRepo.SiloSetting("DataDirectory");
            Assert.True(Path.IsPathRooted(data), $"Alora__Silo__DataDirectory {data} is relative to the read-only /app");
            yield return (data, "Alora__Silo__DataDirectory");
            yield return (Env("Alora__Checkpoints__RootDirectory") ?? $"{data}/checkpoints", "Alora__Checkpoints__RootDirectory (default <DataDirectory>/checkpoints)");
            yield return (Env("Alora__Storage__RootDirectory") ?? $"{data}/state", "Alora__Storage__RootDirectory (default <DataDirectory>/state)");
            foreach (var env in (c.Env ?? []).Where(e => DirectorySetting().IsMatch(e.Name)))
            {
                var value = Env(env.Name);
                Assert.True(value is not null && Path.IsPathRooted(value), $"{env.Name} = {value} is not an absolute path");
                yield return (value, env.Name);
            }
        }

        if (image.StartsWith("redis", StringComparison.Ordinal) && (c.Args ?? []).Contains("redis-server"))
        {
            yield return (Arg("--dir") ?? "/data", "redis-server --dir");
        }

        if (image.StartsWith("prom/prometheus", StringComparison.Ordinal))
        {
            yield return (Arg("--storage.tsdb.path") ?? "/prometheus", "--storage.tsdb.path");
        }

        if (image.StartsWith("grafana/grafana", StringComparison.Ordinal))
        {
            yield return (Env("GF_PATHS_DATA") ?? "/var/lib/grafana", "GF_PATHS_DATA (the image's default)");
            yield return (Env("GF_PATHS_LOGS") ?? "/var/log/grafana", "GF_PATHS_LOGS (the image's default)");
        }
    }

    public static TheoryData<string, string> ProjectImages() => new()
    {
        { "alora/silo", "silo.Dockerfile" },
        { "alora/silo-cuda", "silo.Dockerfile" },
        { "alora/cli", "cli.Dockerfile" },
    };

    [Theory]
    [MemberData(nameof(ProjectImages))]
    public void ProjectImage_RunsAsTheUidItsPodsRunAs(string image, string dockerfile)
    {
        var text = File.ReadAllText(Path.Combine(K8sRepo.ImagesDir, dockerfile));
        var user = UserLine().Matches(text).Select(m => m.Groups[1].Value).LastOrDefault();
        Assert.True(user is not null, $"{dockerfile} sets no USER: the image would run as root");
        Assert.True(long.TryParse(user, out var uid) && uid > 0, $"{dockerfile}: the last USER is {user}, not a numeric non-root uid (runAsNonRoot needs one)");
        var uses = K8sRepo.KustomizationDirs.SelectMany(Overlays.PodTemplates)
            .SelectMany(t => t.Template.Spec.Containers.Concat(t.Template.Spec.InitContainers ?? []).Select(c => (t.Template, Container: c)))
            .Where(x => K8sRepo.SplitImage(x.Container.Image).Name == image)
            .ToList();
        Assert.NotEmpty(uses);
        foreach (var (template, container) in uses)
        {
            Assert.Equal(uid, container.SecurityContext?.RunAsUser ?? template.Spec.SecurityContext?.RunAsUser);
        }
    }

    [GeneratedRegex(@"^Alora__\w+Directory$", RegexOptions.CultureInvariant)]
    private static partial Regex DirectorySetting();

    [GeneratedRegex(@"^USER\s+(\S+)\s*$", RegexOptions.Multiline | RegexOptions.CultureInvariant)]
    private static partial Regex UserLine();
}
