import { ApiObject, Lazy } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { INetworkPeerTarget, isPeerTarget, NetworkPeer, NetworkPeerKind, PeerPort } from './network-peer';
import { invalidProp } from './shared/errors';
import { selectorLabels } from './shared/labels';

/** The construct that owns a policy: peers of kind service must be in its namespace and its app. */
export interface PolicyOwner extends IConstruct {
  readonly namespace: string;
}

/** A peer as given, with the prop it came from (for messages). */
export interface PolicyGrant {
  readonly prop: string;
  readonly peer: NetworkPeer;
}

/** An ingress grant: the peer may reach `ports` of the policy's pods. */
export interface IngressGrant extends PolicyGrant {
  readonly ports: readonly PeerPort[];
}

/** What a workload's NetworkPolicy admits and allows; rendered at synth time, so grants added later show. */
export interface NetworkPolicyRules {
  /** Ingress grants, in order; undefined admits nobody (no `ingress` key: deny all). */
  readonly ingress?: () => readonly IngressGrant[];
  /** Egress grants besides cluster DNS, in order. */
  readonly egress: () => readonly PolicyGrant[];
}

/**
 * The NetworkPolicy (id `NetworkPolicy`) of the pods `podSelector` selects: both directions
 * are denied but for the grants, and egress to cluster DNS. Every peer is checked at synth time.
 */
export function createNetworkPolicy(
  owner: Construct & PolicyOwner, metadata: k8s.ObjectMeta, podSelector: Record<string, string>, rules: NetworkPolicyRules,
): k8s.KubeNetworkPolicy {
  const policy = new k8s.KubeNetworkPolicy(owner, 'NetworkPolicy', {
    metadata,
    spec: {
      podSelector: { matchLabels: podSelector },
      policyTypes: ['Ingress', 'Egress'],
      ...(rules.ingress ? { ingress: Lazy.any({ produce: () => rules.ingress!().map(ingressRule) }) } : {}),
      egress: Lazy.any({ produce: () => [dnsEgressRule(), ...rules.egress().map((g) => egressRule(g.peer))] }),
    },
  });
  owner.node.addValidation({
    validate: () => [
      ...(rules.ingress?.() ?? []).flatMap((g) => peerProblems(owner, g.prop, g.peer, 'ingress')),
      ...rules.egress().flatMap((g) => peerProblems(owner, g.prop, g.peer, 'egress')),
    ],
  });
  return policy;
}

/** Egress to the cluster DNS (kube-dns / CoreDNS in kube-system), which every pod needs. */
export function dnsEgressRule(): k8s.NetworkPolicyEgressRule {
  return {
    to: [{
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
      podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
    }],
    ports: [
      { protocol: 'UDP', port: k8s.IntOrString.fromNumber(53) },
      { protocol: 'TCP', port: k8s.IntOrString.fromNumber(53) },
    ],
  };
}

export function policyPorts(ports: readonly PeerPort[]): k8s.NetworkPolicyPort[] {
  return ports.map((p) => ({ protocol: p.protocol ?? 'TCP', port: k8s.IntOrString.fromNumber(p.port) }));
}

/** The `NetworkPolicyPeer` that selects `peer`. */
export function policyPeer(peer: NetworkPeer): k8s.NetworkPolicyPeer {
  switch (peer.kind) {
    case NetworkPeerKind.SERVICE:
      return { podSelector: { matchLabels: peer.target?.selectorLabels ?? selectorLabels(peer.name) } };
    case NetworkPeerKind.NAMESPACE:
      return {
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': peer.name } },
        ...(peer.podLabels ? { podSelector: { matchLabels: peer.podLabels } } : {}),
      };
    case NetworkPeerKind.EXTERNAL:
      return { ipBlock: { cidr: peer.cidr! } };
  }
}

/** Where egress to `peer` may go: a service of the app on its own container ports, any other peer on the ports it names. */
export function egressPorts(peer: NetworkPeer): readonly PeerPort[] {
  return peer.target?.containerPorts ?? peer.ports;
}

function ingressRule(grant: IngressGrant): k8s.NetworkPolicyIngressRule {
  return { from: [policyPeer(grant.peer)], ports: policyPorts(grant.ports) };
}

function egressRule(peer: NetworkPeer): k8s.NetworkPolicyEgressRule {
  return { to: [policyPeer(peer)], ports: policyPorts(egressPorts(peer)) };
}

/**
 * True when every pod `candidate` selects is already selected by `existing`: the same namespace
 * with no more pod labels, so admitting `candidate` as well would change nothing.
 */
export function peerCovers(existing: NetworkPeer, candidate: NetworkPeer): boolean {
  if (existing.kind !== NetworkPeerKind.NAMESPACE || candidate.kind !== NetworkPeerKind.NAMESPACE || existing.name !== candidate.name) {
    return false;
  }
  return Object.entries(existing.podLabels ?? {}).every(([key, value]) => candidate.podLabels?.[key] === value);
}

/**
 * The workloads of `scope`'s app that a policy can name as peers, in tree order. The walk skips
 * what cannot hold one (the insides of a target and of Kubernetes objects), so that a check per
 * service stays cheap in an app of many services.
 */
export function peerTargetsOf(scope: IConstruct): INetworkPeerTarget[] {
  const found: INetworkPeerTarget[] = [];
  const visit = (c: IConstruct): void => {
    if (isPeerTarget(c)) {
      found.push(c);
    } else if (!(c instanceof ApiObject)) {
      c.node.children.forEach(visit);
    }
  };
  visit(scope.node.root);
  return found;
}


/** Why `peer` cannot be used in `owner`'s policy; empty when it can. */
function peerProblems(owner: PolicyOwner, prop: string, peer: NetworkPeer, direction: 'ingress' | 'egress'): string[] {
  const value = `${peer.kind} ${peer.name}`;
  const target = peer.target;
  if (target) {
    if (target.node.root !== owner.node.root) {
      return [invalidProp(owner, prop, value,
        'is a service of another App; a policy can only name services of its own app as objects (for one outside the app: NetworkPeer.serviceNamed(name, ports))').message];
    }
    if (target.namespace !== owner.namespace) {
      return [invalidProp(owner, prop, value,
        `runs in namespace '${target.namespace}', not in '${owner.namespace}'; a service peer must be in the same namespace `
        + `(for pods of another namespace: NetworkPeer.namespace('${target.namespace}', ports, podLabels))`).message];
    }
    return [];
  }
  if (peer.kind === NetworkPeerKind.SERVICE
    && peerTargetsOf(owner).some((t) => t.namespace === owner.namespace && t.name === peer.name)) {
    return [invalidProp(owner, prop, value,
      `names a service this app defines in namespace '${owner.namespace}': pass the service itself, NetworkPeer.service(service)`).message];
  }
  if (direction === 'egress' && peer.ports.length === 0) {
    return [invalidProp(owner, `${prop}.ports`, [], `must name at least one port to reach on ${value}, e.g. [{ port: 443 }]`).message];
  }
  return [];
}
