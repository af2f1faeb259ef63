// Plain JavaScript, as a caller without type checking writes it: every wrong type given to a
// MonitoringStack, its notifiers, objectives, options and a KubeStateMetrics gives the usual
// construct-path error naming the prop's full path, never a TypeError from deep inside.
const { App, Chart, Duration, Size } = require('cdk8s');
const { Cpu } = require('cdk8s-plus-28');
const { FintechService, SecretKeyRef } = require('../../lib');
const { MonitoringStack } = require('../../lib/monitoring-stack');
const { Severity } = require('../../lib/monitoring/alert-rules');
const { Notifier } = require('../../lib/monitoring/alertmanager-config');
const { KubeStateMetrics } = require('../../lib/monitoring/kube-state-metrics');
const { ServiceLevelObjective } = require('../../lib/monitoring/slo');
const { plainErrorMessage } = require('../support/errors');

const P = "MonitoringStack 'monitoring/stack'";
const K = "KubeStateMetrics 'monitoring/ksm'";
const ref = (key) => SecretKeyRef.of('alertmanager-receivers', key);
const slack = (o = {}) => Notifier.slack({ channel: '#alerts', webhookUrl: ref('slack-url'), ...o });
const pagerDuty = (o = {}) => Notifier.pagerDuty({ routingKey: ref('routing-key'), ...o });
const email = (o = {}) => Notifier.email({ to: 'oncall@fintech.internal', from: 'am@fintech.internal', smarthost: 'smtp.fintech.internal:587', ...o });
const webhook = (o = {}) => Notifier.webhook({ url: ref('heartbeat-url'), ...o });
const routing = (o = {}) => ({ critical: [pagerDuty()], warning: [slack()], ...o });
const errorAlert = (o = {}) => ({ alert: 'SnapshotFailures', errorType: 'snapshot_failure', severity: Severity.WARNING, summary: 'EventStore snapshots fail', ...o });

function stack(props) {
  const app = new App();
  const services = new Chart(app, 'services', { namespace: 'fintech' });
  const payments = new FintechService(services, 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
  return new MonitoringStack(new Chart(app, 'monitoring', { namespace: 'monitoring' }), 'stack', { services: [payments], routing: routing(), ...props });
}
const ksm = (props) => new KubeStateMetrics(new Chart(new App(), 'monitoring', { namespace: 'monitoring' }), 'ksm', props);
const KSM = { name: 'kube-state-metrics', namespace: 'monitoring', watchedNamespaces: ['fintech'], labels: { 'app.kubernetes.io/instance': 'fintech' } };

function messageOf(build) {
  return plainErrorMessage(build);
}

const CASES = [
  // props and services
  ['no props at all', () => new MonitoringStack(new Chart(new App(), 'monitoring'), 'stack', undefined),
    `${P}: 'props' (undefined) is invalid: must be an object, not undefined, e.g. { services: [payments], routing: { critical: [...], warning: [...] } }`],
  ['a plain object as a service', () => stack({ services: [{ name: 'payments', namespace: 'fintech' }] }),
    `${P}: 'services[0]' ({"name":"payments","namespace":"fintech"}) is invalid: must be a FintechService`],
  ['undefined in the service list', () => stack({ services: [undefined] }),
    `${P}: 'services[0]' (undefined) is invalid: must be a FintechService`],
  ['an evaluation interval as a number', () => stack({ evaluationInterval: 30 }),
    `${P}: 'evaluationInterval' (30) is invalid: must be a Duration, not a number, e.g. Duration.seconds(15)`],
  ['null as the Prometheus', () => stack({ prometheus: null }),
    `${P}: 'prometheus' (null) is invalid: must be an object, not null, e.g. { retention: Duration.days(15), storage: Size.gibibytes(50) } or false`],
  ['null as the Alertmanager', () => stack({ alertmanager: null }),
    `${P}: 'alertmanager' (null) is invalid: must be an object, not null, e.g. { retention: Duration.hours(120), storage: Size.gibibytes(1) } or false`],
  // serviceOptions
  ['null options for a service', () => stack({ serviceOptions: { payments: null } }),
    `${P}: 'serviceOptions.payments' (null) is invalid: must be an object, not null, e.g. { memoryCriticalPercent: 85 }`],
  ['NaN as the error rate threshold', () => stack({ serviceOptions: { payments: { highErrorRatePerSecond: NaN } } }),
    `${P}: 'serviceOptions.payments.highErrorRatePerSecond' (NaN) is invalid: must be a positive number`],
  ['Infinity as the request volume factor', () => stack({ serviceOptions: { payments: { requestVolumeFactor: Infinity } } }),
    `${P}: 'serviceOptions.payments.requestVolumeFactor' (Infinity) is invalid: must be a positive number`],
  ['one error alert instead of a list', () => stack({ serviceOptions: { payments: { errorAlerts: errorAlert() } } }),
    `${P}: 'serviceOptions.payments.errorAlerts' ({"alert":"SnapshotFailures","errorType":"snapshot_failure","severity":"warning","summary":"EventStore snapshots fail"}) is invalid: must be an array, not an object, e.g. [{ alert: 'SnapshotFailures', errorType: 'snapshot_failure', ... }]`],
  ['an error window as a string', () => stack({ serviceOptions: { payments: { errorAlerts: [errorAlert({ window: '5m' })] } } }),
    `${P}: 'serviceOptions.payments.errorAlerts[0].window' ("5m") is invalid: must be a Duration, not a string, e.g. Duration.minutes(5): PromQL ranges have no fractions`],
  // objectives and burn-rate windows
  ['an objective window as a string', () => stack({ objectives: [ServiceLevelObjective.availability({ objectivePercent: 99.9, window: '30d' })] }),
    `${P}: 'objectives[0].window' ("30d") is invalid: must be a Duration, not a string, e.g. Duration.minutes(5): PromQL ranges have no fractions`],
  ['a plain object as an objective', () => stack({ objectives: [{ kind: 'availability', objectivePercent: 99.9 }] }),
    `${P}: 'objectives[0]' ({"kind":"availability","objectivePercent":99.9}) is invalid: must be a ServiceLevelObjective, e.g. ServiceLevelObjective.availability({ objectivePercent: 99.9 })`],
  ['a latency objective with a numeric threshold', () => stack({ objectives: [ServiceLevelObjective.latency({ objectivePercent: 95, threshold: 500 })] }),
    `${P}: 'objectives[0].threshold' (500) is invalid: must be a positive duration, e.g. Duration.millis(500)`],
  ['null as a burn-rate window', () => stack({ burnRateWindows: [null] }),
    `${P}: 'burnRateWindows[0]' (null) is invalid: must be an object, not null, e.g. { longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), budgetPercent: 2, severity: Severity.CRITICAL }`],
  // routing and notifiers
  ['routing as a list of notifiers', () => stack({ routing: [pagerDuty()] }),
    `${P}: 'routing' ([{"kind":"pagerduty","options":{"routingKey":{"secretName":"alertmanager-receivers","key":"routing-key"}}}]) is invalid: must be an object, not an array, e.g. { critical: [Notifier.pagerDuty({ ... })], warning: [Notifier.slack({ ... })] }`],
  ['a string among the notifiers', () => stack({ routing: routing({ critical: ['pagerduty'] }) }),
    `${P}: 'routing.critical[0]' ("pagerduty") is invalid: must be a Notifier: Notifier.slack(...), Notifier.pagerDuty(...), Notifier.email(...) or Notifier.webhook(...)`],
  ['a group wait as a number', () => stack({ routing: routing({ groupWait: 30 }) }),
    `${P}: 'routing.groupWait' (30) is invalid: must be a Duration, not a number, e.g. Duration.seconds(15)`],
  ['a repeat interval as a string', () => stack({ routing: routing({ repeatInterval: { critical: '1h' } }) }),
    `${P}: 'routing.repeatInterval.critical' ("1h") is invalid: must be a Duration, not a string, e.g. Duration.seconds(15)`],
  ['a list of dead man\'s switches', () => stack({ routing: routing({ deadMansSwitch: [webhook()] }) }),
    `${P}: 'routing.deadMansSwitch' ([{"kind":"webhook","options":{"url":{"secretName":"alertmanager-receivers","key":"heartbeat-url"}}}]) is invalid: must be a Notifier: Notifier.slack(...), Notifier.pagerDuty(...), Notifier.email(...) or Notifier.webhook(...)`],
  ['a plain object as a SecretKeyRef', () => stack({ routing: routing({ critical: [pagerDuty({ routingKey: { secretName: 'alertmanager-receivers', key: 'routing-key' } })] }) }),
    `${P}: 'routing.critical[0].routingKey' (an object) is invalid: must be a SecretKeyRef, not an object: reference the Secret that holds the PagerDuty routing key, e.g. SecretKeyRef.of('alertmanager-receivers', 'routing-key'); credentials are never accepted as values`],
  ['a number as the SMTP username', () => stack({ routing: routing({ warning: [email({ username: 42, password: ref('smtp-password') })] }) }),
    `${P}: 'routing.warning[0].username' (42) is invalid: must be a string, not a number`],
  ['a Secret key given as a number', () => stack({ routing: routing({ critical: [pagerDuty({ routingKey: SecretKeyRef.of('alertmanager-receivers', 5) })] }) }),
    `${P}: 'routing.critical[0].routingKey.key' (5) is invalid: must be a key of the Secret: letters, digits, "-", "_" and ".", at most 253 characters`],
  ['Notifier.email without options', () => stack({ routing: routing({ info: [Notifier.email(undefined)] }) }),
    `${P}: 'routing.info[0]' (undefined) is invalid: must be an object, not undefined, e.g. Notifier.email({ to: 'oncall@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:587' })`],
  ['Notifier.pagerDuty with null', () => stack({ routing: routing({ critical: [Notifier.pagerDuty(null)] }) }),
    `${P}: 'routing.critical[0]' (null) is invalid: must be an object, not null, e.g. Notifier.pagerDuty({ routingKey: SecretKeyRef.of('alertmanager-receivers', 'routing-key') })`],
  // Prometheus and Alertmanager
  ['a CPU request as a string', () => stack({ prometheus: { resources: { cpu: { request: '500m' } } } }),
    `${P}: 'prometheus.resources.cpu.request' ("500m") is invalid: must be a Cpu, not a string, e.g. Cpu.millis(500) or Cpu.units(2)`],
  ['runAs as a number', () => stack({ alertmanager: { runAs: 1000 } }),
    `${P}: 'alertmanager.runAs' (1000) is invalid: must be an object, not a number, e.g. { user: 1000, group: 1000 }`],
  ['Alertmanager true', () => stack({ alertmanager: true }),
    `${P}: 'alertmanager' (true) is invalid: must be an object, not a boolean, e.g. { retention: Duration.hours(120), storage: Size.gibibytes(1) } or false`],
  // cluster metrics and kube-state-metrics
  ['cluster metrics true', () => stack({ clusterMetrics: true }),
    `${P}: 'clusterMetrics' (true) is invalid: must be an object, not a boolean, e.g. { kubeStateMetrics: DEFAULT_KUBE_STATE_METRICS } or false`],
  ['insecureSkipVerify as a string', () => stack({ clusterMetrics: { kubelet: { namespace: 'kube-system', selector: { app: 'kubelet' }, port: 'https-metrics', insecureSkipVerify: 'true' } } }),
    `${P}: 'clusterMetrics.kubelet.insecureSkipVerify' ("true") is invalid: must be a boolean (true or false)`],
  ['a kube-state-metrics memory limit as a string', () => stack({ kubeStateMetrics: { resources: { memory: { limit: '256Mi' } } } }),
    `${P}: 'kubeStateMetrics.resources.memory.limit' ("256Mi") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
  ['KubeStateMetrics without props', () => ksm(undefined),
    `${K}: 'props' (undefined) is invalid: must be an object, not undefined, e.g. { name: 'kube-state-metrics', namespace: 'monitoring', watchedNamespaces: ['fintech-production'], labels: {} }`],
  ['KubeStateMetrics watching one namespace given as a string', () => ksm({ ...KSM, watchedNamespaces: 'fintech' }),
    `${K}: 'watchedNamespaces' ("fintech") is invalid: must be an array, not a string, e.g. ['fintech-production']`],
  ['KubeStateMetrics without labels', () => ksm({ ...KSM, labels: undefined }),
    `${K}: 'labels' (undefined) is invalid: must be an object, not undefined, e.g. { team: "payments" }`],
  // namespace guard rails
  ['namespace guard rails true', () => stack({ namespaceGuardRails: true }),
    `${P}: 'namespaceGuardRails' (true) is invalid: must be an object, not a boolean, e.g. { labels: { team: "sre" } } or false`],
  ['a quota given as a word', () => stack({ namespaceGuardRails: { quota: 'small' } }),
    `${P}: 'namespaceGuardRails.quota' ("small") is invalid: must be an object, not a string, e.g. { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: ..., limitsMemory: ... }`],
  ['a CPU quota as a string', () => stack({ namespaceGuardRails: { quota: { requestsCpu: '4', limitsCpu: Cpu.units(8), requestsMemory: Size.gibibytes(8), limitsMemory: Size.gibibytes(16) } } }),
    `${P}: 'namespaceGuardRails.quota.requestsCpu' ("4") is invalid: must be a Cpu, not a string, e.g. Cpu.millis(500) or Cpu.units(2)`],
  ['a container limit as a number', () => stack({ namespaceGuardRails: { containerLimits: { maxCpu: 2 } } }),
    `${P}: 'namespaceGuardRails.containerLimits.maxCpu' (2) is invalid: must be a Cpu, not a number, e.g. Cpu.millis(500) or Cpu.units(2)`],
  // more wrong types
  ['a Slack notifier given the channel only', () => stack({ routing: routing({ warning: [Notifier.slack('#alerts')] }) }),
    `${P}: 'routing.warning[0]' ("#alerts") is invalid: must be an object, not a string, e.g. Notifier.slack({ channel: '#fintech-alerts', webhookUrl: SecretKeyRef.of('alertmanager-receivers', 'slack-url') })`],
  ['undefined among the critical notifiers', () => stack({ routing: routing({ critical: [Notifier.pagerDuty({ routingKey: ref('routing-key') }), undefined] }) }),
    `${P}: 'routing.critical[1]' (undefined) is invalid: must be a Notifier: Notifier.slack(...), Notifier.pagerDuty(...), Notifier.email(...) or Notifier.webhook(...)`],
  ['undefined among a service\'s objectives', () => stack({ serviceOptions: { payments: { objectives: [undefined] } } }),
    `${P}: 'serviceOptions.payments.objectives[0]' (undefined) is invalid: must be a ServiceLevelObjective, e.g. ServiceLevelObjective.availability({ objectivePercent: 99.9 })`],
];

describe('MonitoringStack and KubeStateMetrics from JavaScript', () => {
  test.each(CASES)('rejects %s', (_name, build, expected) => expect(messageOf(build)).toBe(expected));
});
