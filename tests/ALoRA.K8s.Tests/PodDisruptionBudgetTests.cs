using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>The silos' disruption budget.</summary>
public sealed class PodDisruptionBudgetTests
{
    [Fact]
    public void Pdb_SelectsTheSiloPodsOnly()
    {
        var pdb = Assert.Single(K8sRepo.All<V1PodDisruptionBudget>());
        Assert.True(K8sRepo.Selects(pdb.Spec.Selector.MatchLabels, K8sRepo.Silo.Spec.Template.Metadata.Labels), "the PDB does not select the silo pods");
        var others = K8sRepo.PodTemplates()
            .Where(t => t.Workload != $"StatefulSet/{K8sRepo.SiloName}" && K8sRepo.Selects(pdb.Spec.Selector.MatchLabels, t.Template.Metadata.Labels))
            .Select(t => t.Workload)
            .ToList();
        Assert.Empty(others);
    }

    [Fact]
    public void Pdb_LetsOneSiloAtATimeBeDisrupted()
    {
        var pdb = Assert.Single(K8sRepo.All<V1PodDisruptionBudget>());
        var replicas = K8sRepo.Silo.Spec.Replicas ?? 1;
        if (pdb.Spec.MaxUnavailable is { } max)
        {
            Assert.Equal("1", max.Value);
        }
        else
        {
            Assert.NotNull(pdb.Spec.MinAvailable);
            Assert.Equal((replicas - 1).ToString(System.Globalization.CultureInfo.InvariantCulture), pdb.Spec.MinAvailable.Value);
        }
    }
}
