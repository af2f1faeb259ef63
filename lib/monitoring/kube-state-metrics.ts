import { Chart, JsonPatch, Size } from 'cdk8s';
import { ContainerResources, Cpu, k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { KUBE_STATE_METRICS } from '../shared/promql';
import { checkedResources, kubeResources, ResourceDefaults } from '../shared/resources';
import { containerSecurityContext, podSecurityContext } from '../shared/security';
import { invalidProp } from '../shared/errors';
import { checkArray, checkConstructId, checkDnsLabel, checkImageReference, checkKnownKeys, checkLabels, checkNoCollidingObjects, checkNoNullOptions, checkNoNulls, checkPinnedImage, checkUniqueItems } from '../shared/validation';
import { MonitoringScope, stackLabels } from './context';
import type { ScrapeTarget } from './prometheus';

/**
 * kube-state-metrics, run by the stack for its own alerts: one pod that watches only the
 * services' namespaces and only the kinds of object the alerts read, with the read access that
 * needs and nothing more.
 */

/** The stack's own kube-state-metrics. */
export interface KubeStateMetricsOptions {
  /** Pinned image. @default "registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0" */
  readonly image?: string;
  /** @default - requests 50m CPU / 64Mi / 16Mi ephemeral storage, limits 200m / 256Mi / 64Mi */
  readonly resources?: ContainerResources;
}

export const KUBE_STATE_METRICS_IMAGE = 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0';
export const KUBE_STATE_METRICS_RESOURCES: ResourceDefaults = {
  cpuRequest: Cpu.millis(50), cpuLimit: Cpu.millis(200), memoryRequest: Size.mebibytes(64), memoryLimit: Size.mebibytes(256),
  ephemeralRequest: Size.mebibytes(16), ephemeralLimit: Size.mebibytes(64),
};
/** Where client-go reads the in-cluster credentials. */
const TOKEN_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** The port that serves the metrics, and the one that serves kube-state-metrics' own telemetry and readiness. */
export const KUBE_STATE_METRICS_PORT = 8080;
const TELEMETRY_PORT = 8081;
/** The image's own unprivileged user ("nobody"). */
const NOBODY = { user: 65534, group: 65534 };

/** A kind of object kube-state-metrics exports: its `--resources` name, API group, and metric name prefix. */
interface ExportedKind {
  readonly resource: string;
  readonly apiGroup: string;
  readonly prefix: string;
}

/** Longest prefix first, so `kube_poddisruptionbudget_` is never read as `kube_pod_`. */
const KINDS: readonly ExportedKind[] = [
  { resource: 'poddisruptionbudgets', apiGroup: 'policy', prefix: 'kube_poddisruptionbudget_' },
  { resource: 'horizontalpodautoscalers', apiGroup: 'autoscaling', prefix: 'kube_horizontalpodautoscaler_' },
  { resource: 'deployments', apiGroup: 'apps', prefix: 'kube_deployment_' },
  { resource: 'cronjobs', apiGroup: 'batch', prefix: 'kube_cronjob_' },
  { resource: 'jobs', apiGroup: 'batch', prefix: 'kube_job_' },
  { resource: 'pods', apiGroup: '', prefix: 'kube_pod_' },
];

/** The kinds the given kube-state-metrics series come from, sorted by resource name. */
export function exportedKinds(metrics: readonly string[]): ExportedKind[] {
  const kinds = new Set<ExportedKind>();
  for (const metric of metrics) {
    const kind = KINDS.find((k) => metric.startsWith(k.prefix));
    if (!kind) throw new Error(`no kube-state-metrics resource exports ${metric}`);
    kinds.add(kind);
  }
  return [...kinds].sort((a, b) => a.resource.localeCompare(b.resource));
}

/** Throws unless the options, when given, have only known keys, a pinned image and valid resources. */
export function checkKubeStateMetricsOptions(scope: IConstruct, prop: string, options: KubeStateMetricsOptions | undefined): void {
  if (options === undefined) return;
  checkKnownKeys(scope, prop, options, ['image', 'resources'], `{ image: '${KUBE_STATE_METRICS_IMAGE}' }`);
  checkNoNullOptions(scope, prop, options, ['image', 'resources']);
  if (options.image !== undefined) checkImageReference(scope, `${prop}.image`, checkPinnedImage(scope, `${prop}.image`, options.image));
  checkedResources(scope, `${prop}.resources`, options.resources ?? {}, KUBE_STATE_METRICS_RESOURCES);
}

/** The stack's own kube-state-metrics `kube-state-metrics-<name>`, in the stack's namespace, watching the services' namespaces. */
export function stackKubeStateMetrics(stack: MonitoringScope, options: KubeStateMetricsOptions | undefined): KubeStateMetrics {
  STACKS.add(stack);
  return new KubeStateMetrics(stack, 'KubeStateMetrics', {
    ...options,
    name: `kube-state-metrics-${stack.name}`,
    namespace: stack.namespace,
    watchedNamespaces: stack.serviceNamespaces,
    labels: stackLabels(stack, 'kube-state-metrics'),
  });
}

/** The MonitoringStacks that run a kube-state-metrics of their own. */
const STACKS = new WeakSet<IConstruct>();

/** Properties of {@link KubeStateMetrics}. */
export interface KubeStateMetricsProps extends KubeStateMetricsOptions {
  /** Name of every object. */
  readonly name: string;
  readonly namespace: string;
  /** The namespaces whose objects it exports. */
  readonly watchedNamespaces: readonly string[];
  /** Labels of every object. */
  readonly labels: Record<string, string>;
}

/**
 * kube-state-metrics exporting the kinds of object the platform's alerts read (`KUBE_STATE_METRICS`) in the watched namespaces:
 * a ServiceAccount, a ClusterRole that may list and watch those kinds, bound only in the watched
 * namespaces, a Deployment under the restricted Pod Security profile, and its Service.
 */
export class KubeStateMetrics extends Construct {
  public readonly image: string;
  /** Requests and limits of its container, as Kubernetes quantities by resource name. */
  public readonly resources: { readonly requests: Record<string, string>; readonly limits: Record<string, string> };
  /** The `--resources` it exports, e.g. ["cronjobs", "deployments", ...]. */
  public readonly exportedResources: readonly string[];
  /** Labels that select its pods. */
  public readonly podLabels: Record<string, string>;
  /** How a ServiceMonitor finds its Service. */
  public readonly scrapeTarget: ScrapeTarget;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly clusterRole: k8s.KubeClusterRole;
  public readonly roleBindings: readonly k8s.KubeRoleBinding[];
  public readonly deployment: k8s.KubeDeployment;
  public readonly disruptionBudget: k8s.KubePodDisruptionBudget;
  public readonly service: k8s.KubeService;

  constructor(scope: Construct, id: string, props: KubeStateMetricsProps) {
    checkConstructId(scope, id, 'KubeStateMetrics');
    super(scope, id);
    checkProps(this, props);
    this.image = checkImageReference(this, 'image', checkPinnedImage(this, 'image', props.image ?? KUBE_STATE_METRICS_IMAGE));
    this.resources = checkedResources(this, 'resources', props.resources ?? {}, KUBE_STATE_METRICS_RESOURCES);
    const kinds = exportedKinds(KUBE_STATE_METRICS);
    this.exportedResources = kinds.map((k) => k.resource);
    this.podLabels = { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': props.labels['app.kubernetes.io/instance'] ?? props.name };
    const metadata = { name: props.name, namespace: props.namespace, labels: { ...props.labels, ...this.podLabels } };
    this.scrapeTarget = { namespace: props.namespace, selector: { ...this.podLabels }, port: 'http' };

    this.serviceAccount = new k8s.KubeServiceAccount(this, 'ServiceAccount', { metadata, automountServiceAccountToken: false });
    this.clusterRole = new k8s.KubeClusterRole(this, 'ClusterRole', { metadata: { name: props.name, labels: metadata.labels }, rules: readRules(kinds) });
    if (Chart.of(this).namespace) this.clusterRole.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    this.roleBindings = [...props.watchedNamespaces].sort().map((ns) => new k8s.KubeRoleBinding(this, `RoleBinding-${ns}`, {
      metadata: { ...metadata, namespace: ns },
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: props.name },
      subjects: [{ kind: 'ServiceAccount', name: props.name, namespace: props.namespace }],
    }));
    this.deployment = new k8s.KubeDeployment(this, 'Deployment', {
      metadata,
      spec: deploymentSpec(props, metadata.labels, this.podLabels, this.image, this.resources, this.exportedResources),
    });
    this.disruptionBudget = new k8s.KubePodDisruptionBudget(this, 'DisruptionBudget', {
      metadata,
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: this.podLabels }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
    this.service = new k8s.KubeService(this, 'Service', {
      metadata,
      spec: {
        type: 'ClusterIP',
        selector: this.podLabels,
        ports: [{ name: 'http', port: KUBE_STATE_METRICS_PORT, targetPort: k8s.IntOrString.fromString('http'), protocol: 'TCP' }],
      },
    });
    // A stack's own kube-state-metrics is named after the stack, which checks its objects.
    if (!STACKS.has(scope)) checkNoCollidingObjects(this, 'name', props.name, 'give it another name');
  }

}

/** Throws unless the props are known, the names DNS-1123 labels, at least one watched namespace, and valid labels. */
function checkProps(scope: IConstruct, props: KubeStateMetricsProps): void {
  checkKnownKeys(scope, 'props', props, ['name', 'namespace', 'watchedNamespaces', 'labels', 'image', 'resources'],
    "{ name: 'kube-state-metrics', namespace: 'monitoring', watchedNamespaces: ['fintech-production'], labels: {} }");
  checkNoNulls(scope, props, { required: ['name', 'namespace', 'watchedNamespaces', 'labels'] });
  checkDnsLabel(scope, 'name', props.name);
  checkDnsLabel(scope, 'namespace', props.namespace);
  const watched = checkArray<string>(scope, 'watchedNamespaces', props.watchedNamespaces, "['fintech-production']");
  if (watched.length === 0) {
    throw invalidProp(scope, 'watchedNamespaces', watched, 'must list at least one namespace: without one, kube-state-metrics would export the objects of every namespace');
  }
  watched.forEach((ns, i) => checkDnsLabel(scope, `watchedNamespaces[${i}]`, ns));
  checkUniqueItems(scope, 'watchedNamespaces', watched);
  checkLabels(scope, 'labels', props.labels);
}

/** List and watch on the exported kinds, one rule per API group. */
function readRules(kinds: readonly ExportedKind[]): k8s.PolicyRule[] {
  const groups = [...new Set(kinds.map((k) => k.apiGroup))].sort();
  return groups.map((group) => ({
    apiGroups: [group], resources: kinds.filter((k) => k.apiGroup === group).map((k) => k.resource), verbs: ['list', 'watch'],
  }));
}

/** One pod under the restricted profile, with only the service-account token it needs mounted, exporting `exportedResources` of the watched namespaces. */
function deploymentSpec(
  props: KubeStateMetricsProps, labels: Record<string, string>, podLabels: Record<string, string>, image: string,
  resources: KubeStateMetrics['resources'], exportedResources: readonly string[],
): k8s.DeploymentSpec {
  const probe = (path: string, port: number): k8s.Probe => ({
    httpGet: { path, port: k8s.IntOrString.fromNumber(port) }, initialDelaySeconds: 5, periodSeconds: 10, timeoutSeconds: 5,
  });
  return {
    replicas: 1,
    revisionHistoryLimit: 10,
    selector: { matchLabels: podLabels },
    template: {
      metadata: { labels: { ...labels } },
      spec: {
        serviceAccountName: props.name,
        // The one credential it needs, mounted explicitly (read-only, rotated by the kubelet) instead of automounted.
        automountServiceAccountToken: false,
        volumes: [{
          name: 'api-access',
          projected: {
            defaultMode: 0o444,
            sources: [
              { serviceAccountToken: { path: 'token', expirationSeconds: 3607 } },
              { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
              { downwardApi: { items: [{ path: 'namespace', fieldRef: { apiVersion: 'v1', fieldPath: 'metadata.namespace' } }] } },
            ],
          },
        }],
        securityContext: podSecurityContext(NOBODY),
        topologySpreadConstraints: [{
          maxSkew: 1, topologyKey: 'topology.kubernetes.io/zone', whenUnsatisfiable: 'ScheduleAnyway', labelSelector: { matchLabels: podLabels },
        }],
        containers: [{
          name: 'kube-state-metrics',
          image,
          imagePullPolicy: 'Always',
          args: [
            `--port=${KUBE_STATE_METRICS_PORT}`,
            `--telemetry-port=${TELEMETRY_PORT}`,
            `--resources=${exportedResources.join(',')}`,
            `--namespaces=${[...props.watchedNamespaces].sort().join(',')}`,
          ],
          ports: [
            { name: 'http', containerPort: KUBE_STATE_METRICS_PORT, protocol: 'TCP' },
            { name: 'telemetry', containerPort: TELEMETRY_PORT, protocol: 'TCP' },
          ],
          livenessProbe: probe('/livez', KUBE_STATE_METRICS_PORT),
          readinessProbe: probe('/readyz', TELEMETRY_PORT),
          resources: kubeResources(resources),
          securityContext: containerSecurityContext(NOBODY),
          volumeMounts: [{ name: 'api-access', mountPath: TOKEN_DIR, readOnly: true }],
        }],
      },
    },
  };
}
