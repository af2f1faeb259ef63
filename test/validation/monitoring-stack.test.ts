import { App, Chart, Duration, Size } from 'cdk8s';
import { FintechService, NetworkPeer, SecretKeyRef } from '../../lib';
import { MonitoringStack } from '../../lib/monitoring-stack';
import { Severity } from '../../lib/monitoring/alert-rules';
import { Notifier } from '../../lib/monitoring/alertmanager-config';
import { ServiceLevelObjective } from '../../lib/monitoring/slo';
import { plainErrorMessage } from '../support/errors';
import { email, pagerDuty, routing, slack, webhook } from '../support/monitoring-fixtures';

/** GIVEN a mistake in one prop of a MonitoringStack THEN the stack refuses it with its path, the prop, the value and what is valid. */
const P = "MonitoringStack 'monitoring/stack'";

function stack(props: object): MonitoringStack {
  const app = new App();
  const services = new Chart(app, 'services', { namespace: 'fintech' });
  const payments = new FintechService(services, 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
  return new MonitoringStack(new Chart(app, 'monitoring', { namespace: 'monitoring' }), 'stack', { services: [payments], routing: routing(), ...props } as any);
}

function messageOf(props: object): string {
  return plainErrorMessage(() => stack(props));
}

const CASES: Array<[string, object, string]> = [
  ['a misspelt prop', { scrapeIntervall: Duration.seconds(30) },
    `${P}: 'props.scrapeIntervall' (a Duration) is invalid: is not a known option; the options are services, serviceOptions, name, environment, objectives, burnRateWindows, routing, prometheus, alertmanager, clusterMetrics, kubeStateMetrics, namespaceGuardRails, network, discoveryLabels, runbookBaseUrl, dashboards, dashboardFolder, scrapeInterval, evaluationInterval`],
  ['a Duration as a string', { scrapeInterval: '30s' },
    `${P}: 'scrapeInterval' ("30s") is invalid: must be a Duration, not a string, e.g. Duration.seconds(15)`],
  ['a negative-free but fractional interval', { evaluationInterval: Duration.millis(1500) },
    `${P}: 'evaluationInterval' ("1500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.seconds(15)`],
  ['a number as the name', { name: 7 },
    `${P}: 'name' (7) is invalid: must be a string, not a number; a DNS-1123 label such as "payments"`],
  ['labels as a string', { discoveryLabels: 'release=kps' },
    `${P}: 'discoveryLabels' ("release=kps") is invalid: must be an object, not a string, e.g. { release: 'kube-prometheus-stack' }`],
  ['a label value with a space', { discoveryLabels: { release: 'kube prometheus' } },
    `${P}: 'discoveryLabels.release' ("kube prometheus") is invalid: must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
  ['dashboards as a string', { dashboards: 'yes' },
    `${P}: 'dashboards' ("yes") is invalid: must be a boolean (true or false), not a string`],
  ['a number as the dashboard folder', { dashboardFolder: 5 },
    `${P}: 'dashboardFolder' (5) is invalid: must be a string, not a number, e.g. "FinTech"`],
  ['one objective instead of a list', { objectives: ServiceLevelObjective.availability({ objectivePercent: 99.9 }) },
    `${P}: 'objectives' (a ServiceLevelObjective) is invalid: must be an array, not a ServiceLevelObjective, e.g. [ServiceLevelObjective.availability({ objectivePercent: 99.9 })]`],
  ['service options as a list', { serviceOptions: [] },
    `${P}: 'serviceOptions' ([]) is invalid: must be an object, not an array, e.g. { payments: { memoryCriticalPercent: 85 } }`],
  ['a misspelt service option', { serviceOptions: { payments: { memoryCriticalPercnt: 85 } } },
    `${P}: 'serviceOptions.payments.memoryCriticalPercnt' (a number) is invalid: is not a known option; the options are objectives, highErrorRatePerSecond, memoryWarningPercent, memoryCriticalPercent, cpuWarningPercent, requestVolumeFactor, errorAlerts, dashboardUid`],
  ['a percentage as a string', { serviceOptions: { payments: { memoryWarningPercent: '80' } } },
    `${P}: 'serviceOptions.payments.memoryWarningPercent' ("80") is invalid: must be a percentage in (0, 100]`],
  ['an error alert with an unknown option', { serviceOptions: { payments: { errorAlerts: [{ alert: 'X', errorType: 'x', severity: Severity.WARNING, summary: 's', treshold: 1 }] } } },
    `${P}: 'serviceOptions.payments.errorAlerts[0].treshold' (a number) is invalid: is not a known option; the options are alert, errorType, severity, summary, window, threshold, for`],
  ['a runbook URL with credentials', { runbookBaseUrl: 'https://wiki:Sup3rS3cretPw@runbooks.internal/alerts' },
    `${P}: 'runbookBaseUrl' (a string of 51 characters) is invalid: must not contain credentials ("user:password@"): secret values never go into manifests; reference them from a Secret`],
  ['a misspelt Prometheus option', { prometheus: { retension: Duration.days(15) } },
    `${P}: 'prometheus.retension' (a Duration) is invalid: is not a known option; the options are replicas, storage, storageClassName, resources, runAs, version, retention`],
  ['Prometheus true', { prometheus: true },
    `${P}: 'prometheus' (true) is invalid: must be an object, not a boolean, e.g. { retention: Duration.days(15), storage: Size.gibibytes(50) } or false`],
  ['Prometheus version latest', { prometheus: { version: 'latest' } },
    `${P}: 'prometheus.version' ("latest") is invalid: must be a pinned version such as "v3.5.0" (major.minor.patch): "latest" or a floating tag runs a different image after each restart`],
  ['an Alertmanager version without patch', { alertmanager: { version: 'v0.28' } },
    `${P}: 'alertmanager.version' ("v0.28") is invalid: must be a pinned version such as "v3.5.0" (major.minor.patch): "latest" or a floating tag runs a different image after each restart`],
  ['retention as a string', { prometheus: { retention: '15d' } },
    `${P}: 'prometheus.retention' ("15d") is invalid: must be a Duration, not a string, e.g. Duration.days(15)`],
  ['retention in fractional seconds', { alertmanager: { retention: Duration.millis(500) } },
    `${P}: 'alertmanager.retention' ("500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.days(15)`],
  ['storage as a string', { prometheus: { storage: '50Gi' } },
    `${P}: 'prometheus.storage' ("50Gi") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
  ['a storage class in capitals', { prometheus: { storageClassName: 'Fast-SSD' } },
    `${P}: 'prometheus.storageClassName' ("Fast-SSD") is invalid: must be a DNS-1123 subdomain: at most 253 characters in dot-separated DNS-1123 labels (lowercase letters, digits or "-", each starting and ending with a letter or digit)`],
  ['runAs root', { prometheus: { runAs: { user: 0 } } },
    `${P}: 'prometheus.runAs.user' (0) is invalid: must be an integer from 1 to 2147483647`],
  ['replicas as a string', { alertmanager: { replicas: '2' } },
    `${P}: 'alertmanager.replicas' ("2") is invalid: must be an integer of at least 1`],
  ['a misspelt cluster metrics option', { clusterMetrics: { kubeStateMetric: {} } },
    `${P}: 'clusterMetrics.kubeStateMetric' (an object) is invalid: is not a known option; the options are kubeStateMetrics, kubelet`],
  ['a scrape target with a numeric port', { clusterMetrics: { kubelet: { namespace: 'kube-system', selector: { app: 'kubelet' }, port: 10250 } } },
    `${P}: 'clusterMetrics.kubelet.port' (10250) is invalid: must be a string, not a number; a port name such as "http"`],
  ['a misspelt kube-state-metrics option', { kubeStateMetrics: { imag: 'x' } },
    `${P}: 'kubeStateMetrics.imag' (a string of 1 character) is invalid: is not a known option; the options are image, resources`],
  ['a misspelt namespace option', { namespaceGuardRails: { label: {} } },
    `${P}: 'namespaceGuardRails.label' (an object) is invalid: is not a known option; the options are labels, quota, containerLimits`],
  ['a misspelt network peer', { network: { grafanna: NetworkPeer.namespace('grafana') } },
    `${P}: 'network.grafanna' (a NetworkPeer) is invalid: is not a known option; the options are grafana, canaryAnalysis, apiServer, kubelets`],
  ['a network peer as a string', { network: { grafana: 'grafana' } },
    `${P}: 'network.grafana' ("grafana") is invalid: must be a NetworkPeer, not a string, e.g. NetworkPeer.namespace('monitoring') or NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')`],
  ['an external peer without a mask', { network: { apiServer: NetworkPeer.external('kube-apiserver', [{ port: 443 }], '10.0.0.1') } },
    `${P}: 'network.apiServer.cidr' ("10.0.0.1") is invalid: must have a prefix length, e.g. "10.0.0.1/32" for this address alone`],
  ['a peer port as a string', { network: { kubelets: NetworkPeer.external('kubelet', [{ port: '10250' }] as any) } },
    `${P}: 'network.kubelets.ports[0].port' ("10250") is invalid: must be a finite number, not a string`],
  ['a misspelt routing option', { routing: routing({ inhibitEquals: ['service'] }) },
    `${P}: 'routing.inhibitEquals' (an array of 1 item) is invalid: is not a known option; the options are critical, warning, info, groupBy, groupWait, groupInterval, repeatInterval, inhibitEqual, deadMansSwitch, heartbeatInterval`],
  ['an empty inhibition equal list', { routing: routing({ inhibitEqual: [] }) },
    `${P}: 'routing.inhibitEqual' ([]) is invalid: must list at least one label, e.g. ["namespace", "service"]: without one, any critical alert would silence every warning and info alert`],
  ['one label instead of a list', { routing: routing({ groupBy: 'service' }) },
    `${P}: 'routing.groupBy' ("service") is invalid: must be an array, not a string, e.g. ["namespace", "service"]`],
  ['a label that Prometheus cannot name', { routing: routing({ inhibitEqual: ['app.kubernetes.io/name'] }) },
    `${P}: 'routing.inhibitEqual[0]' ("app.kubernetes.io/name") is invalid: must be a Prometheus label name: letters, digits and "_", not starting with a digit, e.g. "service"`],
  ['a repeat interval of an unknown severity', { routing: routing({ repeatInterval: { page: Duration.hours(1) } }) },
    `${P}: 'routing.repeatInterval.page' (a Duration) is invalid: is not a known option; the options are critical, warning, info`],
  ['a heartbeat interval given as a string without a switch', { routing: routing({ heartbeatInterval: '1m' }) },
    `${P}: 'routing.heartbeatInterval' ("1m") is invalid: is set without 'deadMansSwitch'; give the heartbeat's notifier, or leave the interval out`],
  ['a heartbeat interval in milliseconds', { routing: routing({ deadMansSwitch: webhook(), heartbeatInterval: Duration.millis(90500) }) },
    `${P}: 'routing.heartbeatInterval' ("90500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.seconds(15)`],
  ['Notifier.slack without options', { routing: routing({ warning: [Notifier.slack(undefined as any)] }) },
    `${P}: 'routing.warning[0]' (undefined) is invalid: must be an object, not undefined, e.g. Notifier.slack({ channel: '#fintech-alerts', webhookUrl: SecretKeyRef.of('alertmanager-receivers', 'slack-url') })`],
  ['a misspelt Slack option, its value unseen', { routing: routing({ warning: [slack({ webhookURL: 'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/XXXXXXXXXXXXXXXXXXXXXXXX' })] }) },
    `${P}: 'routing.warning[0].webhookURL' (a string of 77 characters) is invalid: is not a known option; the options are channel, webhookUrl, sendResolved`],
  ['a Slack webhook URL as a string', { routing: routing({ warning: [slack({ webhookUrl: 'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/XXXXXXXXXXXXXXXXXXXXXXXX' })] }) },
    `${P}: 'routing.warning[0].webhookUrl' (a string of 77 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the Slack webhook URL, e.g. SecretKeyRef.of('alertmanager-receivers', 'webhook-url'); credentials are never accepted as values`],
  ['a PagerDuty routing key as a string', { routing: routing({ critical: [pagerDuty({ routingKey: '0123456789abcdef0123456789abcdef' })] }) },
    `${P}: 'routing.critical[0].routingKey' (a string of 32 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the PagerDuty routing key, e.g. SecretKeyRef.of('alertmanager-receivers', 'routing-key'); credentials are never accepted as values`],
  ['an SMTP password as a string', { routing: routing({ warning: [email({ username: 'am', password: 'Tr0ub4dor&3' })] }) },
    `${P}: 'routing.warning[0].password' (a string of 11 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the SMTP password, e.g. SecretKeyRef.of('alertmanager-receivers', 'password'); credentials are never accepted as values`],
  ['sendResolved as a string', { routing: routing({ warning: [slack({ sendResolved: 'false' })] }) },
    `${P}: 'routing.warning[0].sendResolved' ("false") is invalid: must be a boolean (true or false), not a string`],
  ['requireTls as a string', { routing: routing({ warning: [email({ requireTls: 'no' })] }) },
    `${P}: 'routing.warning[0].requireTls' ("no") is invalid: must be a boolean (true or false), not a string`],
  ['a webhook port as a string', { routing: routing({ deadMansSwitch: webhook({ port: '443' }) }) },
    `${P}: 'routing.deadMansSwitch.port' ("443") is invalid: must be an integer from 1 to 65535`],
  ['a single Notifier instead of a list', { routing: routing({ critical: pagerDuty() }) },
    `${P}: 'routing.critical' (a Notifier) is invalid: must list at least one Notifier (Notifier.slack, Notifier.pagerDuty or Notifier.email)`],
  ['a Secret name in capitals', { routing: routing({ critical: [pagerDuty({ routingKey: SecretKeyRef.of('PagerDuty', 'key') })] }) },
    `${P}: 'routing.critical[0].routingKey.secretName' ("PagerDuty") is invalid: must be the name of a Secret: lowercase letters, digits, "-" and ".", at most 253 characters, starting and ending with a letter or digit`],
  ['ServiceLevelObjective.availability without options', { objectives: [ServiceLevelObjective.availability(undefined as any)] },
    `${P}: 'objectives[0]' (undefined) is invalid: must be an object, not undefined, e.g. ServiceLevelObjective.availability({ objectivePercent: 99.9 })`],
  ['a misspelt objective option', { objectives: [ServiceLevelObjective.availability({ objectivePercent: 99.9, windw: Duration.days(7) } as any)] },
    `${P}: 'objectives[0].windw' (a Duration) is invalid: is not a known option; the options are objectivePercent, window, name`],
  ['an objective percentage as a string', { objectives: [ServiceLevelObjective.availability({ objectivePercent: '99.9' } as any)] },
    `${P}: 'objectives[0].objectivePercent' ("99.9") is invalid: must be a percentage strictly between 0 and 100 (100 would leave no error budget), e.g. 99.9`],
  ['a latency objective without a threshold', { objectives: [ServiceLevelObjective.latency({ objectivePercent: 95 } as any)] },
    `${P}: 'objectives[0].threshold' (undefined) is invalid: must be a positive duration, e.g. Duration.millis(500)`],
  ['a latency threshold as a string', { objectives: [ServiceLevelObjective.latency({ objectivePercent: 95, threshold: '500ms' } as any)] },
    `${P}: 'objectives[0].threshold' ("500ms") is invalid: must be a positive duration, e.g. Duration.millis(500)`],
  ['an objective window in milliseconds', { objectives: [ServiceLevelObjective.availability({ objectivePercent: 99, window: Duration.millis(2_592_000_500) })] },
    `${P}: 'objectives[0].window' ("2592000500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.minutes(5): PromQL ranges have no fractions`],
  ['a number as the objective name', { objectives: [ServiceLevelObjective.availability({ objectivePercent: 99, name: 7 } as any)] },
    `${P}: 'objectives[0].name' (7) is invalid: must be a string, e.g. "availability"`],
  ['a misspelt burn-rate window option', { burnRateWindows: [{ longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), budget: 2, severity: Severity.CRITICAL }] },
    `${P}: 'burnRateWindows[0].budget' (a number) is invalid: is not a known option; the options are longWindow, shortWindow, budgetPercent, severity`],
  ['a budget share as a string', { burnRateWindows: [{ longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), budgetPercent: '2', severity: Severity.CRITICAL }] },
    `${P}: 'burnRateWindows[0].budgetPercent' ("2") is invalid: must be a percentage of the error budget in (0, 100]`],
  ['a burn-rate window as a string', { burnRateWindows: [{ longWindow: '1h', shortWindow: Duration.minutes(5), budgetPercent: 2, severity: Severity.CRITICAL }] },
    `${P}: 'burnRateWindows[0].longWindow' ("1h") is invalid: must be a Duration, not a string, e.g. Duration.minutes(5): PromQL ranges have no fractions`],
  ['a number as the Slack channel', { routing: routing({ warning: [slack({ channel: 5 })] }) },
    `${P}: 'routing.warning[0].channel' (5) is invalid: must be a string, not a number, e.g. "#fintech-alerts"`],
  ['a list of recipients instead of a string', { routing: routing({ warning: [email({ to: ['a@fintech.internal', 'b@fintech.internal'] })] }) },
    `${P}: 'routing.warning[0].to' (["a@fintech.internal","b@fintech.internal"]) is invalid: must be a string, not an array, e.g. "oncall@example.com, sre@example.com"`],
  ['an error alert summary as a number', { serviceOptions: { payments: { errorAlerts: [{ alert: 'SnapshotFailures', errorType: 'snapshot_failure', severity: Severity.WARNING, summary: 5 }] } } },
    `${P}: 'serviceOptions.payments.errorAlerts[0].summary' (5) is invalid: must be a string, not a number, e.g. "EventStore snapshots are failing"`],
];

describe('MonitoringStack bad input (table)', () => {
  test.each(CASES)('%s', (_name, props, expected) => {
    expect(messageOf(props)).toBe(expected);
  });
});

test('the reference options still synthesize', () => {
  expect(() => stack({ prometheus: { version: 'v3.5.0', retention: Duration.days(30), storage: Size.gibibytes(50) } })).not.toThrow();
});
