import { App, Chart, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { FintechService, NetworkPeer, SecretKeyRef } from '../lib';
import { MonitoringStack, MonitoringStackProps } from '../lib/monitoring-stack';
import { Severity } from '../lib/monitoring/alert-rules';
import { Notifier } from '../lib/monitoring/alertmanager-config';
import { BurnRateWindow, ServiceLevelObjective } from '../lib/monitoring/slo';
import { validateManifest } from './support/schema-validator';

const NS = 'fintech-test';
const PATH = "MonitoringStack 'monitoring/fintech-test'";
const secret = (key: string) => SecretKeyRef.of('alertmanager-receivers', key);
const ROUTING = {
  critical: [Notifier.pagerDuty({ routingKey: secret('pagerduty-routing-key') }), Notifier.slack({ channel: '#alerts', webhookUrl: secret('slack-webhook-url') })],
  warning: [Notifier.slack({ channel: '#alerts', webhookUrl: secret('slack-webhook-url') })],
  info: [Notifier.email({ to: 'team@fintech.internal', from: 'am@fintech.internal', smarthost: 'smtp.fintech.internal:587', username: 'am', password: secret('smtp-password') })],
};

/** GIVEN two services in `fintech-test` and a stack in `monitoring`. */
function build(overrides: Partial<MonitoringStackProps> = {}, serviceOverrides: { metrics?: false; metricsScrapers?: NetworkPeer } = {}) {
  const app = new App();
  const services = new Chart(app, 'services', { namespace: NS });
  const payments = new FintechService(services, 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080, ...serviceOverrides });
  const ledger = new FintechService(services, 'ledger', { image: 'registry.fintech.internal/fintech/ledger:2.0.0', port: 3014 });
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  const stack = new MonitoringStack(chart, 'fintech-test', { services: [payments, ledger], routing: ROUTING, ...overrides });
  return { app, stack, payments, ledger, objects: () => chart.toJson(), serviceObjects: () => services.toJson() };
}

const find = (objects: any[], kind: string, name: string, namespace?: string) => {
  const found = objects.filter((o) => o.kind === kind && o.metadata.name === name && (namespace === undefined || o.metadata.namespace === namespace));
  if (found.length !== 1) throw new Error(`expected one ${kind} ${name}, found ${found.length}`);
  return found[0];
};

describe('MonitoringStack defaults', () => {
  const { stack, objects: synth } = build();
  const objects = synth();

  test('resolves its defaults into public fields', () => {
    expect(stack.name).toBe('fintech-test');
    expect(stack.namespace).toBe('monitoring');
    expect(stack.scrapeInterval.toSeconds()).toBe(15);
    expect(stack.evaluationInterval.toSeconds()).toBe(15);
    expect(stack.discoveryLabels).toEqual({ 'app.kubernetes.io/part-of': 'fintech-platform' });
    expect(stack.serviceNamespaces).toEqual([NS]);
    expect(stack.objectives.get('payments')!.map((o) => [o.name, o.objectivePercent])).toEqual([['availability', 99.9], ['latency', 95]]);
    expect(stack.burnRateWindows.map((w) => [w.longWindow.toSeconds(), w.shortWindow.toSeconds(), w.budgetPercent, w.severity])).toEqual([
      [3600, 300, 2, 'critical'], [21600, 1800, 5, 'critical'], [86400, 7200, 10, 'warning'], [259200, 21600, 10, 'warning'],
    ]);
  });

  test('emits every object, each public and named after the stack or the service', () => {
    expect(objects.map((o) => `${o.kind} ${o.metadata.namespace ?? '-'}/${o.metadata.name}`)).toEqual([
      `PrometheusRule ${NS}/payments-alerts`,
      `PrometheusRule ${NS}/ledger-alerts`,
      `PrometheusRule ${NS}/fintech-test-workloads`,
      'ServiceAccount monitoring/kube-state-metrics-fintech-test',
      'ClusterRole -/kube-state-metrics-fintech-test',
      `RoleBinding ${NS}/kube-state-metrics-fintech-test`,
      'Deployment monitoring/kube-state-metrics-fintech-test',
      'PodDisruptionBudget monitoring/kube-state-metrics-fintech-test',
      'Service monitoring/kube-state-metrics-fintech-test',
      `ServiceMonitor ${NS}/fintech-test-kube-state-metrics`,
      `ServiceMonitor ${NS}/fintech-test-kubelet`,
      'ServiceAccount monitoring/prometheus-fintech-test',
      `Role ${NS}/prometheus-fintech-test`,
      `RoleBinding ${NS}/prometheus-fintech-test`,
      'Role kube-system/prometheus-fintech-test',
      'RoleBinding kube-system/prometheus-fintech-test',
      'Role monitoring/prometheus-fintech-test',
      'RoleBinding monitoring/prometheus-fintech-test',
      'ClusterRole -/prometheus-fintech-test',
      'ClusterRoleBinding -/prometheus-fintech-test',
      'Prometheus monitoring/fintech-test',
      'Service monitoring/prometheus-fintech-test',
      'PodDisruptionBudget monitoring/prometheus-fintech-test',
      'AlertmanagerConfig monitoring/fintech-test',
      'ServiceAccount monitoring/alertmanager-fintech-test',
      'Alertmanager monitoring/fintech-test',
      'Service monitoring/alertmanager-fintech-test',
      'PodDisruptionBudget monitoring/alertmanager-fintech-test',
      `PrometheusRule ${NS}/fintech-test-pipeline`,
      `ServiceMonitor ${NS}/fintech-test-pipeline`,
      'NetworkPolicy monitoring/prometheus-fintech-test',
      'NetworkPolicy monitoring/alertmanager-fintech-test',
      'NetworkPolicy monitoring/kube-state-metrics-fintech-test',
      'Namespace -/monitoring',
      'ResourceQuota monitoring/compute-quota',
      'LimitRange monitoring/container-defaults',
      'NetworkPolicy monitoring/default-deny',
      'ConfigMap monitoring/grafana-dashboard-fintech-test-overview',
      'ConfigMap monitoring/grafana-dashboard-fintech-test-payments',
      'ConfigMap monitoring/grafana-dashboard-fintech-test-ledger',
    ]);
    expect(stack.prometheus!.name).toBe('fintech-test');
    expect(stack.alertmanager!.name).toBe('fintech-test');
    expect(stack.alertmanagerConfig!.name).toBe('fintech-test');
    expect([...stack.serviceRules.keys()]).toEqual(['payments', 'ledger']);
    expect(stack.dashboards.map((d) => d.name)).toEqual([
      'grafana-dashboard-fintech-test-overview', 'grafana-dashboard-fintech-test-payments', 'grafana-dashboard-fintech-test-ledger',
    ]);
  });

  test('its own kube-state-metrics: pinned, restricted, exporting only what the alerts read, only in the services\' namespaces', () => {
    const deployment = find(objects, 'Deployment', 'kube-state-metrics-fintech-test');
    const pod = deployment.spec.template.spec;
    expect(pod.containers[0].image).toBe('registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0');
    expect(pod.containers[0].args).toEqual([
      '--port=8080', '--telemetry-port=8081', '--resources=cronjobs,deployments,horizontalpodautoscalers,jobs,poddisruptionbudgets,pods', `--namespaces=${NS}`,
    ]);
    expect(pod.securityContext).toMatchObject({ runAsNonRoot: true, runAsUser: 65534, seccompProfile: { type: 'RuntimeDefault' } });
    expect(pod.containers[0].securityContext).toMatchObject({ readOnlyRootFilesystem: true, allowPrivilegeEscalation: false, capabilities: { drop: ['ALL'] } });
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(pod.containers[0].volumeMounts).toEqual([{ name: 'api-access', mountPath: '/var/run/secrets/kubernetes.io/serviceaccount', readOnly: true }]);
    expect(find(objects, 'ClusterRole', 'kube-state-metrics-fintech-test').rules).toEqual([
      { apiGroups: [''], resources: ['pods'], verbs: ['list', 'watch'] },
      { apiGroups: ['apps'], resources: ['deployments'], verbs: ['list', 'watch'] },
      { apiGroups: ['autoscaling'], resources: ['horizontalpodautoscalers'], verbs: ['list', 'watch'] },
      { apiGroups: ['batch'], resources: ['cronjobs', 'jobs'], verbs: ['list', 'watch'] },
      { apiGroups: ['policy'], resources: ['poddisruptionbudgets'], verbs: ['list', 'watch'] },
    ]);
    expect(objects.filter((o) => o.kind === 'ClusterRoleBinding').map((o) => o.roleRef.name)).toEqual(['prometheus-fintech-test']);
    expect(find(objects, 'RoleBinding', 'kube-state-metrics-fintech-test', NS).roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'ClusterRole', name: 'kube-state-metrics-fintech-test' });
    expect(find(objects, 'ServiceMonitor', 'fintech-test-kube-state-metrics').spec).toMatchObject({
      namespaceSelector: { matchNames: ['monitoring'] },
      selector: { matchLabels: { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': 'fintech-test' } },
    });
    expect(find(objects, 'Service', 'kube-state-metrics-fintech-test').spec.selector).toEqual(deployment.spec.selector.matchLabels);
  });

  test('the monitoring namespace gets the application namespaces\' guard rails, its quota sized for the stack', () => {
    expect(find(objects, 'Namespace', 'monitoring').metadata.labels).toMatchObject({
      'pod-security.kubernetes.io/enforce': 'restricted', 'pod-security.kubernetes.io/audit': 'restricted', 'pod-security.kubernetes.io/warn': 'restricted',
    });
    // 3 Prometheus pods (2 + 1 for a rollout) of 500m + 100m sidecar, 3 Alertmanager pods of 100m + 100m, 2 kube-state-metrics pods of 50m.
    expect(find(objects, 'ResourceQuota', 'compute-quota').spec.hard).toEqual({
      'requests.cpu': '2500m', 'requests.memory': '7424Mi', 'limits.cpu': '7000m', 'limits.memory': '16640Mi', 'persistentvolumeclaims': '4',
    });
    expect(find(objects, 'LimitRange', 'container-defaults').spec.limits[0].max).toEqual({ cpu: '2000m', memory: '4Gi' });
    expect(find(objects, 'NetworkPolicy', 'default-deny').spec).toMatchObject({ podSelector: {}, policyTypes: ['Ingress', 'Egress'] });
    expect(stack.namespaceGuardRails!.namespaceName).toBe('monitoring');
  });

  test('NetworkPolicies: Prometheus scrapes, discovers and alerts; Alertmanager notifies and gossips; kube-state-metrics reads the API', () => {
    const ns = (name: string, pods?: Record<string, string>) => ({
      namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': name } }, ...(pods ? { podSelector: { matchLabels: pods } } : {}),
    });
    const tcp = (...ports: number[]) => ports.map((port) => ({ protocol: 'TCP', port }));
    const prometheus = find(objects, 'NetworkPolicy', 'prometheus-fintech-test').spec;
    expect(prometheus.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'prometheus', 'prometheus': 'fintech-test' } });
    expect(prometheus.ingress).toEqual([
      { from: [ns('grafana', { 'app.kubernetes.io/name': 'grafana' })], ports: tcp(9090) },
      { from: [ns('argo-rollouts')], ports: tcp(9090) },
      { from: [ns('monitoring', { 'app.kubernetes.io/name': 'prometheus', 'prometheus': 'fintech-test' })], ports: tcp(9090) },
    ]);
    expect(prometheus.egress.slice(1)).toEqual([
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(443, 6443) },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(10250) },
      { to: [ns(NS)], ports: tcp(3014, 8080) },
      { to: [ns('monitoring', { 'app.kubernetes.io/name': 'kube-state-metrics', 'app.kubernetes.io/instance': 'fintech-test' })], ports: tcp(8080) },
      { to: [ns('monitoring', { 'app.kubernetes.io/name': 'alertmanager', 'alertmanager': 'fintech-test' })], ports: tcp(9093) },
      { to: [ns('monitoring', { 'app.kubernetes.io/name': 'prometheus', 'prometheus': 'fintech-test' })], ports: tcp(9090) },
    ]);
    const alertmanager = find(objects, 'NetworkPolicy', 'alertmanager-fintech-test').spec;
    expect(alertmanager.egress.slice(1)).toEqual([
      { to: [ns('monitoring', { 'app.kubernetes.io/name': 'alertmanager', 'alertmanager': 'fintech-test' })], ports: [{ protocol: 'TCP', port: 9094 }, { protocol: 'UDP', port: 9094 }] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(443, 587) },
    ]);
    expect(alertmanager.ingress[0]).toEqual({ from: [ns('monitoring', { 'app.kubernetes.io/name': 'prometheus', 'prometheus': 'fintech-test' })], ports: tcp(9093) });
    const ksm = find(objects, 'NetworkPolicy', 'kube-state-metrics-fintech-test').spec;
    expect(ksm.ingress).toEqual([{ from: [ns('monitoring', { 'app.kubernetes.io/name': 'prometheus', 'prometheus': 'fintech-test' })], ports: tcp(8080) }]);
    expect(ksm.egress.slice(1)).toEqual([{ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: tcp(443, 6443) }]);
  });

  test('every object passes strict schema validation (Operator CRDs and Kubernetes 1.28)', () => {
    expect(objects.flatMap(validateManifest)).toEqual([]);
  });

  test('Prometheus: 2 replicas, 15 s scrape and evaluation, 30 days (the objective window) on 50Gi, restricted pods, selectors on the platform label', () => {
    const spec = find(objects, 'Prometheus', 'fintech-test').spec;
    expect(spec).toMatchObject({
      replicas: 2,
      scrapeInterval: '15s',
      evaluationInterval: '15s',
      retention: '30d',
      retentionSize: '45GiB',
      storage: { volumeClaimTemplate: { spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '50Gi' } } } } },
      resources: { requests: { cpu: '500m', memory: '2Gi' }, limits: { cpu: '1', memory: '4Gi' } },
      securityContext: { runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' } },
      serviceAccountName: 'prometheus-fintech-test',
      serviceMonitorSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'fintech-platform' } },
      ruleSelector: { matchLabels: { 'app.kubernetes.io/part-of': 'fintech-platform' } },
      serviceMonitorNamespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [NS] }] },
      ruleNamespaceSelector: { matchExpressions: [{ key: 'kubernetes.io/metadata.name', operator: 'In', values: [NS] }] },
      alerting: { alertmanagers: [{ namespace: 'monitoring', name: 'alertmanager-fintech-test', port: 'web', apiVersion: 'v2' }] },
      enableAdminAPI: false,
      arbitraryFSAccessThroughSMs: { deny: true },
    });
    for (const c of [...spec.containers, ...spec.initContainers]) {
      expect(c.securityContext).toMatchObject({ allowPrivilegeEscalation: false, readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] } });
    }
    expect(spec.podMonitorSelector).toBeUndefined();
    expect(spec.probeSelector).toBeUndefined();
  });

  test('Alertmanager: 2 replicas on 1Gi, no API token, configured by the AlertmanagerConfig as its whole configuration', () => {
    const spec = find(objects, 'Alertmanager', 'fintech-test').spec;
    expect(spec).toMatchObject({
      replicas: 2,
      retention: '120h',
      automountServiceAccountToken: false,
      alertmanagerConfiguration: { name: 'fintech-test' },
      storage: { volumeClaimTemplate: { spec: { resources: { requests: { storage: '1Gi' } } } } },
      resources: { requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } },
      securityContext: { runAsNonRoot: true, seccompProfile: { type: 'RuntimeDefault' } },
    });
    expect(find(objects, 'Service', 'alertmanager-fintech-test').spec.selector).toEqual({ 'app.kubernetes.io/name': 'alertmanager', 'alertmanager': 'fintech-test' });
    expect(find(objects, 'PodDisruptionBudget', 'alertmanager-fintech-test').spec).toMatchObject({ maxUnavailable: 1 });
  });

  test('Prometheus may only discover targets (get/list/watch) in the namespaces it scrapes, and read kubelet metrics', () => {
    const roles = objects.filter((o) => o.kind === 'Role');
    expect(roles.map((r) => r.metadata.namespace)).toEqual([NS, 'kube-system', 'monitoring']);
    for (const role of roles) {
      expect(role.rules).toEqual([
        { apiGroups: [''], resources: ['endpoints', 'pods', 'services'], verbs: ['get', 'list', 'watch'] },
        { apiGroups: ['discovery.k8s.io'], resources: ['endpointslices'], verbs: ['get', 'list', 'watch'] },
      ]);
    }
    expect(find(objects, 'ClusterRole', 'prometheus-fintech-test').rules).toEqual([{ apiGroups: [''], resources: ['nodes/metrics'], verbs: ['get'] }]);
    expect(find(objects, 'ClusterRole', 'prometheus-fintech-test').metadata.namespace).toBeUndefined();
  });

  test('scrapes kube-state-metrics and cAdvisor, keeping only the metrics the rules read and only the services\' namespace', () => {
    const ksm = find(objects, 'ServiceMonitor', 'fintech-test-kube-state-metrics').spec;
    expect(ksm.namespaceSelector).toEqual({ matchNames: ['monitoring'] });
    expect(ksm.endpoints[0].metricRelabelings[1]).toEqual({ sourceLabels: ['namespace'], regex: NS, action: 'keep' });
    expect(ksm.endpoints[0].metricRelabelings[0].regex).toContain('kube_pod_container_resource_limits');
    const kubelet = find(objects, 'ServiceMonitor', 'fintech-test-kubelet').spec;
    expect(kubelet).toMatchObject({ scrapeClass: 'kubelet', namespaceSelector: { matchNames: ['kube-system'] } });
    expect(kubelet.endpoints[0]).toMatchObject({ scheme: 'https', path: '/metrics/cadvisor', port: 'https-metrics', honorLabels: true });
    expect(find(objects, 'Prometheus', 'fintech-test').spec.scrapeClasses).toEqual([{
      name: 'kubelet',
      authorization: { type: 'Bearer', credentialsFile: '/var/run/secrets/kubernetes.io/serviceaccount/token' },
      tlsConfig: { caFile: '/var/run/secrets/kubernetes.io/serviceaccount/ca.crt', insecureSkipVerify: false },
    }]);
  });

  test('every alert has a severity, a summary and a description, and no runbook link unless runbooks are configured', () => {
    const alerts = objects.filter((o) => o.kind === 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules)).filter((r: any) => r.alert);
    expect(alerts.length).toBeGreaterThan(20);
    expect(stack.runbookBaseUrl).toBeUndefined();
    for (const alert of alerts) {
      expect([alert.alert, ['critical', 'warning', 'info'].includes(alert.labels.severity)]).toEqual([alert.alert, true]);
      expect(Object.keys(alert.annotations).sort()).toEqual(['description', 'summary']);
    }
  });

  test('with runbookBaseUrl, every alert links <base>/<alert-name-in-kebab-case>; the burn-rate alerts share one page', () => {
    const { objects: synthConfigured, stack: configured } = build({ runbookBaseUrl: 'https://wiki.example.com/runbooks/' });
    const withRunbooks = synthConfigured();
    expect(configured.runbookBaseUrl).toBe('https://wiki.example.com/runbooks');
    const alerts = withRunbooks.filter((o) => o.kind === 'PrometheusRule').flatMap((r) => r.spec.groups.flatMap((g: any) => g.rules)).filter((r: any) => r.alert);
    const links = Object.fromEntries(alerts.map((a: any) => [a.alert, a.annotations.runbook_url]));
    expect(links).toMatchObject({
      HighCPUUsage: 'https://wiki.example.com/runbooks/high-cpu-usage',
      KubeDeploymentRolloutStuck: 'https://wiki.example.com/runbooks/kube-deployment-rollout-stuck',
      AvailabilityBudgetBurnCritical: 'https://wiki.example.com/runbooks/slo-budget-burn',
    });
    for (const alert of alerts) expect(alert.annotations.runbook_url).toMatch(/^https:\/\/wiki\.example\.com\/runbooks\/[a-z0-9-]+$/);
  });

  test('runbookBaseUrl must be an http(s) URL', () => {
    expect(() => build({ runbookBaseUrl: 'wiki/runbooks' })).toThrow(
      "MonitoringStack 'monitoring/fintech-test': 'runbookBaseUrl' (\"wiki/runbooks\") is invalid: must be an http(s) URL under which each alert has its runbook, e.g. \"https://runbooks.example.com/alerts\"");
  });

  test('the platform alerts of PLATFORM.md, per service, with PLATFORM.md\'s thresholds', () => {
    const group = find(objects, 'PrometheusRule', 'payments-alerts').spec.groups[0];
    expect(group.rules[0]).toEqual({
      record: 'service:http_requests:rate5m',
      expr: 'sum(rate(http_requests_total{namespace="fintech-test",service="payments"}[5m]))',
      labels: { namespace: NS, service: 'payments' },
    });
    const byName = Object.fromEntries(group.rules.filter((r: any) => r.alert).map((r: any) => [r.alert, r]));
    expect(Object.keys(byName)).toEqual(['HighErrorRate', 'ServiceDown', 'HighMemoryUsage', 'HighCPUUsage', 'PodRestarts', 'PodCrashLooping', 'HighRequestVolume']);
    expect(byName.HighErrorRate).toMatchObject({
      expr: 'sum(rate(http_requests_total{namespace="fintech-test",service="payments",code=~"5.."}[5m])) > 0.1', for: '2m',
      labels: { severity: 'critical', namespace: NS, service: 'payments' },
    });
    expect(byName.ServiceDown).toMatchObject({
      expr: 'up{namespace="fintech-test",service="payments"} == 0 or absent(up{namespace="fintech-test",service="payments"})', for: '1m',
    });
    expect(byName.HighMemoryUsage).toMatchObject({ for: '5m', labels: { severity: 'warning' } });
    expect(byName.HighMemoryUsage.expr).toMatch(/container_memory_working_set_bytes.* \/ .*kube_pod_container_resource_limits.*resource="memory".* > 0\.8$/);
    expect(byName.HighCPUUsage.expr).toMatch(/ > 0\.8$/);
    expect(byName.PodRestarts.expr).toBe('increase(kube_pod_container_status_restarts_total{container="payments",namespace="fintech-test"}[15m]) > 0');
    expect(byName.PodCrashLooping.labels.severity).toBe('critical');
    expect(byName.HighRequestVolume).toMatchObject({
      expr: '(service:http_requests:rate5m{namespace="fintech-test",service="payments"} > 3 * avg_over_time(service:http_requests:rate5m{namespace="fintech-test",service="payments"}[1d]))'
        + ' and (service:http_requests:rate5m{namespace="fintech-test",service="payments"} > 1)',
      labels: { severity: 'info' },
    });
  });

  test('the standard workload alerts of the namespace, labelled with the service they concern', () => {
    const rules = find(objects, 'PrometheusRule', 'fintech-test-workloads').spec.groups[0].rules;
    expect(rules.map((r: any) => r.alert)).toEqual([
      'KubeDeploymentRolloutStuck', 'KubeDeploymentReplicasMismatch', 'KubeHpaMaxedOut', 'KubePdbNotEnoughHealthyPods', 'KubeJobFailed',
    ]);
    expect(rules[0].expr).toBe('label_replace(kube_deployment_status_condition{condition="Progressing",namespace="fintech-test",status="false"} != 0, "service", "$1", "deployment", "(.*)")');
  });

  test('SLO rules: recorded 5-minute rates, every window derived from them, and the burn-rate thresholds of the workbook', () => {
    const group = find(objects, 'PrometheusRule', 'payments-alerts').spec.groups[1];
    expect(group.name).toBe('payments-slo');
    const records = group.rules.filter((r: any) => r.record && r.labels.slo === 'availability').map((r: any) => r.record);
    expect(records).toEqual([
      'slo:sli_bad_requests:rate5m', 'slo:sli_requests:rate5m',
      'slo:sli_error:ratio_rate5m', 'slo:sli_error:ratio_rate30m', 'slo:sli_error:ratio_rate1h', 'slo:sli_error:ratio_rate2h',
      'slo:sli_error:ratio_rate6h', 'slo:sli_error:ratio_rate1d', 'slo:sli_error:ratio_rate3d', 'slo:objective:ratio',
    ]);
    const alerts = group.rules.filter((r: any) => r.alert);
    expect(alerts.map((a: any) => `${a.alert} ${a.labels.severity}`)).toEqual([
      'AvailabilityBudgetBurnCritical critical', 'AvailabilityBudgetBurnWarning warning', 'LatencyBudgetBurnCritical critical', 'LatencyBudgetBurnWarning warning',
    ]);
    const sel = '{namespace="fintech-test",service="payments",slo="availability"}';
    expect(alerts[0].expr).toBe(
      `(slo:sli_error:ratio_rate1h${sel} > (14.4 * 0.001) and slo:sli_error:ratio_rate5m${sel} > (14.4 * 0.001))`
      + ` or (slo:sli_error:ratio_rate6h${sel} > (6 * 0.001) and slo:sli_error:ratio_rate30m${sel} > (6 * 0.001))`);
    expect(alerts[1].expr).toBe(
      `(slo:sli_error:ratio_rate1d${sel} > (3 * 0.001) and slo:sli_error:ratio_rate2h${sel} > (3 * 0.001))`
      + ` or (slo:sli_error:ratio_rate3d${sel} > (1 * 0.001) and slo:sli_error:ratio_rate6h${sel} > (1 * 0.001))`);
    const latencyBad = group.rules.find((r: any) => r.record === 'slo:sli_bad_requests:rate5m' && r.labels.slo === 'latency');
    expect(latencyBad.expr).toContain('le="0.5"');
  });

  test('routing: by severity, grouped by alert and service, warnings and infos inhibited by a critical alert of the same service', () => {
    const spec = find(objects, 'AlertmanagerConfig', 'fintech-test').spec;
    expect(spec.route).toMatchObject({ receiver: 'fintech-test-warning', groupBy: ['alertname', 'namespace', 'service'], groupWait: '30s', groupInterval: '5m' });
    expect(spec.route.routes.map((r: any) => [r.matchers[0].value, r.receiver, r.repeatInterval])).toEqual([
      ['critical', 'fintech-test-critical', '1h'], ['warning', 'fintech-test-warning', '4h'], ['info', 'fintech-test-info', '1d'],
    ]);
    expect(spec.inhibitRules).toEqual([{
      sourceMatch: [{ name: 'severity', value: 'critical', matchType: '=' }],
      targetMatch: [{ name: 'severity', value: 'warning|info', matchType: '=~' }],
      equal: ['namespace', 'service'],
    }]);
    expect(spec.receivers.map((r: any) => Object.keys(r).sort())).toEqual([
      ['name', 'pagerdutyConfigs', 'slackConfigs'], ['name', 'slackConfigs'], ['emailConfigs', 'name'],
    ]);
  });

  test('secrets are only referenced: Secret key selectors, never a value, and no Secret object', () => {
    const spec = find(objects, 'AlertmanagerConfig', 'fintech-test').spec;
    expect(spec.receivers[0].pagerdutyConfigs[0].routingKey).toEqual({ name: 'alertmanager-receivers', key: 'pagerduty-routing-key' });
    expect(spec.receivers[0].slackConfigs[0].apiURL).toEqual({ name: 'alertmanager-receivers', key: 'slack-webhook-url' });
    expect(spec.receivers[2].emailConfigs[0].authPassword).toEqual({ name: 'alertmanager-receivers', key: 'smtp-password' });
    expect(objects.map((o) => o.kind)).not.toContain('Secret');
    expect(JSON.stringify(objects)).not.toMatch(/hooks\.slack\.com|events\.pagerduty\.com|password:/i);
  });

  test('dashboards: ConfigMaps for the Grafana sidecar, with stable uids and titles', () => {
    const overview = find(objects, 'ConfigMap', 'grafana-dashboard-fintech-test-overview');
    expect(overview.metadata.labels.grafana_dashboard).toBe('1');
    expect(overview.metadata.annotations).toEqual({ grafana_folder: 'FinTech' });
    const json = JSON.parse(overview.data['fintech-test-overview.json']);
    expect([json.uid, json.title]).toEqual(['fintech-test-overview', 'FinTech Platform – Fintech-test Overview']);
    expect(json.panels.slice(0, 6).map((p: any) => p.title)).toEqual([
      'Request rate by method and endpoint', 'Error rate (5xx) by service', 'P95 latency by service',
      'CPU saturation (busiest pod, of its limit)', 'Memory saturation (fullest pod, of its limit)', 'Replicas (of the autoscaler maximum)',
    ]);
    expect(json.panels[0].targets[0].expr).toBe('sum(rate(http_requests_total{namespace="fintech-test"}[5m])) by (service, method, endpoint)');
    expect(json.panels.filter((p: any) => p.type === 'stat').map((p: any) => p.title)).toEqual([
      'payments: availability budget left', 'payments: latency budget left', 'ledger: availability budget left', 'ledger: latency budget left',
    ]);
    expect(build().objects().find((o) => o.kind === 'ConfigMap')).toEqual(overview);
  });

  test('the services\' ServiceMonitors already carry the discovery label: FintechService output is unchanged', () => {
    const { serviceObjects } = build();
    const { serviceObjects: withoutStack } = (() => {
      const app = new App();
      const services = new Chart(app, 'services', { namespace: NS });
      new FintechService(services, 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
      new FintechService(services, 'ledger', { image: 'registry.fintech.internal/fintech/ledger:2.0.0', port: 3014 });
      return { serviceObjects: () => services.toJson() };
    })();
    expect(serviceObjects()).toEqual(withoutStack());
  });
});

describe('MonitoringStack options', () => {
  test('per-service objectives, thresholds and error-counter alerts (finance-service of PLATFORM.md)', () => {
    const { objects } = build({
      serviceOptions: {
        ledger: {
          objectives: [ServiceLevelObjective.availability({ objectivePercent: 99.95 })],
          memoryCriticalPercent: 85,
          errorAlerts: [
            { alert: 'EventStoreConnectionErrors', errorType: 'eventstore_connection', severity: Severity.WARNING, summary: 'cannot reach the EventStore' },
            { alert: 'SnapshotFailures', errorType: 'snapshot_failure', severity: Severity.CRITICAL, summary: 'event-store snapshots fail', window: Duration.minutes(15) },
          ],
        },
      },
    });
    const [alerts, slo] = find(objects(), 'PrometheusRule', 'ledger-alerts').spec.groups;
    const byName = Object.fromEntries(alerts.rules.filter((r: any) => r.alert).map((r: any) => [r.alert, r]));
    expect(byName.MemoryNearLimit).toMatchObject({ labels: { severity: 'critical' } });
    expect(byName.MemoryNearLimit.expr).toMatch(/ > 0\.85$/);
    expect(byName.EventStoreConnectionErrors).toMatchObject({
      expr: 'sum(increase(errors_total{error_type="eventstore_connection",namespace="fintech-test",service="ledger"}[5m])) > 0',
      labels: { severity: 'warning' },
    });
    expect(byName.SnapshotFailures.expr).toContain('[15m]');
    expect(slo.rules.filter((r: any) => r.alert).map((r: any) => r.alert)).toEqual(['AvailabilityBudgetBurnCritical', 'AvailabilityBudgetBurnWarning']);
    expect(slo.rules.find((r: any) => r.alert === 'AvailabilityBudgetBurnCritical').expr).toContain('(14.4 * 0.0005)');
  });

  test('no objectives: no SLO group', () => {
    const { objects } = build({ objectives: [] });
    expect(find(objects(), 'PrometheusRule', 'payments-alerts').spec.groups.map((g: any) => g.name)).toEqual(['payments-alerts']);
  });

  test('sizes, retention, storage class, version and the environment label', () => {
    const { objects } = build({
      environment: 'staging',
      prometheus: {
        replicas: 3, retention: Duration.days(45), storage: Size.gibibytes(20), storageClassName: 'fast-ssd', version: 'v3.5.0',
        resources: { cpu: { request: Cpu.millis(250), limit: Cpu.millis(500) }, memory: { request: Size.gibibytes(1), limit: Size.gibibytes(2) } },
      },
    });
    const spec = find(objects(), 'Prometheus', 'fintech-test').spec;
    expect(spec).toMatchObject({
      replicas: 3, retention: '45d', retentionSize: '18GiB', version: 'v3.5.0', externalLabels: { environment: 'staging' },
      storage: { volumeClaimTemplate: { spec: { storageClassName: 'fast-ssd', resources: { requests: { storage: '20Gi' } } } } },
      resources: { requests: { cpu: '250m', memory: '1Gi' }, limits: { cpu: '500m', memory: '2Gi' } },
    });
    const overview = JSON.parse(find(objects(), 'ConfigMap', 'grafana-dashboard-fintech-test-overview').data['fintech-test-overview.json']);
    expect(overview.title).toBe('FinTech Platform – Staging Overview');
  });

  test('without its own Prometheus and Alertmanager: rules and routing only, labelled for the cluster\'s Prometheus', () => {
    const { objects, serviceObjects } = build({ prometheus: false, alertmanager: false, discoveryLabels: { release: 'kube-prometheus-stack' } });
    const all = objects();
    expect([...new Set(all.map((o) => o.kind))]).toEqual(['PrometheusRule', 'AlertmanagerConfig', 'Namespace', 'ResourceQuota', 'LimitRange', 'NetworkPolicy', 'ConfigMap']);
    expect(all.filter((o) => o.kind === 'NetworkPolicy').map((o) => o.metadata.name)).toEqual(['default-deny']);
    expect(find(all, 'PrometheusRule', 'payments-alerts').metadata.labels.release).toBe('kube-prometheus-stack');
    expect(find(all, 'AlertmanagerConfig', 'fintech-test').metadata.namespace).toBe(NS);
    const monitors = serviceObjects().filter((o) => o.kind === 'ServiceMonitor');
    expect(monitors.map((m) => m.metadata.labels.release)).toEqual(['kube-prometheus-stack', 'kube-prometheus-stack']);
  });

  test('dead man\'s switch: the Watchdog in the pipeline rules, a heartbeat route first and a receiver reading the URL from its Secret', () => {
    const { stack, objects } = build({ routing: { ...ROUTING, deadMansSwitch: Notifier.webhook({ url: secret('heartbeat-url'), port: 8443 }), heartbeatInterval: Duration.minutes(2) } });
    const rules = find(objects(), 'PrometheusRule', 'fintech-test-pipeline').spec.groups[0].rules;
    expect(rules[0]).toEqual({ alert: 'Watchdog', expr: 'vector(1)', labels: { severity: 'none' }, annotations: expect.objectContaining({ summary: 'The alerting pipeline works (always firing)' }) });
    const spec = find(objects(), 'AlertmanagerConfig', 'fintech-test').spec;
    expect(spec.route.routes[0]).toEqual({
      receiver: 'fintech-test-heartbeat',
      matchers: [{ name: 'alertname', value: 'Watchdog', matchType: '=' }, { name: 'severity', value: 'none', matchType: '=' }],
      groupWait: '0s', groupInterval: '2m', repeatInterval: '2m',
    });
    expect(spec.receivers[0]).toEqual({ name: 'fintech-test-heartbeat', webhookConfigs: [{ urlSecret: { name: 'alertmanager-receivers', key: 'heartbeat-url' }, sendResolved: true }] });
    expect(find(objects(), 'NetworkPolicy', 'alertmanager-fintech-test').spec.egress.at(-1).ports.map((p: any) => p.port)).toEqual([443, 587, 8443]);
    expect(stack.pipelineRules).toBeDefined();
  });

  test('without a dead man\'s switch: the pipeline alerts but no Watchdog; the Prometheus scrapes itself and the Alertmanager', () => {
    const { stack, objects } = build({});
    const alerts = find(objects(), 'PrometheusRule', 'fintech-test-pipeline').spec.groups[0].rules.map((r: any) => r.alert);
    expect(alerts).toEqual(['PrometheusBadConfig', 'PrometheusRuleFailures', 'PrometheusNotificationQueueRunningFull', 'PrometheusErrorSendingAlerts',
      'PrometheusDroppingAlerts', 'AlertmanagerFailedReload', 'AlertmanagerFailedToSendAlerts', 'MonitoringTargetDown']);
    expect(find(objects(), 'AlertmanagerConfig', 'fintech-test').spec.route.routes.map((r: any) => r.receiver))
      .toEqual(['fintech-test-critical', 'fintech-test-warning', 'fintech-test-info']);
    expect(stack.pipelineMonitor!.toJson().spec).toEqual({
      selector: {
        matchLabels: { 'app.kubernetes.io/instance': 'fintech-test', 'app.kubernetes.io/component': 'monitoring' },
        matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: ['alertmanager', 'prometheus'] }],
      },
      namespaceSelector: { matchNames: ['monitoring'] },
      endpoints: [{ port: 'web', interval: '15s' }],
    });
    expect(build({ alertmanager: false }).stack.pipelineMonitor!.toJson().spec.selector.matchExpressions[0].values).toEqual(['prometheus']);
  });

  test('kube-state-metrics of another stack: no own kube-state-metrics, the ServiceMonitor points at the given Service', () => {
    const target = { namespace: 'kube-prometheus', selector: { 'app.kubernetes.io/name': 'kube-state-metrics' }, port: 'http-metrics' };
    const { stack, objects } = build({ clusterMetrics: { kubeStateMetrics: target } });
    expect(stack.kubeStateMetrics).toBeUndefined();
    expect(objects().filter((o) => o.kind === 'Deployment')).toEqual([]);
    expect(find(objects(), 'ServiceMonitor', 'fintech-test-kube-state-metrics').spec).toMatchObject({
      namespaceSelector: { matchNames: ['kube-prometheus'] }, endpoints: [{ port: 'http-metrics' }],
    });
    // Prometheus may reach that namespace (any port: the exporter's pod port is not known).
    expect(find(objects(), 'NetworkPolicy', 'prometheus-fintech-test').spec.egress)
      .toContainEqual({ to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-prometheus' } } }] });
  });

  test('no kube-state-metrics of its own without cluster metrics or without its own Prometheus; its image must be pinned', () => {
    expect(build({ clusterMetrics: false }).stack.kubeStateMetrics).toBeUndefined();
    expect(build({ prometheus: false, alertmanager: false }).stack.kubeStateMetrics).toBeUndefined();
    expect(() => build({ kubeStateMetrics: { image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:latest' } })).toThrow(
      "MonitoringStack 'monitoring/fintech-test': 'kubeStateMetrics.image' (\"registry.k8s.io/kube-state-metrics/kube-state-metrics:latest\") is invalid: "
      + "must be pinned: a version tag other than 'latest' (registry/fintech/service:1.4.2) or a digest (...@sha256:<64 hex>)");
  });

  test('namespaceGuardRails: false leaves the namespace to its owner', () => {
    const { stack, objects } = build({ namespaceGuardRails: false });
    expect(stack.namespaceGuardRails).toBeUndefined();
    expect(objects().filter((o) => ['Namespace', 'ResourceQuota', 'LimitRange'].includes(o.kind))).toEqual([]);
  });

  test('network peers are props: Grafana and the canary analysis elsewhere', () => {
    const { stack, objects } = build({ network: { grafana: NetworkPeer.namespace('observability'), canaryAnalysis: NetworkPeer.namespace('rollouts') } });
    expect(stack.peers.grafana.name).toBe('observability');
    expect(find(objects(), 'NetworkPolicy', 'prometheus-fintech-test').spec.ingress.map((r: any) => r.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name']))
      .toEqual(['observability', 'rollouts', 'monitoring']);
  });

  test('the API server peer needs ports', () => {
    expect(() => build({ network: { apiServer: NetworkPeer.namespace('default') } })).toThrow(
      "MonitoringStack 'monitoring/fintech-test': 'network.apiServer' (\"default\") is invalid: must be a NetworkPeer with ports (NetworkPeer.external(name, ports, cidr) or NetworkPeer.namespace(name, ports))");
    expect(() => build({ network: { grafana: NetworkPeer.serviceNamed('grafana', []) } })).toThrow(
      "MonitoringStack 'monitoring/fintech-test': 'network.grafana' (\"NetworkPeer.service('grafana')\") is invalid: must be a NetworkPeer.namespace(...) or NetworkPeer.external(...): the peer runs outside the stack");
  });

  test('dashboards off', () => {
    const { stack, objects } = build({ dashboards: false });
    expect(stack.dashboards).toEqual([]);
    expect(objects().map((o) => o.kind)).not.toContain('ConfigMap');
  });

  test('a dashboard uid of the user\'s choice, and long names hashed to at most 40 characters, stable from one synth to the next', () => {
    const uids = () => build({ name: 'fintech-production-eu-west-1-blue', serviceOptions: { payments: { dashboardUid: 'payments' } } })
      .stack.dashboardDefinitions.map((d) => d.uid);
    const hashed = expect.stringMatching(/^fintech-production-eu-west-1-bl-[0-9a-f]{8}$/);
    expect(uids()).toEqual([hashed, 'payments', 'fintech-production-eu-west-1-blue-ledger']);
    expect(uids()).toEqual(uids());
  });
});

describe('MonitoringStack bad input', () => {
  const windows = (w: Partial<BurnRateWindow>): BurnRateWindow[] => [{
    longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), budgetPercent: 2, severity: Severity.CRITICAL, ...w,
  }];
  const cases: Array<[string, () => unknown, string]> = [
    ['an objective of 100 %', () => build({ objectives: [ServiceLevelObjective.availability({ objectivePercent: 100 })] }),
      `${PATH}: 'objectives[0].objectivePercent' (100) is invalid: must be a percentage strictly between 0 and 100 (100 would leave no error budget), e.g. 99.9`],
    ['an objective of 0 %', () => build({ serviceOptions: { payments: { objectives: [ServiceLevelObjective.availability({ objectivePercent: 0 })] } } }),
      `${PATH}: 'serviceOptions.payments.objectives[0].objectivePercent' (0) is invalid: must be a percentage strictly between 0 and 100 (100 would leave no error budget), e.g. 99.9`],
    ['two objectives of the same name', () => build({ objectives: [
      ServiceLevelObjective.availability({ objectivePercent: 99.9 }), ServiceLevelObjective.availability({ objectivePercent: 99 })] }),
    `${PATH}: 'objectives[1].name' ("availability") is invalid: is also the name of objectives[0]; each must be unique: the name tells the objectives' rules and alerts apart`],
    ['a latency threshold of 0', () => build({ objectives: [ServiceLevelObjective.latency({ objectivePercent: 95, threshold: Duration.millis(0) })] }),
      `${PATH}: 'objectives[0].threshold' ("0ms") is invalid: must be a positive duration, e.g. Duration.millis(500)`],
    ['an objective window that is no PromQL range', () => build({ objectives: [ServiceLevelObjective.availability({ objectivePercent: 99, window: Duration.millis(1500) })] }),
      `${PATH}: 'objectives[0].window' ("1500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.minutes(5): PromQL ranges have no fractions`],
    ['burn-rate windows that do not nest', () => build({ burnRateWindows: windows({ shortWindow: Duration.hours(2) }) }),
      `${PATH}: 'burnRateWindows[0].shortWindow' ("2h") is invalid: must be shorter than its long window (1h); windows must nest (the workbook uses 1/12 of the long window)`],
    ['a long window beyond the objective\'s window', () => build({ burnRateWindows: windows({ longWindow: Duration.days(31), shortWindow: Duration.hours(1) }) }),
      `${PATH}: 'burnRateWindows[0].longWindow' ("31d") is invalid: must not exceed the window of objective 'availability' (30d)`],
    ['a burn-rate window that does not parse as a PromQL range', () => build({ burnRateWindows: windows({ shortWindow: Duration.millis(2500) }) }),
      `${PATH}: 'burnRateWindows[0].shortWindow' ("2500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.minutes(5): PromQL ranges have no fractions`],
    ['a budget share above 100 %', () => build({ burnRateWindows: windows({ budgetPercent: 150 }) }),
      `${PATH}: 'burnRateWindows[0].budgetPercent' (150) is invalid: must be a percentage of the error budget in (0, 100]`],
    ['an unknown severity on a burn-rate window', () => build({ burnRateWindows: windows({ severity: 'page' as Severity }) }),
      `${PATH}: 'burnRateWindows[0].severity' ("page") is invalid: must be one of critical, warning, info (Severity.CRITICAL, Severity.WARNING, Severity.INFO)`],
    ['an unknown severity on an error-counter alert', () => build({ serviceOptions: { ledger: { errorAlerts: [
      { alert: 'SnapshotFailures', errorType: 'snapshot_failure', severity: 'urgent' as Severity, summary: 'snapshots fail' }] } } }),
    `${PATH}: 'serviceOptions.ledger.errorAlerts[0].severity' ("urgent") is invalid: must be one of critical, warning, info (Severity.CRITICAL, Severity.WARNING, Severity.INFO)`],
    ['an alert name that duplicates a platform alert in the group', () => build({ serviceOptions: { ledger: { errorAlerts: [
      { alert: 'HighErrorRate', errorType: 'http', severity: Severity.WARNING, summary: 'errors' }] } } }),
    `${PATH}: 'serviceOptions.ledger.errorAlerts[0].alert' ("HighErrorRate") is invalid: is the name of a platform alert of the service (HighErrorRate, ServiceDown, HighMemoryUsage, HighCPUUsage, PodRestarts, PodCrashLooping, HighRequestVolume); alert names must be unique in the service's rule group`],
    ['an alert name that is not PascalCase', () => build({ serviceOptions: { ledger: { errorAlerts: [
      { alert: 'snapshot-failures', errorType: 'snapshot_failure', severity: Severity.CRITICAL, summary: 'snapshots fail' }] } } }),
    `${PATH}: 'serviceOptions.ledger.errorAlerts[0].alert' ("snapshot-failures") is invalid: must be an alert name in PascalCase: a capital letter, then letters and digits`],
    ['a critical memory threshold below the warning one', () => build({ serviceOptions: { ledger: { memoryCriticalPercent: 70 } } }),
      `${PATH}: 'serviceOptions.ledger.memoryCriticalPercent' (70) is invalid: must be above 'memoryWarningPercent' (80)`],
    ['options for a service the stack does not watch', () => build({ serviceOptions: { ledgr: {} } }),
      `${PATH}: 'serviceOptions.ledgr' ("ledgr") is invalid: names no service of the stack; known: payments, ledger`],
    ['a Slack receiver without its secret reference', () => build({ routing: { ...ROUTING, warning: [Notifier.slack({ channel: '#alerts', webhookUrl: undefined as any })] } }),
      `${PATH}: 'routing.warning[0].webhookUrl' (undefined) is invalid: must reference the Secret that holds the Slack webhook URL, e.g. SecretKeyRef.of('alertmanager-receivers', 'webhook-url'); credentials are never accepted as values`],
    ['a PagerDuty receiver given a routing key value instead of a reference', () => build({ routing: { ...ROUTING, critical: [Notifier.pagerDuty({ routingKey: 'R0UT1NGK3Y' as any })] } }),
      `${PATH}: 'routing.critical[0].routingKey' (a string of 10 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the PagerDuty routing key, e.g. SecretKeyRef.of('alertmanager-receivers', 'routing-key'); credentials are never accepted as values`],
    ['an SMTP user without a password reference', () => build({ routing: { ...ROUTING, info: [Notifier.email({ to: 'a@fintech.internal', from: 'b@fintech.internal', smarthost: 'smtp:587', username: 'am' })] } }),
      `${PATH}: 'routing.info[0].password' (undefined) is invalid: must reference the Secret that holds the SMTP password, e.g. SecretKeyRef.of('alertmanager-receivers', 'password'); credentials are never accepted as values`],
    ['a severity without notifiers', () => build({ routing: { ...ROUTING, critical: [] } }),
      `${PATH}: 'routing.critical' ([]) is invalid: must list at least one Notifier (Notifier.slack, Notifier.pagerDuty or Notifier.email)`],
    ['a heartbeat webhook given its URL instead of a reference', () => build({ routing: { ...ROUTING, deadMansSwitch: Notifier.webhook({ url: 'https://hc.example.com/ping/abc' as any }) } }),
      `${PATH}: 'routing.deadMansSwitch.url' (a string of 31 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the webhook URL, e.g. SecretKeyRef.of('alertmanager-receivers', 'url'); credentials are never accepted as values`],
    ['a heartbeat webhook on no TCP port', () => build({ routing: { ...ROUTING, deadMansSwitch: Notifier.webhook({ url: secret('heartbeat-url'), port: 70000 }) } }),
      `${PATH}: 'routing.deadMansSwitch.port' (70000) is invalid: must be an integer from 1 to 65535`],
    ['a heartbeat every 30 seconds', () => build({ routing: { ...ROUTING, deadMansSwitch: Notifier.webhook({ url: secret('heartbeat-url') }), heartbeatInterval: Duration.seconds(30) } }),
      `${PATH}: 'routing.heartbeatInterval' ("30 seconds") is invalid: must be between 1 and 15 minutes: shorter floods the heartbeat service, longer hides a dead pipeline for too long`],
    ['a heartbeat interval without a dead man\'s switch', () => build({ routing: { ...ROUTING, heartbeatInterval: Duration.minutes(2) } }),
      `${PATH}: 'routing.heartbeatInterval' ("2 minutes") is invalid: is set without 'deadMansSwitch'; give the heartbeat's notifier, or leave the interval out`],
    ['a dead man\'s switch on the cluster\'s Alertmanager', () => build({ alertmanager: false, routing: { ...ROUTING, deadMansSwitch: Notifier.webhook({ url: secret('heartbeat-url') }) } }),
      `${PATH}: 'routing.deadMansSwitch' ("webhook") is invalid: needs the stack's own Alertmanager: the cluster's Alertmanager routes the Watchdog of its own rules (kube-prometheus has one); leave it out with 'alertmanager' false`],
    ['its own Alertmanager without routing', () => build({ routing: undefined }),
      `${PATH}: 'routing' (undefined) is invalid: is required with the stack's own Alertmanager: give the notifiers of each severity, or set 'alertmanager' to false`],
    ['a dashboard uid clash', () => build({ serviceOptions: { payments: { dashboardUid: 'fintech-test-ledger' } } }),
      `${PATH}: 'serviceOptions.payments.dashboardUid' ("fintech-test-ledger") is invalid: is also the uid of dashboard 'FinTech Platform – Fintech-test – ledger'; dashboard uids must be unique`],
    ['a dashboard uid Grafana refuses', () => build({ serviceOptions: { payments: { dashboardUid: 'payments/overview' } } }),
      `${PATH}: 'serviceOptions.payments.dashboardUid' ("payments/overview") is invalid: must be at most 40 letters, digits, "-" or "_" (a Grafana dashboard uid)`],
    ['no discovery label', () => build({ discoveryLabels: {} }),
      `${PATH}: 'discoveryLabels' ({}) is invalid: must have at least one label, or the Prometheus would select every ServiceMonitor and rule of the cluster`],
    ['a service without metrics', () => build({}, { metrics: false }),
      `${PATH}: 'services[0]' ("fintech-test/payments") is invalid: has metrics turned off (no ServiceMonitor), so nothing would be scraped; turn 'metrics' on or leave the service out`],
    ['a request above its limit', () => build({ prometheus: { resources: { memory: { request: Size.gibibytes(8) } } } }),
      `${PATH}: 'prometheus.resources.memory.request' ("8Gi") is invalid: must not exceed the limit (4Gi)`],
    ['a fractional scrape interval', () => build({ scrapeInterval: Duration.millis(7500) }),
      `${PATH}: 'scrapeInterval' ("7500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.seconds(15)`],
  ];

  test.each(cases)('%s', (_, act, message) => {
    expect(act).toThrow(message);
    try {
      act();
    } catch (e) {
      expect((e as Error).message).toBe(message);
    }
  });

  test('a service listed twice', () => {
    const app = new App();
    const payments = new FintechService(new Chart(app, 'services', { namespace: NS }), 'payments', { image: 'r/fintech/payments:1.0.0', port: 8080 });
    expect(() => new MonitoringStack(new Chart(app, 'monitoring', { namespace: 'monitoring' }), 'fintech-test', { services: [payments, payments], routing: ROUTING }))
      .toThrow(`${PATH}: 'services[1]' ("fintech-test/payments") is invalid: is listed twice; each service must be monitored once`);
  });

  test('a service that admits scrapers from another namespace admits the stack\'s Prometheus pods too, and nothing more', () => {
    const { payments, serviceObjects } = build({}, { metricsScrapers: NetworkPeer.namespace('observability') });
    const scrapers = serviceObjects().find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'payments').spec.ingress;
    expect(scrapers).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      {
        from: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } },
          podSelector: { matchLabels: { 'app.kubernetes.io/name': 'prometheus', 'prometheus': 'fintech-test' } },
        }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
    expect(() => payments.allowMetricsScrapersFrom(NetworkPeer.namespace('observability', [], { app: 'prometheus' }))).not.toThrow();
    expect(serviceObjects().find((o) => o.kind === 'NetworkPolicy' && o.metadata.name === 'payments').spec.ingress).toHaveLength(2);
  });
});

describe('MonitoringStack.prometheusUrlOf', () => {
  test('names the stack\'s own Prometheus Service, as the stack itself does', () => {
    const app = new App();
    const payments = new FintechService(new Chart(app, 'services', { namespace: 'payments' }), 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
    const stack = new MonitoringStack(new Chart(app, 'observability', { namespace: 'observability' }), 'stack', { services: [payments], alertmanager: false });
    expect(MonitoringStack.prometheusUrlOf('stack', 'observability')).toBe(stack.prometheusUrl);
    expect(MonitoringStack.prometheusUrlOf('fintech')).toBe('http://prometheus-fintech.monitoring.svc:9090');
  });

  test.each<[unknown, unknown, string]>([
    [undefined, 'monitoring', `MonitoringStack.prometheusUrlOf: 'stackName' (undefined) is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
    ['fintech', 'Monitoring', `MonitoringStack.prometheusUrlOf: 'namespace' ("Monitoring") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
  ])('refuses %p in %p', (name, namespace, message) => {
    expect(() => MonitoringStack.prometheusUrlOf(name as string, namespace as string)).toThrow(message);
  });
});
