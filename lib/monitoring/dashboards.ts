import { createHash } from 'crypto';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { invalidProp } from '../shared/errors';
import { checkBoolean, checkNotSecret, checkString } from '../shared/validation';
import { MonitoringScope, stackLabels } from './context';
import {
  aggregate, containerMatchers, containerRestarts, cpuLimitRatio, errorRatio, errorRatioBy, KUBE_METRICS, LabelMatchers, latencyQuantileSeconds,
  memoryLimitRatio, requestRate, series, serviceTargetMatchers,
} from '../shared/promql';
import { describeObjective, errorBudgetRemaining, OBJECTIVE_RECORD, recordedRanges, sliErrorRecord, sloLabels, BurnRateWindow, ServiceLevelObjective } from './slo';

/**
 * Grafana dashboards as data: a small typed model rendered to Grafana's JSON model, so every
 * panel query is built by lib/shared/promql.ts and can be checked by promtool.
 */

/** Units Grafana knows (`fieldConfig.defaults.unit`). */
export type PanelUnit = 'reqps' | 'percentunit' | 's' | 'short';

/** One query of a panel: PromQL and the legend (Grafana's `{{label}}` syntax). */
export interface PanelQuery {
  readonly expr: string;
  readonly legend: string;
}

/** A panel: a time series graph or a single stat. */
export interface DashboardPanel {
  readonly title: string;
  readonly kind: 'timeseries' | 'stat';
  readonly unit: PanelUnit;
  readonly queries: readonly PanelQuery[];
  /** Width in Grafana's 24-column grid. @default 12 */
  readonly width?: number;
  readonly description?: string;
}

/** A dashboard: a stable uid, a title, tags and panels laid out left to right, top to bottom. */
export interface DashboardDefinition {
  readonly uid: string;
  readonly title: string;
  readonly tags: readonly string[];
  readonly panels: readonly DashboardPanel[];
}

/** A service as the dashboards see it. */
export interface DashboardService {
  readonly name: string;
  readonly namespace: string;
  readonly slos: readonly ServiceLevelObjective[];
}

/** Grafana's limit for a dashboard uid. */
export const MAX_UID_LENGTH = 40;

/**
 * A deterministic uid from names: their slug when it fits Grafana's 40 characters, otherwise a
 * shortened slug and 8 hex digits of its SHA-256, so long names stay distinct and stable.
 */
export function dashboardUid(...parts: string[]): string {
  const slug = parts.join('-').toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/-+/g, '-').replace(/^-|-$/g, '');
  if (slug.length <= MAX_UID_LENGTH) return slug;
  const hash = createHash('sha256').update(slug).digest('hex').slice(0, 8);
  return `${slug.slice(0, MAX_UID_LENGTH - 9).replace(/-$/, '')}-${hash}`;
}

/**
 * The platform overview (PLATFORM.md: "FinTech Platform – Production Overview"): request rate by
 * method and endpoint, error rate, P95 latency and saturation for all services, then the error
 * budget left of every service's objectives.
 */
export function overviewDashboard(uid: string, title: string, namespaces: readonly string[], services: readonly DashboardService[]): DashboardDefinition {
  const all: LabelMatchers = namespaces.length === 1 ? { namespace: namespaces[0] } : {};
  const panels: DashboardPanel[] = [
    {
      title: 'Request rate by method and endpoint',
      kind: 'timeseries',
      unit: 'reqps',
      queries: [{ expr: requestRate(all, '5m', ['service', 'method', 'endpoint']), legend: '{{service}} {{method}} {{endpoint}}' }],
      width: 24,
    },
    {
      title: 'Error rate (5xx) by service',
      kind: 'timeseries',
      unit: 'percentunit',
      queries: [{ expr: errorRatioBy(all, ['service'], '5m'), legend: '{{service}}' }],
    },
    {
      title: 'P95 latency by service',
      kind: 'timeseries',
      unit: 's',
      queries: [{ expr: latencyQuantileSeconds(all, 0.95, '5m', ['service']), legend: '{{service}}' }],
    },
    {
      title: 'CPU saturation (busiest pod, of its limit)',
      kind: 'timeseries',
      unit: 'percentunit',
      queries: [{ expr: aggregate('max', ['container'], cpuLimitRatio(all, '5m')), legend: '{{container}}' }],
    },
    {
      title: 'Memory saturation (fullest pod, of its limit)',
      kind: 'timeseries',
      unit: 'percentunit',
      queries: [{ expr: aggregate('max', ['container'], memoryLimitRatio(all)), legend: '{{container}}' }],
    },
    {
      title: 'Replicas (of the autoscaler maximum)',
      kind: 'timeseries',
      unit: 'percentunit',
      queries: [{
        expr: `${series(KUBE_METRICS.hpaCurrentReplicas, all)} / ${series(KUBE_METRICS.hpaMaxReplicas, all)}`,
        legend: '{{horizontalpodautoscaler}}',
      }],
      width: 24,
    },
    ...services.flatMap((svc) => svc.slos.map((slo): DashboardPanel => ({
      title: `${svc.name}: ${slo.name} budget left`,
      description: `Error budget left of the objective ${describeObjective(slo)}.`,
      kind: 'stat',
      unit: 'percentunit',
      queries: [{ expr: errorBudgetRemaining(svc, slo), legend: slo.name }],
      width: 6,
    }))),
  ];
  return { uid, title, tags: ['fintech', 'overview'], panels };
}

/**
 * One service's dashboard: traffic by method and endpoint, errors, latency quantiles, saturation
 * per pod, replicas against the autoscaler's bounds, restarts, and for each objective its error
 * ratio over the alerting windows against the budget, and the budget left.
 */
export function serviceDashboard(uid: string, title: string, service: DashboardService, windows: readonly BurnRateWindow[]): DashboardDefinition {
  const target = serviceTargetMatchers(service.namespace, service.name);
  const containers = containerMatchers(service.namespace, service.name);
  const objects = (kind: string) => ({ namespace: service.namespace, [kind]: service.name });
  const panels: DashboardPanel[] = [
    {
      title: 'Request rate by method and endpoint',
      kind: 'timeseries',
      unit: 'reqps',
      queries: [{ expr: requestRate(target, '5m', ['method', 'endpoint']), legend: '{{method}} {{endpoint}}' }],
      width: 24,
    },
    {
      title: 'Error rate (5xx)',
      kind: 'timeseries',
      unit: 'percentunit',
      queries: [{ expr: errorRatio(target, '5m'), legend: '5xx ratio' }],
    },
    {
      title: 'Latency',
      kind: 'timeseries',
      unit: 's',
      queries: [0.5, 0.95, 0.99].map((q) => ({ expr: latencyQuantileSeconds(target, q, '5m'), legend: `P${q * 100}` })),
    },
    {
      title: 'CPU per pod (of its limit)',
      kind: 'timeseries',
      unit: 'percentunit',
      queries: [{ expr: cpuLimitRatio(containers, '5m'), legend: '{{pod}}' }],
    },
    {
      title: 'Memory per pod (of its limit)',
      kind: 'timeseries',
      unit: 'percentunit',
      queries: [{ expr: memoryLimitRatio(containers), legend: '{{pod}}' }],
    },
    {
      title: 'Replicas',
      kind: 'timeseries',
      unit: 'short',
      queries: [
        { expr: series(KUBE_METRICS.deploymentAvailableReplicas, objects('deployment')), legend: 'available' },
        { expr: series(KUBE_METRICS.hpaMinReplicas, objects('horizontalpodautoscaler')), legend: 'autoscaler minimum' },
        { expr: series(KUBE_METRICS.hpaMaxReplicas, objects('horizontalpodautoscaler')), legend: 'autoscaler maximum' },
      ],
    },
    {
      title: 'Container restarts (15m)',
      kind: 'timeseries',
      unit: 'short',
      queries: [{ expr: containerRestarts(containers, '15m'), legend: '{{pod}}' }],
    },
    ...service.slos.flatMap((slo): DashboardPanel[] => {
      const labels = sloLabels(service, slo);
      return [
        {
          title: `SLO ${slo.name}: bad-request ratio`,
          description: `Objective: ${describeObjective(slo)}. The budget line is the ratio the objective allows.`,
          kind: 'timeseries',
          unit: 'percentunit',
          queries: [
            ...recordedRanges(windows).map((range) => ({ expr: series(sliErrorRecord(range), labels), legend: range })),
            { expr: `1 - ${series(OBJECTIVE_RECORD, labels)}`, legend: 'budget' },
          ],
          width: 18,
        },
        {
          title: `SLO ${slo.name}: budget left`,
          kind: 'stat',
          unit: 'percentunit',
          queries: [{ expr: errorBudgetRemaining(service, slo), legend: 'left' }],
          width: 6,
        },
      ];
    }),
  ];
  return { uid, title, tags: ['fintech', 'service', service.name], panels };
}

/** The stack's dashboard options. */
export interface StackDashboardOptions {
  /** @default true */
  readonly dashboards?: boolean;
  /** @default "FinTech" */
  readonly dashboardFolder?: string;
  /** Per service, the uid the user chose. @default - none */
  readonly serviceOptions?: Readonly<Record<string, { readonly dashboardUid?: string }>>;
}

/**
 * The stack's dashboards (the overview, then one per service, each uid checked and unique) and
 * their ConfigMaps in the stack's folder; none with `dashboards: false`.
 */
export function stackDashboards(stack: MonitoringScope, options: StackDashboardOptions): [DashboardDefinition[], k8s.KubeConfigMap[]] {
  if (options.dashboards !== undefined) checkBoolean(stack, 'dashboards', options.dashboards);
  if (options.dashboards === false) {
    const unused = [
      ...(options.dashboardFolder !== undefined ? [['dashboardFolder', options.dashboardFolder]] : []),
      ...Object.entries(options.serviceOptions ?? {}).filter(([, o]) => o?.dashboardUid !== undefined).map(([name, o]) => [`serviceOptions.${name}.dashboardUid`, o.dashboardUid]),
    ];
    if (unused.length > 0) throw invalidProp(stack, unused[0][0]!, unused[0][1], "is set while 'dashboards' is false; leave it out, or turn the dashboards on");
  }
  const definitions = options.dashboards === false ? [] : dashboardModels(stack, options.serviceOptions ?? {});
  const folder = checkString(stack, 'dashboardFolder', options.dashboardFolder ?? 'FinTech', { example: '"FinTech"' });
  checkNotSecret(stack, 'dashboardFolder', folder, 'a folder name is shown to everyone who can read dashboards');
  // Ids from the service names, not the uids: a uid the user sets later must not replace the object.
  const configMaps = definitions.map((d, i) => dashboardConfigMap(stack, `Dashboard-${i === 0 ? 'overview' : stack.services[i - 1].name}`,
    d, stack.namespace, stackLabels(stack, 'grafana-dashboard'), folder));
  return [definitions, configMaps];
}

function dashboardModels(stack: MonitoringScope, options: Readonly<Record<string, { readonly dashboardUid?: string }>>): DashboardDefinition[] {
  const shown = stack.environment ?? stack.name;
  const platform = `FinTech Platform – ${shown.charAt(0).toUpperCase()}${shown.slice(1)}`;
  const services = stack.services.map((s) => ({ name: s.name, namespace: s.namespace, slos: stack.objectives.get(s.name)! }));
  const definitions = [
    overviewDashboard(dashboardUid(stack.name, 'overview'), `${platform} Overview`, stack.serviceNamespaces, services),
    ...services.map((svc) => serviceDashboard(
      checkUid(stack, `serviceOptions.${svc.name}.dashboardUid`, options[svc.name]?.dashboardUid ?? dashboardUid(stack.name, svc.name)),
      `${platform} – ${svc.name}`, svc, stack.burnRateWindows)),
  ];
  // A clash is reported on the uid the user chose (entry 0 is the overview, then one per service).
  const chosen = (i: number) => i > 0 && options[services[i - 1].name]?.dashboardUid !== undefined;
  const propOf = (i: number) => (i === 0 ? 'dashboards' : `serviceOptions.${services[i - 1].name}.dashboardUid`);
  definitions.forEach((d, i) => {
    const first = definitions.findIndex((other) => other.uid === d.uid);
    if (first === i) return;
    const [blamed, other] = chosen(i) || !chosen(first) ? [i, first] : [first, i];
    throw invalidProp(stack, propOf(blamed), d.uid, `is also the uid of dashboard '${definitions[other].title}'; dashboard uids must be unique`);
  });
  return definitions;
}

function checkUid(stack: MonitoringScope, prop: string, uid: string): string {
  if (!/^[a-zA-Z0-9_-]+$/.test(uid) || uid.length > MAX_UID_LENGTH) {
    throw invalidProp(stack, prop, uid, `must be at most ${MAX_UID_LENGTH} letters, digits, "-" or "_" (a Grafana dashboard uid)`);
  }
  return checkNotSecret(stack, prop, uid, "a dashboard's uid is in its URL, seen by everyone who can read dashboards");
}

/** Every PromQL query of a dashboard, for promtool. */
export function dashboardQueries(dashboard: DashboardDefinition): string[] {
  return dashboard.panels.flatMap((p) => p.queries.map((q) => q.expr));
}

/**
 * A dashboard as the ConfigMap Grafana's sidecar loads (label `grafana_dashboard: "1"`), in the
 * sidecar's `folder`.
 */
export function dashboardConfigMap(
  scope: Construct, id: string, dashboard: DashboardDefinition, namespace: string, labels: Record<string, string>, folder: string,
): k8s.KubeConfigMap {
  return new k8s.KubeConfigMap(scope, id, {
    metadata: {
      name: `grafana-dashboard-${dashboard.uid}`,
      namespace,
      labels: { ...labels, grafana_dashboard: '1' },
      annotations: { grafana_folder: folder },
    },
    data: { [`${dashboard.uid}.json`]: JSON.stringify(dashboardJson(dashboard), undefined, 2) },
  });
}

const DATASOURCE = { type: 'prometheus', uid: '${datasource}' };

/** Grafana's JSON model: a `datasource` variable (any Prometheus), panels on a 24-column grid, 8 rows high. */
export function dashboardJson(dashboard: DashboardDefinition): Record<string, unknown> {
  let x = 0;
  let y = 0;
  const panels = dashboard.panels.map((panel, i) => {
    const w = panel.width ?? 12;
    if (x + w > 24) {
      x = 0;
      y += 8;
    }
    const gridPos = { h: 8, w, x, y };
    x += w;
    return {
      id: i + 1,
      type: panel.kind,
      title: panel.title,
      ...(panel.description ? { description: panel.description } : {}),
      datasource: DATASOURCE,
      gridPos,
      fieldConfig: { defaults: { unit: panel.unit, ...(panel.kind === 'stat' ? { decimals: 1 } : {}) }, overrides: [] },
      options: panel.kind === 'stat'
        ? { reduceOptions: { calcs: ['lastNotNull'], fields: '', values: false }, colorMode: 'value', graphMode: 'none' }
        : { legend: { displayMode: 'list', placement: 'bottom', showLegend: true }, tooltip: { mode: 'multi', sort: 'desc' } },
      targets: panel.queries.map((q, j) => ({
        refId: String.fromCharCode(65 + j),
        datasource: DATASOURCE,
        expr: q.expr,
        legendFormat: q.legend,
      })),
    };
  });
  return {
    uid: dashboard.uid,
    title: dashboard.title,
    tags: [...dashboard.tags],
    editable: false,
    schemaVersion: 39,
    version: 1,
    time: { from: 'now-6h', to: 'now' },
    refresh: '1m',
    timezone: 'utc',
    graphTooltip: 1,
    templating: {
      list: [{ name: 'datasource', label: 'Data source', type: 'datasource', query: 'prometheus', hide: 0, current: {} }],
    },
    annotations: { list: [] },
    panels,
  };
}
