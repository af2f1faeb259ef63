import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { AlertmanagerConfig, AlertmanagerConfigSpec } from '../imports/alertmanagerconfigs-monitoring.coreos.com';
import { Alertmanager } from '../imports/alertmanagers-monitoring.coreos.com';
import { ExternalSecret } from '../imports/externalsecrets-external-secrets.io';
import { Prometheus } from '../imports/prometheuses-monitoring.coreos.com';
import { PrometheusRule } from '../imports/prometheusrules-monitoring.coreos.com';
import { ServiceMonitor } from '../imports/servicemonitors-monitoring.coreos.com';
import { DeliveryTier, IDeliverable } from './delivery';
import { FintechEnvironment } from './environment';
import { FintechService } from './fintech-service';
import { checkRunbookBaseUrl } from './monitoring/alert-rules';
import { AlertRoutingOptions, createRouting, createRoutingExternalSecrets } from './monitoring/alertmanager-config';
import { PART_OF } from './monitoring/context';
import { DashboardDefinition, stackDashboards } from './monitoring/dashboards';
import { checkKubeStateMetricsOptions, KubeStateMetrics, KubeStateMetricsOptions } from './monitoring/kube-state-metrics';
import { checkNamespaceOptions, monitoringNamespace, MonitoringNamespaceOptions, stackPods } from './monitoring/namespace';
import { checkNetworkOptions, createNetworkPolicies, MonitoringNetworkOptions, MonitoringPeers, monitoringPeers } from './monitoring/network-policies';
import { watchPipeline } from './monitoring/pipeline';
import {
  AlertmanagerOptions, checkClusterMetricsOptions, checkDiscoveryLabels, checkInterval, checkStackName, ClusterMetricsOptions, createAlertmanager, createPrometheus,
  LabelSelector, namespacesSelector, ownComponents, PrometheusOptions, scrapeCluster,
} from './monitoring/prometheus';
import { serviceRuleObject, workloadRuleObject } from './monitoring/prometheus-rules';
import { checkMonitoredServices, checkServiceOptions, ServiceMonitoringOptions } from './monitoring/services';
import {
  BurnRateWindow, checkBurnRateWindows, checkObjectiveLists, checkRetentionCoversWindows, DEFAULT_BURN_RATE_WINDOWS, ServiceLevelObjective, serviceObjectives,
} from './monitoring/slo';
import { MONITORING_NAMESPACE } from './shared/defaults';
import { checkChartNamespace, checkConstructId, checkDnsLabel, checkDnsLabelArgument, checkKnownKeys, checkNoCollidingObjects, checkNoNulls } from './shared/validation';

export type { ServiceMonitoringOptions } from './monitoring/services';

/** Properties of a {@link MonitoringStack}. */
export interface MonitoringStackProps {
  /** The services to watch; each must have metrics on (a ServiceMonitor). */
  readonly services: FintechService[];
  /** Per-service settings, by service name. @default - every service with the defaults */
  readonly serviceOptions?: Record<string, ServiceMonitoringOptions>;
  /**
   * Name of the stack: of its Prometheus, Alertmanager, their Services and RBAC, and the prefix
   * of its dashboards' uids. Distinct per environment, so two stacks can share a cluster. At most 39
   * characters with the stack's own Alertmanager (41 with only its own Prometheus), so that the
   * Operator's StatefulSets `alertmanager-<name>` and `prometheus-<name>` fit in 52.
   * @default - the construct id
   */
  readonly name?: string;
  /** The environment the stack watches: the `environment` label of every alert, and dashboard titles. @default - none (titles use `name`) */
  readonly environment?: string;
  /** Objectives of every service that does not declare its own. @default - 99.9 % availability and P95 latency under 500 ms, over 30 days */
  readonly objectives?: ServiceLevelObjective[];
  /** Window pairs of the burn-rate alerts. @default DEFAULT_BURN_RATE_WINDOWS (the SRE workbook's: 1h/5m, 6h/30m page; 1d/2h, 3d/6h ticket) */
  readonly burnRateWindows?: BurnRateWindow[];
  /** Who is notified, by severity. Required with the stack's own Alertmanager. @default - no AlertmanagerConfig */
  readonly routing?: AlertRoutingOptions;
  /** The stack's own Prometheus; `false` when the cluster's Prometheus evaluates the rules. @default - 2 replicas, 50Gi each, samples kept as long as the longest objective window (30 days) */
  readonly prometheus?: PrometheusOptions | false;
  /**
   * The stack's own Alertmanager; `false` to use the cluster's: then the routing goes into the
   * services' namespace (where the cluster's Alertmanager routes an AlertmanagerConfig's alerts
   * from) and the stack's Prometheus sends alerts to `alertmanager-operated` in the stack's namespace.
   * @default - 2 replicas, 120 hours, 1Gi each
   */
  readonly alertmanager?: AlertmanagerOptions | false;
  /**
   * Scraping of kube-state-metrics and the kubelets' cAdvisor, which the saturation, restart,
   * workload and backup alerts read; only with the stack's own Prometheus (the cluster's scrapes them already).
   * @default - the stack's own kube-state-metrics (see `kubeStateMetrics`) and the kubelets, when the stack has its own Prometheus
   */
  readonly clusterMetrics?: ClusterMetricsOptions | false;
  /**
   * The stack's own kube-state-metrics, in its namespace, exporting only the kinds of object the
   * alerts read and only in the services' namespaces. Not created when `clusterMetrics.kubeStateMetrics`
   * names an existing one, or without cluster metrics.
   * @default - image registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0, requests 50m / 64Mi, limits 200m / 256Mi
   */
  readonly kubeStateMetrics?: KubeStateMetricsOptions;
  /**
   * The stack's namespace (the Chart's), created with the guard rails of the application
   * namespaces: Pod Security `restricted`, a ResourceQuota sized for the stack, a LimitRange and a
   * default-deny NetworkPolicy. `false` when the namespace is created and guarded elsewhere.
   * @default - created, sized for the stack's pods
   */
  readonly namespaceGuardRails?: MonitoringNamespaceOptions | false;
  /** Who may query the Prometheus, and where the API server and the kubelets are, for the stack's NetworkPolicies. @default - see MonitoringNetworkOptions */
  readonly network?: MonitoringNetworkOptions;
  /**
   * The labels the stack's Prometheus selects ServiceMonitors and PrometheusRules by. Every
   * PrometheusRule and ServiceMonitor of the stack carries them, and the services'
   * ServiceMonitors get them too. For a kube-prometheus-stack Prometheus, add its release label,
   * e.g. `{ release: 'kube-prometheus-stack' }`. Not `app.kubernetes.io/name`, `instance` or `component`,
   * by which the stack tells its own objects apart.
   * @default { "app.kubernetes.io/part-of": "fintech-platform" } (every FintechService object carries it)
   */
  readonly discoveryLabels?: Record<string, string>;
  /**
   * Where the runbooks of the stack's alerts live: each alert links `<runbookBaseUrl>/<alert-name-in-kebab-case>`
   * (e.g. `.../high-error-rate`; the SLO burn-rate alerts share `.../slo-budget-burn`).
   * @default - no `runbook_url` annotation
   */
  readonly runbookBaseUrl?: string;
  /** Grafana dashboards as ConfigMaps for Grafana's sidecar; `false` for none. @default true */
  readonly dashboards?: boolean;
  /** The Grafana folder of the dashboards (annotation `grafana_folder`). @default "FinTech" */
  readonly dashboardFolder?: string;
  /** At most a minute: the rules read 5-minute rates. @default Duration.seconds(15) */
  readonly scrapeInterval?: Duration;
  /** At most a minute: alerts hold for a minute before they fire, and wait for an evaluation. @default Duration.seconds(15) */
  readonly evaluationInterval?: Duration;
}


function prometheusUrl(stackName: string, namespace: string): string {
  return `http://prometheus-${stackName}.${namespace}.svc:9090`;
}

const MONITORING_STACK_PROPS = [
  'services', 'serviceOptions', 'name', 'environment', 'objectives', 'burnRateWindows', 'routing', 'prometheus', 'alertmanager', 'clusterMetrics',
  'kubeStateMetrics', 'namespaceGuardRails', 'network', 'discoveryLabels', 'runbookBaseUrl', 'dashboards', 'dashboardFolder', 'scrapeInterval',
  'evaluationInterval',
];

/** Only known props, and the option objects of each concern of the right shape, before anything is resolved. */
function checkProps(scope: IConstruct, props: MonitoringStackProps): void {
  checkKnownKeys(scope, 'props', props, MONITORING_STACK_PROPS, '{ services: [payments], routing: { critical: [...], warning: [...] } }');
  // A required prop given as null gets its own message where it is checked, and so do the option objects that may also be false.
  const { services: _services, routing: _routing, ...optional } = props;
  checkNoNulls(scope, optional, { required: ['prometheus', 'alertmanager', 'network'] });
  checkObjectiveLists(scope, props.objectives, props.burnRateWindows);
  checkClusterMetricsOptions(scope, 'clusterMetrics', props.clusterMetrics);
  checkKubeStateMetricsOptions(scope, 'kubeStateMetrics', props.kubeStateMetrics);
  checkNamespaceOptions(scope, 'namespaceGuardRails', props.namespaceGuardRails);
  checkNetworkOptions(scope, 'network', props.network);
}

/**
 * Monitoring for a set of FintechServices, per environment: a Prometheus and an Alertmanager
 * run by the Prometheus Operator, alert rules per service and per namespace, SLO recording rules
 * and burn-rate alerts, routing by severity, and Grafana dashboards.
 *
 * Each service admits the stack's Prometheus pods to its metrics port (`allowMetricsScrapersFrom`),
 * which changes nothing when it already admits the stack's namespace (FintechService's default
 * scrapers: the namespace "monitoring"), and its ServiceMonitor gets the discovery labels. Its
 * PrometheusRules and the cluster-exporter ServiceMonitors go into the services' namespaces,
 * where the Prometheus looks for them (and only there, so two environments can share a cluster).
 *
 * GitOps applies it after the services' namespaces and before the services, so that a canary's
 * analysis and the alerts are in place when a service rolls out.
 */
export class MonitoringStack extends Construct implements IDeliverable {
  /**
   * The in-cluster URL of the Prometheus of the stack named `stackName` in `namespace`, for a
   * canary analysis in another app: the stack's own Service, which (unlike the Operator's
   * `prometheus-operated`) reaches no other Prometheus of the namespace. In the same app, read
   * the stack's `prometheusUrl`.
   * @param namespace @default "monitoring"
   */
  public static prometheusUrlOf(stackName: string, namespace: string = MONITORING_NAMESPACE): string {
    const fn = 'MonitoringStack.prometheusUrlOf';
    return prometheusUrl(checkDnsLabelArgument(fn, 'stackName', stackName), checkDnsLabelArgument(fn, 'namespace', namespace));
  }

  public readonly deliveryTier = DeliveryTier.FOUNDATION;
  public readonly name: string;
  /** Where the Prometheus, the Alertmanager and the dashboards live. */
  public readonly namespace: string;
  public readonly environment?: string;
  public readonly scrapeInterval: Duration;
  public readonly evaluationInterval: Duration;
  public readonly discoveryLabels: Record<string, string>;
  /** Undefined when no runbooks are configured. */
  public readonly runbookBaseUrl?: string;
  public readonly burnRateWindows: readonly BurnRateWindow[];
  public readonly services: readonly FintechService[];
  /** The namespaces of the services, sorted. */
  public readonly serviceNamespaces: readonly string[];
  /** Each service's objectives, by service name. */
  public readonly objectives: ReadonlyMap<string, readonly ServiceLevelObjective[]>;

  /** How the Prometheus selects ServiceMonitors and PrometheusRules (by label, then by namespace). */
  public readonly serviceMonitorSelector: LabelSelector;
  public readonly ruleSelector: LabelSelector;
  public readonly namespaceSelector: LabelSelector;

  /** Each service's PrometheusRule (platform alerts, SLO rules), by service name. */
  public readonly serviceRules: ReadonlyMap<string, PrometheusRule>;
  /**
   * The alerts on the monitoring pipeline itself (with the stack's own Prometheus) and the
   * Watchdog of the dead man's switch (with `routing.deadMansSwitch`), in the first service
   * namespace; undefined when there are neither.
   */
  public readonly pipelineRules?: PrometheusRule;
  /** The ServiceMonitor by which the stack's Prometheus scrapes itself and the stack's Alertmanager; undefined with `prometheus: false`. */
  public readonly pipelineMonitor?: ServiceMonitor;
  /** One PrometheusRule of workload alerts per service namespace. */
  public readonly workloadRules: readonly PrometheusRule[];
  /** ServiceMonitors of the cluster exporters, one per exporter and service namespace. */
  public readonly clusterMonitors: readonly ServiceMonitor[];
  /** The stack's own kube-state-metrics; undefined when another is scraped, or without cluster metrics. */
  public readonly kubeStateMetrics?: KubeStateMetrics;
  /** The stack's namespace and its guard rails; undefined with `namespaceGuardRails: false`. */
  public readonly namespaceGuardRails?: FintechEnvironment;
  /** The resolved network peers. */
  public readonly peers: MonitoringPeers;
  /** NetworkPolicies of the Prometheus, Alertmanager and kube-state-metrics pods the stack runs. */
  public readonly networkPolicies: readonly k8s.KubeNetworkPolicy[];

  /** Undefined with `prometheus: false`. */
  public readonly prometheus?: Prometheus;
  /** The URL of the stack's Prometheus inside the cluster (e.g. for a canary analysis); undefined with `prometheus: false`. */
  public readonly prometheusUrl?: string;
  public readonly prometheusServiceAccount?: k8s.KubeServiceAccount;
  public readonly prometheusService?: k8s.KubeService;
  public readonly prometheusDisruptionBudget?: k8s.KubePodDisruptionBudget;
  /** Undefined with `alertmanager: false`. */
  public readonly alertmanager?: Alertmanager;
  public readonly alertmanagerServiceAccount?: k8s.KubeServiceAccount;
  public readonly alertmanagerService?: k8s.KubeService;
  public readonly alertmanagerDisruptionBudget?: k8s.KubePodDisruptionBudget;
  /** The routing (AlertmanagerConfig); undefined without `routing`. */
  public readonly alertmanagerConfig?: AlertmanagerConfig;
  /**
   * One per Secret of the receivers made with `SecretKeyRef.fromExternalSecret`, beside the
   * AlertmanagerConfig; empty without.
   */
  public readonly externalSecrets: readonly ExternalSecret[];
  /** @internal The AlertmanagerConfig's spec as rendered, for checks on it. */
  public readonly routingSpec?: AlertmanagerConfigSpec;

  /** The dashboards' ConfigMaps, the overview first; empty with `dashboards: false`. */
  public readonly dashboards: readonly k8s.KubeConfigMap[];
  /** The dashboards as data, in the same order. */
  public readonly dashboardDefinitions: readonly DashboardDefinition[];

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    checkConstructId(scope, id, 'MonitoringStack');
    super(scope, id);
    checkProps(this, props);
    const own = ownComponents(this, props);
    this.name = checkStackName(this, 'name', props.name, id, own);
    this.namespace = checkChartNamespace(this) ?? MONITORING_NAMESPACE;
    this.environment = props.environment === undefined ? undefined : checkDnsLabel(this, 'environment', props.environment);
    this.scrapeInterval = checkInterval(this, 'scrapeInterval', props.scrapeInterval);
    this.evaluationInterval = checkInterval(this, 'evaluationInterval', props.evaluationInterval, 'evaluation');
    this.discoveryLabels = checkDiscoveryLabels(this, 'discoveryLabels', props.discoveryLabels ?? PART_OF);
    this.runbookBaseUrl = checkRunbookBaseUrl(this, 'runbookBaseUrl', props.runbookBaseUrl);
    this.services = checkMonitoredServices(this, 'services', props.services);
    this.serviceNamespaces = [...new Set(this.services.map((s) => s.namespace))].sort();
    const options = checkServiceOptions(this, 'serviceOptions', props.serviceOptions ?? {}, this.services);
    this.objectives = serviceObjectives(this, this.services, options, props.objectives, props.burnRateWindows);
    this.burnRateWindows = checkBurnRateWindows(this, 'burnRateWindows', props.burnRateWindows ?? DEFAULT_BURN_RATE_WINDOWS, [...this.objectives.values()].flat());
    this.serviceMonitorSelector = { matchLabels: { ...this.discoveryLabels } };
    this.ruleSelector = { matchLabels: { ...this.discoveryLabels } };
    this.namespaceSelector = namespacesSelector(this.serviceNamespaces);
    for (const svc of this.services) svc.addDiscoveryLabels(this.discoveryLabels);
    // Alert and SLO rules next to the services they watch; Prometheus, with what it discovers and scrapes.
    this.serviceRules = new Map(this.services.map((svc) => [svc.name, serviceRuleObject(this, svc, options[svc.name] ?? {})]));
    this.workloadRules = this.serviceNamespaces.map((ns) => workloadRuleObject(this, ns));
    this.peers = monitoringPeers(this, props.network ?? {});
    const cluster = scrapeCluster(this, own.clusterMetrics, props.kubeStateMetrics);
    [this.kubeStateMetrics, this.clusterMonitors] = [cluster.kubeStateMetrics, cluster.monitors];
    if (own.prometheus) {
      [this.prometheusServiceAccount, this.prometheus, this.prometheusService, this.prometheusDisruptionBudget] =
        createPrometheus(this, own.prometheus, cluster.targets, own.alertmanager !== undefined);
      checkRetentionCoversWindows(this, 'prometheus.retention', own.prometheus.retention, this.burnRateWindows, this.objectives);
      this.prometheusUrl = prometheusUrl(this.name, this.namespace);
    }
    // Routing and the Alertmanager that uses it; the pipeline watching itself; the stack pods' network paths, namespace and dashboards.
    [this.routingSpec, this.alertmanagerConfig] = createRouting(this, 'routing', props.routing, own.alertmanager !== undefined);
    this.externalSecrets = this.alertmanagerConfig ? createRoutingExternalSecrets(this, 'routing', props.routing!, this.alertmanagerConfig) : [];
    if (own.alertmanager) {
      [this.alertmanagerServiceAccount, this.alertmanager, this.alertmanagerService, this.alertmanagerDisruptionBudget] =
        createAlertmanager(this, own.alertmanager, this.alertmanagerConfig?.name);
    }
    const parts = { prometheus: this.prometheus, alertmanager: this.alertmanager, kubeStateMetrics: this.kubeStateMetrics };
    ({ rules: this.pipelineRules, monitor: this.pipelineMonitor } = watchPipeline(this, parts, props.routing?.deadMansSwitch !== undefined));
    this.networkPolicies = createNetworkPolicies(this, parts, { peers: this.peers, routing: props.routing, clusterTargets: cluster.targets });
    const guardRails = props.namespaceGuardRails;
    if (guardRails !== false) this.namespaceGuardRails = monitoringNamespace(this, 'Namespace', guardRails ?? {}, stackPods(parts));
    [this.dashboardDefinitions, this.dashboards] = stackDashboards(this, props);
    // The guard rails' namespace is checked by its FintechEnvironment; a service checks itself against every other construct.
    checkNoCollidingObjects(this, 'name', this.name, 'give the stack another name', (c) => c instanceof FintechEnvironment);
  }

  /** The FintechEnvironments of the services' namespaces: their namespaces must exist first. */
  public deliveryDependencies(): IConstruct[] {
    return this.node.root.node.findAll()
      .filter((c): c is FintechEnvironment => c instanceof FintechEnvironment && this.serviceNamespaces.includes(c.namespaceName));
  }
}
