import { k8s } from 'cdk8s-plus-28';

/** A port that a peer listens on or is reached at. */
export interface PeerPort {
  /** Port number. */
  readonly port: number;
  /** @default "TCP" */
  readonly protocol?: 'TCP' | 'UDP';
}

/** How a {@link NetworkPeer} is matched; read by the constructs that build policies. */
export enum NetworkPeerKind {
  /** Pods of another FintechService in the same namespace. */
  SERVICE = 'service',
  /** All pods of a namespace, or those with given labels. */
  NAMESPACE = 'namespace',
  /** Addresses outside the cluster, by CIDR. */
  EXTERNAL = 'external',
}

/**
 * Who may talk to a service (ingress) or whom it may talk to (egress). Only named peers are
 * allowed; everything else is denied by the namespace's default-deny policy.
 *
 * @example
 * NetworkPeer.service('api-gateway')
 * NetworkPeer.namespace('ingress-nginx')
 * NetworkPeer.external('postgres', [{ port: 5432 }])
 */
export class NetworkPeer {
  /**
   * Another `FintechService` in the same namespace, by name. As an egress peer it is reached
   * on its own container ports. The name is checked at synth time against the services defined.
   */
  public static service(name: string): NetworkPeer {
    return new NetworkPeer(NetworkPeerKind.SERVICE, name, []);
  }

  /**
   * A namespace, by name (matched on the `kubernetes.io/metadata.name` label Kubernetes sets).
   * @param ports for egress, the ports allowed; ignored for ingress (the service's own ports apply)
   * @param podLabels only pods with these labels in that namespace
   */
  public static namespace(name: string, ports: readonly PeerPort[] = [], podLabels?: Record<string, string>): NetworkPeer {
    return new NetworkPeer(NetworkPeerKind.NAMESPACE, name, ports, podLabels);
  }

  /**
   * A destination outside the cluster (a managed database, an event store), by port and CIDR.
   * @param name what it is, for readers of the policy (e.g. "postgres")
   * @param cidr @default "0.0.0.0/0" (any address, on these ports only)
   */
  public static external(name: string, ports: readonly PeerPort[], cidr = '0.0.0.0/0'): NetworkPeer {
    return new NetworkPeer(NetworkPeerKind.EXTERNAL, name, ports, undefined, cidr);
  }

  private constructor(
    public readonly kind: NetworkPeerKind,
    /** The service's, namespace's or external destination's name. */
    public readonly name: string,
    /** Ports for egress to a namespace or an external destination. */
    public readonly ports: readonly PeerPort[],
    public readonly podLabels?: Record<string, string>,
    public readonly cidr?: string,
  ) {}

  /** The `NetworkPolicyPeer` for namespace and external peers (service peers need the registry). */
  public toPolicyPeer(): k8s.NetworkPolicyPeer {
    switch (this.kind) {
      case NetworkPeerKind.NAMESPACE:
        return {
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': this.name } },
          ...(this.podLabels ? { podSelector: { matchLabels: this.podLabels } } : {}),
        };
      case NetworkPeerKind.EXTERNAL:
        return { ipBlock: { cidr: this.cidr! } };
      default:
        throw new Error(`NetworkPeer.service('${this.name}') is resolved by the construct that uses it`);
    }
  }
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
