import { Duration, Size } from 'cdk8s';
import { ContainerResources, Cpu, k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { AlertmanagerSpec } from '../../imports/alertmanagers-monitoring.coreos.com';
import {
  PrometheusSpec, PrometheusSpecAlertingAlertmanagersApiVersion, PrometheusSpecAlertingAlertmanagersPort, PrometheusSpecServiceMonitorSelector, PrometheusSpecStorage,
  PrometheusSpecStorageVolumeClaimTemplateSpecResourcesRequests,
} from '../../imports/prometheuses-monitoring.coreos.com';
import {
  ServiceMonitorSpec, ServiceMonitorSpecEndpointsMetricRelabelingsAction, ServiceMonitorSpecEndpointsScheme,
} from '../../imports/servicemonitors-monitoring.coreos.com';
import { checkedDuration, goDuration } from '../shared/duration';
import { invalidProp } from '../shared/errors';
import { CADVISOR_METRICS, KUBE_STATE_METRICS, promDuration } from '../shared/promql';
import { checkedResources, kubeResources, memoryMiB, memoryQuantity, ResourceDefaults } from '../shared/resources';
import { containerSecurityContext, podSecurityContext, RunAsIdentity } from '../shared/security';
import {
  checkDnsLabel, checkDnsSubdomain, checkDuration, checkInteger, checkKnownKeys, checkLabels, checkPinnedVersion, checkPortName, checkRunAs, checkSize,
} from '../shared/validation';

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
  /** How long samples are kept. @default Duration.days(15) */
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
  /** Set when the kubelet is scraped. */
  readonly kubelet?: KubeletTarget;
}

/** The Prometheus resource's spec. Only the selectors given select anything: PodMonitors, Probes and ScrapeConfigs are not read. */
export function prometheusSpec(scope: IConstruct, prop: string, options: PrometheusOptions, input: PrometheusSpecInput): PrometheusSpec {
  checkStatefulOptions(scope, prop, options, '{ retention: Duration.days(15), storage: Size.gibibytes(50) } or false');
  const storage = options.storage ?? Size.gibibytes(50);
  const storageMiB = checkStorage(scope, `${prop}.storage`, storage);
  return {
    version: options.version || undefined,
    replicas: checkInteger(scope, `${prop}.replicas`, options.replicas ?? 2, 1),
    serviceAccountName: input.serviceAccountName,
    scrapeInterval: checkedDuration(scope, 'scrapeInterval', input.scrapeInterval),
    evaluationInterval: checkedDuration(scope, 'evaluationInterval', input.evaluationInterval),
    retention: checkedDuration(scope, `${prop}.retention`, options.retention ?? Duration.days(15)),
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
  checkStatefulOptions(scope, prop, options, '{ retention: Duration.hours(120), storage: Size.gibibytes(1) } or false');
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
function checkStatefulOptions(scope: IConstruct, prop: string, options: PrometheusOptions | AlertmanagerOptions, example: string): void {
  checkKnownKeys(scope, prop, options, ['replicas', 'storage', 'storageClassName', 'resources', 'runAs', 'version', 'retention'], example);
  if (options.storage !== undefined) checkSize(scope, `${prop}.storage`, options.storage);
  if (options.retention !== undefined) checkDuration(scope, `${prop}.retention`, options.retention, { example: 'e.g. Duration.days(15)' });
  if (options.storageClassName !== undefined) checkDnsSubdomain(scope, `${prop}.storageClassName`, options.storageClassName);
  if (options.version !== undefined) checkPinnedVersion(scope, `${prop}.version`, options.version);
  checkRunAs(scope, `${prop}.runAs`, options.runAs);
}

function checkStorage(scope: IConstruct, prop: string, storage: Size): number {
  const mebibytes = memoryMiB(storage);
  if (!(mebibytes >= 100)) throw invalidProp(scope, prop, memoryQuantity(storage), 'must be at least 100Mi');
  return mebibytes;
}

/** Throws unless a scrape target names a valid namespace, port and at least one selector label. */
export function checkScrapeTarget(scope: IConstruct, prop: string, target: ScrapeTarget): ScrapeTarget {
  checkKnownKeys(scope, prop, target, ['namespace', 'selector', 'port', 'insecureSkipVerify'],
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
