import { DATA_CLASSIFICATION_LABEL, DataClassification } from './data-classification';
import { invalidArgument, invalidSecretArgument } from './shared/errors';
import { NAME_LABEL } from './shared/labels';
import { kindOf, secretKind } from './shared/secrets';
import { checkArgumentArray, checkNameArgument, checkObjectsArgument, isCidr } from './shared/validation';

/**
 * Network reachability computed from the NetworkPolicies of a synthesized environment, the way a
 * cluster enforces them (networking.k8s.io/v1 semantics): a pod is isolated for a direction when a
 * policy that selects it lists that direction in `policyTypes`; it then admits only what the union
 * of those policies' rules allows. Traffic between two pods needs both the sender's egress and the
 * receiver's ingress.
 *
 * Endpoints are the workloads of the output (their pod templates, and the Prometheus Operator's
 * pods for its Prometheus and Alertmanager resources), the other pods of each namespace
 * a peer names (any pod there, unrestricted on its own side, since its policies are not known),
 * and external address blocks.
 */

/** Where traffic starts or ends. */
export interface Endpoint {
  /** `workload` (a pod template of the output), `namespace` (any other pod of a namespace) or `external`. */
  readonly kind: 'workload' | 'namespace' | 'external';
  /** `<namespace>/<workload>`, `<namespace>/*`, or the CIDR. */
  readonly id: string;
  readonly namespace?: string;
  /** The workload's pod labels. */
  readonly labels: Readonly<Record<string, string>>;
  /** Container ports by number, with their names. */
  readonly ports: readonly ContainerPort[];
}

export interface ContainerPort {
  readonly port: number;
  readonly protocol: string;
  readonly name?: string;
}

/** Traffic allowed from one endpoint to another, on these ports. */
export interface AllowedEdge {
  readonly from: Endpoint;
  readonly to: Endpoint;
  /** `TCP/8080`; `any` when every port is allowed. */
  readonly ports: readonly string[];
}

interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: readonly { key: string; operator: string; values?: string[] }[];
}

interface PolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { cidr: string; except?: string[] };
}

interface PolicyPort {
  readonly port?: number | string;
  readonly endPort?: number;
  readonly protocol?: string;
}

interface PolicyRule {
  readonly peers?: readonly PolicyPeer[];
  readonly ports?: readonly PolicyPort[];
}

interface Policy {
  readonly namespace: string;
  readonly podSelector: LabelSelector;
  readonly ingress?: readonly PolicyRule[];
  readonly egress?: readonly PolicyRule[];
  readonly isolates: { ingress: boolean; egress: boolean };
}

const WORKLOAD_KINDS = new Set(['Deployment', 'StatefulSet', 'DaemonSet', 'ReplicaSet', 'Job', 'CronJob', 'Rollout']);
const ANY_PORT = 'any';

/** The pod template of a workload object, if it has one of its own. */
function podTemplate(object: any): any | undefined {
  if (object.kind === 'CronJob') return object.spec?.jobTemplate?.spec?.template;
  return object.spec?.template;
}

export function matchesSelector(selector: LabelSelector | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!selector) return true;
  for (const [key, value] of Object.entries(selector.matchLabels ?? {})) if (labels[key] !== value) return false;
  for (const { key, operator, values = [] } of selector.matchExpressions ?? []) {
    const has = key in labels;
    switch (operator) {
      case 'In': if (!has || !values.includes(labels[key])) return false; break;
      case 'NotIn': if (has && values.includes(labels[key])) return false; break;
      case 'Exists': if (!has) return false; break;
      case 'DoesNotExist': if (has) return false; break;
      default: throw new Error(`unknown label selector operator '${operator}'`);
    }
  }
  return true;
}

/** The reachability model of one environment's objects. */
export class NetworkModel {
  public readonly endpoints: readonly Endpoint[];
  private readonly policies: readonly Policy[];
  private readonly namespaceLabels: ReadonlyMap<string, Readonly<Record<string, string>>>;
  private readonly selecting = new Map<Endpoint, readonly Policy[]>();

  constructor(objects: readonly any[]) {
    checkObjectsArgument('NetworkModel', 'objects', objects);
    const namespaceLabels = new Map<string, Record<string, string>>();
    for (const o of objects.filter((x) => x?.kind === 'Namespace')) {
      namespaceLabels.set(o.metadata.name, { ...(o.metadata.labels ?? {}), 'kubernetes.io/metadata.name': o.metadata.name });
    }
    this.namespaceLabels = namespaceLabels;
    this.policies = objects.filter((o) => o?.kind === 'NetworkPolicy').map(toPolicy);

    const workloads: Endpoint[] = objects
      .filter((o) => WORKLOAD_KINDS.has(o?.kind) && podTemplate(o))
      .map((o) => {
        const template = podTemplate(o);
        const ports = (template.spec?.containers ?? []).flatMap((c: any) => (c.ports ?? []).map((p: any) => ({
          port: p.containerPort, protocol: p.protocol ?? 'TCP', name: p.name,
        })));
        const namespace = o.metadata.namespace ?? 'default';
        return { kind: 'workload' as const, id: `${namespace}/${o.metadata.name}`, namespace, labels: template.metadata?.labels ?? {}, ports };
      });
    workloads.push(...objects.filter(isOperatorManaged).map(operatorPods));
    const named = new Set([...this.peers()].flatMap((peer) => peerNamespaces(peer)));
    // Pods the output does not define (other teams', an operator's) may run in any namespace a
    // peer names; in a namespace the output does not create, their policies are unknown, so
    // they are taken to send and accept anything.
    const foreign: Endpoint[] = [...named].sort()
      .map((ns) => ({ kind: 'namespace' as const, id: `${ns}/*`, namespace: ns, labels: {}, ports: [] }));
    const externals: Endpoint[] = [...new Set([...this.peers()].flatMap((peer) => (peer.ipBlock ? [peer.ipBlock.cidr] : [])))].sort()
      .map((cidr) => ({ kind: 'external' as const, id: cidr, labels: {}, ports: [] }));
    this.endpoints = [...workloads.sort((a, b) => a.id.localeCompare(b.id)), ...foreign, ...externals];
  }

  /** Every allowed edge between two different endpoints (external endpoints only as destinations). */
  public edges(): AllowedEdge[] {
    const edges: AllowedEdge[] = [];
    for (const from of this.endpoints.filter((e) => e.kind !== 'external')) {
      for (const to of this.endpoints) {
        if (to === from || (from.kind !== 'workload' && to.kind !== 'workload')) continue;
        const ports = this.allowedPorts(from, to);
        if (ports.length) edges.push({ from, to, ports });
      }
    }
    return edges;
  }

  /** The ports on which `from` may open connections to `to`: empty when none. */
  public allowedPorts(from: Endpoint, to: Endpoint): string[] {
    checkEndpointArgument('NetworkModel.allowedPorts', 'from', from);
    checkEndpointArgument('NetworkModel.allowedPorts', 'to', to);
    const egress = this.governed(from) ? this.allowed(from, to, 'egress') : [ANY_PORT];
    if (!egress.length) return [];
    const ingress = this.governed(to) ? this.allowed(to, from, 'ingress') : [ANY_PORT];
    if (!ingress.length) return [];
    return intersect(concrete(egress, to), concrete(ingress, to));
  }

  /**
   * Whether the output's policies decide what an endpoint may do: its workloads, and the other
   * pods of the namespaces it creates (taken to carry none of the workloads' labels, so only
   * policies for every pod, such as default deny, apply to them).
   */
  private governed(endpoint: Endpoint): boolean {
    return endpoint.kind === 'workload' || (endpoint.kind === 'namespace' && this.namespaceLabels.has(endpoint.namespace!));
  }

  /** What `pod`'s policies allow towards (egress) or from (ingress) `peer`, as port keys. */
  /** The policies that select `pod`, computed once per endpoint (edges() asks for every pair). */
  private selectingPolicies(pod: Endpoint): readonly Policy[] {
    let selecting = this.selecting.get(pod);
    if (!selecting) {
      selecting = this.policies.filter((p) => p.namespace === pod.namespace && matchesSelector(p.podSelector, pod.labels));
      this.selecting.set(pod, selecting);
    }
    return selecting;
  }

  private allowed(pod: Endpoint, peer: Endpoint, direction: 'ingress' | 'egress'): string[] {
    const selecting = this.selectingPolicies(pod);
    if (!selecting.some((p) => p.isolates[direction])) return [ANY_PORT];
    const target = direction === 'egress' ? peer : pod;
    const ports = new Set<string>();
    for (const policy of selecting.filter((p) => p.isolates[direction])) {
      for (const rule of policy[direction] ?? []) {
        const peers = rule.peers ?? [];
        if (peers.length && !peers.some((p) => this.peerMatches(p, policy.namespace, peer))) continue;
        for (const key of portKeys(rule.ports, target)) ports.add(key);
      }
    }
    return [...ports];
  }

  private peerMatches(peer: PolicyPeer, policyNamespace: string, endpoint: Endpoint): boolean {
    if (peer.ipBlock) {
      if (endpoint.kind === 'external') return cidrContains(peer.ipBlock.cidr, endpoint.id);
      // Whether an ipBlock also matches pod addresses depends on the network plugin; a block of
      // every address is taken to match pods too, so that the model never under-reports.
      return isEverything(peer.ipBlock.cidr) && !(peer.ipBlock.except ?? []).length;
    }
    if (endpoint.kind === 'external') return false;
    const namespace = endpoint.namespace!;
    if (peer.namespaceSelector) {
      const labels = this.namespaceLabels.get(namespace);
      const nsMatches = labels ? matchesSelector(peer.namespaceSelector, labels) : peerNamespaces(peer).includes(namespace);
      if (!nsMatches) return false;
    } else if (namespace !== policyNamespace) {
      return false;
    }
    // The pods of a namespace the output does not create are unknown: any pod selector may match one.
    return (endpoint.kind === 'namespace' && !this.governed(endpoint)) || matchesSelector(peer.podSelector, endpoint.labels);
  }

  private *peers(): Iterable<PolicyPeer> {
    for (const policy of this.policies) {
      for (const rule of [...(policy.ingress ?? []), ...(policy.egress ?? [])]) yield* rule.peers ?? [];
    }
  }
}

const isOperatorManaged = (o: any) => o?.apiVersion === 'monitoring.coreos.com/v1' && (o.kind === 'Prometheus' || o.kind === 'Alertmanager');

/**
 * The pods the Prometheus Operator runs for a Prometheus or Alertmanager: the labels it sets
 * (its `podLabels`, plus `spec.podMetadata.labels`) and the ports of their main containers.
 */
function operatorPods(object: any): Endpoint {
  const component = object.kind.toLowerCase();
  const namespace = object.metadata.namespace ?? 'default';
  const ports: ContainerPort[] = component === 'prometheus'
    ? [{ port: 9090, protocol: 'TCP', name: 'web' }]
    : [{ port: 9093, protocol: 'TCP', name: 'web' }, { port: 9094, protocol: 'TCP', name: 'mesh-tcp' }, { port: 9094, protocol: 'UDP', name: 'mesh-udp' }];
  return {
    kind: 'workload',
    id: `${namespace}/${component}-${object.metadata.name}`,
    namespace,
    labels: {
      ...object.spec?.podMetadata?.labels,
      'app.kubernetes.io/name': component,
      'app.kubernetes.io/instance': object.metadata.name,
      'app.kubernetes.io/managed-by': 'prometheus-operator',
      [component]: object.metadata.name,
    },
    ports,
  };
}

function toPolicy(object: any): Policy {
  const spec = object.spec ?? {};
  const types: string[] = spec.policyTypes ?? ['Ingress', ...(spec.egress ? ['Egress'] : [])];
  return {
    namespace: object.metadata.namespace ?? 'default',
    podSelector: spec.podSelector ?? {},
    ingress: (spec.ingress ?? []).map((r: any) => ({ peers: r.from, ports: r.ports })),
    egress: (spec.egress ?? []).map((r: any) => ({ peers: r.to, ports: r.ports })),
    isolates: { ingress: types.includes('Ingress'), egress: types.includes('Egress') },
  };
}

/** The namespaces a peer names by `kubernetes.io/metadata.name`. */
function peerNamespaces(peer: PolicyPeer): string[] {
  const name = peer.namespaceSelector?.matchLabels?.['kubernetes.io/metadata.name'];
  return name ? [name] : [];
}

/** Port keys (`TCP/8080`, `TCP/8000-8010`, `any`) of a rule, named ports resolved on `target`. */
function portKeys(ports: readonly PolicyPort[] | undefined, target: Endpoint): string[] {
  if (!ports || ports.length === 0) return [ANY_PORT];
  return ports.flatMap((p) => {
    const protocol = p.protocol ?? 'TCP';
    if (p.port === undefined) return [`${protocol}/*`];
    if (typeof p.port === 'string') {
      return target.ports.filter((c) => c.name === p.port && c.protocol === protocol).map((c) => `${protocol}/${c.port}`);
    }
    return [p.endPort ? `${protocol}/${p.port}-${p.endPort}` : `${protocol}/${p.port}`];
  });
}

/** Port keys made concrete on the target's own ports (a pod listens only there); externals keep them as given. */
function concrete(keys: readonly string[], target: Endpoint): string[] {
  if (target.kind !== 'workload' || target.ports.length === 0) return [...keys];
  return target.ports
    .filter((c) => keys.some((k) => portKeyCovers(k, c.protocol, c.port)))
    .map((c) => `${c.protocol}/${c.port}`);
}

function intersect(a: readonly string[], b: readonly string[]): string[] {
  if (a.includes(ANY_PORT)) return [...new Set(b)].sort();
  if (b.includes(ANY_PORT)) return [...new Set(a)].sort();
  return [...new Set(a.filter((key) => {
    const [protocol, range] = key.split('/');
    const [low] = range.split('-').map(Number);
    return b.some((k) => k === key || portKeyCovers(k, protocol, low));
  }))].sort();
}

function portKeyCovers(key: string, protocol: string, port: number): boolean {
  if (key === ANY_PORT) return true;
  const [p, range] = key.split('/');
  if (p !== protocol) return false;
  if (range === '*') return true;
  const [low, high = low] = range.split('-').map(Number);
  return port >= low && port <= high;
}

function isEverything(cidr: string): boolean {
  return cidr === '0.0.0.0/0' || cidr === '::/0';
}

/** Whether the block `outer` contains every address of `inner` (IPv4; IPv6 only for `::/0`). */
export function cidrContains(outer: string, inner: string): boolean {
  if (outer === inner || outer === '::/0' && inner.includes(':')) return true;
  if (outer.includes(':') || inner.includes(':')) return false;
  const [outerBase, outerBits] = parseCidr(outer);
  const [innerBase, innerBits] = parseCidr(inner);
  if (innerBits < outerBits) return false;
  const mask = outerBits === 0 ? 0 : (~0 << (32 - outerBits)) >>> 0;
  return ((outerBase & mask) >>> 0) === ((innerBase & mask) >>> 0);
}

function parseCidr(cidr: string): [number, number] {
  const [address, bits] = cidr.split('/');
  const value = address.split('.').reduce((acc, octet) => ((acc << 8) >>> 0) + Number(octet), 0) >>> 0;
  return [value, Number(bits ?? 32)];
}


/** A connection into the cardholder-data scope that is allowed on purpose, and why. */
export interface ScopeEntrance {
  /** The sender: `<namespace>/<workload or app name>`, or `<namespace>/*` for any other pod of a namespace. */
  readonly from: string;
  /** The in-scope workload: `<namespace>/<workload>`, or `<namespace>/<app name>` for every track of a service. */
  readonly to: string;
  /** Why this connection is needed, for the assessor. */
  readonly reason: string;
}

const ENTRANCE_KEYS = ['from', 'to', 'reason'];
const ENTRANCE_EXAMPLE = "{ from: 'fintech-production/api-gateway', to: 'fintech-production/payments', reason: 'takes card payments' }";
const WORKLOAD_NAME = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/;
const NAMESPACE_WILDCARD = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?\/\*$/;

/**
 * Declared scope entrances, as a folder's `scopeEntrances` or `analyseSegmentation`'s `declared`:
 * a sender and an in-scope workload named as the analysis names them, and a reason for the assessor.
 * @internal
 */
export function checkScopeEntrances(fn: string, arg: string, declared: unknown): readonly ScopeEntrance[] {
  const entrances = checkArgumentArray<ScopeEntrance>(fn, arg, declared, `[${ENTRANCE_EXAMPLE}]`);
  entrances.forEach((entrance: unknown, i) => {
    const at = `${arg}[${i}]`;
    const prototype = entrance !== null && typeof entrance === 'object' ? Object.getPrototypeOf(entrance) : undefined;
    if (Array.isArray(entrance) || (prototype !== Object.prototype && prototype !== null)) {
      throw invalidArgument(fn, at, entrance, `must be { from, to, reason }, not ${kindOf(entrance)}, e.g. ${ENTRANCE_EXAMPLE}`);
    }
    for (const [key, value] of Object.entries(entrance as object)) {
      if (!ENTRANCE_KEYS.includes(key)) throw invalidSecretArgument(fn, `${at}.${key}`, value, `is not a known option; the options are ${ENTRANCE_KEYS.join(', ')}`);
    }
    const { from, to, reason } = entrance as Partial<ScopeEntrance>;
    if (typeof from !== 'string' || !(WORKLOAD_NAME.test(from) || NAMESPACE_WILDCARD.test(from) || isCidr(from))) {
      throw invalidArgument(fn, `${at}.from`, from, 'must name the sender as "<namespace>/<workload or app name>", "<namespace>/*" for any pod of a namespace, '
        + 'or an external sender\'s CIDR, e.g. "fintech-production/api-gateway"');
    }
    if (typeof to !== 'string' || !WORKLOAD_NAME.test(to)) {
      throw invalidArgument(fn, `${at}.to`, to, 'must name the in-scope workload as "<namespace>/<workload or app name>", e.g. "fintech-production/payments"');
    }
    if (typeof reason !== 'string' || reason.trim() === '' || /[\r\n]/.test(reason)) {
      throw invalidArgument(fn, `${at}.reason`, reason, 'must say in one line why the connection is needed, for the assessor, e.g. "takes card payments"');
    }
    if (secretKind(reason)) {
      throw invalidSecretArgument(fn, `${at}.reason`, reason, `looks like a credential (${secretKind(reason)}): the reason is written into the segmentation report; say why the connection is needed`);
    }
  });
  return entrances;
}

/** The cardholder-data scope of one environment, as its NetworkPolicies enforce it. */
export interface SegmentationResult {
  /** The environment (output folder). */
  readonly environment: string;
  /** Workloads labelled as holding cardholder data. */
  readonly inScope: readonly Endpoint[];
  /** Every allowed edge from outside the scope into it, with its declared reason (undefined: undeclared). */
  readonly entrances: readonly (AllowedEdge & { readonly reason?: string })[];
  /** Endpoints outside the scope that reach it only through other endpoints, with the shortest path. */
  readonly indirect: readonly { readonly from: Endpoint; readonly path: readonly Endpoint[] }[];
  /** External destinations of in-scope workloads. */
  readonly externalDestinations: readonly AllowedEdge[];
  /** Each finding that fails the synth. */
  readonly violations: readonly string[];
  /** Declared entrances that the policies do not allow (stale declarations). */
  readonly unusedDeclarations: readonly ScopeEntrance[];
}

/** An endpoint as {@link NetworkModel.endpoints} lists it: `{ kind, id, labels, ports }`. */
function checkEndpointArgument(fn: string, arg: string, value: unknown): void {
  const given = value as Partial<Endpoint> | null;
  if (given === null || typeof given !== 'object' || Array.isArray(given) || !['workload', 'namespace', 'external'].includes(given.kind as string)
    || typeof given.id !== 'string' || given.labels === null || typeof given.labels !== 'object' || !Array.isArray(given.ports)) {
    throw invalidArgument(fn, arg, value, `must be one of the model's endpoints (model.endpoints), { kind, id, labels, ports }, not ${kindOf(value)}`);
  }
}

/** Computes the scope of `objects` (one environment) and checks it against the declared entrances. */
export function analyseSegmentation(environment: string, objects: readonly any[], declared: readonly ScopeEntrance[] = []): SegmentationResult {
  if (typeof environment !== 'string') throw invalidArgument('analyseSegmentation', 'environment', environment, `must be the environment's name, a string, not ${kindOf(environment)}`);
  checkNameArgument('analyseSegmentation', 'environment', environment, '"production"');
  checkObjectsArgument('analyseSegmentation', 'objects', objects);
  checkScopeEntrances('analyseSegmentation', 'declared', declared);
  const model = new NetworkModel(objects);
  const inScope = model.endpoints.filter((e) => e.labels[DATA_CLASSIFICATION_LABEL] === DataClassification.CARDHOLDER);
  const scoped = new Set(inScope.map((e) => e.id));
  // Without a cardholder-data service there is no scope to prove: skip the pairwise edges.
  const edges = inScope.length ? model.edges() : [];
  const declaration = (from: Endpoint, to: Endpoint) => declared.find((d) => names(from).includes(d.from) && names(to).includes(d.to));

  const entrances = edges.filter((e) => scoped.has(e.to.id) && !scoped.has(e.from.id))
    .map((e) => ({ ...e, reason: declaration(e.from, e.to)?.reason }));
  const externalDestinations = edges.filter((e) => scoped.has(e.from.id) && e.to.kind === 'external');
  const indirect = indirectReachers(edges, scoped, new Map(entrances.map((e) => [e.from.id, e.to] as const).reverse()));

  const violations = [
    ...entrances.filter((e) => e.reason === undefined).map((e) =>
      `${environment}: ${e.from.id} can reach the cardholder-data service ${e.to.id} (${e.ports.join(', ')}), ` +
      'and this connection is not declared: remove the network peer, or declare it as a scope entrance with a reason'
      + ` (the folder's scopeEntrances: { from: '${e.from.id}', to: '${e.to.id}', reason: '...' })`),
    ...externalDestinations.filter((e) => isEverything(e.to.id)).map((e) =>
      `${environment}: the cardholder-data service ${e.from.id} may send to any address (${e.to.id}, ${e.ports.join(', ')}): ` +
      'external peers of cardholder-data services must name their CIDRs'),
  ];
  const unusedDeclarations = declared.filter((d) => !entrances.some((e) => names(e.from).includes(d.from) && names(e.to).includes(d.to)));
  return { environment, inScope, entrances, indirect, externalDestinations, violations, unusedDeclarations };
}

/**
 * What a declaration may call an endpoint: its id, or for a workload `<namespace>/<app name>`
 * (its `app.kubernetes.io/name` label), which covers every track of a service (a canary's too).
 */
function names(endpoint: Endpoint): string[] {
  const app = endpoint.labels[NAME_LABEL];
  return endpoint.kind === 'workload' && app ? [endpoint.id, `${endpoint.namespace}/${app}`] : [endpoint.id];
}

/** Shortest paths into the scope from endpoints that have no direct edge into it. */
function indirectReachers(edges: readonly AllowedEdge[], scoped: ReadonlySet<string>, direct: ReadonlyMap<string, Endpoint>) {
  const senders = new Map<string, AllowedEdge[]>();
  for (const e of edges) senders.set(e.to.id, [...(senders.get(e.to.id) ?? []), e]);
  // Breadth-first search backwards from the scope: `next[x]` is x's first hop towards it.
  const next = new Map<string, Endpoint[]>();
  let frontier = [...direct.keys()].sort();
  for (const [id, target] of direct) next.set(id, [target]);
  while (frontier.length) {
    const following: string[] = [];
    for (const id of frontier) {
      for (const edge of senders.get(id) ?? []) {
        const from = edge.from.id;
        if (scoped.has(from) || next.has(from)) continue;
        next.set(from, [edge.to, ...next.get(id)!]);
        following.push(from);
      }
    }
    frontier = following.sort();
  }
  const endpoints = new Map(edges.flatMap((e) => [[e.from.id, e.from], [e.to.id, e.to]] as const));
  return [...next].filter(([id]) => !direct.has(id)).sort(([a], [b]) => a.localeCompare(b))
    .map(([id, path]) => ({ from: endpoints.get(id)!, path }));
}

/** The assessor-readable report of every environment's scope. */
export function segmentationMarkdown(results: readonly SegmentationResult[]): string {
  checkArgumentArray<Partial<SegmentationResult> | null>('segmentationMarkdown', 'results', results, 'synthesize(plan).segmentation').forEach((result, i) => {
    const lists = ['inScope', 'entrances', 'indirect', 'externalDestinations', 'violations', 'unusedDeclarations'] as const;
    if (result === null || typeof result !== 'object' || typeof result.environment !== 'string' || lists.some((list) => !Array.isArray(result[list]))) {
      throw invalidArgument('segmentationMarkdown', `results[${i}]`, result, 'must be one result of analyseSegmentation(...), as synthesize(plan).segmentation lists them');
    }
  });
  const lines = [
    '# Cardholder-data scope and network segmentation',
    '',
    'Computed from the NetworkPolicies in the synthesized output (what the cluster enforces), not from',
    `the constructs' properties. In scope: workloads labelled \`${DATA_CLASSIFICATION_LABEL}: cardholder\`.`,
    'An edge is a connection the policies allow: the sender\'s egress and the receiver\'s ingress both admit it.',
  ];
  for (const r of results) {
    lines.push('', `## ${r.environment}`, '', '### Services in scope', '');
    lines.push(...(r.inScope.length ? r.inScope.map((e) => `- ${e.id}`) : ['- none']));
    lines.push('', '### Allowed connections into the scope', '', '| from | to | ports | reason |', '|---|---|---|---|');
    lines.push(...r.entrances.map((e) => `| ${e.from.id} | ${e.to.id} | ${e.ports.join(', ')} | ${e.reason ?? '**undeclared**'} |`));
    lines.push('', '### Reaching the scope through other services', '');
    lines.push(...(r.indirect.length ? r.indirect.map((i) => `- ${[i.from, ...i.path].map((e) => e.id).join(' → ')}`) : ['- none']));
    lines.push('', '### External destinations of in-scope services', '', '| from | to | ports |', '|---|---|---|');
    lines.push(...r.externalDestinations.map((e) => `| ${e.from.id} | ${e.to.id} | ${e.ports.join(', ')} |`));
  }
  return `${lines.join('\n')}\n`;
}
