import { Construct, IConstruct } from 'constructs';
import { invalidProp } from './shared/errors';
import { kindOf } from './shared/secrets';
import {
  checkArray, checkCidr, checkDnsLabel, checkInstance, checkKnownKeys, checkLabels, checkNotSecret, checkNumber, checkPort, checkProtocol, checkString,
} from './shared/validation';

/** A port that a peer listens on or is reached at. */
export interface PeerPort {
  /** Port number. */
  readonly port: number;
  /** @default "TCP" */
  readonly protocol?: 'TCP' | 'UDP' | 'SCTP';
}

/**
 * A workload of this app whose pods a network policy can name: a {@link FintechService}.
 * A policy selects it by its selector labels and reaches it on its container ports.
 */
export interface INetworkPeerTarget extends IConstruct {
  /** The workload's name. */
  readonly name: string;
  /** The namespace its pods run in. */
  readonly namespace: string;
  /** The labels that select its pods. */
  readonly selectorLabels: Record<string, string>;
  /** The ports its peers reach its pods on. */
  readonly containerPorts: readonly PeerPort[];
}

/** How a {@link NetworkPeer} is matched; read by the constructs that build policies. */
export enum NetworkPeerKind {
  /** Pods of a service in the same namespace: a FintechService of this app, or one outside it by name. */
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
 * NetworkPeer.service(gateway)                       // a FintechService of this app
 * NetworkPeer.serviceNamed('ledger', [{ port: 8080 }]) // a service this app does not define
 * NetworkPeer.namespace('ingress-nginx')
 * NetworkPeer.external('postgres', [{ port: 5432 }])
 */
export class NetworkPeer {
  /**
   * Another workload of this app (a `FintechService`), which must run in the same namespace as
   * the policy's pods (checked at synth time). As an egress peer it is reached on its own
   * container ports.
   */
  public static service(target: INetworkPeerTarget): NetworkPeer {
    // The construct that uses the peer checks `target` (a JavaScript caller may pass a name or nothing).
    const peer = new NetworkPeer(NetworkPeerKind.SERVICE, isPeerTarget(target) ? target.name : undefined!, [], undefined, undefined, target);
    SERVICE_PEERS.add(peer);
    return peer;
  }

  /**
   * A service in the same namespace that this app does not define (deployed by another app),
   * by its name: its pods are selected by `app.kubernetes.io/name: <name>`. Nothing checks that
   * it exists, so the ports are explicit. A name this app defines is refused at synth time: pass
   * the service itself with {@link NetworkPeer.service}.
   * @param ports for egress, the ports allowed (at least one); ignored for ingress (the service's own ports apply)
   */
  public static serviceNamed(name: string, ports: readonly PeerPort[]): NetworkPeer {
    return new NetworkPeer(NetworkPeerKind.SERVICE, name, ports);
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
    /** Ports for egress to a namespace, an external destination or a service named outside the app. */
    public readonly ports: readonly PeerPort[],
    public readonly podLabels?: Record<string, string>,
    public readonly cidr?: string,
    /** The workload of this app, for a peer given as an object; undefined for a name outside the app. */
    public readonly target?: INetworkPeerTarget,
  ) {}
}

/** The peers made by {@link NetworkPeer.service}, whose target is checked rather than their name. */
const SERVICE_PEERS = new WeakSet<NetworkPeer>();

/** Whether `c` is a workload a policy can name as a peer: it has a name, a namespace, selector labels and container ports. */
export function isPeerTarget(c: unknown): c is INetworkPeerTarget {
  if (!Construct.isConstruct(c)) return false;
  const candidate = c as Partial<INetworkPeerTarget>;
  return typeof candidate.name === 'string' && typeof candidate.namespace === 'string'
    && candidate.selectorLabels !== undefined && Array.isArray(candidate.containerPorts);
}

const PEER_EXAMPLE = "NetworkPeer.namespace('monitoring') or NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')";

/**
 * `peer` as the construct that uses it checks it, so that a mistake in a factory's arguments names
 * that construct's path and `prop`: names are DNS-1123 labels, ports integers from 1 to 65535 with
 * "TCP", "UDP" or "SCTP", pod labels valid label keys and values, a CIDR has its prefix length.
 */
export function checkNetworkPeer(scope: IConstruct, prop: string, peer: unknown): NetworkPeer {
  const checked = checkInstance(scope, prop, peer, NetworkPeer, PEER_EXAMPLE);
  if (SERVICE_PEERS.has(checked)) {
    if (!isPeerTarget(checked.target)) {
      throw invalidProp(scope, prop, checked.target, `NetworkPeer.service() takes a FintechService of this app, not ${kindOf(checked.target)};`
        + " for a service this app does not define: NetworkPeer.serviceNamed('ledger', [{ port: 8080 }])");
    }
    return checked;
  }
  if (checked.kind === NetworkPeerKind.EXTERNAL) {
    checkNotSecret(scope, `${prop}.name`, checkString(scope, `${prop}.name`, checked.name, { example: '"postgres"' }),
      'the name says what the destination is, for readers of the policy; keep credentials in a Secret');
    checkCidr(scope, `${prop}.cidr`, checked.cidr!);
  } else {
    checkDnsLabel(scope, `${prop}.name`, checked.name);
  }
  checkPeerPorts(scope, `${prop}.ports`, checked.ports);
  if (checked.podLabels !== undefined) checkLabels(scope, `${prop}.podLabels`, checked.podLabels);
  return checked;
}

/** A peer's ports: a list of `{ port, protocol? }`. */
export function checkPeerPorts(scope: IConstruct, prop: string, ports: unknown): readonly PeerPort[] {
  const list = checkArray<PeerPort>(scope, prop, ports, '[{ port: 5432 }]');
  list.forEach((p, i) => {
    checkKnownKeys(scope, `${prop}[${i}]`, p, ['port', 'protocol'], '{ port: 5432 }');
    checkPort(scope, `${prop}[${i}].port`, checkNumber(scope, `${prop}[${i}].port`, p.port));
    if (p.protocol !== undefined) checkProtocol(scope, `${prop}[${i}].protocol`, p.protocol);
  });
  return list;
}

/**
 * A peer admitted to a workload's pods: an address range outside the cluster must be narrower
 * than "any address" (`0.0.0.0/0`, `::/0`), which would open the pods to the internet. Public
 * traffic comes through an Ingress, whose controller is admitted by its namespace.
 */
export function checkIngressPeer(scope: IConstruct, prop: string, peer: unknown): NetworkPeer {
  const checked = checkNetworkPeer(scope, prop, peer);
  if (checked.kind === NetworkPeerKind.EXTERNAL && checked.cidr!.endsWith('/0')) {
    throw invalidProp(scope, `${prop}.cidr`, checked.cidr, 'admits every address on the internet: an external peer that connects in must name'
      + " its CIDR, e.g. NetworkPeer.external('partner', [{ port: 443 }], '203.0.113.0/24') (the default \"0.0.0.0/0\" is for egress only);"
      + " for public traffic, give the service an 'ingress'");
  }
  return checked;
}

/**
 * A peer that the pods of a cardholder-data workload (PCI DSS scope) connect to: an address range
 * outside the cluster must be narrower than "any address" (`0.0.0.0/0`, `::/0`), so that the scope's
 * connections to the outside are each named.
 */
export function checkCardholderEgressPeer(scope: IConstruct, prop: string, peer: NetworkPeer): NetworkPeer {
  if (peer.kind === NetworkPeerKind.EXTERNAL && peer.cidr!.endsWith('/0')) {
    throw invalidProp(scope, `${prop}.cidr`, peer.cidr, "lets a cardholder-data service ('dataClassification' CARDHOLDER) send to any address:"
      + " its external peers must name their CIDRs, e.g. NetworkPeer.external('card-network', [{ port: 443 }], '198.51.100.0/24')");
  }
  return peer;
}
