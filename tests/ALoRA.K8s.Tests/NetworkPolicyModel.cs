using System.Globalization;
using System.Net;
using k8s.Models;

namespace ALoRA.K8s.Tests;

/// <summary>A pod as NetworkPolicy sees it: its namespace (with that namespace's labels), its labels and its containers' ports.</summary>
public sealed record PodRef(string Name, string Namespace, IDictionary<string, string> Labels, IDictionary<string, string> NamespaceLabels, V1PodSpec? Spec)
{
    /// <inheritdoc />
    public override string ToString() => $"{Name} (namespace {Namespace})";
}

/// <summary>
/// Evaluates the base's NetworkPolicies the way the Kubernetes API defines them: a pod selected by no policy of a
/// type is open in that direction; a selected pod admits a connection when one rule of one selecting policy matches
/// both the peer and the port. Peers: a podSelector alone means pods of the policy's namespace, a namespaceSelector
/// alone every pod of the matching namespaces, both together both conditions; an ipBlock matches addresses only.
/// Named ports resolve against the destination pod's container ports. Only the base's policies (namespace
/// <c>alora</c>) are modelled: pods in other namespaces are open.
/// </summary>
public static class NetworkPolicyModel
{
    public static IReadOnlyList<V1NetworkPolicy> Policies => K8sRepo.All<V1NetworkPolicy>().ToList();

    /// <summary>The labels of namespace <c>alora</c>: its manifest's and the one Kubernetes adds (<c>kubernetes.io/metadata.name</c>).</summary>
    public static IDictionary<string, string> AloraNamespaceLabels =>
        new Dictionary<string, string>(K8sRepo.One<V1Namespace>(K8sRepo.Namespace).Metadata.Labels ?? new Dictionary<string, string>())
        {
            ["kubernetes.io/metadata.name"] = K8sRepo.Namespace,
        };

    /// <summary>A pod of a base workload.</summary>
    public static PodRef PodOf(string workload, V1PodTemplateSpec template) =>
        new(workload, K8sRepo.Namespace, template.Metadata.Labels, AloraNamespaceLabels, template.Spec);

    /// <summary>Every base workload's pod.</summary>
    public static IReadOnlyList<PodRef> BasePods => K8sRepo.PodTemplates().Select(t => PodOf(t.Workload, t.Template)).ToList();

    /// <summary>A pod with <paramref name="labels"/> in namespace <c>alora</c> (no containers of interest).</summary>
    public static PodRef AloraPod(string name, params (string Key, string Value)[] labels) =>
        new(name, K8sRepo.Namespace, labels.ToDictionary(l => l.Key, l => l.Value), AloraNamespaceLabels, null);

    /// <summary>A pod with <paramref name="labels"/> in another namespace labelled <paramref name="namespaceLabels"/>.</summary>
    public static PodRef ForeignPod(string name, string ns, IDictionary<string, string> labels, IDictionary<string, string> namespaceLabels) =>
        new(name, ns, labels, new Dictionary<string, string>(namespaceLabels) { ["kubernetes.io/metadata.name"] = ns }, null);

    /// <summary>Whether <paramref name="from"/> may open a connection to <paramref name="to"/> on <paramref name="port"/> (both directions' policies).</summary>
    public static bool Allowed(PodRef from, PodRef to, int port, string protocol = "TCP") =>
        EgressAllowed(from, to, port, protocol) && IngressAllowed(from, to, port, protocol);

    public static bool IngressAllowed(PodRef from, PodRef to, int port, string protocol = "TCP")
    {
        if (to.Namespace != K8sRepo.Namespace)
        {
            return true;
        }

        var selecting = Policies.Where(p => Types(p).Contains("Ingress") && Matches(p.Spec.PodSelector, to.Labels)).ToList();
        return selecting.Count == 0
               || selecting.Any(p => (p.Spec.Ingress ?? []).Any(r => PeersMatch(r.FromProperty, p, from) && PortsMatch(r.Ports, to.Spec, port, protocol)));
    }

    public static bool EgressAllowed(PodRef from, PodRef to, int port, string protocol = "TCP") =>
        Egress(from, rule => PeersMatch(rule.To, null, to) && PortsMatch(rule.Ports, to.Spec, port, protocol));

    /// <summary>Whether <paramref name="from"/> may connect to an address outside the cluster's pods (the API server, a node-local DNS cache).</summary>
    public static bool EgressAllowed(PodRef from, IPAddress address, int port, string protocol = "TCP") =>
        Egress(
            from,
            rule => (rule.To is not { Count: > 0 } || rule.To.Any(peer => peer.IpBlock is { } block && InBlock(block, address)))
                    && PortsMatch(rule.Ports, null, port, protocol));

    private static bool Egress(PodRef from, Func<V1NetworkPolicyEgressRule, bool> matches)
    {
        if (from.Namespace != K8sRepo.Namespace)
        {
            return true;
        }

        var selecting = Policies.Where(p => Types(p).Contains("Egress") && Matches(p.Spec.PodSelector, from.Labels)).ToList();
        return selecting.Count == 0 || selecting.Any(p => (p.Spec.Egress ?? []).Any(matches));
    }

    /// <summary>The policy's types: as given, else Ingress (plus Egress when it has egress rules).</summary>
    public static IReadOnlyList<string> Types(V1NetworkPolicy policy) =>
        policy.Spec.PolicyTypes is { Count: > 0 } types
            ? types.ToList()
            : policy.Spec.Egress is { Count: > 0 } ? ["Ingress", "Egress"] : ["Ingress"];

    /// <summary>
    /// Whether a rule's peers admit <paramref name="pod"/>. For ingress, <paramref name="policy"/> is the policy (a
    /// podSelector alone means its namespace); for egress, null (the source is in <c>alora</c>, which is the policy's).
    /// </summary>
    private static bool PeersMatch(IList<V1NetworkPolicyPeer>? peers, V1NetworkPolicy? policy, PodRef pod)
    {
        if (peers is not { Count: > 0 })
        {
            return true;
        }

        var policyNamespace = policy?.Metadata.NamespaceProperty ?? K8sRepo.Namespace;
        return peers.Any(peer =>
            peer.IpBlock is null
            && (peer.PodSelector is not null || peer.NamespaceSelector is not null)
            && (peer.NamespaceSelector is null ? pod.Namespace == policyNamespace : Matches(peer.NamespaceSelector, pod.NamespaceLabels))
            && (peer.PodSelector is null || Matches(peer.PodSelector, pod.Labels)));
    }

    private static bool PortsMatch(IList<V1NetworkPolicyPort>? ports, V1PodSpec? destination, int port, string protocol)
    {
        if (ports is not { Count: > 0 })
        {
            return true;
        }

        return ports.Any(p =>
        {
            if ((p.Protocol ?? "TCP") != protocol)
            {
                return false;
            }

            if (p.Port is null)
            {
                return true;
            }

            var value = p.Port.Value;
            if (int.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            {
                return port == number || (p.EndPort is { } end && port > number && port <= end);
            }

            // A named port: the destination pod's container port of that name.
            return destination is not null && NamedPorts(destination).Any(c => c.Name == value && c.ContainerPort == port && (c.Protocol ?? "TCP") == protocol);
        });
    }

    /// <summary>The named container ports of <paramref name="spec"/> (init containers included).</summary>
    public static IEnumerable<V1ContainerPort> NamedPorts(V1PodSpec spec) =>
        spec.Containers.Concat(spec.InitContainers ?? []).SelectMany(c => c.Ports ?? []).Where(p => !string.IsNullOrEmpty(p.Name));

    /// <summary>Label selector semantics: every matchLabels pair and every matchExpressions requirement holds; an empty selector matches all.</summary>
    public static bool Matches(V1LabelSelector? selector, IDictionary<string, string>? labels)
    {
        if (selector is null)
        {
            return false;
        }

        labels ??= new Dictionary<string, string>();
        var byLabels = (selector.MatchLabels ?? new Dictionary<string, string>()).All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);
        var byExpressions = (selector.MatchExpressions ?? []).All(e => e.OperatorProperty switch
        {
            "In" => labels.TryGetValue(e.Key, out var v) && e.Values.Contains(v),
            "NotIn" => !labels.TryGetValue(e.Key, out var v) || !e.Values.Contains(v),
            "Exists" => labels.ContainsKey(e.Key),
            "DoesNotExist" => !labels.ContainsKey(e.Key),
            _ => throw new InvalidDataException($"unknown label selector operator {e.OperatorProperty}"),
        });
        return byLabels && byExpressions;
    }

    private static bool InBlock(V1IPBlock block, IPAddress address)
    {
        static bool Contains(string cidr, IPAddress a) => IPNetwork.Parse(cidr).Contains(a);
        return Contains(block.Cidr, address) && !(block.Except ?? []).Any(e => Contains(e, address));
    }
}
