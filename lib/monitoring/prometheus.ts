import { Chart, Duration, JsonPatch, Size } from 'cdk8s';
import { ContainerResources, Cpu, k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { Alertmanager, AlertmanagerSpec } from '../../imports/alertmanagers-monitoring.coreos.com';
import {
  Prometheus, PrometheusSpec, PrometheusSpecAlertingAlertmanagersApiVersion, PrometheusSpecAlertingAlertmanagersPort, PrometheusSpecServiceMonitorSelector, PrometheusSpecStorage,
  PrometheusSpecStorageVolumeClaimTemplateSpecResourcesRequests,
} from '../../imports/prometheuses-monitoring.coreos.com';
import {
  ServiceMonitor, ServiceMonitorSpec, ServiceMonitorSpecEndpointsMetricRelabelingsAction, ServiceMonitorSpecEndpointsScheme,
} from '../../imports/servicemonitors-monitoring.coreos.com';
import { NetworkPeer } from '../network-peer';
import { checkedDuration, goDuration } from '../shared/duration';
import { invalidProp } from '../shared/errors';
import { CADVISOR_METRICS, KUBE_STATE_METRICS, promDuration } from '../shared/promql';
import { checkedResources, kubeResources, memoryMiB, memoryQuantity, ResourceDefaults } from '../shared/resources';
import { containerSecurityContext, podSecurityContext, RunAsIdentity } from '../shared/security';
import {
  checkDnsLabel, checkDnsSubdomain, checkDuration, checkInteger, checkKnownKeys, checkLabels, checkNoNullOptions, checkPinnedVersion, checkPortName, checkRecord, checkRunAs, checkSize,
} from '../shared/validation';
import { MonitoringScope, stackLabels } from './context';
import { KubeStateMetrics, KubeStateMetricsOptions, stackKubeStateMetrics } from './kube-state-metrics';
import { defaultRetention } from './slo';

/**
 * The Prometheus Operator's `Prometheus` and `Alertmanager` resources, the RBAC their pods need,
 * and the scraping of the cluster's exporters (kube-state-metrics, the kubelet's cAdvisor)
 * that the workload and saturation alerts read.
 */

/** A Kubernetes label selector, as the Operator's resources take it. */
export interface LabelSelector {
  readonly matchLabels?: Record<string, string>;
  readonly matchExpressions?: ReadonlyArray<{ key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }>;
}

/** The label every namespace carries with its own name (set by the API server since Kubernetes 1.22). */
export const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

/** Selects exactly the named namespaces, by the label the API server sets on every namespace. */
export function namespacesSelector(namespaces: readonly string[]): LabelSelector {
  return { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: 'In', values: [...new Set(namespaces)].sort() }] };
}

/** Persistent storage and retention shared by Prometheus and Alertmanager. */
interface StatefulOptions {
  /** @default 2 */
  readonly replicas?: number;
  /** Size of each replica's PersistentVolumeClaim. */
  readonly storage?: Size;
  /** @default - the cluster's default StorageClass */
  readonly storageClassName?: string;
  /** Container resources; what is not given comes from the default. */
  readonly resources?: ContainerResources;
  /** The user and group the pods run as (never root). @default - uid 1000, gid 1000 */
  readonly runAs?: RunAsIdentity;
  /**
   * Version of the image (e.g. "v3.5.0"), pinned.
   * @default - the version the installed Prometheus Operator release pins
   */
  readonly version?: string;
}

/** The stack's own Prometheus. */
export interface PrometheusOptions extends StatefulOptions {
  /**
   * How long samples are kept: at least the longest objective window and burn-rate window.
   * @default - the longest objective window (30 days by default), or 15 days when every window is shorter
   */
  readonly retention?: Duration;
  /** @default Size.gibibytes(50) */
  readonly storage?: Size;
  /** @default - requests 500m CPU / 2Gi, limits 1 CPU / 4Gi */
  readonly resources?: ContainerResources;
}

/** The stack's own Alertmanager. */
export interface AlertmanagerOptions extends StatefulOptions {
  /** How long silences and the notification log are kept. @default Duration.hours(120) */
  readonly retention?: Duration;
  /** @default Size.gibibytes(1) */
  readonly storage?: Size;
  /** @default - requests 100m CPU / 128Mi, limits 200m / 256Mi */
  readonly resources?: ContainerResources;
}

/** A Service of the cluster to scrape. */
export interface ScrapeTarget {
  /** The namespace of the Service. */
  readonly namespace: string;
  /** Labels of the Service. */
  readonly selector: Record<string, string>;
  /** Name of the Service port that serves metrics. */
  readonly port: string;
}

/** The kubelet's cAdvisor endpoint (HTTPS, authenticated with Prometheus' service account token). */
export interface KubeletTarget extends ScrapeTarget {
  /**
   * Skip verifying the kubelets' serving certificates. Needed only where kubelets serve
   * self-signed certificates (no `serverTLSBootstrap`).
   * @default false
   */
  readonly insecureSkipVerify?: boolean;
}

/**
 * The cluster exporters the alerts and dashboards read (container usage, object state). The
 * stack scrapes them itself, keeping only the metrics it uses and only the series of the
 * services' namespaces.
 */
export interface ClusterMetricsOptions {
  /**
   * An existing kube-state-metrics to scrape instead of the stack's own (e.g. kube-prometheus-stack's:
   * {@link DEFAULT_KUBE_STATE_METRICS}). It must export the CronJob, Job, Deployment, HPA, PDB and Pod metrics the alerts read.
   * @default - the stack's own kube-state-metrics (MonitoringStackProps.kubeStateMetrics)
   */
  readonly kubeStateMetrics?: ScrapeTarget;
  /** @default - the Operator-managed Service `app.kubernetes.io/name: kubelet`, port "https-metrics", in namespace "kube-system" */
  readonly kubelet?: KubeletTarget;
}

/** kube-prometheus-stack's kube-state-metrics: Service `app.kubernetes.io/name: kube-state-metrics`, port "http", in namespace "monitoring". */
export const DEFAULT_KUBE_STATE_METRICS: ScrapeTarget = {
  namespace: 'monitoring', selector: { 'app.kubernetes.io/name': 'kube-state-metrics' }, port: 'http',
};
export const DEFAULT_KUBELET: KubeletTarget = {
  namespace: 'kube-system', selector: { 'app.kubernetes.io/name': 'kubelet' }, port: 'https-metrics',
};

/** The scrape class the kubelet ServiceMonitor uses: the service-account token and the cluster CA. */
export const KUBELET_SCRAPE_CLASS = 'kubelet';
const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';

export const PROMETHEUS_RESOURCES: ResourceDefaults = {
  cpuRequest: Cpu.millis(500), cpuLimit: Cpu.units(1), memoryRequest: Size.gibibytes(2), memoryLimit: Size.gibibytes(4),
};
export const ALERTMANAGER_RESOURCES: ResourceDefaults = {
  cpuRequest: Cpu.millis(100), cpuLimit: Cpu.millis(200), memoryRequest: Size.mebibytes(128), memoryLimit: Size.mebibytes(256),
};

/** Pod labels the Operator sets on a Prometheus' pods. */
export function prometheusPodLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'prometheus', 'prometheus': name };
}

/** Pod labels the Operator sets on an Alertmanager's pods. */
export function alertmanagerPodLabels(name: string): Record<string, string> {
  return { 'app.kubernetes.io/name': 'alertmanager', 'alertmanager': name };
}

/** What {@link prometheusSpec} needs besides the options. */
export interface PrometheusSpecInput {
  readonly name: string;
  readonly serviceAccountName: string;
  readonly scrapeInterval: Duration;
  readonly evaluationInterval: Duration;
  readonly serviceMonitorSelector: LabelSelector;
  readonly ruleSelector: LabelSelector;
  readonly namespaceSelector: LabelSelector;
  readonly alertmanagers: ReadonlyArray<{ namespace: string; name: string; port: string }>;
  readonly externalLabels: Record<string, string>;
  /** The retention without `retention` given. */
  readonly defaultRetention: Duration;
  /** Set when the kubelet is scraped. */
  readonly kubelet?: KubeletTarget;
}

/** The Prometheus resource's spec. Only the selectors given select anything: PodMonitors, Probes and ScrapeConfigs are not read. */
export function prometheusSpec(scope: IConstruct, prop: string, options: PrometheusOptions, input: PrometheusSpecInput): PrometheusSpec {
  checkStatefulOptions(scope, prop, options, PROMETHEUS_EXAMPLE, 'Prometheus');
  const storage = options.storage ?? Size.gibibytes(50);
  const storageMiB = checkStorage(scope, `${prop}.storage`, storage);
  return {
    version: options.version || undefined,
    replicas: checkInteger(scope, `${prop}.replicas`, options.replicas ?? 2, 1),
    serviceAccountName: input.serviceAccountName,
    scrapeInterval: checkedDuration(scope, 'scrapeInterval', input.scrapeInterval),
    evaluationInterval: checkedDuration(scope, 'evaluationInterval', input.evaluationInterval),
    retention: checkedDuration(scope, `${prop}.retention`, options.retention ?? input.defaultRetention),
    // Leave a tenth of the volume free, so a full disk never stops ingestion.
    retentionSize: retentionSize(storageMiB),
    storage: volumeClaim(storage, options.storageClassName),
    resources: kubeResources(checkedResources(scope, `${prop}.resources`, options.resources ?? {}, PROMETHEUS_RESOURCES)),
    ...restrictedOperatorPods('prometheus', options.runAs, prometheusPodLabels(input.name)),
    serviceMonitorSelector: mutableSelector(input.serviceMonitorSelector),
    serviceMonitorNamespaceSelector: mutableSelector(input.namespaceSelector),
    ruleSelector: mutableSelector(input.ruleSelector),
    ruleNamespaceSelector: mutableSelector(input.namespaceSelector),
    externalLabels: Object.keys(input.externalLabels).length ? input.externalLabels : undefined,
    alerting: {
      alertmanagers: input.alertmanagers.map((am) => ({
        namespace: am.namespace,
        name: am.name,
        port: PrometheusSpecAlertingAlertmanagersPort.fromString(am.port),
        apiVersion: PrometheusSpecAlertingAlertmanagersApiVersion.V2,
      })),
    },
    enableAdminApi: false,
    arbitraryFsAccessThroughSMs: { deny: true },
    scrapeClasses: input.kubelet && [{
      name: KUBELET_SCRAPE_CLASS,
      authorization: { type: 'Bearer', credentialsFile: `${SERVICE_ACCOUNT_DIR}/token` },
      tlsConfig: { caFile: `${SERVICE_ACCOUNT_DIR}/ca.crt`, insecureSkipVerify: input.kubelet.insecureSkipVerify ?? false },
    }],
  };
}

/** The Alertmanager resource's spec; `configName` is the AlertmanagerConfig used as its whole configuration. */
export function alertmanagerSpec(
  scope: IConstruct, prop: string, options: AlertmanagerOptions, name: string, serviceAccountName: string, configName: string | undefined,
): AlertmanagerSpec {
  checkStatefulOptions(scope, prop, options, ALERTMANAGER_EXAMPLE, 'Alertmanager');
  const storage = options.storage ?? Size.gibibytes(1);
  checkStorage(scope, `${prop}.storage`, storage);
  const retention = options.retention ?? Duration.hours(120);
  checkedDuration(scope, `${prop}.retention`, retention);
  return {
    version: options.version || undefined,
    replicas: checkInteger(scope, `${prop}.replicas`, options.replicas ?? 2, 1),
    serviceAccountName,
    automountServiceAccountToken: false,
    retention: goDuration(retention), // the Alertmanager CRD takes hours at most: "120h", never "5d"
    storage: volumeClaim(storage, options.storageClassName),
    resources: kubeResources(checkedResources(scope, `${prop}.resources`, options.resources ?? {}, ALERTMANAGER_RESOURCES)),
    ...restrictedOperatorPods('alertmanager', options.runAs, alertmanagerPodLabels(name)),
    alertmanagerConfiguration: configName ? { name: configName } : undefined,
  };
}

/** What Prometheus may read in a namespace it discovers targets in: services, endpoints, endpoint slices, pods. */
export const DISCOVERY_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['endpoints', 'pods', 'services'], verbs: ['get', 'list', 'watch'] },
  { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
];

/** What Prometheus needs cluster-wide to scrape the kubelets: `nodes/metrics` (the kubelet authorizes scrapes by it). */
export const KUBELET_SCRAPE_RULES: k8s.PolicyRule[] = [
  { apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] },
];

/**
 * The spec of a ServiceMonitor, placed in `namespace`, that scrapes a cluster exporter in its
 * own namespace and keeps only the metrics the platform reads and only `namespace`'s series.
 */
export function clusterMonitorSpec(target: ScrapeTarget, namespace: string, kind: 'kube-state-metrics' | 'kubelet', interval: Duration): ServiceMonitorSpec {
  const metrics = kind === 'kubelet' ? CADVISOR_METRICS : KUBE_STATE_METRICS;
  const keep = ServiceMonitorSpecEndpointsMetricRelabelingsAction.KEEP;
  return {
    scrapeClass: kind === 'kubelet' ? KUBELET_SCRAPE_CLASS : undefined,
    selector: { matchLabels: target.selector },
    namespaceSelector: { matchNames: [target.namespace] },
    endpoints: [{
      port: target.port,
      scheme: kind === 'kubelet' ? ServiceMonitorSpecEndpointsScheme.HTTPS : undefined,
      path: kind === 'kubelet' ? '/metrics/cadvisor' : undefined,
      interval: promDuration(interval.toSeconds()),
      // The exporters' own namespace, pod and container labels describe the workloads; keep them.
      honorLabels: true,
      metricRelabelings: [
        { sourceLabels: ['__name__'], regex: [...metrics].sort().join('|'), action: keep },
        { sourceLabels: ['namespace'], regex: escapeRegex(namespace), action: keep },
      ],
    }],
  };
}

/** The binding's selectors take mutable arrays. */
function mutableSelector(selector: LabelSelector): PrometheusSpecServiceMonitorSelector {
  return { matchLabels: selector.matchLabels, matchExpressions: selector.matchExpressions?.map((e) => ({ ...e })) };
}

function spreadAcrossNodes(labels: Record<string, string>): PrometheusSpec['affinity'] & AlertmanagerSpec['affinity'] {
  return {
    podAntiAffinity: {
      preferredDuringSchedulingIgnoredDuringExecution: [{
        weight: 100,
        podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: labels } },
      }],
    },
  };
}

/** The same PersistentVolumeClaim template fits the Alertmanager's `storage` field. */
function volumeClaim(storage: Size, storageClassName: string | undefined): PrometheusSpecStorage {
  return {
    volumeClaimTemplate: {
      spec: {
        accessModes: ['ReadWriteOnce'],
        storageClassName: storageClassName || undefined,
        resources: { requests: { storage: PrometheusSpecStorageVolumeClaimTemplateSpecResourcesRequests.fromString(memoryQuantity(storage)) } },
      },
    },
  };
}

/**
 * The pod settings the Operator merges into the pods it runs: the restricted security context on
 * the pod and on each of its containers (the main one, the config reloader and its init
 * container), and replicas spread across nodes.
 */
function restrictedOperatorPods(
  mainContainer: string, runAs: RunAsIdentity | undefined, podLabels: Record<string, string>,
): Pick<PrometheusSpec & AlertmanagerSpec, 'securityContext' | 'containers' | 'initContainers' | 'affinity'> {
  const container = (name: string) => ({ name, securityContext: containerSecurityContext(runAs) });
  return {
    securityContext: podSecurityContext(runAs),
    containers: [container(mainContainer), container('config-reloader')],
    initContainers: [container('init-config-reloader')],
    affinity: spreadAcrossNodes(podLabels),
  };
}

/** 90 % of the volume, in whole GiB (or MiB for small volumes): Prometheus drops old blocks before the disk fills. */
function retentionSize(storageMiB: number): string {
  const mebibytes = Math.floor(storageMiB * 0.9);
  return mebibytes >= 1024 ? `${Math.floor(mebibytes / 1024)}GiB` : `${mebibytes}MiB`;
}

/** The options Prometheus and Alertmanager share: only known ones, of the right types. */
function checkStatefulOptions(scope: IConstruct, prop: string, options: PrometheusOptions | AlertmanagerOptions, example: string, component: 'Prometheus' | 'Alertmanager'): void {
  const known = ['replicas', 'storage', 'storageClassName', 'resources', 'runAs', 'version', 'retention'];
  checkKnownKeys(scope, prop, options, known, example);
  checkNoNullOptions(scope, prop, options, known);
  if (options.storage !== undefined) checkSize(scope, `${prop}.storage`, options.storage);
  if (options.retention !== undefined) checkDuration(scope, `${prop}.retention`, options.retention, { example: 'e.g. Duration.days(15)' });
  if (options.storageClassName !== undefined) checkDnsSubdomain(scope, `${prop}.storageClassName`, options.storageClassName);
  if (options.version !== undefined) checkComponentVersion(scope, `${prop}.version`, checkPinnedVersion(scope, `${prop}.version`, options.version), component);
  checkRunAs(scope, `${prop}.runAs`, options.runAs);
}

/**
 * Alertmanager's releases are 0.x and Prometheus' are not: the version of one given for the other
 * (a copied block of options) names an image that does not exist, and the pods never start.
 */
function checkComponentVersion(scope: IConstruct, prop: string, version: string, component: 'Prometheus' | 'Alertmanager'): void {
  const major = Number(version.replace(/^v/, '').split('.')[0]);
  if (component === 'Alertmanager' && major !== 0) {
    throw invalidProp(scope, prop, version, 'must be an Alertmanager version, which are 0.x (e.g. "v0.28.1"); this looks like a Prometheus version');
  }
  if (component === 'Prometheus' && major === 0) {
    throw invalidProp(scope, prop, version, 'must be a Prometheus version (e.g. "v3.5.0"); 0.x versions are Alertmanager\'s');
  }
}

function checkStorage(scope: IConstruct, prop: string, storage: Size): number {
  const mebibytes = memoryMiB(storage);
  if (!(mebibytes >= 100)) throw invalidProp(scope, prop, memoryQuantity(storage), 'must be at least 100Mi');
  return mebibytes;
}

/** Throws unless a scrape target names a valid namespace, port and at least one selector label. */
export function checkScrapeTarget(scope: IConstruct, prop: string, target: ScrapeTarget, kubelet = false): ScrapeTarget {
  checkKnownKeys(scope, prop, target, kubelet ? ['namespace', 'selector', 'port', 'insecureSkipVerify'] : ['namespace', 'selector', 'port'],
    "{ namespace: 'monitoring', selector: { 'app.kubernetes.io/name': 'kube-state-metrics' }, port: 'http' }");
  checkDnsLabel(scope, `${prop}.namespace`, target.namespace);
  if (Object.keys(target.selector ?? {}).length === 0) {
    throw invalidProp(scope, `${prop}.selector`, target.selector, 'must have at least one label, or it would select every Service of the namespace');
  }
  checkLabels(scope, `${prop}.selector`, target.selector);
  checkPortName(scope, `${prop}.port`, target.port);
  const skip = (target as KubeletTarget).insecureSkipVerify;
  if (skip !== undefined && typeof skip !== 'boolean') throw invalidProp(scope, `${prop}.insecureSkipVerify`, skip, 'must be a boolean (true or false)');
  return target;
}

function escapeRegex(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** The stack's own Prometheus, Alertmanager and cluster scraping, with their defaults; each undefined when the cluster's is used. */
export interface OwnComponents {
  readonly prometheus?: PrometheusOptions;
  readonly alertmanager?: AlertmanagerOptions;
  /** Only with the stack's own Prometheus. */
  readonly clusterMetrics?: ClusterMetricsOptions;
  /** Whether the stack runs its own kube-state-metrics (with cluster metrics that name no other). */
  readonly kubeStateMetrics: boolean;
}

const PROMETHEUS_EXAMPLE = '{ retention: Duration.days(15), storage: Size.gibibytes(50) } or false';
const ALERTMANAGER_EXAMPLE = '{ retention: Duration.hours(120), storage: Size.gibibytes(1) } or false';

/**
 * Resolves which components the stack runs itself: `false` leaves one to the cluster, anything
 * else is its options (`null` is refused: it would read as neither). Options of a component the
 * stack does not run are refused rather than ignored.
 */
export function ownComponents(scope: IConstruct, props: {
  readonly prometheus?: PrometheusOptions | false; readonly alertmanager?: AlertmanagerOptions | false;
  readonly clusterMetrics?: ClusterMetricsOptions | false; readonly kubeStateMetrics?: unknown;
}): OwnComponents {
  if (props.prometheus !== undefined && props.prometheus !== false) checkRecord(scope, 'prometheus', props.prometheus, PROMETHEUS_EXAMPLE);
  if (props.alertmanager !== undefined && props.alertmanager !== false) checkRecord(scope, 'alertmanager', props.alertmanager, ALERTMANAGER_EXAMPLE);
  const prometheus = props.prometheus === false ? undefined : (props.prometheus ?? {});
  if (prometheus === undefined && props.clusterMetrics !== undefined && props.clusterMetrics !== false) {
    throw invalidProp(scope, 'clusterMetrics', props.clusterMetrics,
      "is set while 'prometheus' is false: the cluster's Prometheus scrapes the exporters itself; leave 'clusterMetrics' out");
  }
  const clusterMetrics = prometheus === undefined || props.clusterMetrics === false ? undefined : (props.clusterMetrics ?? {});
  const kubeStateMetrics = clusterMetrics !== undefined && clusterMetrics.kubeStateMetrics === undefined;
  if (!kubeStateMetrics && props.kubeStateMetrics !== undefined) {
    throw invalidProp(scope, 'kubeStateMetrics', props.kubeStateMetrics, clusterMetrics === undefined
      ? "is set, but the stack runs no kube-state-metrics without cluster metrics (its own Prometheus and 'clusterMetrics' not false); leave it out"
      : "is set, but 'clusterMetrics.kubeStateMetrics' names another kube-state-metrics to scrape; leave one of them out");
  }
  return { prometheus, alertmanager: props.alertmanager === false ? undefined : (props.alertmanager ?? {}), clusterMetrics, kubeStateMetrics };
}

/**
 * The stack's name: a DNS-1123 label short enough for the names derived from it (the Operator's
 * StatefulSets `prometheus-<name>` and `alertmanager-<name>`, at most 52 characters so that their
 * pods' `controller-revision-hash` label fits in 63; the Service `kube-state-metrics-<name>`),
 * and not the name of another MonitoringStack of the app (their cluster-wide ClusterRoles would clash).
 */
export function checkStackName(scope: IConstruct, prop: string, given: string | undefined, id: string, own: OwnComponents): string {
  const name = given ?? id;
  const derived: Array<[string, number]> = [
    ...(own.alertmanager ? [['alertmanager-', 52] as [string, number]] : []),
    ...(own.prometheus ? [['prometheus-', 52] as [string, number]] : []),
    ...(own.kubeStateMetrics ? [['kube-state-metrics-', 63] as [string, number]] : []),
  ];
  try {
    checkDnsLabel(scope, prop, name);
    for (const [prefix, maxLength] of derived) checkDnsLabel(scope, prop, name, { prefix, maxLength });
  } catch (e) {
    // Without a name, the construct id is the name: say so, or the user looks for a prop they never set.
    if (given !== undefined || !(e instanceof Error)) throw e;
    throw new Error(`${e.message}; '${prop}' is not given, so it is the construct id: give '${prop}', e.g. "fintech-production"`);
  }
  const other = scope.node.root.node.findAll().find((c) => c !== scope && c.constructor === scope.constructor && (c as { name?: unknown }).name === name);
  if (other) {
    throw invalidProp(scope, prop, name, `is already the name of ${other.constructor.name} '${other.node.path}'; each stack of an app needs a name of its own (it names the stack's ClusterRoles, which are cluster-wide)`);
  }
  return name;
}

/** Throws unless the cluster-metrics options, when given and not `false`, have only known keys. */
export function checkClusterMetricsOptions(scope: IConstruct, prop: string, options: ClusterMetricsOptions | false | undefined): void {
  if (options !== undefined && options !== false) {
    checkKnownKeys(scope, prop, options, ['kubeStateMetrics', 'kubelet'], '{ kubeStateMetrics: DEFAULT_KUBE_STATE_METRICS } or false');
    checkNoNullOptions(scope, prop, options, ['kubeStateMetrics', 'kubelet']);
  }
}

/** The discovery labels, copied: at least one valid label, or the Prometheus would select every ServiceMonitor and rule of the cluster. */
export function checkDiscoveryLabels(scope: IConstruct, prop: string, labels: Record<string, string>): Record<string, string> {
  checkRecord(scope, prop, labels, "{ release: 'kube-prometheus-stack' }");
  if (Object.keys(labels).length === 0) {
    throw invalidProp(scope, prop, labels, 'must have at least one label, or the Prometheus would select every ServiceMonitor and rule of the cluster');
  }
  const own = Object.keys(labels).find((key) => STACK_LABEL_KEYS.includes(key));
  if (own !== undefined) {
    throw invalidProp(scope, prop, own, `is one of the labels by which the stack tells its own objects apart and selects them (${STACK_LABEL_KEYS.join(', ')}); `
      + "choose another key, e.g. { release: 'kube-prometheus-stack' }");
  }
  return { ...checkLabels(scope, prop, labels) };
}

/** The labels the stack sets on its objects to tell them apart; a discovery label must not overwrite them. */
const STACK_LABEL_KEYS = ['app.kubernetes.io/name', 'app.kubernetes.io/instance', 'app.kubernetes.io/component'];

/**
 * A scrape or evaluation interval: a whole number of seconds, and at most a minute: the rules
 * read 5-minute rates, which need several samples in every window, and the shortest `for` of an
 * alert is a minute, which a longer evaluation interval would stretch.
 * @default Duration.seconds(15)
 */
export function checkInterval(scope: IConstruct, prop: string, given: Duration = Duration.seconds(15), kind: 'scrape' | 'evaluation' = 'scrape'): Duration {
  checkedDuration(scope, prop, given);
  if (given.toSeconds() > 60) {
    throw invalidProp(scope, prop, promDuration(given.toSeconds()), kind === 'scrape'
      ? 'must be at most 1m: the alerts and SLO rules read rates over 5 minutes, which need several samples in every window'
      : 'must be at most 1m: alerts such as ServiceDown fire after holding for a minute, and every alert would wait for the next evaluation');
  }
  return given;
}

/** The exporters of the cluster the stack scrapes. */
export interface ClusterTargets {
  readonly kubeStateMetrics: ScrapeTarget;
  readonly kubelet: KubeletTarget;
}

/** What the stack scrapes of the cluster; empty without cluster metrics. */
export interface ClusterScraping {
  /** The stack's own kube-state-metrics; undefined when another is scraped. */
  readonly kubeStateMetrics?: KubeStateMetrics;
  readonly targets?: ClusterTargets;
  /** One ServiceMonitor per exporter and service namespace. */
  readonly monitors: ServiceMonitor[];
}

/**
 * The scraping of the cluster's exporters: the stack's own kube-state-metrics unless
 * `options.kubeStateMetrics` names another, the kubelets, and their ServiceMonitors in each
 * service namespace.
 */
export function scrapeCluster(
  stack: MonitoringScope, options: ClusterMetricsOptions | undefined, kubeStateMetrics: KubeStateMetricsOptions | undefined,
): ClusterScraping {
  if (options === undefined) return { monitors: [] };
  const own = options.kubeStateMetrics === undefined ? stackKubeStateMetrics(stack, kubeStateMetrics) : undefined;
  const targets: ClusterTargets = {
    kubeStateMetrics: own ? own.scrapeTarget : checkScrapeTarget(stack, 'clusterMetrics.kubeStateMetrics', options.kubeStateMetrics!),
    kubelet: checkScrapeTarget(stack, 'clusterMetrics.kubelet', options.kubelet ?? DEFAULT_KUBELET, true) as KubeletTarget,
  };
  const monitors = stack.serviceNamespaces.flatMap((ns) => (['kube-state-metrics', 'kubelet'] as const).map((kind) => new ServiceMonitor(
    stack, `ClusterMonitor-${ns}-${kind}`, {
      metadata: { name: `${stack.name}-${kind}`, namespace: ns, labels: stackLabels(stack, kind) },
      spec: clusterMonitorSpec(kind === 'kubelet' ? targets.kubelet : targets.kubeStateMetrics, ns, kind, stack.scrapeInterval),
    })));
  return { kubeStateMetrics: own, targets, monitors };
}

/** What the stack runs through the Operator: the resource, its ServiceAccount, its Service and its PodDisruptionBudget. */
export type OperatedObjects<T> = [k8s.KubeServiceAccount, T, k8s.KubeService, k8s.KubePodDisruptionBudget];

/**
 * The stack's Prometheus `prometheus-<name>`: its ServiceAccount, the discovery RBAC in each
 * namespace it scrapes (and cluster-wide for the kubelets), the resource, its Service and
 * disruption budget; each service admits its pods to the metrics port.
 */
export function createPrometheus(
  stack: MonitoringScope, options: PrometheusOptions, clusterMetrics: ClusterTargets | undefined, ownAlertmanager: boolean,
): OperatedObjects<Prometheus> {
  const name = `prometheus-${stack.name}`;
  const labels = stackLabels(stack, 'prometheus');
  const serviceAccount = new k8s.KubeServiceAccount(stack, 'PrometheusServiceAccount', {
    metadata: { name, namespace: stack.namespace, labels },
    automountServiceAccountToken: true,
  });
  const subjects = [{ kind: 'ServiceAccount', name, namespace: stack.namespace }];
  // The stack's namespace too: the Prometheus scrapes itself and the Alertmanager there.
  const discovered = [...new Set([...stack.serviceNamespaces, stack.namespace, ...(clusterMetrics
    ? [clusterMetrics.kubeStateMetrics.namespace, clusterMetrics.kubelet.namespace] : [])])].sort();
  for (const ns of discovered) {
    new k8s.KubeRole(stack, `PrometheusDiscovery-${ns}`, { metadata: { name, namespace: ns, labels }, rules: DISCOVERY_RULES });
    new k8s.KubeRoleBinding(stack, `PrometheusDiscoveryBinding-${ns}`, {
      metadata: { name, namespace: ns, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
      subjects,
    });
  }
  if (clusterMetrics) {
    const clusterRole = new k8s.KubeClusterRole(stack, 'PrometheusKubeletScrape', { metadata: { name, labels }, rules: KUBELET_SCRAPE_RULES });
    const clusterBinding = new k8s.KubeClusterRoleBinding(stack, 'PrometheusKubeletScrapeBinding', {
      metadata: { name, labels },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
      subjects,
    });
    // Cluster-scoped: no namespace, whatever the chart's.
    for (const o of [clusterRole, clusterBinding]) if (Chart.of(stack).namespace) o.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
  }
  const prometheus = new Prometheus(stack, 'Prometheus', {
    metadata: { name: stack.name, namespace: stack.namespace, labels },
    spec: prometheusSpec(stack, 'prometheus', options, {
      name: stack.name,
      serviceAccountName: name,
      scrapeInterval: stack.scrapeInterval,
      evaluationInterval: stack.evaluationInterval,
      defaultRetention: defaultRetention(stack.objectives),
      serviceMonitorSelector: stack.serviceMonitorSelector,
      ruleSelector: stack.ruleSelector,
      namespaceSelector: stack.namespaceSelector,
      alertmanagers: ownAlertmanager
        ? [{ namespace: stack.namespace, name: `alertmanager-${stack.name}`, port: 'web' }]
        : [{ namespace: stack.namespace, name: 'alertmanager-operated', port: 'web' }],
      externalLabels: stack.environment ? { environment: stack.environment } : {},
      kubelet: clusterMetrics?.kubelet,
    }),
  });
  const scrapers = NetworkPeer.namespace(stack.namespace, [], prometheusPodLabels(stack.name));
  for (const svc of stack.services) svc.allowMetricsScrapersFrom(scrapers);
  const service = webService(stack, 'PrometheusService', name, labels, prometheusPodLabels(stack.name), 9090);
  const budget = disruptionBudget(stack, 'PrometheusDisruptionBudget', name, labels, prometheusPodLabels(stack.name));
  return [serviceAccount, prometheus, service, budget];
}

/** The stack's Alertmanager `alertmanager-<name>`, configured by the AlertmanagerConfig `configName`: its ServiceAccount, the resource, its Service and disruption budget. */
export function createAlertmanager(stack: MonitoringScope, options: AlertmanagerOptions, configName: string | undefined): OperatedObjects<Alertmanager> {
  const name = `alertmanager-${stack.name}`;
  const labels = stackLabels(stack, 'alertmanager');
  const serviceAccount = new k8s.KubeServiceAccount(stack, 'AlertmanagerServiceAccount', {
    metadata: { name, namespace: stack.namespace, labels },
    automountServiceAccountToken: false,
  });
  const alertmanager = new Alertmanager(stack, 'Alertmanager', {
    metadata: { name: stack.name, namespace: stack.namespace, labels },
    spec: alertmanagerSpec(stack, 'alertmanager', options, stack.name, name, configName),
  });
  const service = webService(stack, 'AlertmanagerService', name, labels, alertmanagerPodLabels(stack.name), 9093);
  const budget = disruptionBudget(stack, 'AlertmanagerDisruptionBudget', name, labels, alertmanagerPodLabels(stack.name));
  return [serviceAccount, alertmanager, service, budget];
}

function webService(
  stack: MonitoringScope, id: string, name: string, labels: Record<string, string>, selector: Record<string, string>, port: number,
): k8s.KubeService {
  return new k8s.KubeService(stack, id, {
    metadata: { name, namespace: stack.namespace, labels },
    spec: {
      type: 'ClusterIP',
      selector,
      ports: [{ name: 'web', port, targetPort: k8s.IntOrString.fromString('web'), protocol: 'TCP' }],
    },
  });
}

/** One pod at a time may be evicted, so a drain never takes both replicas down (and never blocks with one). */
function disruptionBudget(
  stack: MonitoringScope, id: string, name: string, labels: Record<string, string>, selector: Record<string, string>,
): k8s.KubePodDisruptionBudget {
  return new k8s.KubePodDisruptionBudget(stack, id, {
    metadata: { name, namespace: stack.namespace, labels },
    spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
  });
}
