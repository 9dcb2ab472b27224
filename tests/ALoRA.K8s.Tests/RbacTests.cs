using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>The silos' identity: only what Orleans' Kubernetes hosting needs.</summary>
public sealed class RbacTests
{
    private static readonly string[] HostingVerbs = ["get", "list", "watch", "patch"];

    [Fact]
    public void Role_GrantsOnlyTheHostingVerbsOnPods()
    {
        var role = Assert.Single(K8sRepo.All<V1Role>());
        var rule = Assert.Single(role.Rules);
        Assert.Equal(new[] { "" }, rule.ApiGroups);
        Assert.Equal(new[] { "pods" }, rule.Resources);
        Assert.Null(rule.ResourceNames);
        Assert.Null(rule.NonResourceURLs);
        var verbs = rule.Verbs.Order(StringComparer.Ordinal).ToArray();
        // "delete" is needed only with KubernetesHostingOptions.DeleteDefunctSiloPods.
        Assert.True(
            verbs.SequenceEqual(HostingVerbs.Order(StringComparer.Ordinal))
            || verbs.SequenceEqual(HostingVerbs.Append("delete").Order(StringComparer.Ordinal)),
            "verbs must be get, list, watch, patch (+ delete), got " + string.Join(", ", verbs));
    }

    [Fact]
    public void Base_HasNoClusterWideRbac()
    {
        Assert.Empty(K8sRepo.All<V1ClusterRole>());
        Assert.Empty(K8sRepo.All<V1ClusterRoleBinding>());
    }

    [Fact]
    public void RoleBinding_BindsTheRoleToTheSiloServiceAccount()
    {
        var role = Assert.Single(K8sRepo.All<V1Role>());
        var binding = Assert.Single(K8sRepo.All<V1RoleBinding>());
        Assert.Equal("Role", binding.RoleRef.Kind);
        Assert.Equal(role.Metadata.Name, binding.RoleRef.Name);
        Assert.Equal("rbac.authorization.k8s.io", binding.RoleRef.ApiGroup);
        var subject = Assert.Single(binding.Subjects);
        Assert.Equal("ServiceAccount", subject.Kind);
        Assert.Equal(K8sRepo.Silo.Spec.Template.Spec.ServiceAccountName, subject.Name);
        Assert.Equal(K8sRepo.Namespace, subject.NamespaceProperty);
    }

    [Fact]
    public void ServiceAccount_MountsItsToken()
    {
        var account = K8sRepo.One<V1ServiceAccount>(K8sRepo.Silo.Spec.Template.Spec.ServiceAccountName);
        Assert.True(account.AutomountServiceAccountToken);
    }

    [Fact]
    public void PodsOtherThanSilos_GetNoServiceAccountToken()
    {
        foreach (var (workload, template) in K8sRepo.PodTemplates().Where(t => t.Workload != $"StatefulSet/{K8sRepo.SiloName}"))
        {
            Assert.True(template.Spec.AutomountServiceAccountToken == false, $"{workload} mounts a service account token it does not need");
        }
    }
}
