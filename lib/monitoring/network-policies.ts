import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { checkIngressPeer, checkNetworkPeer, NetworkPeer, NetworkPeerKind, PeerPort } from '../network-peer';
import { dnsEgressRule, policyPeer, policyPorts } from '../network-policy';
import { invalidProp } from '../shared/errors';
import { checkKnownKeys, checkNoNullOptions } from '../shared/validation';
import { AlertRoutingOptions, EmailNotifierOptions, Notifier, WebhookNotifierOptions } from './alertmanager-config';
import { MonitoringScope, StackParts, stackLabels } from './context';
import { KUBE_STATE_METRICS_PORT } from './kube-state-metrics';
import { alertmanagerPodLabels, ClusterTargets, prometheusPodLabels } from './prometheus';

/**
 * The NetworkPolicies of the stack's pods, on top of their namespace's default deny: exactly the
 * paths Prometheus, Alertmanager and kube-state-metrics use, and the peers that may query Prometheus.
 */

/** Who may reach the stack's pods, and where the cluster's control plane and nodes are. */
export interface MonitoringNetworkOptions {
  /** Grafana, which queries Prometheus. @default NetworkPeer.namespace('grafana', [], { 'app.kubernetes.io/name': 'grafana' }) */
  readonly grafana?: NetworkPeer;
  /** The canary analysis (the Argo Rollouts controller runs it), which queries Prometheus. @default NetworkPeer.namespace('argo-rollouts') */
  readonly canaryAnalysis?: NetworkPeer;
  /**
   * The Kubernetes API server, which Prometheus (target discovery) and kube-state-metrics read.
   * NetworkPolicies see the API server's own addresses, not the `kubernetes` Service.
   * @default NetworkPeer.external('kube-apiserver', [{ port: 443 }, { port: 6443 }]) (any address, those ports only)
   */
  readonly apiServer?: NetworkPeer;
  /** The nodes' kubelets, which Prometheus scrapes for cAdvisor. @default NetworkPeer.external('kubelet', [{ port: 10250 }]) (any address, that port only) */
  readonly kubelets?: NetworkPeer;
}

/** The resolved peers. */
export interface MonitoringPeers {
  readonly grafana: NetworkPeer;
  readonly canaryAnalysis: NetworkPeer;
  readonly apiServer: NetworkPeer;
  readonly kubelets: NetworkPeer;
}

export const ALERTMANAGER_WEB_PORT = 9093;
/** Alertmanager's gossip between the replicas of one cluster (TCP and UDP). */
export const ALERTMANAGER_CLUSTER_PORT = 9094;
export const PROMETHEUS_WEB_PORT = 9090;

/** Throws unless the options, when given, have only known keys and peers made with NetworkPeer's factories. */
export function checkNetworkOptions(scope: IConstruct, prop: string, options: MonitoringNetworkOptions | undefined): void {
  if (options === undefined) return;
  checkKnownKeys(scope, prop, options, ['grafana', 'canaryAnalysis', 'apiServer', 'kubelets'], "{ grafana: NetworkPeer.namespace('grafana') }");
  checkNoNullOptions(scope, prop, options, ['grafana', 'canaryAnalysis', 'apiServer', 'kubelets']);
  // Grafana and the canary analysis connect in: an address range must be narrower than any address.
  for (const key of ['grafana', 'canaryAnalysis'] as const) if (options[key] !== undefined) checkIngressPeer(scope, `${prop}.${key}`, options[key]);
  for (const key of ['apiServer', 'kubelets'] as const) if (options[key] !== undefined) checkNetworkPeer(scope, `${prop}.${key}`, options[key]);
}

/** Resolves the defaults; peers inside the cluster must be namespaces, the API server and the kubelets external addresses with ports. */
export function monitoringPeers(scope: IConstruct, options: MonitoringNetworkOptions): MonitoringPeers {
  const peers = {
    grafana: options.grafana ?? NetworkPeer.namespace('grafana', [], { 'app.kubernetes.io/name': 'grafana' }),
    canaryAnalysis: options.canaryAnalysis ?? NetworkPeer.namespace('argo-rollouts'),
    apiServer: options.apiServer ?? NetworkPeer.external('kube-apiserver', [{ port: 443 }, { port: 6443 }]),
    kubelets: options.kubelets ?? NetworkPeer.external('kubelet', [{ port: 10250 }]),
  };
  for (const key of ['grafana', 'canaryAnalysis'] as const) {
    if (peers[key].kind === NetworkPeerKind.SERVICE) {
      throw invalidProp(scope, `network.${key}`, `NetworkPeer.service('${peers[key].name}')`, 'must be a NetworkPeer.namespace(...) or NetworkPeer.external(...): the peer runs outside the stack');
    }
  }
  for (const key of ['apiServer', 'kubelets'] as const) {
    if (peers[key].kind === NetworkPeerKind.SERVICE || peers[key].ports.length === 0) {
      throw invalidProp(scope, `network.${key}`, peers[key].name, 'must be a NetworkPeer with ports (NetworkPeer.external(name, ports, cidr) or NetworkPeer.namespace(name, ports))');
    }
  }
  return peers;
}

/** A scrape target namespace and the pod ports Prometheus reaches there. */
export interface ScrapedNamespace {
  readonly namespace: string;
  readonly ports: readonly number[];
  /** Only pods with these labels. @default - every pod of the namespace */
  readonly podLabels?: Record<string, string>;
}

const inNamespace = (namespace: string, podLabels?: Record<string, string>): k8s.NetworkPolicyPeer => ({
  namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': namespace } },
  ...(podLabels ? { podSelector: { matchLabels: podLabels } } : {}),
});
const tcp = (...ports: number[]): k8s.NetworkPolicyPort[] => policyPorts(ports.map((port) => ({ port })));
const egressTo = (peer: NetworkPeer): k8s.NetworkPolicyEgressRule => ({ to: [policyPeer(peer)], ports: policyPorts(peer.ports) });

/**
 * Prometheus: queried by Grafana and the canary analysis; scrapes (its own replicas too, and the
 * Alertmanager on the port it alerts it at), discovers through the API server, alerts the Alertmanager.
 */
export function prometheusPolicy(input: {
  namespace: string; podLabels: Record<string, string>; peers: MonitoringPeers; scraped: readonly ScrapedNamespace[];
  alertmanagerPods: Record<string, string>; kubelets: boolean;
}): k8s.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: input.podLabels },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [
      ...[input.peers.grafana, input.peers.canaryAnalysis].map((peer) => ({ from: [policyPeer(peer)], ports: tcp(PROMETHEUS_WEB_PORT) })),
      { from: [inNamespace(input.namespace, input.podLabels)], ports: tcp(PROMETHEUS_WEB_PORT) },
    ],
    egress: [
      dnsEgressRule(),
      egressTo(input.peers.apiServer),
      ...(input.kubelets ? [egressTo(input.peers.kubelets)] : []),
      // An empty port list (an exporter the stack does not run) allows every port of that namespace.
      ...input.scraped.map((s) => ({
        to: [inNamespace(s.namespace, s.podLabels)],
        ...(s.ports.length > 0 ? { ports: tcp(...[...new Set(s.ports)].sort((a, b) => a - b)) } : {}),
      })),
      { to: [inNamespace(input.namespace, input.alertmanagerPods)], ports: tcp(ALERTMANAGER_WEB_PORT) },
      { to: [inNamespace(input.namespace, input.podLabels)], ports: tcp(PROMETHEUS_WEB_PORT) },
    ],
  };
}

/** Alertmanager: alerted by Prometheus, gossips with its replicas, notifies the receivers. */
export function alertmanagerPolicy(input: {
  namespace: string; podLabels: Record<string, string>; prometheusPods: Record<string, string>; receivers: readonly PeerPort[];
}): k8s.NetworkPolicySpec {
  const replicas = inNamespace(input.namespace, input.podLabels);
  const cluster = policyPorts([{ port: ALERTMANAGER_CLUSTER_PORT }, { port: ALERTMANAGER_CLUSTER_PORT, protocol: 'UDP' }]);
  return {
    podSelector: { matchLabels: input.podLabels },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [
      { from: [inNamespace(input.namespace, input.prometheusPods)], ports: tcp(ALERTMANAGER_WEB_PORT) },
      { from: [replicas], ports: cluster },
    ],
    egress: [
      dnsEgressRule(),
      { to: [replicas], ports: cluster },
      ...(input.receivers.length > 0 ? [{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: policyPorts(input.receivers) }] : []),
    ],
  };
}

/** kube-state-metrics: scraped by Prometheus, reads the API server. */
export function kubeStateMetricsPolicy(input: {
  namespace: string; podLabels: Record<string, string>; prometheusPods: Record<string, string>; port: number; peers: MonitoringPeers;
}): k8s.NetworkPolicySpec {
  return {
    podSelector: { matchLabels: input.podLabels },
    policyTypes: ['Ingress', 'Egress'],
    ingress: [{ from: [inNamespace(input.namespace, input.prometheusPods)], ports: tcp(input.port) }],
    egress: [dnsEgressRule(), egressTo(input.peers.apiServer)],
  };
}

/** The ports the receivers of `routing` are reached at: HTTPS for Slack and PagerDuty, each e-mail smarthost's port, each webhook's port. */
export function receiverPorts(routing: AlertRoutingOptions | undefined): PeerPort[] {
  const notifiers: Notifier[] = routing
    ? [...routing.critical, ...routing.warning, ...(routing.info ?? []), ...(routing.deadMansSwitch ? [routing.deadMansSwitch] : [])] : [];
  const ports = new Set<number>();
  for (const n of notifiers) {
    if (n.kind === 'email') ports.add(Number((n.options as EmailNotifierOptions).smarthost.split(':').pop()));
    else if (n.kind === 'webhook') ports.add((n.options as WebhookNotifierOptions).port ?? 443);
    else ports.add(443);
  }
  return [...ports].sort((a, b) => a - b).map((port) => ({ port }));
}

/** Whom the stack's pods talk to, for its NetworkPolicies. */
export interface StackNetwork {
  readonly peers: MonitoringPeers;
  /** The receivers' ports come from it. @default - no receivers */
  readonly routing?: AlertRoutingOptions;
  /** The cluster's exporters the Prometheus scrapes. @default - none */
  readonly clusterTargets?: ClusterTargets;
}

/** One NetworkPolicy per pod the stack runs (Prometheus, Alertmanager, kube-state-metrics), on top of the namespace's default deny. */
export function createNetworkPolicies(stack: MonitoringScope, parts: StackParts, input: StackNetwork): k8s.KubeNetworkPolicy[] {
  const policies: k8s.KubeNetworkPolicy[] = [];
  const policy = (id: string, name: string, component: string, spec: k8s.NetworkPolicySpec) => policies.push(
    new k8s.KubeNetworkPolicy(stack, id, { metadata: { name, namespace: stack.namespace, labels: stackLabels(stack, component) }, spec }));
  const prometheusPods = prometheusPodLabels(stack.name);
  const ksm = parts.kubeStateMetrics;
  if (parts.prometheus) {
    const scraped: ScrapedNamespace[] = stack.serviceNamespaces.map((ns) => ({
      namespace: ns, ports: stack.services.filter((svc) => svc.namespace === ns).map((svc) => svc.metricsPort!),
    }));
    if (ksm) scraped.push({ namespace: stack.namespace, ports: [KUBE_STATE_METRICS_PORT], podLabels: ksm.podLabels });
    else if (input.clusterTargets) scraped.push({ namespace: input.clusterTargets.kubeStateMetrics.namespace, ports: [] });
    policy('PrometheusNetworkPolicy', `prometheus-${stack.name}`, 'prometheus', prometheusPolicy({
      namespace: stack.namespace,
      podLabels: prometheusPods,
      peers: input.peers,
      scraped,
      alertmanagerPods: parts.alertmanager ? alertmanagerPodLabels(stack.name) : { 'app.kubernetes.io/name': 'alertmanager' },
      kubelets: input.clusterTargets !== undefined,
    }));
  }
  if (parts.alertmanager) {
    policy('AlertmanagerNetworkPolicy', `alertmanager-${stack.name}`, 'alertmanager', alertmanagerPolicy({
      namespace: stack.namespace, podLabels: alertmanagerPodLabels(stack.name), prometheusPods, receivers: receiverPorts(input.routing),
    }));
  }
  if (ksm) {
    policy('KubeStateMetricsNetworkPolicy', `kube-state-metrics-${stack.name}`, 'kube-state-metrics', kubeStateMetricsPolicy({
      namespace: stack.namespace, podLabels: ksm.podLabels, prometheusPods, port: KUBE_STATE_METRICS_PORT, peers: input.peers,
    }));
  }
  return policies;
}
