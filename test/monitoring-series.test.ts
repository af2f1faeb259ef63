import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import {
  ALERTMANAGER_EXPORTS, CADVISOR_EXPORTS, kubeStateMetricsExports, OPERATOR_KUBELET_SERVICE, operatorPodLabels, PROMETHEUS_EXPORTS, SCRAPE_SERIES, SERVICE_EXPORTS,
} from './support/exporters';
import { LabelMatcher, seriesSelectors, SeriesSelector } from './support/promql-series';

/**
 * The whole-platform proof that alerts can fire: in the committed output (dist/) of each
 * environment, every series an alerting or recording rule reads is produced by a scrape target
 * that the environment's Prometheus selects and survives that target's metric relabelling, or
 * is recorded by a rule the Prometheus loads. Expressions are read by Prometheus' own PromQL
 * grammar; what a target exports comes from the exporters' documentation (test/support/exporters.ts).
 */

const DIST = path.join(__dirname, '..', 'dist');
type Labels = Record<string, string>;

// Each folder is read and parsed once per file; the tests only read its objects.
const folders = new Map<string, any[]>();
function readFolder(folder: string): any[] {
  if (!folders.has(folder)) folders.set(folder, parseFolder(folder));
  return folders.get(folder)!;
}

function parseFolder(folder: string): any[] {
  const files = fs.readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((f) => f.endsWith('.yaml') && path.basename(f) !== 'kustomization.yaml').sort();
  return files.flatMap((f) => parseAllDocuments(fs.readFileSync(path.join(folder, f), 'utf8')).map((d) => d.toJSON()).filter(Boolean));
}

/** metav1.LabelSelector semantics; a missing selector selects nothing. */
function selects(selector: any, labels: Labels): boolean {
  if (selector === null || selector === undefined) return false;
  return Object.entries(selector.matchLabels ?? {}).every(([k, v]) => labels[k] === v)
    && (selector.matchExpressions ?? []).every(({ key, operator, values = [] }: any) => {
      const has = Object.prototype.hasOwnProperty.call(labels, key);
      switch (operator) {
        case 'In': return has && values.includes(labels[key]);
        case 'NotIn': return !has || !values.includes(labels[key]);
        case 'Exists': return has;
        case 'DoesNotExist': return !has;
        default: throw new Error(`unknown operator ${operator}`);
      }
    });
}

/** A relabel regex as Prometheus compiles it: RE2, fully anchored. Constructs RE2 lacks are refused. */
function anchored(regex: string): RegExp {
  if (/\(\?[=!<]|\\[1-9]/.test(regex)) throw new Error(`not RE2 (lookaround or back-reference): ${regex}`);
  return new RegExp(`^(?:${regex})$`);
}

/** An environment as its Prometheus sees it. */
class Environment {
  readonly prometheus: any;
  readonly services: any[];
  constructor(readonly name: string, readonly objects: any[]) {
    const prometheuses = objects.filter((o) => o.kind === 'Prometheus');
    if (prometheuses.length !== 1) throw new Error(`${name}: expected one Prometheus, found ${prometheuses.length}`);
    this.prometheus = prometheuses[0];
    this.services = [...objects.filter((o) => o.kind === 'Service'), OPERATOR_KUBELET_SERVICE];
  }

  namespaceLabels(namespace: string): Labels {
    const ns = this.objects.find((o) => o.kind === 'Namespace' && o.metadata.name === namespace);
    return { ...ns?.metadata.labels, 'kubernetes.io/metadata.name': namespace };
  }

  /** The Operator's selection: by label, then by namespace (a missing namespace selector: the Prometheus' own namespace). */
  picksUp(object: any): boolean {
    const spec = this.prometheus.spec;
    const [selector, nsSelector] = object.kind === 'ServiceMonitor'
      ? [spec.serviceMonitorSelector, spec.serviceMonitorNamespaceSelector]
      : [spec.ruleSelector, spec.ruleNamespaceSelector];
    const nsOk = nsSelector === undefined
      ? object.metadata.namespace === this.prometheus.metadata.namespace
      : selects(nsSelector, this.namespaceLabels(object.metadata.namespace));
    return nsOk && selects(selector, object.metadata.labels ?? {});
  }

  get serviceMonitors(): any[] {
    return this.objects.filter((o) => o.kind === 'ServiceMonitor' && this.picksUp(o));
  }

  get rules(): Array<{ source: string; rule: any }> {
    return this.objects.filter((o) => o.kind === 'PrometheusRule' && this.picksUp(o)).flatMap((r) => r.spec.groups.flatMap((g: any) =>
      g.rules.map((rule: any) => ({ source: `${r.metadata.namespace}/${r.metadata.name}/${g.name}/${rule.alert ?? rule.record}`, rule }))));
  }

  /**
   * What the pods behind a Service export: cAdvisor on the kubelet, Prometheus and Alertmanager on
   * the pods the Operator runs for their resources, kube-state-metrics by its flags, else a service of the platform.
   */
  exports(service: any, path: string | undefined): ReadonlySet<string> {
    if (service === OPERATOR_KUBELET_SERVICE) return path === '/metrics/cadvisor' ? CADVISOR_EXPORTS : new Set();
    const selected = (labels: Labels) => Object.keys(service.spec.selector ?? {}).length > 0 && selects({ matchLabels: service.spec.selector }, labels);
    const operated = this.objects.find((o) => ['Prometheus', 'Alertmanager'].includes(o.kind)
      && o.metadata.namespace === service.metadata.namespace && selected(operatorPodLabels(o)));
    if (operated) return (path ?? '/metrics') === '/metrics' ? (operated.kind === 'Prometheus' ? PROMETHEUS_EXPORTS : ALERTMANAGER_EXPORTS) : new Set();
    const workloads = this.objects.filter((o) => ['Deployment', 'StatefulSet', 'Rollout'].includes(o.kind)
      && o.metadata.namespace === service.metadata.namespace
      && Object.keys(service.spec.selector ?? {}).length > 0 && selects({ matchLabels: service.spec.selector }, o.spec.template?.metadata?.labels ?? {}));
    const containers = workloads.flatMap((w) => w.spec.template.spec.containers);
    const ksm = containers.find((c: any) => /\/kube-state-metrics:/.test(c.image));
    if (ksm) return kubeStateMetricsExports([...(ksm.command ?? []), ...(ksm.args ?? [])]);
    return containers.length > 0 ? SERVICE_EXPORTS : new Set();
  }

  /** Every (ServiceMonitor endpoint, Service) pair the Prometheus scrapes. */
  get targets(): Array<{ monitor: any; endpoint: any; service: any }> {
    return this.serviceMonitors.flatMap((monitor) => {
      const ns = monitor.spec.namespaceSelector ?? {};
      const inNamespace = (s: any) => (ns.any === true ? true
        : (ns.matchNames ?? [monitor.metadata.namespace]).includes(s.metadata.namespace));
      const services = this.services.filter((s) => inNamespace(s) && selects(monitor.spec.selector, s.metadata.labels ?? {}));
      return monitor.spec.endpoints.flatMap((endpoint: any) => services
        .filter((s) => (s.spec.ports ?? []).some((p: any) => p.name === endpoint.port))
        .map((service) => ({ monitor, endpoint, service })));
    });
  }

  /**
   * Why `selector` has no producer, or undefined when one exists: a recording rule of the same
   * name, or a target that exports the metric with labels that can match and keeps it through
   * its metric relabelling.
   */
  missing(selector: SeriesSelector): string | undefined {
    if (this.rules.some(({ rule }) => rule.record === selector.metric)) return undefined;
    const reasons: string[] = [];
    for (const { monitor, endpoint, service } of this.targets) {
      const where = `ServiceMonitor ${monitor.metadata.namespace}/${monitor.metadata.name} → Service ${service.metadata.namespace}/${service.metadata.name}`;
      const scrapeSeries = SCRAPE_SERIES.has(selector.metric);
      if (!scrapeSeries && !this.exports(service, endpoint.path).has(selector.metric)) continue;
      // Target labels: namespace and service of the Service, unless the exporter's own labels are honoured.
      const target: Labels = { namespace: service.metadata.namespace, service: service.metadata.name };
      const fixed = (label: string): string | undefined => (endpoint.honorLabels && !scrapeSeries && label !== 'service'
        ? equality(selector.matchers, label) : target[label]);
      const conflict = ['namespace', 'service'].find((l) => fixed(l) !== undefined && !matches(selector.matchers, l, fixed(l)!));
      if (conflict) continue;
      if (scrapeSeries) return undefined;
      const dropped = (endpoint.metricRelabelings ?? []).find((r: any) => dropsSeries(r, selector));
      if (dropped) {
        reasons.push(`${where} exports it but its metricRelabelings ${dropped.action} on [${dropped.sourceLabels.join(', ')}] =~ ${JSON.stringify(dropped.regex)} drops it`);
        continue;
      }
      return undefined;
    }
    return reasons.length > 0 ? reasons.join('; ') : 'no scrape target the Prometheus selects exports it (and no recording rule records it)';
  }
}

function equality(matchers: readonly LabelMatcher[], label: string): string | undefined {
  return matchers.find((m) => m.name === label && m.op === '=')?.value;
}

function matches(matchers: readonly LabelMatcher[], label: string, value: string): boolean {
  return matchers.filter((m) => m.name === label).every((m) => {
    switch (m.op) {
      case '=': return m.value === value;
      case '!=': return m.value !== value;
      case '=~': return anchored(m.value).test(value);
      case '!~': return !anchored(m.value).test(value);
    }
  });
}

/**
 * Whether a metric relabelling drops every series the selector reads. Only keep and drop are
 * modelled; their source labels are read from the metric name and the selector's equality
 * matchers; a rule on a label the selector leaves open cannot be decided and keeps the series.
 */
function dropsSeries(relabel: any, selector: SeriesSelector): boolean {
  const action = relabel.action ?? 'replace';
  const sources: string[] = relabel.sourceLabels ?? [];
  if (action !== 'keep' && action !== 'drop') {
    if (sources.includes('__name__') || relabel.targetLabel === '__name__') throw new Error(`metric relabelling action ${action} on __name__ is not modelled`);
    return false;
  }
  const values = sources.map((l) => (l === '__name__' ? selector.metric : equality(selector.matchers, l)));
  if (values.some((v) => v === undefined)) return false;
  const hit = anchored(relabel.regex ?? '(.*)').test(values.join(relabel.separator ?? ';'));
  return action === 'keep' ? !hit : hit;
}

/** The PromQL of every panel of a Grafana dashboard, rows included. */
function panelQueries(dashboard: any): string[] {
  const panels: any[] = dashboard.panels ?? [];
  return panels.flatMap((p) => [...(p.targets ?? []).map((t: any) => t.expr).filter(Boolean), ...panelQueries(p)]);
}

const environments = fs.readdirSync(DIST).filter((d) => fs.existsSync(path.join(DIST, d, 'kustomization.yaml'))
  && readFolder(path.join(DIST, d)).some((o) => o.kind === 'Prometheus')).sort();

test('dist/ holds both environments of the reference platform, each with its Prometheus', () => {
  expect(environments).toEqual(['production', 'staging']);
});

describe.each(environments)('dist/%s: every series a rule reads is scraped and kept', (name) => {
  const env = new Environment(name, readFolder(path.join(DIST, name)));
  const ruleObjects = env.objects.filter((o) => o.kind === 'PrometheusRule');

  test('the Prometheus loads every PrometheusRule of the environment (MonitoringStack, CanaryRollout, BackupCronJob)', () => {
    expect(ruleObjects.filter((r) => !env.picksUp(r)).map((r) => `${r.metadata.namespace}/${r.metadata.name}`)).toEqual([]);
    const rules = env.rules.map((r) => r.rule.alert).filter(Boolean);
    for (const alert of ['HighErrorRate', 'KubeJobFailed', 'BackupMissing', 'BackupJobFailed', 'RestoreVerificationFailed', 'RestoreVerificationMissing',
      'Watchdog', 'PrometheusBadConfig', 'PrometheusRuleFailures', 'AlertmanagerFailedReload', 'AlertmanagerFailedToSendAlerts', 'MonitoringTargetDown']) {
      expect(rules).toContain(alert);
    }
  });

  test('every series a dashboard panel or a canary analysis reads has a producer that survives relabelling', () => {
    const dashboards = env.objects.filter((o) => o.kind === 'ConfigMap' && o.metadata.labels?.grafana_dashboard === '1')
      .flatMap((cm) => Object.values(cm.data as Record<string, string>).flatMap((json) => panelQueries(JSON.parse(json))
        .map((expr) => ({ source: `dashboard ${cm.metadata.name}`, expr }))));
    const analyses = env.objects.filter((o) => o.kind === 'AnalysisTemplate')
      .flatMap((t) => t.spec.metrics.filter((m: any) => m.provider?.prometheus).map((m: any) => ({ source: `AnalysisTemplate ${t.metadata.name}/${m.name}`, expr: m.provider.prometheus.query })));
    expect(dashboards.length).toBeGreaterThan(50);
    const unproduced = [...dashboards, ...analyses].flatMap(({ source, expr }) => seriesSelectors(expr).map((s) => {
      const why = env.missing(s);
      return why ? `${source}: ${s.text}: ${why}` : undefined;
    })).filter(Boolean);
    expect([...new Set(unproduced)]).toEqual([]);
  });

  test('every metric of every rule expression has a producer that survives relabelling', () => {
    const unproduced = env.rules.flatMap(({ source, rule }) => seriesSelectors(String(rule.expr)).map((s) => {
      const why = env.missing(s);
      return why ? `${source}: ${s.text}: ${why}` : undefined;
    })).filter(Boolean);
    expect([...new Set(unproduced)]).toEqual([]);
    expect(env.rules.length).toBeGreaterThan(100);
  });
});

describe('the check itself', () => {
  const env = new Environment(environments[0], readFolder(path.join(DIST, environments[0])));
  const selector = (expr: string) => seriesSelectors(expr)[0];

  test('reads metric names and matchers with the PromQL grammar, and refuses what does not parse', () => {
    expect(seriesSelectors('max by (a) (x_total{a="1",b=~"2|3"}) * on (a) group_left {__name__="y", c!="4"} or absent(rate(z[5m])[1h:1m])')
      .map((s) => [s.metric, s.matchers.map((m) => `${m.name}${m.op}${m.value}`)]))
      .toEqual([['x_total', ['a=1', 'b=~2|3']], ['y', ['c!=4']], ['z', []]]);
    expect(() => seriesSelectors('sum(rate(x[5m])')).toThrow(/does not parse/);
  });

  test('anchors relabel regexes fully, as Prometheus does', () => {
    expect(dropsSeries({ action: 'keep', sourceLabels: ['__name__'], regex: 'kube_job' }, selector('kube_job_failed'))).toBe(true);
    expect(dropsSeries({ action: 'keep', sourceLabels: ['__name__'], regex: 'kube_job_.*' }, selector('kube_job_failed'))).toBe(false);
    expect(dropsSeries({ action: 'drop', sourceLabels: ['__name__'], regex: 'kube_job_.*' }, selector('kube_job_failed'))).toBe(true);
    expect(dropsSeries({ action: 'keep', sourceLabels: ['namespace'], regex: 'a' }, selector('m{namespace="b"}'))).toBe(true);
    expect(dropsSeries({ action: 'keep', sourceLabels: ['namespace'], regex: 'a' }, selector('m{namespace=~"b|a"}'))).toBe(false);
  });

  test('catches a keep list that drops what the backup alerts read (the list kube-state-metrics was scraped with before)', () => {
    const before = 'kube_deployment_spec_replicas|kube_deployment_status_condition|kube_deployment_status_replicas_available|kube_deployment_status_replicas_updated|'
      + 'kube_horizontalpodautoscaler_spec_max_replicas|kube_horizontalpodautoscaler_spec_min_replicas|kube_horizontalpodautoscaler_status_current_replicas|'
      + 'kube_job_failed|kube_pod_container_resource_limits|kube_pod_container_status_restarts_total|kube_pod_container_status_waiting_reason|'
      + 'kube_poddisruptionbudget_status_current_healthy|kube_poddisruptionbudget_status_desired_healthy';
    const narrowed = new Environment(env.name, env.objects.map((o) => (o.kind === 'ServiceMonitor' && o.metadata.labels['app.kubernetes.io/name'] === 'kube-state-metrics'
      ? { ...o, spec: { ...o.spec, endpoints: o.spec.endpoints.map((e: any) => ({ ...e, metricRelabelings: e.metricRelabelings.map((r: any) => (r.sourceLabels[0] === '__name__' ? { ...r, regex: before } : r)) })) } }
      : o)));
    const backupMissing = narrowed.rules.find(({ rule }) => rule.alert === 'BackupMissing')!.rule;
    const [lastSuccess] = seriesSelectors(backupMissing.expr);
    expect(lastSuccess.metric).toBe('kube_cronjob_status_last_successful_time');
    expect(narrowed.missing(lastSuccess)).toMatch(/exports it but its metricRelabelings keep on \[__name__\] =~ .* drops it/);
    expect(env.missing(lastSuccess)).toBeUndefined();
  });

  test('finds no producer for a metric no target exports, nor for a service\'s metric in another namespace', () => {
    expect(env.missing(selector('kube_node_status_condition'))).toMatch(/no scrape target/);
    expect(env.missing(selector('http_requests_total{namespace="elsewhere"}'))).toMatch(/no scrape target/);
    expect(env.missing(selector('up{namespace="elsewhere"}'))).toMatch(/no scrape target/);
    expect(env.missing(selector(`http_requests_total{namespace="fintech-${environments[0]}"}`))).toBeUndefined();
  });

  test('finds the stack\'s Prometheus and Alertmanager metrics only where they are scraped', () => {
    const ns = `fintech-${environments[0]}-monitoring`;
    expect(env.missing(selector(`prometheus_rule_evaluation_failures_total{namespace="${ns}", service="prometheus-fintech-${environments[0]}"}`))).toBeUndefined();
    expect(env.missing(selector(`alertmanager_notifications_failed_total{namespace="${ns}", service="alertmanager-fintech-${environments[0]}"}`))).toBeUndefined();
    expect(env.missing(selector(`alertmanager_notifications_failed_total{namespace="${ns}", service="prometheus-fintech-${environments[0]}"}`))).toMatch(/no scrape target/);
    const unscraped = new Environment(env.name, env.objects.filter((o) => !(o.kind === 'ServiceMonitor' && o.metadata.name.endsWith('-pipeline'))));
    expect(unscraped.missing(selector(`prometheus_config_last_reload_successful{namespace="${ns}"}`))).toMatch(/no scrape target/);
  });
});
