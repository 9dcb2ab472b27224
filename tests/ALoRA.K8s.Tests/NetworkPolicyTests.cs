using System.Globalization;
using System.Net;
using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>
/// The base's NetworkPolicies (<c>network-policies.yaml</c>), evaluated by <see cref="NetworkPolicyModel"/>: default
/// deny, the gateway only from clients (label <c>alora.io/client: "true"</c> on the pod or its namespace), the silo
/// port only from silos, Redis only from silos, the silos' health port from no pod; and every connection the
/// configuration makes (the silos' Redis and OTLP endpoints, the collector's exporter, Prometheus' scrape targets,
/// Grafana's data sources, the Job's gateway, DNS, the API server) allowed on both ends.
/// </summary>
public sealed class NetworkPolicyTests
{
    public const string ClientLabel = "alora.io/client";

    private static PodRef Silo => Pod(K8sRepo.SiloName);

    private static PodRef Redis => Pod("alora-redis");

    private static PodRef ClientPod => NetworkPolicyModel.AloraPod("a-client", (ClientLabel, "true"));

    private static PodRef Stranger => NetworkPolicyModel.AloraPod("a-stranger", ("app", "debug"));

    private static PodRef PodInClientNamespace =>
        NetworkPolicyModel.ForeignPod("a-pod-of-a-client-namespace", "ml-team", new Dictionary<string, string>(), new Dictionary<string, string> { [ClientLabel] = "true" });

    private static PodRef ClientLabelledPodInOtherNamespace =>
        NetworkPolicyModel.ForeignPod("a-client-pod-elsewhere", "other", new Dictionary<string, string> { [ClientLabel] = "true" }, new Dictionary<string, string>());

    private static PodRef Pod(string name) =>
        NetworkPolicyModel.BasePods.Single(p => p.Name.EndsWith("/" + name, StringComparison.Ordinal));

    private static int Port(PodRef pod, string name) => NetworkPolicyModel.NamedPorts(pod.Spec!).Single(p => p.Name == name).ContainerPort;

    /// <summary>Every port a container of <paramref name="pod"/> declares or a probe of it uses.</summary>
    private static IEnumerable<int> AllPorts(PodRef pod) => pod.Spec!.Containers.SelectMany(c => c.Ports ?? []).Select(p => p.ContainerPort).Distinct();

    [Fact]
    public void DefaultDeny_SelectsEveryPod_ForIngressAndEgress_AndAllowsNothing()
    {
        var deny = NetworkPolicyModel.Policies.Where(p =>
            p.Spec.PodSelector.MatchLabels is not { Count: > 0 } && p.Spec.PodSelector.MatchExpressions is not { Count: > 0 }
            && p.Spec.Ingress is not { Count: > 0 } && p.Spec.Egress is not { Count: > 0 }).ToList();
        var policy = Assert.Single(deny);
        Assert.Equal(["Egress", "Ingress"], NetworkPolicyModel.Types(policy).Order(StringComparer.Ordinal));
    }

    [Fact]
    public void AStrangerPod_ReachesNoPortOfAnyWorkload()
    {
        foreach (var stranger in new[] { Stranger, ClientLabelledPodInOtherNamespace })
        {
            foreach (var target in NetworkPolicyModel.BasePods)
            {
                foreach (var port in AllPorts(target))
                {
                    Assert.False(NetworkPolicyModel.IngressAllowed(stranger, target, port), $"{stranger} reaches {target} on {port}");
                }
            }
        }
    }

    [Fact]
    public void Gateway_IsReachableFromClientPodsAndClientNamespaces_Only()
    {
        var gateway = Port(Silo, "gateway");
        Assert.True(NetworkPolicyModel.Allowed(ClientPod, Silo, gateway), "a pod labelled alora.io/client=true in alora cannot reach the gateway");
        Assert.True(NetworkPolicyModel.IngressAllowed(PodInClientNamespace, Silo, gateway), "a pod of a namespace labelled alora.io/client=true cannot reach the gateway");
        Assert.False(NetworkPolicyModel.IngressAllowed(Stranger, Silo, gateway));
        Assert.False(NetworkPolicyModel.IngressAllowed(ClientLabelledPodInOtherNamespace, Silo, gateway));
        foreach (var pod in NetworkPolicyModel.BasePods.Where(p => !NetworkPolicyModel.Matches(new V1LabelSelector { MatchLabels = new Dictionary<string, string> { [ClientLabel] = "true" } }, p.Labels)))
        {
            Assert.False(NetworkPolicyModel.IngressAllowed(pod, Silo, gateway), $"{pod}, not a client, reaches the gateway");
        }
    }

    [Fact]
    public void Clients_ReachTheGatewayAndNothingElse()
    {
        foreach (var target in NetworkPolicyModel.BasePods)
        {
            foreach (var port in AllPorts(target))
            {
                var expected = target.Name == Silo.Name && port == Port(Silo, "gateway");
                Assert.True(expected == NetworkPolicyModel.Allowed(ClientPod, target, port), $"client to {target} on {port}: expected {(expected ? "allowed" : "denied")}");
            }
        }
    }

    [Fact]
    public void SiloPort_IsReachableFromSilosOnly()
    {
        var siloPort = Port(Silo, "silo");
        Assert.True(NetworkPolicyModel.Allowed(Silo, Silo, siloPort));
        foreach (var pod in NetworkPolicyModel.BasePods.Where(p => p.Name != Silo.Name).Append(ClientPod).Append(PodInClientNamespace))
        {
            Assert.False(NetworkPolicyModel.IngressAllowed(pod, Silo, siloPort), $"{pod} reaches the silo port");
        }
    }

    [Fact]
    public void Redis_IsReachableFromSilosOnly()
    {
        var redis = Port(Redis, "redis");
        Assert.True(NetworkPolicyModel.Allowed(Silo, Redis, redis));
        foreach (var pod in NetworkPolicyModel.BasePods.Where(p => p.Name != Silo.Name).Append(ClientPod).Append(PodInClientNamespace))
        {
            Assert.False(NetworkPolicyModel.IngressAllowed(pod, Redis, redis), $"{pod} reaches Redis");
        }
    }

    [Fact]
    public void SiloHealthPort_IsOpenToNoPod_TheKubeletProbesFromTheNode()
    {
        var health = K8sRepo.SiloContainerOf(K8sRepo.Silo).ReadinessProbe.HttpGet.Port.Value;
        var port = int.TryParse(health, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : Port(Silo, health);
        foreach (var pod in NetworkPolicyModel.BasePods.Append(ClientPod).Append(PodInClientNamespace))
        {
            Assert.False(NetworkPolicyModel.IngressAllowed(pod, Silo, port), $"{pod} reaches the silo's health port {port}");
        }
    }

    [Fact]
    public void EveryNamedPortOfAPolicy_ExistsOnThePodsItSelects()
    {
        foreach (var policy in NetworkPolicyModel.Policies)
        {
            var selected = NetworkPolicyModel.BasePods.Where(p => NetworkPolicyModel.Matches(policy.Spec.PodSelector, p.Labels)).ToList();
            Assert.True(selected.Count > 0, $"NetworkPolicy {policy.Metadata.Name} selects no pod of the base");
            foreach (var port in (policy.Spec.Ingress ?? []).SelectMany(r => r.Ports ?? []).Where(p => p.Port is not null))
            {
                if (!int.TryParse(port.Port.Value, NumberStyles.None, CultureInfo.InvariantCulture, out _))
                {
                    foreach (var pod in selected)
                    {
                        Assert.True(NetworkPolicyModel.NamedPorts(pod.Spec!).Any(c => c.Name == port.Port.Value), $"NetworkPolicy {policy.Metadata.Name} names port {port.Port.Value}, which {pod} does not have");
                    }
                }
            }
        }
    }

    public static TheoryData<string, string, string> Connections()
    {
        var data = new TheoryData<string, string, string>();
        foreach (var (from, to, why) in ConfiguredConnections())
        {
            data.Add(from, to, why);
        }

        return data;
    }

    /// <summary>Every connection the manifests and config files make: (source workload, host:port, where it is configured).</summary>
    private static IEnumerable<(string From, string To, string Why)> ConfiguredConnections()
    {
        var siloContainer = K8sRepo.SiloContainerOf(K8sRepo.Silo);
        string SiloEnv(string name) => K8sRepo.ResolveEnv(siloContainer, K8sRepo.Silo.Spec.Template, name) ?? throw new InvalidDataException($"{name} is not set");
        yield return (K8sRepo.SiloName, SiloEnv("Alora__Silo__RedisConnectionString").Split(',')[0], "Alora__Silo__RedisConnectionString");
        var otlp = new Uri(SiloEnv("OTEL_EXPORTER_OTLP_ENDPOINT"));
        yield return (K8sRepo.SiloName, $"{otlp.Host}:{otlp.Port}", "OTEL_EXPORTER_OTLP_ENDPOINT");
        yield return (K8sRepo.SiloName, $"{K8sRepo.Silo.Spec.ServiceName}:{siloContainer.Ports.Single(p => p.Name == "silo").ContainerPort}", "silo to silo");

        var collector = (Dictionary<object, object>)K8sRepo.ParseYaml(K8sRepo.GeneratedFile("alora-otel-collector-config", "config.yaml"))!;
        foreach (var (name, exporter) in (Dictionary<object, object>)collector["exporters"])
        {
            if (exporter is Dictionary<object, object> e && e.TryGetValue("endpoint", out var endpoint) && !((string)endpoint).StartsWith("0.0.0.0", StringComparison.Ordinal))
            {
                yield return ("alora-otel-collector", (string)endpoint, $"collector exporter {name}");
            }
        }

        var prometheus = (Dictionary<object, object>)K8sRepo.ParseYaml(K8sRepo.GeneratedFile("alora-prometheus-config", "prometheus.yml"))!;
        foreach (var job in (List<object>)prometheus["scrape_configs"])
        {
            foreach (var config in (List<object>)((Dictionary<object, object>)job)["static_configs"])
            {
                foreach (var target in (List<object>)((Dictionary<object, object>)config)["targets"])
                {
                    yield return ("alora-prometheus", (string)target, "prometheus.yml scrape target");
                }
            }
        }

        var datasources = (Dictionary<object, object>)K8sRepo.ParseYaml(K8sRepo.GeneratedFile("alora-grafana-datasources", "datasources.yaml"))!;
        foreach (var source in (List<object>)datasources["datasources"])
        {
            var url = new Uri((string)((Dictionary<object, object>)source)["url"]);
            yield return ("alora-grafana", $"{url.Host}:{url.Port}", $"Grafana data source {((Dictionary<object, object>)source)["name"]}");
        }

        var submitJob = K8sRepo.All<V1Job>().Single();
        var submit = submitJob.Spec.Template.Spec.Containers.Single();
        yield return (submitJob.Metadata.Name, submit.Args.SkipWhile(a => a != "--gateway").Skip(1).First(), "the Job's --gateway");
    }

    [Theory]
    [MemberData(nameof(Connections))]
    public void EveryConfiguredConnection_IsAllowedOnBothEnds(string from, string to, string why)
    {
        var source = Pod(from);
        var host = to.Split(':')[0];
        var servicePort = int.Parse(to.Split(':')[1], CultureInfo.InvariantCulture);
        var service = K8sRepo.One<V1Service>(host);
        var port = service.Spec.Ports.Single(p => p.Port == servicePort);
        var targets = NetworkPolicyModel.BasePods.Where(p => K8sRepo.Selects(service.Spec.Selector, p.Labels)).ToList();
        Assert.NotEmpty(targets);
        foreach (var target in targets)
        {
            var targetPort = port.TargetPort?.Value ?? servicePort.ToString(CultureInfo.InvariantCulture);
            var number = int.TryParse(targetPort, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : Port(target, targetPort);
            Assert.True(NetworkPolicyModel.EgressAllowed(source, target, number), $"{from} may not send to {target} port {number} ({why}: {to})");
            Assert.True(NetworkPolicyModel.IngressAllowed(source, target, number), $"{target} does not admit {from} on port {number} ({why}: {to})");
        }
    }

    [Fact]
    public void EveryPod_MayLookUpNames()
    {
        var kubeDns = NetworkPolicyModel.ForeignPod("kube-dns", "kube-system", new Dictionary<string, string> { ["k8s-app"] = "kube-dns" }, new Dictionary<string, string>());
        foreach (var pod in NetworkPolicyModel.BasePods.Append(ClientPod))
        {
            foreach (var protocol in new[] { "UDP", "TCP" })
            {
                Assert.True(NetworkPolicyModel.EgressAllowed(pod, kubeDns, 53, protocol), $"{pod} cannot reach kube-dns over {protocol}");
                // NodeLocal DNSCache listens on a link-local address.
                Assert.True(NetworkPolicyModel.EgressAllowed(pod, IPAddress.Parse("169.254.20.10"), 53, protocol), $"{pod} cannot reach a node-local DNS cache over {protocol}");
            }
        }
    }

    [Fact]
    public void Silos_MayReachTheKubernetesApiServer_OtherWorkloadsNot()
    {
        // Orleans' Kubernetes hosting: the API server's Service address (10.96.0.1:443 on many clusters) or a node's 6443.
        foreach (var (address, port) in new[] { ("10.96.0.1", 443), ("192.168.10.5", 6443) })
        {
            Assert.True(NetworkPolicyModel.EgressAllowed(Silo, IPAddress.Parse(address), port), $"the silos cannot reach {address}:{port}");
            foreach (var pod in NetworkPolicyModel.BasePods.Where(p => p.Name != Silo.Name))
            {
                Assert.False(NetworkPolicyModel.EgressAllowed(pod, IPAddress.Parse(address), port), $"{pod} reaches {address}:{port}");
            }
        }
    }

    [Fact]
    public void SubmitJob_CarriesTheClientLabel()
    {
        var job = K8sRepo.All<V1Job>().Single();
        Assert.Equal("true", job.Spec.Template.Metadata.Labels[ClientLabel]);
    }
}
