using System.Text.RegularExpressions;
using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>
/// No credential is written in a manifest: Redis requires a password from the Secret <c>alora-redis</c> and the silos
/// connect with the same Secret; Grafana has no default admin and no anonymous access; the silo mounts the TLS and
/// client-token Secrets read-only under the key names its <c>Alora__Security__*</c> settings point at.
/// </summary>
public sealed partial class SecretTests
{
    private const string RedisSecret = "alora-redis";

    /// <summary>Every YAML file under <c>k8s/</c> with its text.</summary>
    public static TheoryData<string> YamlFiles()
    {
        var data = new TheoryData<string>();
        foreach (var file in Directory.EnumerateFiles(K8sRepo.K8sDir, "*.y*ml", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            data.Add(Path.GetRelativePath(RepositoryPaths.Root, file));
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(YamlFiles))]
    public void NoManifest_HoldsALiteralCredential(string file)
    {
        var text = File.ReadAllText(Path.Combine(RepositoryPaths.Root, file));
        foreach (Match m in PasswordInConnectionString().Matches(text))
        {
            Assert.True(m.Groups[1].Value.StartsWith("$(", StringComparison.Ordinal), $"{file}: a connection string holds a literal password ({m.Value})");
        }

        foreach (Match m in RequirePass().Matches(text))
        {
            Assert.StartsWith("$(", m.Groups[1].Value.Trim('"', '\''), StringComparison.Ordinal);
        }

        Assert.DoesNotMatch(@"(?m)^kind:\s*Secret\s*$", text);
        Assert.DoesNotContain("secretGenerator", text, StringComparison.Ordinal);
        foreach (var m in K8sRepo.KustomizationDirs.SelectMany(d => K8sRepo.ReadKustomization(d).Resources.Select(r => Path.GetFullPath(Path.Combine(d, r)))).Where(File.Exists)
                     .Where(f => f == Path.Combine(RepositoryPaths.Root, file)).SelectMany(K8sRepo.LoadFile))
        {
            foreach (var (workload, spec) in PodSpecs(m))
            {
                foreach (var env in spec.Containers.Concat(spec.InitContainers ?? []).SelectMany(c => c.Env ?? []))
                {
                    // A *File setting is the path of a mounted credential, not one.
                    if (CredentialName().IsMatch(env.Name) && !env.Name.EndsWith("File", StringComparison.OrdinalIgnoreCase))
                    {
                        Assert.True(env.Value is null && env.ValueFrom?.SecretKeyRef is not null, $"{file}: {workload} sets {env.Name} to a literal, not from a Secret");
                    }
                }
            }
        }
    }

    [Fact]
    public void Redis_RequiresThePasswordOfItsSecret()
    {
        var redis = K8sRepo.One<V1StatefulSet>("alora-redis");
        var c = redis.Spec.Template.Spec.Containers.Single();
        var args = c.Args.ToList();
        var i = args.IndexOf("--requirepass");
        Assert.True(i >= 0 && i + 1 < args.Count, "redis-server is started without --requirepass");
        var variable = VariableReference().Match(args[i + 1]);
        Assert.True(variable.Success && variable.Value == args[i + 1], $"--requirepass {args[i + 1]} is not one $(VARIABLE)");
        AssertFromSecret(c, variable.Groups[1].Value, RedisSecret, "password");
        // The probes authenticate (redis-cli reads REDISCLI_AUTH) and want PONG, not just an answer.
        AssertFromSecret(c, "REDISCLI_AUTH", RedisSecret, "password");
        Assert.Contains("PONG", string.Join(' ', c.ReadinessProbe.Exec.Command), StringComparison.Ordinal);
    }

    [Fact]
    public void Silo_ConnectsToRedisWithTheSamePassword_ExpandedFromAVariableDefinedBefore()
    {
        var c = K8sRepo.SiloContainerOf(K8sRepo.Silo);
        var connection = c.Env.Single(e => e.Name == "Alora__Silo__RedisConnectionString");
        Assert.Null(connection.ValueFrom);
        var password = Regex.Match(connection.Value, @"(?:^|,)password=([^,]*)");
        Assert.True(password.Success, $"Alora__Silo__RedisConnectionString ({connection.Value}) has no password=");
        var variable = VariableReference().Match(password.Groups[1].Value);
        Assert.True(variable.Success && variable.Value == password.Groups[1].Value, "the password is not one $(VARIABLE)");
        var name = variable.Groups[1].Value;
        AssertFromSecret(c, name, RedisSecret, "password");
        // Kubernetes expands $(NAME) only from variables defined earlier in the list.
        Assert.True(c.Env.ToList().FindIndex(e => e.Name == name) < c.Env.ToList().IndexOf(connection), $"{name} is defined after Alora__Silo__RedisConnectionString: $({name}) would stay literal");
        // The wait-for-redis init container authenticates the same way.
        foreach (var init in K8sRepo.Silo.Spec.Template.Spec.InitContainers ?? [])
        {
            AssertFromSecret(init, "REDISCLI_AUTH", RedisSecret, "password");
        }
    }

    [Fact]
    public void Grafana_HasNoDefaultAdminAndNoAnonymousAccess()
    {
        var grafana = K8sRepo.One<V1Deployment>("alora-grafana");
        var c = grafana.Spec.Template.Spec.Containers.Single();
        AssertFromSecret(c, "GF_SECURITY_ADMIN_USER", "alora-grafana-admin", "admin-user");
        AssertFromSecret(c, "GF_SECURITY_ADMIN_PASSWORD", "alora-grafana-admin", "admin-password");
        Assert.Equal("false", c.Env.Single(e => e.Name == "GF_AUTH_ANONYMOUS_ENABLED").Value);
        Assert.DoesNotContain(c.Env, e => e.Name == "GF_AUTH_ANONYMOUS_ORG_ROLE");
        Assert.NotEqual("true", c.Env.SingleOrDefault(e => e.Name == "GF_USERS_ALLOW_SIGN_UP")?.Value);
        Assert.DoesNotContain(c.Env, e => e.Value?.Contains("admin/admin", StringComparison.Ordinal) == true);
    }

    [Theory]
    [InlineData("Alora__Security__Tls__CertificateFile", "alora-tls", "tls.crt")]
    [InlineData("Alora__Security__Tls__KeyFile", "alora-tls", "tls.key")]
    [InlineData("Alora__Security__Tls__CaFile", "alora-tls", "ca.crt")]
    [InlineData("Alora__Security__ClientTokenFile", "alora-client-token", "token")]
    public void Silo_SecuritySetting_PointsAtItsKeyInAReadOnlySecretMount(string setting, string secret, string key)
    {
        foreach (var dir in K8sRepo.KustomizationDirs)
        {
            var silo = Overlays.Silo(dir);
            var c = K8sRepo.SiloContainerOf(silo);
            var path = K8sRepo.ResolveEnv(c, silo.Spec.Template, setting);
            Assert.True(path is not null, $"{dir}: {setting} is not set on the silo");
            var mount = c.VolumeMounts.SingleOrDefault(m => path == $"{m.MountPath.TrimEnd('/')}/{key}");
            Assert.True(mount is not null, $"{dir}: {setting} = {path}, which is not key {key} of a mounted volume");
            Assert.True(mount.ReadOnlyProperty == true, $"{dir}: {mount.MountPath} is not mounted read-only");
            var volume = silo.Spec.Template.Spec.Volumes.Single(v => v.Name == mount.Name);
            Assert.Equal(secret, volume.Secret?.SecretName);
            var source = volume.Secret!;
            Assert.True(source.Items is not { Count: > 0 } || source.Items.Any(i => i.Key == key && i.Path == key), $"{secret} is mounted without key {key}");
            // Readable by the silo's group (fsGroup) only: 0440 or tighter.
            Assert.True(source.DefaultMode is { } mode && (mode & 0b000_000_111) == 0, $"{secret} is mounted readable by others (defaultMode {source.DefaultMode})");
        }
    }

    [Theory]
    [InlineData("ALORA_TOKEN_FILE", "Alora__Security__ClientTokenFile", "token")]
    [InlineData("ALORA_TLS_CA", "Alora__Security__Tls__CaFile", "ca.crt")]
    public void SubmitJob_ReadsTheCredentialItsSilosRequire_FromTheSameSecret_WithoutTheTlsKey(string variable, string siloSetting, string key)
    {
        // The silos require the token and serve TLS; a Job without them could not submit (exit 7 / 5).
        var siloTemplate = K8sRepo.Silo.Spec.Template;
        var siloContainer = K8sRepo.SiloContainerOf(K8sRepo.Silo);
        var siloPath = K8sRepo.ResolveEnv(siloContainer, siloTemplate, siloSetting)!;
        var siloMount = siloContainer.VolumeMounts.Single(m => siloPath.StartsWith(m.MountPath.TrimEnd('/') + "/", StringComparison.Ordinal));
        var siloSecret = siloTemplate.Spec.Volumes.Single(v => v.Name == siloMount.Name).Secret!.SecretName;

        var job = K8sRepo.All<V1Job>().Single();
        var c = job.Spec.Template.Spec.Containers.Single();
        var path = K8sRepo.ResolveEnv(c, job.Spec.Template, variable);
        Assert.True(path is not null, $"the Job does not set {variable}");
        var mount = c.VolumeMounts.SingleOrDefault(m => path == $"{m.MountPath.TrimEnd('/')}/{key}");
        Assert.True(mount is not null, $"{variable} = {path}, which is not key {key} of a mounted volume");
        Assert.True(mount.ReadOnlyProperty == true, $"{mount.MountPath} is not mounted read-only");
        var volume = job.Spec.Template.Spec.Volumes.Single(v => v.Name == mount.Name).Secret!;
        Assert.Equal(siloSecret, volume.SecretName);
        Assert.True(volume.DefaultMode is { } mode && (mode & 0b000_000_111) == 0, $"{volume.SecretName} is readable by others in the Job");
        Assert.Equal(1654, job.Spec.Template.Spec.SecurityContext.FsGroup);
        if (volume.SecretName == "alora-tls")
        {
            Assert.True(volume.Items is { Count: > 0 } && volume.Items.All(i => i.Key == "ca.crt"), "the Job mounts more of alora-tls than ca.crt (the silos' key)");
        }
    }

    /// <summary>(Secret, key) of every secretKeyRef and of every file of a Secret volume that a setting points at.</summary>
    private static IEnumerable<(string Secret, string Key)> ReferencedSecretKeys()
    {
        foreach (var (_, template) in K8sRepo.PodTemplates())
        {
            foreach (var c in template.Spec.Containers.Concat(template.Spec.InitContainers ?? []))
            {
                foreach (var env in c.Env ?? [])
                {
                    if (env.ValueFrom?.SecretKeyRef is { } r)
                    {
                        yield return (r.Name, r.Key);
                    }

                    foreach (var mount in c.VolumeMounts ?? [])
                    {
                        var volume = template.Spec.Volumes?.SingleOrDefault(v => v.Name == mount.Name);
                        var prefix = mount.MountPath.TrimEnd('/') + "/";
                        if (volume?.Secret is { } secret && env.Value?.StartsWith(prefix, StringComparison.Ordinal) == true)
                        {
                            yield return (secret.SecretName, env.Value[prefix.Length..]);
                        }
                    }
                }
            }

            foreach (var volume in template.Spec.Volumes ?? [])
            {
                if (volume.Secret is { } secret)
                {
                    yield return (secret.SecretName, "");
                }
            }
        }
    }

    [Fact]
    public void EveryReferencedSecret_IsCreatedByTheScriptWithItsKeys_AndDocumented()
    {
        var script = File.ReadAllText(Path.Combine(K8sRepo.K8sDir, "create-secrets.sh"));
        var readme = File.ReadAllText(Path.Combine(K8sRepo.K8sDir, "README.md"));
        var referenced = ReferencedSecretKeys().Distinct().ToList();
        Assert.Contains(("alora-tls", "ca.crt"), referenced);
        foreach (var (secret, key) in referenced)
        {
            // The command with its continuation lines (a backslash before the line break).
            var create = Regex.Match(script, $@"create secret generic {Regex.Escape(secret)}\b(?:[^\n\\]|\\\n|\\.)*");
            Assert.True(create.Success, $"create-secrets.sh does not create Secret {secret}");
            Assert.True(key.Length == 0 || create.Value.Contains($"--from-file={key}=", StringComparison.Ordinal), $"create-secrets.sh creates {secret} without key {key}");
            Assert.True(readme.Contains($"| `{secret}` |", StringComparison.Ordinal), $"k8s/README.md (Secrets) does not list {secret}");
            Assert.True(key.Length == 0 || readme.Contains($"`{key}`", StringComparison.Ordinal), $"k8s/README.md does not name key {key} of {secret}");
        }
    }

    [Fact]
    public void Namespace_EnforcesBaseline_AndWarnsAndAuditsRestricted()
    {
        var labels = K8sRepo.One<V1Namespace>(K8sRepo.Namespace).Metadata.Labels;
        Assert.Equal("baseline", labels["pod-security.kubernetes.io/enforce"]);
        Assert.Equal("restricted", labels["pod-security.kubernetes.io/warn"]);
        Assert.Equal("restricted", labels["pod-security.kubernetes.io/audit"]);
    }

    private static void AssertFromSecret(V1Container c, string name, string secret, string key)
    {
        var env = (c.Env ?? []).SingleOrDefault(e => e.Name == name);
        Assert.True(env is not null, $"container {c.Name} does not set {name}");
        Assert.True(env.Value is null, $"container {c.Name} sets {name} to a literal");
        Assert.Equal(secret, env.ValueFrom?.SecretKeyRef?.Name);
        Assert.Equal(key, env.ValueFrom!.SecretKeyRef!.Key);
    }

    private static IEnumerable<(string Workload, V1PodSpec Spec)> PodSpecs(Manifest m) => m.Object switch
    {
        V1StatefulSet s => [($"StatefulSet/{s.Metadata.Name}", s.Spec.Template.Spec)],
        V1Deployment d => [($"Deployment/{d.Metadata.Name}", d.Spec.Template.Spec)],
        V1Job j => [($"Job/{j.Metadata.Name}", j.Spec.Template.Spec)],
        _ => [],
    };

    [GeneratedRegex(@"password=([^,\s""']*)", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PasswordInConnectionString();

    [GeneratedRegex(@"--requirepass[""',\s]+([^\s,\]]+)", RegexOptions.CultureInvariant)]
    private static partial Regex RequirePass();

    [GeneratedRegex(@"PASSWORD|PASSWD|SECRET|TOKEN|_AUTH$|APIKEY|API_KEY", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex CredentialName();

    [GeneratedRegex(@"^\$\(([A-Za-z_][A-Za-z0-9_]*)\)$", RegexOptions.CultureInvariant)]
    private static partial Regex VariableReference();
}
