import { Chart, Duration, JsonPatch } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { AlertmanagerConfig, AlertmanagerConfigSpec } from '../imports/alertmanagerconfigs-monitoring.coreos.com';
import { Alertmanager } from '../imports/alertmanagers-monitoring.coreos.com';
import { Prometheus } from '../imports/prometheuses-monitoring.coreos.com';
import { PrometheusRule } from '../imports/prometheusrules-monitoring.coreos.com';
import { ServiceMonitor } from '../imports/servicemonitors-monitoring.coreos.com';
import { DeliveryTier, IDeliverable } from './delivery';
import { FintechEnvironment } from './environment';
import { FintechService } from './fintech-service';
import { NetworkPeer } from './network-peer';
import {
  AlertRule, checkRuleGroup, checkRunbookBaseUrl, checkSeverity, ErrorCounterAlert, pipelineAlertRules, renderRuleGroup, RuleGroup, serviceAlertRules,
  ServiceAlertSettings, watchdogRule, workloadAlertRules,
} from './monitoring/alert-rules';
import { alertmanagerConfigSpec, AlertRoutingOptions } from './monitoring/alertmanager-config';
import { dashboardConfigMap, dashboardUid, DashboardDefinition, MAX_UID_LENGTH, overviewDashboard, serviceDashboard } from './monitoring/dashboards';
import {
  AlertmanagerOptions, alertmanagerPodLabels, alertmanagerSpec, checkScrapeTarget, ClusterMetricsOptions,
  clusterMonitorSpec, DEFAULT_KUBELET, DISCOVERY_RULES, KUBELET_SCRAPE_RULES, KubeletTarget, LabelSelector,
  namespacesSelector, prometheusPodLabels, PrometheusOptions, prometheusSpec, ScrapeTarget,
} from './monitoring/prometheus';
import { KubeStateMetrics, KUBE_STATE_METRICS_PORT, KubeStateMetricsOptions } from './monitoring/kube-state-metrics';
import { monitoringNamespace, MonitoringNamespaceOptions, StackPods } from './monitoring/namespace';
import {
  alertmanagerPolicy, kubeStateMetricsPolicy, MonitoringNetworkOptions, MonitoringPeers, monitoringPeers, prometheusPolicy, receiverPorts, ScrapedNamespace,
} from './monitoring/network-policies';
import {
  BurnRateWindow, checkBurnRateWindows, checkObjective, checkWindow, DEFAULT_BURN_RATE_WINDOWS, defaultObjectives, ServiceLevelObjective, sloRuleGroup,
} from './monitoring/slo';
import { MONITORING_NAMESPACE } from './shared/defaults';
import { checkedDuration } from './shared/duration';
import { ResourceQuantities } from './shared/resources';
import { invalidProp } from './shared/errors';
import { serviceLabels } from './shared/labels';
import { checkNetworkPeer } from './network-peer';
import {
  checkArray, checkBoolean, checkDnsLabel, checkKnownKeys, checkLabels, checkNotSecret, checkRecord, checkString, checkUnique,
} from './shared/validation';

/** How one service is watched, beyond what every service gets. */
export interface ServiceMonitoringOptions {
  /** The service's objectives; `[]` for none. @default - the stack's `objectives` */
  readonly objectives?: ServiceLevelObjective[];
  /** HighErrorRate fires above this many 5xx responses per second (PLATFORM.md: 0.1). @default 0.1 */
  readonly highErrorRatePerSecond?: number;
  /** HighMemoryUsage (warning) above this share of the memory limit. @default 80 */
  readonly memoryWarningPercent?: number;
  /** MemoryNearLimit (critical) above this share of the memory limit (PLATFORM.md: 85 for finance-service). @default - no critical memory alert */
  readonly memoryCriticalPercent?: number;
  /** HighCPUUsage (warning) above this share of the CPU limit. @default 80 */
  readonly cpuWarningPercent?: number;
  /** HighRequestVolume (info) when the 5-minute request rate exceeds this multiple of the last day's average. @default 3 */
  readonly requestVolumeFactor?: number;
  /** Alerts on the service's `errors_total{error_type=...}` counter (e.g. EventStore connection errors). @default - none */
  readonly errorAlerts?: ErrorCounterAlert[];
  /** The uid of the service's dashboard. @default - derived from the stack's and the service's names */
  readonly dashboardUid?: string;
}

/** Properties of a {@link MonitoringStack}. */
export interface MonitoringStackProps {
  /** The services to watch; each must have metrics on (a ServiceMonitor). */
  readonly services: FintechService[];
  /** Per-service settings, by service name. @default - every service with the defaults */
  readonly serviceOptions?: Record<string, ServiceMonitoringOptions>;
  /**
   * Name of the stack: of its Prometheus, Alertmanager, their Services and RBAC, and the prefix
   * of its dashboards' uids. Distinct per environment, so two stacks can share a cluster.
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
  /** The stack's own Prometheus; `false` when the cluster's Prometheus evaluates the rules. @default - 2 replicas, 15 days, 50Gi each */
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
   * e.g. `{ release: 'kube-prometheus-stack' }`.
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
  /** @default Duration.seconds(15) */
  readonly scrapeInterval?: Duration;
  /** @default Duration.seconds(15) */
  readonly evaluationInterval?: Duration;
}


/**
 * The in-cluster URL of the Prometheus of the stack `stackName` in `namespace`: its own Service,
 * which (unlike the Operator's `prometheus-operated`) reaches no other Prometheus of the namespace.
 */
export function prometheusUrl(stackName: string, namespace = MONITORING_NAMESPACE): string {
  return `http://prometheus-${stackName}.${namespace}.svc:9090`;
}

const PLATFORM_LABELS = serviceLabels('-', '-');
/** The label every object of the platform carries; the default discovery label. */
const PART_OF = { 'app.kubernetes.io/part-of': PLATFORM_LABELS['app.kubernetes.io/part-of'] };

const MONITORING_STACK_PROPS = [
  'services', 'serviceOptions', 'name', 'environment', 'objectives', 'burnRateWindows', 'routing', 'prometheus', 'alertmanager', 'clusterMetrics',
  'kubeStateMetrics', 'namespaceGuardRails', 'network', 'discoveryLabels', 'runbookBaseUrl', 'dashboards', 'dashboardFolder', 'scrapeInterval',
  'evaluationInterval',
];
const SERVICE_OPTIONS = [
  'objectives', 'highErrorRatePerSecond', 'memoryWarningPercent', 'memoryCriticalPercent', 'cpuWarningPercent', 'requestVolumeFactor', 'errorAlerts', 'dashboardUid',
];
const ERROR_ALERT_OPTIONS = ['alert', 'errorType', 'severity', 'summary', 'window', 'threshold', 'for'];

/** The option objects of the props: only known options, and the network peers made with NetworkPeer's factories. */
function checkOptionObjects(scope: IConstruct, props: MonitoringStackProps): void {
  if (props.objectives !== undefined) checkArray(scope, 'objectives', props.objectives, '[ServiceLevelObjective.availability({ objectivePercent: 99.9 })]');
  if (props.burnRateWindows !== undefined) checkArray(scope, 'burnRateWindows', props.burnRateWindows, 'DEFAULT_BURN_RATE_WINDOWS');
  if (props.clusterMetrics !== undefined && props.clusterMetrics !== false) {
    checkKnownKeys(scope, 'clusterMetrics', props.clusterMetrics, ['kubeStateMetrics', 'kubelet'], '{ kubeStateMetrics: DEFAULT_KUBE_STATE_METRICS } or false');
  }
  if (props.kubeStateMetrics !== undefined) {
    checkKnownKeys(scope, 'kubeStateMetrics', props.kubeStateMetrics, ['image', 'resources'], "{ image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0' }");
  }
  if (props.namespaceGuardRails !== undefined && props.namespaceGuardRails !== false) {
    checkKnownKeys(scope, 'namespaceGuardRails', props.namespaceGuardRails, ['labels', 'quota', 'containerLimits'], '{ labels: { team: "sre" } } or false');
    if (props.namespaceGuardRails.labels !== undefined) checkLabels(scope, 'namespaceGuardRails.labels', props.namespaceGuardRails.labels);
  }
  if (props.network !== undefined) {
    checkKnownKeys(scope, 'network', props.network, ['grafana', 'canaryAnalysis', 'apiServer', 'kubelets'], "{ grafana: NetworkPeer.namespace('grafana') }");
    for (const [key, peer] of Object.entries(props.network)) if (peer !== undefined) checkNetworkPeer(scope, `network.${key}`, peer);
  }
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
  /** @internal The AlertmanagerConfig's spec as rendered, for checks on it. */
  public readonly routingSpec?: AlertmanagerConfigSpec;

  /** The dashboards' ConfigMaps, the overview first; empty with `dashboards: false`. */
  public readonly dashboards: readonly k8s.KubeConfigMap[];
  /** The dashboards as data, in the same order. */
  public readonly dashboardDefinitions: readonly DashboardDefinition[];

  constructor(scope: Construct, id: string, props: MonitoringStackProps) {
    super(scope, id);
    checkKnownKeys(this, 'props', props, MONITORING_STACK_PROPS, '{ services: [payments], routing: { critical: [...], warning: [...] } }');
    checkOptionObjects(this, props);
    this.name = checkDnsLabel(this, 'name', props.name ?? id);
    this.namespace = Chart.of(this).namespace ?? MONITORING_NAMESPACE;
    this.environment = props.environment === undefined ? undefined : checkDnsLabel(this, 'environment', props.environment);
    this.scrapeInterval = this.checkInterval('scrapeInterval', props.scrapeInterval);
    this.evaluationInterval = this.checkInterval('evaluationInterval', props.evaluationInterval);
    this.discoveryLabels = this.checkDiscoveryLabels(props.discoveryLabels ?? PART_OF);
    this.runbookBaseUrl = checkRunbookBaseUrl(this, 'runbookBaseUrl', props.runbookBaseUrl);

    this.services = this.checkServices(props.services);
    this.serviceNamespaces = [...new Set(this.services.map((s) => s.namespace))].sort();
    const options = this.checkServiceOptions(props.serviceOptions ?? {});
    this.objectives = this.checkObjectives(options, props.objectives);
    this.burnRateWindows = checkBurnRateWindows(this, 'burnRateWindows', props.burnRateWindows ?? DEFAULT_BURN_RATE_WINDOWS,
      [...this.objectives.values()].flat());

    this.serviceMonitorSelector = { matchLabels: { ...this.discoveryLabels } };
    this.ruleSelector = { matchLabels: { ...this.discoveryLabels } };
    this.namespaceSelector = namespacesSelector(this.serviceNamespaces);
    for (const svc of this.services) svc.addDiscoveryLabels(this.discoveryLabels);

    // Alert and SLO rules, next to the services they watch.
    this.serviceRules = new Map(this.services.map((svc) => [svc.name, this.serviceRuleObject(svc, options[svc.name] ?? {})]));
    this.workloadRules = this.serviceNamespaces.map((ns) => this.workloadRuleObject(ns));

    // Prometheus, with what it needs to discover and scrape.
    const prometheusOptions = props.prometheus === false ? undefined : (props.prometheus ?? {});
    const alertmanagerOptions = props.alertmanager === false ? undefined : (props.alertmanager ?? {});
    this.peers = monitoringPeers(this, props.network ?? {});
    const scrapeCluster = prometheusOptions !== undefined && props.clusterMetrics !== false;
    if (scrapeCluster && props.clusterMetrics?.kubeStateMetrics === undefined) this.kubeStateMetrics = this.createKubeStateMetrics(props.kubeStateMetrics);
    const clusterMetrics = scrapeCluster ? this.checkClusterMetrics(props.clusterMetrics ?? {}, this.kubeStateMetrics) : undefined;
    this.clusterMonitors = clusterMetrics ? this.createClusterMonitors(clusterMetrics) : [];
    if (prometheusOptions) {
      [this.prometheusServiceAccount, this.prometheus, this.prometheusService, this.prometheusDisruptionBudget] =
        this.createPrometheus(prometheusOptions, clusterMetrics, alertmanagerOptions !== undefined);
      this.prometheusUrl = prometheusUrl(this.name, this.namespace);
    }

    // Routing, and the Alertmanager that uses it.
    [this.routingSpec, this.alertmanagerConfig] = this.createRouting(props.routing, alertmanagerOptions !== undefined);
    if (alertmanagerOptions) {
      [this.alertmanagerServiceAccount, this.alertmanager, this.alertmanagerService, this.alertmanagerDisruptionBudget] =
        this.createAlertmanager(alertmanagerOptions);
    } else if (props.routing?.deadMansSwitch !== undefined) {
      throw invalidProp(this, 'routing.deadMansSwitch', props.routing.deadMansSwitch.kind,
        "needs the stack's own Alertmanager: the cluster's Alertmanager routes the Watchdog of its own rules (kube-prometheus has one); leave it out with 'alertmanager' false");
    }

    // The pipeline watching itself: the Prometheus scrapes itself and the Alertmanager, and alerts when either fails.
    const pipeline: AlertRule[] = [
      ...(props.routing?.deadMansSwitch !== undefined ? [watchdogRule(this.runbookBaseUrl)] : []),
      ...(this.prometheus ? pipelineAlertRules({
        namespace: this.namespace,
        prometheusService: `prometheus-${this.name}`,
        alertmanagerService: this.alertmanager ? `alertmanager-${this.name}` : undefined,
        otherServices: this.kubeStateMetrics ? [`kube-state-metrics-${this.name}`] : [],
      }, this.runbookBaseUrl) : []),
    ];
    if (pipeline.length > 0) {
      this.pipelineRules = this.ruleObject('PipelineRules', `${this.name}-pipeline`, this.serviceNamespaces[0],
        [{ name: `${this.name}-pipeline`, rules: pipeline }]);
    }
    if (this.prometheus) {
      this.pipelineMonitor = new ServiceMonitor(this, 'PipelineMonitor', {
        metadata: { name: `${this.name}-pipeline`, namespace: this.serviceNamespaces[0], labels: this.labels('prometheus') },
        spec: {
          selector: {
            matchLabels: { 'app.kubernetes.io/instance': this.name, 'app.kubernetes.io/component': 'monitoring' },
            matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: this.alertmanager ? ['alertmanager', 'prometheus'] : ['prometheus'] }],
          },
          namespaceSelector: { matchNames: [this.namespace] },
          endpoints: [{ port: 'web', interval: checkedDuration(this, 'scrapeInterval', this.scrapeInterval) }],
        },
      });
    }

    // The namespace's guard rails, and the paths the stack's own pods may use.
    this.networkPolicies = this.createNetworkPolicies(props.routing, clusterMetrics?.kubeStateMetrics);
    const guardRails = props.namespaceGuardRails;
    if (guardRails !== false) this.namespaceGuardRails = monitoringNamespace(this, 'Namespace', this.namespace, guardRails ?? {}, this.stackPods());

    // Dashboards, for Grafana's sidecar.
    if (props.dashboards !== undefined) checkBoolean(this, 'dashboards', props.dashboards);
    this.dashboardDefinitions = props.dashboards === false ? [] : this.dashboardModels(options);
    const folder = checkString(this, 'dashboardFolder', props.dashboardFolder ?? 'FinTech', { example: '"FinTech"' });
    this.dashboards = this.createDashboards(checkNotSecret(this, 'dashboardFolder', folder, 'a folder name is shown to everyone who can read dashboards'));
  }

  /** The FintechEnvironments of the services' namespaces: their namespaces must exist first. */
  public deliveryDependencies(): IConstruct[] {
    return this.node.root.node.findAll()
      .filter((c): c is FintechEnvironment => c instanceof FintechEnvironment && this.serviceNamespaces.includes(c.namespaceName));
  }

  private checkInterval(prop: string, given: Duration = Duration.seconds(15)): Duration {
    checkedDuration(this, prop, given);
    return given;
  }

  private checkObjectives(
    options: Record<string, ServiceMonitoringOptions>, shared: ServiceLevelObjective[] | undefined,
  ): Map<string, readonly ServiceLevelObjective[]> {
    const objectives = new Map<string, readonly ServiceLevelObjective[]>();
    for (const svc of this.services) {
      const own = options[svc.name]?.objectives;
      const prop = own ? `serviceOptions.${svc.name}.objectives` : 'objectives';
      const list = (own ?? shared ?? defaultObjectives()).map((slo, i) => checkObjective(this, `${prop}[${i}]`, slo));
      checkUnique(this, `${prop}[].name`, list.map((slo) => slo.name));
      objectives.set(svc.name, list);
    }
    return objectives;
  }

  /** A service's platform alerts and, with objectives, its SLO rules, next to the service. */
  private serviceRuleObject(svc: FintechService, options: ServiceMonitoringOptions): PrometheusRule {
    const settings = this.alertSettings(svc.name, options);
    const groups: RuleGroup[] = [{ name: `${svc.name}-alerts`, rules: serviceAlertRules(svc, settings, this.runbookBaseUrl) }];
    const slos = this.objectives.get(svc.name)!;
    if (slos.length > 0) groups.push(sloRuleGroup(svc, slos, this.burnRateWindows, this.runbookBaseUrl));
    return this.ruleObject(`Rules-${svc.name}`, `${svc.name}-alerts`, svc.namespace, groups);
  }

  /** The workload alerts of a services' namespace. */
  private workloadRuleObject(namespace: string): PrometheusRule {
    return this.ruleObject(`WorkloadRules-${namespace}`, `${this.name}-workloads`, namespace,
      [{ name: `${this.name}-workloads`, rules: workloadAlertRules(namespace, this.runbookBaseUrl) }]);
  }

  private createKubeStateMetrics(options: KubeStateMetricsOptions | undefined): KubeStateMetrics {
    return new KubeStateMetrics(this, 'KubeStateMetrics', {
      ...options,
      name: `kube-state-metrics-${this.name}`,
      namespace: this.namespace,
      watchedNamespaces: this.serviceNamespaces,
      labels: this.labels('kube-state-metrics'),
    });
  }

  /** The routing as an AlertmanagerConfig: with the stack's own Alertmanager in the stack's namespace, else in the services' one. */
  private createRouting(routing: AlertRoutingOptions | undefined, ownAlertmanager: boolean): [AlertmanagerConfigSpec?, AlertmanagerConfig?] {
    if (!routing) {
      if (!ownAlertmanager) return [];
      throw invalidProp(this, 'routing', undefined,
        "is required with the stack's own Alertmanager: give the notifiers of each severity, or set 'alertmanager' to false");
    }
    const namespace = ownAlertmanager ? this.namespace : this.singleServiceNamespace();
    const spec = alertmanagerConfigSpec(this, 'routing', routing, this.name);
    return [spec, new AlertmanagerConfig(this, 'AlertmanagerConfig', {
      metadata: { name: this.name, namespace, labels: this.labels('alertmanager') },
      spec,
    })];
  }

  /** One ConfigMap per dashboard, for Grafana's sidecar. */
  private createDashboards(folder: string): k8s.KubeConfigMap[] {
    // Ids from the service names, not the uids: a uid the user sets later must not replace the object.
    return this.dashboardDefinitions.map((d, i) => dashboardConfigMap(this, `Dashboard-${i === 0 ? 'overview' : this.services[i - 1].name}`,
      d, this.namespace, this.labels('grafana-dashboard'), folder));
  }

  private createNetworkPolicies(routing: AlertRoutingOptions | undefined, kubeStateMetrics: ScrapeTarget | undefined): k8s.KubeNetworkPolicy[] {
    const policies: k8s.KubeNetworkPolicy[] = [];
    const policy = (id: string, name: string, component: string, spec: k8s.NetworkPolicySpec) => policies.push(
      new k8s.KubeNetworkPolicy(this, id, { metadata: { name, namespace: this.namespace, labels: this.labels(component) }, spec }));
    const prometheusPods = prometheusPodLabels(this.name);
    if (this.prometheus) {
      const scraped: ScrapedNamespace[] = this.serviceNamespaces.map((ns) => ({
        namespace: ns, ports: this.services.filter((svc) => svc.namespace === ns).map((svc) => svc.port),
      }));
      const ksm = this.kubeStateMetrics;
      if (ksm) scraped.push({ namespace: this.namespace, ports: [KUBE_STATE_METRICS_PORT], podLabels: ksm.podLabels });
      else if (kubeStateMetrics && this.clusterMonitors.length > 0) scraped.push({ namespace: kubeStateMetrics.namespace, ports: [] });
      policy('PrometheusNetworkPolicy', `prometheus-${this.name}`, 'prometheus', prometheusPolicy({
        namespace: this.namespace,
        podLabels: prometheusPods,
        peers: this.peers,
        scraped,
        alertmanagerPods: this.alertmanager ? alertmanagerPodLabels(this.name) : { 'app.kubernetes.io/name': 'alertmanager' },
        kubelets: this.clusterMonitors.length > 0,
      }));
    }
    if (this.alertmanager) {
      policy('AlertmanagerNetworkPolicy', `alertmanager-${this.name}`, 'alertmanager', alertmanagerPolicy({
        namespace: this.namespace, podLabels: alertmanagerPodLabels(this.name), prometheusPods, receivers: receiverPorts(routing),
      }));
    }
    if (this.kubeStateMetrics) {
      policy('KubeStateMetricsNetworkPolicy', `kube-state-metrics-${this.name}`, 'kube-state-metrics', kubeStateMetricsPolicy({
        namespace: this.namespace, podLabels: this.kubeStateMetrics.podLabels, prometheusPods, port: KUBE_STATE_METRICS_PORT, peers: this.peers,
      }));
    }
    return policies;
  }

  /** The pods the stack runs in its namespace, for the namespace's quota. */
  private stackPods(): StackPods[] {
    const operated = (o: Prometheus | Alertmanager | undefined): StackPods[] => {
      if (!o) return [];
      const spec = o.toJson().spec;
      return [{ replicas: spec.replicas, resources: spec.resources as ResourceQuantities, sidecar: true, volumes: 1 }];
    };
    return [
      ...operated(this.prometheus),
      ...operated(this.alertmanager),
      ...(this.kubeStateMetrics ? [{ replicas: 1, resources: this.kubeStateMetrics.resources, sidecar: false, volumes: 0 }] : []),
    ];
  }

  /** The labels of the stack's objects: the platform's label set and the discovery labels. */
  private labels(component: string): Record<string, string> {
    return {
      'app.kubernetes.io/name': component,
      'app.kubernetes.io/instance': this.name,
      'app.kubernetes.io/component': 'monitoring',
      'app.kubernetes.io/part-of': PLATFORM_LABELS['app.kubernetes.io/part-of'],
      'app.kubernetes.io/managed-by': PLATFORM_LABELS['app.kubernetes.io/managed-by'],
      ...this.discoveryLabels,
    };
  }

  private checkDiscoveryLabels(labels: Record<string, string>): Record<string, string> {
    checkRecord(this, 'discoveryLabels', labels, "{ release: 'kube-prometheus-stack' }");
    if (Object.keys(labels).length === 0) {
      throw invalidProp(this, 'discoveryLabels', labels, 'must have at least one label, or the Prometheus would select every ServiceMonitor and rule of the cluster');
    }
    return { ...checkLabels(this, 'discoveryLabels', labels) };
  }

  private checkServices(services: FintechService[]): FintechService[] {
    if (!Array.isArray(services) || services.length === 0) {
      throw invalidProp(this, 'services', services, 'must list at least one FintechService');
    }
    const seen = new Set<string>();
    services.forEach((svc, i) => {
      if (!(svc instanceof FintechService)) throw invalidProp(this, `services[${i}]`, String(svc), 'must be a FintechService');
      const key = `${svc.namespace}/${svc.name}`;
      if (seen.has(key)) throw invalidProp(this, `services[${i}]`, key, 'is listed twice; each service must be monitored once');
      seen.add(key);
      if (!svc.serviceMonitor) {
        throw invalidProp(this, `services[${i}]`, key, "has metrics turned off (no ServiceMonitor), so nothing would be scraped; turn 'metrics' on or leave the service out");
      }
    });
    const names = services.map((s) => s.name);
    const clash = names.find((n, i) => names.indexOf(n) !== i);
    if (clash) {
      throw invalidProp(this, 'services', clash, 'names two services in different namespaces; service names must be unique in a stack (they name its rules and dashboards)');
    }
    return [...services];
  }

  private checkServiceOptions(options: Record<string, ServiceMonitoringOptions>): Record<string, ServiceMonitoringOptions> {
    checkRecord(this, 'serviceOptions', options, '{ payments: { memoryCriticalPercent: 85 } }');
    const known = this.services.map((s) => s.name);
    for (const [name, given] of Object.entries(options)) {
      if (!known.includes(name)) {
        throw invalidProp(this, `serviceOptions.${name}`, name, `names no service of the stack; known: ${known.join(', ')}`);
      }
      const prop = `serviceOptions.${name}`;
      checkKnownKeys(this, prop, given, SERVICE_OPTIONS, '{ memoryCriticalPercent: 85 }');
      if (given.objectives !== undefined) checkArray(this, `${prop}.objectives`, given.objectives, '[ServiceLevelObjective.availability({ objectivePercent: 99.9 })]');
      if (given.errorAlerts !== undefined) {
        checkArray<ErrorCounterAlert>(this, `${prop}.errorAlerts`, given.errorAlerts, "[{ alert: 'SnapshotFailures', errorType: 'snapshot_failure', ... }]")
          .forEach((a, i) => checkKnownKeys(this, `${prop}.errorAlerts[${i}]`, a, ERROR_ALERT_OPTIONS, "{ alert: 'SnapshotFailures', errorType: 'snapshot_failure', severity: Severity.WARNING, summary: '...' }"));
      }
      if (given.dashboardUid !== undefined) checkString(this, `${prop}.dashboardUid`, given.dashboardUid);
    }
    return options;
  }

  private alertSettings(service: string, options: ServiceMonitoringOptions): ServiceAlertSettings {
    const prop = `serviceOptions.${service}`;
    const percent = (field: string, value: number) => {
      if (!(typeof value === 'number' && value > 0 && value <= 100)) throw invalidProp(this, `${prop}.${field}`, value, 'must be a percentage in (0, 100]');
      return value;
    };
    const positive = (field: string, value: number) => {
      if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) throw invalidProp(this, `${prop}.${field}`, value, 'must be a positive number');
      return value;
    };
    const settings: ServiceAlertSettings = {
      highErrorRatePerSecond: positive('highErrorRatePerSecond', options.highErrorRatePerSecond ?? 0.1),
      memoryWarningPercent: percent('memoryWarningPercent', options.memoryWarningPercent ?? 80),
      memoryCriticalPercent: options.memoryCriticalPercent === undefined ? undefined : percent('memoryCriticalPercent', options.memoryCriticalPercent),
      cpuWarningPercent: percent('cpuWarningPercent', options.cpuWarningPercent ?? 80),
      requestVolumeFactor: positive('requestVolumeFactor', options.requestVolumeFactor ?? 3),
      errorAlerts: options.errorAlerts ?? [],
    };
    if (settings.memoryCriticalPercent !== undefined && settings.memoryCriticalPercent <= settings.memoryWarningPercent) {
      throw invalidProp(this, `${prop}.memoryCriticalPercent`, settings.memoryCriticalPercent,
        `must be above 'memoryWarningPercent' (${settings.memoryWarningPercent})`);
    }
    settings.errorAlerts.forEach((a, i) => {
      const at = `${prop}.errorAlerts[${i}]`;
      if (!/^[A-Z][A-Za-z0-9]*$/.test(a.alert ?? '')) {
        throw invalidProp(this, `${at}.alert`, a.alert, 'must be an alert name in PascalCase: a capital letter, then letters and digits');
      }
      checkSeverity(this, `${at}.severity`, a.severity);
      if (/[\r\n]/.test(checkString(this, `${at}.summary`, a.summary, { example: '"EventStore snapshots are failing"' }))) {
        throw invalidProp(this, `${at}.summary`, a.summary, 'must be one line');
      }
      if (a.window !== undefined) checkWindow(this, `${at}.window`, a.window);
      if (a.for !== undefined) checkWindow(this, `${at}.for`, a.for);
      if (!/^[a-z][a-z0-9_]*$/.test(a.errorType ?? '')) {
        throw invalidProp(this, `${at}.errorType`, a.errorType, 'must be an error_type label value: lowercase letters, digits and "_", e.g. "snapshot_failure"');
      }
      if (a.threshold !== undefined && !(typeof a.threshold === 'number' && a.threshold >= 0)) throw invalidProp(this, `${at}.threshold`, a.threshold, 'must be a number of errors, at least 0');
    });
    return settings;
  }

  /** A PrometheusRule for `groups`, each checked (unique alert names, known severities, runbooks). */
  private ruleObject(id: string, name: string, namespace: string, groups: RuleGroup[]): PrometheusRule {
    checkUnique(this, `rule groups of ${namespace}/${name}`, groups.map((g) => g.name));
    groups.forEach((g) => checkRuleGroup(this, `rules.${g.name}`, g));
    return new PrometheusRule(this, id, {
      metadata: { name, namespace, labels: this.labels('prometheus-rules') },
      spec: { groups: groups.map(renderRuleGroup) },
    });
  }

  private checkClusterMetrics(options: ClusterMetricsOptions, own: KubeStateMetrics | undefined): { kubeStateMetrics: ScrapeTarget; kubelet: KubeletTarget } {
    return {
      kubeStateMetrics: own ? own.scrapeTarget : checkScrapeTarget(this, 'clusterMetrics.kubeStateMetrics', options.kubeStateMetrics!),
      kubelet: checkScrapeTarget(this, 'clusterMetrics.kubelet', options.kubelet ?? DEFAULT_KUBELET) as KubeletTarget,
    };
  }

  private createClusterMonitors(targets: { kubeStateMetrics: ScrapeTarget; kubelet: KubeletTarget }): ServiceMonitor[] {
    return this.serviceNamespaces.flatMap((ns) => (['kube-state-metrics', 'kubelet'] as const).map((kind) => {
      const target = kind === 'kubelet' ? targets.kubelet : targets.kubeStateMetrics;
      return new ServiceMonitor(this, `ClusterMonitor-${ns}-${kind}`, {
        metadata: { name: `${this.name}-${kind}`, namespace: ns, labels: this.labels(kind) },
        spec: clusterMonitorSpec(target, ns, kind, this.scrapeInterval),
      });
    }));
  }

  private createPrometheus(
    options: PrometheusOptions, clusterMetrics: { kubeStateMetrics: ScrapeTarget; kubelet: KubeletTarget } | undefined, ownAlertmanager: boolean,
  ): [k8s.KubeServiceAccount, Prometheus, k8s.KubeService, k8s.KubePodDisruptionBudget] {
    const name = `prometheus-${this.name}`;
    const labels = this.labels('prometheus');
    const serviceAccount = new k8s.KubeServiceAccount(this, 'PrometheusServiceAccount', {
      metadata: { name, namespace: this.namespace, labels },
      automountServiceAccountToken: true,
    });
    const subjects = [{ kind: 'ServiceAccount', name, namespace: this.namespace }];
    // The stack's namespace too: the Prometheus scrapes itself and the Alertmanager there.
    const discovered = [...new Set([...this.serviceNamespaces, this.namespace, ...(clusterMetrics
      ? [clusterMetrics.kubeStateMetrics.namespace, clusterMetrics.kubelet.namespace] : [])])].sort();
    for (const ns of discovered) {
      new k8s.KubeRole(this, `PrometheusDiscovery-${ns}`, { metadata: { name, namespace: ns, labels }, rules: DISCOVERY_RULES });
      new k8s.KubeRoleBinding(this, `PrometheusDiscoveryBinding-${ns}`, {
        metadata: { name, namespace: ns, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
        subjects,
      });
    }
    if (clusterMetrics) {
      const clusterRole = new k8s.KubeClusterRole(this, 'PrometheusKubeletScrape', { metadata: { name, labels }, rules: KUBELET_SCRAPE_RULES });
      const clusterBinding = new k8s.KubeClusterRoleBinding(this, 'PrometheusKubeletScrapeBinding', {
        metadata: { name, labels },
        roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name },
        subjects,
      });
      // Cluster-scoped: no namespace, whatever the chart's.
      for (const o of [clusterRole, clusterBinding]) if (Chart.of(this).namespace) o.addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }
    const prometheus = new Prometheus(this, 'Prometheus', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: prometheusSpec(this, 'prometheus', options, {
        name: this.name,
        serviceAccountName: name,
        scrapeInterval: this.scrapeInterval,
        evaluationInterval: this.evaluationInterval,
        serviceMonitorSelector: this.serviceMonitorSelector,
        ruleSelector: this.ruleSelector,
        namespaceSelector: this.namespaceSelector,
        alertmanagers: ownAlertmanager
          ? [{ namespace: this.namespace, name: `alertmanager-${this.name}`, port: 'web' }]
          : [{ namespace: this.namespace, name: 'alertmanager-operated', port: 'web' }],
        externalLabels: this.environment ? { environment: this.environment } : {},
        kubelet: clusterMetrics?.kubelet,
      }),
    });
    const scrapers = NetworkPeer.namespace(this.namespace, [], prometheusPodLabels(this.name));
    for (const svc of this.services) svc.allowMetricsScrapersFrom(scrapers);
    const service = this.webService('PrometheusService', name, labels, prometheusPodLabels(this.name), 9090);
    const budget = this.disruptionBudget('PrometheusDisruptionBudget', name, labels, prometheusPodLabels(this.name));
    return [serviceAccount, prometheus, service, budget];
  }

  private createAlertmanager(options: AlertmanagerOptions): [k8s.KubeServiceAccount, Alertmanager, k8s.KubeService, k8s.KubePodDisruptionBudget] {
    const name = `alertmanager-${this.name}`;
    const labels = this.labels('alertmanager');
    const serviceAccount = new k8s.KubeServiceAccount(this, 'AlertmanagerServiceAccount', {
      metadata: { name, namespace: this.namespace, labels },
      automountServiceAccountToken: false,
    });
    const alertmanager = new Alertmanager(this, 'Alertmanager', {
      metadata: { name: this.name, namespace: this.namespace, labels },
      spec: alertmanagerSpec(this, 'alertmanager', options, this.name, name, this.alertmanagerConfig?.name),
    });
    const service = this.webService('AlertmanagerService', name, labels, alertmanagerPodLabels(this.name), 9093);
    const budget = this.disruptionBudget('AlertmanagerDisruptionBudget', name, labels, alertmanagerPodLabels(this.name));
    return [serviceAccount, alertmanager, service, budget];
  }

  private webService(id: string, name: string, labels: Record<string, string>, selector: Record<string, string>, port: number): k8s.KubeService {
    return new k8s.KubeService(this, id, {
      metadata: { name, namespace: this.namespace, labels },
      spec: {
        type: 'ClusterIP',
        selector,
        ports: [{ name: 'web', port, targetPort: k8s.IntOrString.fromString('web'), protocol: 'TCP' }],
      },
    });
  }

  /** One pod at a time may be evicted, so a drain never takes both replicas down (and never blocks with one). */
  private disruptionBudget(id: string, name: string, labels: Record<string, string>, selector: Record<string, string>): k8s.KubePodDisruptionBudget {
    return new k8s.KubePodDisruptionBudget(this, id, {
      metadata: { name, namespace: this.namespace, labels },
      spec: { maxUnavailable: k8s.IntOrString.fromNumber(1), selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
    });
  }

  private singleServiceNamespace(): string {
    if (this.serviceNamespaces.length !== 1) {
      throw invalidProp(this, 'routing', this.serviceNamespaces,
        "needs the services in one namespace when 'alertmanager' is false: the cluster's Alertmanager only routes an AlertmanagerConfig's alerts from its own namespace");
    }
    return this.serviceNamespaces[0];
  }

  private dashboardModels(options: Record<string, ServiceMonitoringOptions>): DashboardDefinition[] {
    const shown = this.environment ?? this.name;
    const platform = `FinTech Platform – ${shown.charAt(0).toUpperCase()}${shown.slice(1)}`;
    const services = this.services.map((s) => ({ name: s.name, namespace: s.namespace, slos: this.objectives.get(s.name)! }));
    const definitions = [
      overviewDashboard(dashboardUid(this.name, 'overview'), `${platform} Overview`, this.serviceNamespaces, services),
      ...services.map((svc) => serviceDashboard(
        this.checkUid(`serviceOptions.${svc.name}.dashboardUid`, options[svc.name]?.dashboardUid ?? dashboardUid(this.name, svc.name)),
        `${platform} – ${svc.name}`, svc, this.burnRateWindows)),
    ];
    // A clash is reported on the uid the user chose (entry 0 is the overview, then one per service).
    const chosen = (i: number) => i > 0 && options[services[i - 1].name]?.dashboardUid !== undefined;
    const propOf = (i: number) => (i === 0 ? 'dashboards' : `serviceOptions.${services[i - 1].name}.dashboardUid`);
    definitions.forEach((d, i) => {
      const first = definitions.findIndex((other) => other.uid === d.uid);
      if (first === i) return;
      const [blamed, other] = chosen(i) || !chosen(first) ? [i, first] : [first, i];
      throw invalidProp(this, propOf(blamed), d.uid, `is also the uid of dashboard '${definitions[other].title}'; dashboard uids must be unique`);
    });
    return definitions;
  }

  private checkUid(prop: string, uid: string): string {
    if (!/^[a-zA-Z0-9_-]+$/.test(uid) || uid.length > MAX_UID_LENGTH) {
      throw invalidProp(this, prop, uid, `must be at most ${MAX_UID_LENGTH} letters, digits, "-" or "_" (a Grafana dashboard uid)`);
    }
    return uid;
  }
}
