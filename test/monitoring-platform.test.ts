import { App } from 'cdk8s';
import { CanaryPhase, MonitoringStack } from '../lib';
import { alertmanagerYaml } from '../lib/monitoring/alertmanager-config';
import { dashboardQueries } from '../lib/monitoring/dashboards';
import { NetworkModel } from '../lib/segmentation';
import { synthesizeFolders } from '../lib/tools';
import { buildEnvironment } from '../main';
import { ENVIRONMENTS, EnvironmentSpec, RUNBOOK_BASE_URL, scopeEntrancesFor, SERVICES } from '../platform';
import { checkAlertmanagerConfig, hasAmtool } from './support/amtool';
import { checkQueries, checkRuleGroups, hasPromtool } from './support/promtool';
import { validateManifest } from './support/schema-validator';

/** The reference platform with its MonitoringStack (platform/monitoring.ts), both environments, a canary in progress. */
const CANARY_IN_PROGRESS = { 'finance-service': { canaryVersion: '2.1.0', phase: CanaryPhase.percent(30) } };

function monitoredEnvironment(env: EnvironmentSpec): { app: App; stack: MonitoringStack } {
  const app = buildEnvironment(env, SERVICES, CANARY_IN_PROGRESS);
  const stack = app.node.findAll().find((c): c is MonitoringStack => c instanceof MonitoringStack);
  if (!stack) throw new Error(`platform/ builds no MonitoringStack for ${env.name}`);
  return { app, stack };
}

const platform = ENVIRONMENTS.map((env) => {
  const { app, stack } = monitoredEnvironment(env);
  const files = synthesizeFolders([{ folder: env.name, app, scopeEntrances: scopeEntrancesFor(env) }]);
  const objects = files.filter((f) => !f.path.endsWith('kustomization.yaml'))
    .flatMap((f) => f.objects!.map((o) => ({ ...o, file: f.path })));
  return { env, stack, files, objects };
});
const ofKind = (objects: any[], kind: string) => objects.filter((o) => o.kind === kind);

// ---------------------------------------------------------------------------------------------
// How the Prometheus Operator selects: a label selector on the object, a namespace selector on its namespace.

type Labels = Record<string, string>;

/** metav1.LabelSelector semantics: matchLabels and matchExpressions (In, NotIn, Exists, DoesNotExist) must all hold. */
function selectorMatches(selector: any, labels: Labels): boolean {
  if (selector === null || selector === undefined) return false;
  const matchLabels = Object.entries(selector.matchLabels ?? {}).every(([key, value]) => labels[key] === value);
  const matchExpressions = (selector.matchExpressions ?? []).every(({ key, operator, values = [] }: any) => {
    const has = Object.prototype.hasOwnProperty.call(labels, key);
    switch (operator) {
      case 'In': return has && values.includes(labels[key]);
      case 'NotIn': return !has || !values.includes(labels[key]);
      case 'Exists': return has;
      case 'DoesNotExist': return !has;
      default: throw new Error(`unknown operator ${operator}`);
    }
  });
  return matchLabels && matchExpressions;
}

/** A namespace's labels: those of its Namespace object in the output, plus the name label the API server sets. */
function namespaceLabels(objects: any[], namespace: string): Labels {
  const ns = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === namespace);
  return { ...ns?.metadata.labels, 'kubernetes.io/metadata.name': namespace };
}

/**
 * Whether `prometheus` picks up `object` (a ServiceMonitor or a PrometheusRule), as the Operator
 * decides: a missing selector selects nothing; a missing namespace selector means the
 * Prometheus' own namespace only.
 */
function picksUp(prometheus: any, object: any, objects: any[]): boolean {
  const [selector, namespaceSelector] = object.kind === 'ServiceMonitor'
    ? [prometheus.spec.serviceMonitorSelector, prometheus.spec.serviceMonitorNamespaceSelector]
    : [prometheus.spec.ruleSelector, prometheus.spec.ruleNamespaceSelector];
  const namespaceOk = namespaceSelector === undefined
    ? object.metadata.namespace === prometheus.metadata.namespace
    : selectorMatches(namespaceSelector, namespaceLabels(objects, object.metadata.namespace));
  return namespaceOk && selectorMatches(selector, object.metadata.labels ?? {});
}

describe('label selector matching (the test\'s own model of the Operator)', () => {
  test.each([
    [{ matchLabels: { a: '1' } }, { a: '1', b: '2' }, true],
    [{ matchLabels: { a: '1' } }, { a: '2' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1', '2'] }] }, { a: '2' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'In', values: ['1'] }] }, {}, false],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, {}, true],
    [{ matchExpressions: [{ key: 'a', operator: 'NotIn', values: ['1'] }] }, { a: '1' }, false],
    [{ matchExpressions: [{ key: 'a', operator: 'Exists' }] }, { a: '' }, true],
    [{ matchExpressions: [{ key: 'a', operator: 'DoesNotExist' }] }, { a: 'x' }, false],
    [{}, { anything: 'x' }, true],
    [undefined, { anything: 'x' }, false],
  ])('%j selects %j: %s', (selector, labels, expected) => {
    expect(selectorMatches(selector, labels)).toBe(expected);
  });
});

/**
 * Where the scrapes of `prometheus` fail to reach a pod, following each ServiceMonitor endpoint as
 * the Operator and the cluster do: the endpoint's port must name a port of every Service the monitor
 * selects, that port's targetPort a container port of the pods behind the Service, and the
 * NetworkPolicies (the segmentation model) must let the Prometheus pods open connections to it.
 * Monitors of Services outside the output (the kubelet's) are listed apart.
 */
function scrapeProblems(prometheus: any, objects: any[]): { problems: string[]; reached: string[]; outside: string[] } {
  const model = new NetworkModel(objects);
  const scraper = model.endpoints.find((e) => e.id === `${prometheus.metadata.namespace}/prometheus-${prometheus.metadata.name}`)!;
  const created = new Set(ofKind(objects, 'Namespace').map((n) => n.metadata.name));
  const [problems, reached, outside]: string[][] = [[], [], []];
  for (const monitor of ofKind(objects, 'ServiceMonitor')) {
    const name = `ServiceMonitor ${monitor.metadata.namespace}/${monitor.metadata.name}`;
    const namespaces: string[] = monitor.spec.namespaceSelector?.matchNames ?? [monitor.metadata.namespace];
    if (namespaces.every((ns) => !created.has(ns))) {
      outside.push(name);
      continue;
    }
    const services = ofKind(objects, 'Service')
      .filter((s) => namespaces.includes(s.metadata.namespace) && selectorMatches(monitor.spec.selector, s.metadata.labels ?? {}));
    if (services.length === 0) problems.push(`${name}: selects no Service`);
    for (const endpoint of monitor.spec.endpoints) {
      for (const service of services) {
        const at = `${name} → Service ${service.metadata.name} port "${endpoint.port}"`;
        const port = service.spec.ports.find((p: any) => p.name === endpoint.port);
        if (!port) {
          problems.push(`${at}: the Service has no port of that name`);
          continue;
        }
        const pods = model.endpoints.filter((e) => e.kind === 'workload' && e.namespace === service.metadata.namespace
          && selectorMatches({ matchLabels: service.spec.selector }, e.labels));
        if (pods.length === 0) problems.push(`${at}: no pods behind the Service`);
        for (const pod of pods) {
          const targetPort = port.targetPort ?? port.port;
          const target = pod.ports.find((c) => (typeof targetPort === 'string' ? c.name === targetPort : c.port === targetPort));
          if (!target) problems.push(`${at} → targetPort ${targetPort}: no such container port on ${pod.id}`);
          else if (!model.allowedPorts(scraper, pod).includes(`${target.protocol}/${target.port}`)) {
            problems.push(`${at} → ${pod.id} ${target.protocol}/${target.port}: the NetworkPolicies do not let ${scraper.id} reach it`);
          } else reached.push(`${pod.id} ${target.protocol}/${target.port}`);
        }
      }
    }
  }
  return { problems, reached, outside };
}

describe.each(platform)('the reference platform with monitoring: $env.name', ({ env, stack, files, objects }) => {
  const prometheus = ofKind(objects, 'Prometheus')[0];
  const stackObjects = objects.filter((o) => o.file.endsWith('/monitoring.yaml'));

  test('one Prometheus and one Alertmanager per environment, named after it', () => {
    const monitoring = `${env.namespace}-monitoring`;
    expect(ofKind(objects, 'Prometheus').map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([`${monitoring}/fintech-${env.name}`]);
    expect(ofKind(objects, 'Alertmanager').map((p) => `${p.metadata.namespace}/${p.metadata.name}`)).toEqual([`${monitoring}/fintech-${env.name}`]);
    expect(stack.prometheusUrl).toBe(`http://prometheus-fintech-${env.name}.${monitoring}.svc:9090`);
  });

  test('every namespace the environment\'s objects live in is created in the output, with Pod Security restricted, quota, limits and default deny', () => {
    // kube-system is the cluster's own: the kubelet Service's namespace, typed in `clusterMetrics.kubelet` (DEFAULT_KUBELET).
    const external = [stack.prometheus ? 'kube-system' : ''];
    const used = [...new Set(objects.map((o) => o.metadata.namespace).filter((ns) => ns && !external.includes(ns)))].sort();
    expect(used).toEqual([env.namespace, `${env.namespace}-monitoring`]);
    for (const ns of used) {
      const namespace = objects.find((o) => o.kind === 'Namespace' && o.metadata.name === ns);
      expect([ns, namespace?.metadata.labels['pod-security.kubernetes.io/enforce']]).toEqual([ns, 'restricted']);
      for (const kind of ['ResourceQuota', 'LimitRange']) expect([ns, kind, objects.some((o) => o.kind === kind && o.metadata.namespace === ns)]).toEqual([ns, kind, true]);
      expect(objects.some((o) => o.kind === 'NetworkPolicy' && o.metadata.namespace === ns && Object.keys(o.spec.podSelector).length === 0
        && o.spec.policyTypes.includes('Ingress') && o.spec.policyTypes.includes('Egress'))).toBe(true);
    }
  });

  test('every ServiceMonitor and every PrometheusRule of the environment is picked up by its Prometheus', () => {
    const monitored = [...ofKind(objects, 'ServiceMonitor'), ...ofKind(objects, 'PrometheusRule')];
    expect(ofKind(objects, 'ServiceMonitor').length).toBe(SERVICES.length + 3);
    expect(ofKind(objects, 'PrometheusRule').map((r) => r.metadata.name)).toContain('finance-service-canary');
    const missed = monitored.filter((o) => !picksUp(prometheus, o, objects)).map((o) => `${o.kind} ${o.metadata.namespace}/${o.metadata.name}`);
    expect(missed).toEqual([]);
  });

  test('every alert of the environment (stack, canary, backups) links a runbook under the platform\'s RUNBOOK_BASE_URL, and only there', () => {
    const alerts = ofKind(objects, 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules)).filter((r: any) => r.alert);
    expect(alerts.length).toBeGreaterThan(50);
    const off = alerts.filter((a: any) => !String(a.annotations?.runbook_url ?? '').startsWith(`${RUNBOOK_BASE_URL}/`)).map((a: any) => a.alert);
    expect(off).toEqual([]);
    const text = files.map((f) => f.content).join('\n');
    expect(text).not.toMatch(/runbooks\.prometheus-operator\.dev|canary-rollback\b(?!-)/);
  });

  test('the check would fail: a ServiceMonitor without the platform label, or in another namespace, is not picked up', () => {
    const monitor = ofKind(objects, 'ServiceMonitor')[0];
    const { 'app.kubernetes.io/part-of': _, ...otherLabels } = monitor.metadata.labels;
    expect(picksUp(prometheus, { ...monitor, metadata: { ...monitor.metadata, labels: otherLabels } }, objects)).toBe(false);
    expect(picksUp(prometheus, { ...monitor, metadata: { ...monitor.metadata, namespace: 'default' } }, objects)).toBe(false);
  });

  test('every ServiceMonitor endpoint reaches its pods: a port of the Service, a port of its pods, allowed by the NetworkPolicies', () => {
    const { problems, reached, outside } = scrapeProblems(prometheus, objects);
    expect(problems).toEqual([]);
    expect(outside).toEqual([`ServiceMonitor ${env.namespace}/fintech-${env.name}-kubelet`]);
    const monitoring = `${env.namespace}-monitoring`;
    expect(reached).toEqual(expect.arrayContaining([
      `${env.namespace}/api-gateway TCP/9090`, `${env.namespace}/payment-service TCP/8080`,
      `${env.namespace}/finance-service TCP/3014`, `${env.namespace}/finance-service-canary TCP/3014`,
      `${monitoring}/kube-state-metrics-fintech-${env.name} TCP/8080`,
      `${monitoring}/prometheus-fintech-${env.name} TCP/9090`, `${monitoring}/alertmanager-fintech-${env.name} TCP/9093`,
    ]));
    expect(reached).toHaveLength(SERVICES.length + 4);
  });

  test('the scrape check would fail: the api-gateway scraped on its serving port, or its metrics port renamed on the pods', () => {
    const gatewayMonitor = (o: any) => o.kind === 'ServiceMonitor' && o.metadata.name === 'api-gateway';
    const onServingPort = objects.map((o) => (gatewayMonitor(o) ? { ...o, spec: { ...o.spec, endpoints: [{ ...o.spec.endpoints[0], port: 'http' }] } } : o));
    expect(scrapeProblems(prometheus, onServingPort).problems).toEqual([`ServiceMonitor ${env.namespace}/api-gateway → Service api-gateway port "http"`
      + ` → ${env.namespace}/api-gateway TCP/8000: the NetworkPolicies do not let ${env.namespace}-monitoring/prometheus-fintech-${env.name} reach it`]);
    const renamed = objects.map((o) => (o.kind === 'Deployment' && o.metadata.name === 'api-gateway' ? JSON.parse(JSON.stringify(o).replace('"name":"metrics"', '"name":"prom"')) : o));
    expect(scrapeProblems(prometheus, renamed).problems).toEqual([`ServiceMonitor ${env.namespace}/api-gateway → Service api-gateway port "metrics"`
      + ` → targetPort metrics: no such container port on ${env.namespace}/api-gateway`]);
  });

  test('the kube-prometheus-stack trap: its default `release` selector would pick up none of these objects', () => {
    const helmPrometheus = { ...prometheus, spec: { ...prometheus.spec, serviceMonitorSelector: { matchLabels: { release: 'kube-prometheus-stack' } }, ruleSelector: { matchLabels: { release: 'kube-prometheus-stack' } } } };
    expect([...ofKind(objects, 'ServiceMonitor'), ...ofKind(objects, 'PrometheusRule')].filter((o) => picksUp(helmPrometheus, o, objects))).toEqual([]);
  });

  test('the Prometheus may discover targets in every namespace a ServiceMonitor points at', () => {
    const account = `${prometheus.metadata.namespace}/${prometheus.spec.serviceAccountName}`;
    const bound = new Set(ofKind(objects, 'RoleBinding')
      .filter((b) => b.subjects.some((s: any) => `${s.namespace}/${s.name}` === account))
      .map((b) => b.metadata.namespace));
    const targets = ofKind(objects, 'ServiceMonitor').flatMap((m) => m.spec.namespaceSelector?.matchNames ?? [m.metadata.namespace]);
    expect([...new Set(targets)].filter((ns) => !bound.has(ns))).toEqual([]);
  });

  test('the stack is applied after the namespace and before the services (sync wave 1)', () => {
    expect(files.map((f) => f.path)).toContain(`${env.name}/wave-1/monitoring.yaml`);
    for (const o of stackObjects) expect(o.metadata.annotations['argocd.argoproj.io/sync-wave']).toBe('1');
  });

  test('every object of the stack passes strict schema validation', () => {
    expect(stackObjects.length).toBeGreaterThan(40);
    expect(stackObjects.flatMap(({ file, ...o }) => validateManifest(o))).toEqual([]);
  });

  test('no secret value: no Secret object, and every credential is a Secret key selector', () => {
    expect(stackObjects.map((o) => o.kind)).not.toContain('Secret');
    const routing = ofKind(stackObjects, 'AlertmanagerConfig')[0].spec;
    const selectors = routing.receivers.flatMap((r: any) => [
      ...(r.slackConfigs ?? []).map((c: any) => c.apiURL), ...(r.pagerdutyConfigs ?? []).map((c: any) => c.routingKey),
      ...(r.emailConfigs ?? []).map((c: any) => c.authPassword),
    ]);
    expect(selectors.length).toBeGreaterThan(0);
    for (const s of selectors) expect(Object.keys(s).sort()).toEqual(['key', 'name']);
  });

  (hasPromtool ? test : test.skip)('promtool check rules passes on every rule group of the environment (the canary\'s included)', () => {
    for (const rule of ofKind(objects, 'PrometheusRule')) {
      expect([rule.metadata.name, checkRuleGroups(rule.spec.groups)]).toEqual([rule.metadata.name, expect.stringMatching(/SUCCESS/)]);
    }
  });

  (hasPromtool ? test : test.skip)('every dashboard query parses', () => {
    expect(() => checkQueries(stack.dashboardDefinitions.flatMap(dashboardQueries))).not.toThrow();
  });

  (hasAmtool ? test : test.skip)('amtool check-config passes on the Alertmanager configuration', () => {
    const routing = ofKind(stackObjects, 'AlertmanagerConfig')[0];
    expect(checkAlertmanagerConfig(alertmanagerYaml(routing.spec))).toMatch(/SUCCESS/);
  });
});

test('the staging and production Prometheus watch disjoint namespaces, so both can share a cluster', () => {
  const [staging, production] = platform;
  const stagingPrometheus = ofKind(staging.objects, 'Prometheus')[0];
  const all = [...production.objects, ...staging.objects.filter((o) => o.kind === 'Namespace')];
  const crossing = [...ofKind(production.objects, 'ServiceMonitor'), ...ofKind(production.objects, 'PrometheusRule')]
    .filter((o) => picksUp(stagingPrometheus, o, all));
  expect(crossing).toEqual([]);
});
