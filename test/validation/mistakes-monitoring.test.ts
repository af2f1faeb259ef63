import { App, Chart, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { FintechService, NetworkPeer, SecretKeyRef } from '../../lib';
import { MonitoringStack } from '../../lib/monitoring-stack';
import { Severity } from '../../lib/monitoring/alert-rules';
import { Notifier } from '../../lib/monitoring/alertmanager-config';
import { KubeStateMetrics } from '../../lib/monitoring/kube-state-metrics';
import { ServiceLevelObjective } from '../../lib/monitoring/slo';
import { plainErrorMessage } from '../support/errors';
import { email, pagerDuty, receiver as ref, routing, slack, webhook } from '../support/monitoring-fixtures';

/**
 * GIVEN the mistakes a new user makes with a MonitoringStack and what it is built from (notifiers,
 * objectives, burn-rate windows, Prometheus, Alertmanager, cluster metrics, kube-state-metrics, the
 * namespace's guard rails, network peers) THEN each is refused with the construct's path, the prop's
 * full path, the value (a secret-looking one by its kind only) and what is valid.
 */
const P = "MonitoringStack 'monitoring/stack'";
const O = "MonitoringStack 'monitoring/other'";
const K = "KubeStateMetrics 'monitoring/ksm'";
const errorAlert = (o: object = {}) => ({ alert: 'SnapshotFailures', errorType: 'snapshot_failure', severity: Severity.WARNING, summary: 'EventStore snapshots fail', ...o });
const window = (o: object = {}) => ({ longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), budgetPercent: 2, severity: Severity.CRITICAL, ...o });

/** One service and the stack: the least a MonitoringStack needs. */
function stack(props: object, id = 'stack', namespace = 'monitoring'): MonitoringStack {
  const app = new App();
  const services = new Chart(app, 'services', { namespace: 'fintech' });
  const payments = new FintechService(services, 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
  return new MonitoringStack(new Chart(app, 'monitoring', { namespace }), id, { services: [payments], routing: routing(), ...props } as any);
}
const ksm = (props: any) => new KubeStateMetrics(new Chart(new App(), 'monitoring', { namespace: 'monitoring' }), 'ksm', props);
const KSM = { name: 'kube-state-metrics', namespace: 'monitoring', watchedNamespaces: ['fintech'], labels: { 'app.kubernetes.io/instance': 'fintech' } };

const CASES: Array<[string, () => unknown, string]> = [
  // props and services
  ['an empty service list', () => stack({ services: [] }),
    `${P}: 'services' ([]) is invalid: must list at least one FintechService`],
  ['a stack name too long for the Alertmanager StatefulSet', () => stack({ name: 'fintech-production-eu-west-1-primary-cluster' }),
    `${P}: 'name' ("fintech-production-eu-west-1-primary-cluster") is invalid: must have at most 39 characters, so that "alertmanager-fintech-production-eu-west-1-primary-cluster" is a valid name (at most 52)`],
  ['a stack name too long for the Prometheus StatefulSet', () => stack({ name: 'fintech-production-eu-west-1-primary-clust', alertmanager: false, routing: undefined }),
    `${P}: 'name' ("fintech-production-eu-west-1-primary-clust") is invalid: must have at most 41 characters, so that "prometheus-fintech-production-eu-west-1-primary-clust" is a valid name (at most 52)`],
  ['an environment in capitals', () => stack({ environment: 'Production' }),
    `${P}: 'environment' ("Production") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
  ['two stacks of one name in one namespace', () => { const s = stack({ name: 'fintech' }); return new MonitoringStack(s.node.scope as Chart, 'other', { services: s.services as any, routing: routing(), name: 'fintech' }); },
    `${O}: 'name' ("fintech") is invalid: is already the name of ${P}; each stack of an app needs a name of its own (it names the stack's ClusterRoles, which are cluster-wide)`],
  ['a scrape interval of two hours', () => stack({ scrapeInterval: Duration.hours(2) }),
    `${P}: 'scrapeInterval' ("2h") is invalid: must be at most 1m: the alerts and SLO rules read rates over 5 minutes, which need several samples in every window`],
  ['a discovery label key with a space', () => stack({ discoveryLabels: { 'kube prometheus': 'yes' } }),
    `${P}: 'discoveryLabels' ("kube prometheus") is invalid: must be a label key such as "track" or "example.com/track": an optional DNS subdomain prefix (at most 253 characters) and "/", then a name of at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
  ['a runbook URL without a scheme', () => stack({ runbookBaseUrl: 'runbooks.fintech.internal/alerts' }),
    `${P}: 'runbookBaseUrl' ("runbooks.fintech.internal/alerts") is invalid: must be an http(s) URL under which each alert has its runbook, e.g. "https://runbooks.example.com/alerts"`],
  ['a dashboard folder that is a token', () => stack({ dashboardFolder: 'ghp_abcdefghijklmnopqrstuvwxyz0123456789' }),
    `${P}: 'dashboardFolder' (a string of 40 characters) is invalid: looks like a credential (a GitHub token), and secret values never go into manifests: a folder name is shown to everyone who can read dashboards`],
  ['cluster metrics without the stack\'s Prometheus', () => stack({ prometheus: false, clusterMetrics: { kubelet: { namespace: 'kube-system', selector: { app: 'kubelet' }, port: 'https-metrics' } } }),
    `${P}: 'clusterMetrics' ({"kubelet":{"namespace":"kube-system","selector":{"app":"kubelet"},"port":"https-metrics"}}) is invalid: is set while 'prometheus' is false: the cluster's Prometheus scrapes the exporters itself; leave 'clusterMetrics' out`],
  ['kube-state-metrics options while another is scraped', () => stack({ clusterMetrics: { kubeStateMetrics: { namespace: 'monitoring', selector: { app: 'ksm' }, port: 'http' } }, kubeStateMetrics: { image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0' } }),
    `${P}: 'kubeStateMetrics' ({"image":"registry.k8s.io/kube-state-metrics/kube-state-metrics:v2.13.0"}) is invalid: is set, but 'clusterMetrics.kubeStateMetrics' names another kube-state-metrics to scrape; leave one of them out`],
  // serviceOptions
  ['0 as the CPU warning', () => stack({ serviceOptions: { payments: { cpuWarningPercent: 0 } } }),
    `${P}: 'serviceOptions.payments.cpuWarningPercent' (0) is invalid: must be a percentage in (0, 100]`],
  ['a fraction as the memory warning', () => stack({ serviceOptions: { payments: { memoryWarningPercent: 0.8 } } }),
    `${P}: 'serviceOptions.payments.memoryWarningPercent' (0.8) is invalid: must be a percentage, not a fraction: 80 for 80 %`],
  ['an error type with spaces', () => stack({ serviceOptions: { payments: { errorAlerts: [errorAlert({ errorType: 'Snapshot Failure' })] } } }),
    `${P}: 'serviceOptions.payments.errorAlerts[0].errorType' ("Snapshot Failure") is invalid: must be an error_type label value: lowercase letters, digits and "_", e.g. "snapshot_failure"`],
  ['a severity in capitals', () => stack({ serviceOptions: { payments: { errorAlerts: [errorAlert({ severity: 'CRITICAL' })] } } }),
    `${P}: 'serviceOptions.payments.errorAlerts[0].severity' ("CRITICAL") is invalid: must be one of critical, warning, info (Severity.CRITICAL, Severity.WARNING, Severity.INFO)`],
  ['the Watchdog severity on an error alert', () => stack({ serviceOptions: { payments: { errorAlerts: [errorAlert({ severity: Severity.NONE })] } } }),
    `${P}: 'serviceOptions.payments.errorAlerts[0].severity' ("none") is invalid: must be one of critical, warning, info (Severity.CRITICAL, Severity.WARNING, Severity.INFO)`],
  ['a negative error threshold', () => stack({ serviceOptions: { payments: { errorAlerts: [errorAlert({ threshold: -1 })] } } }),
    `${P}: 'serviceOptions.payments.errorAlerts[0].threshold' (-1) is invalid: must be a number of errors, at least 0`],
  ['a two-line summary', () => stack({ serviceOptions: { payments: { errorAlerts: [errorAlert({ summary: 'Snapshots fail\nCheck the store' })] } } }),
    `${P}: 'serviceOptions.payments.errorAlerts[0].summary' ("Snapshots fail\\nCheck the store") is invalid: must be one line`],
  ['two error alerts of one name', () => stack({ serviceOptions: { payments: { errorAlerts: [errorAlert(), errorAlert({ errorType: 'snapshot_timeout' })] } } }),
    `${P}: 'serviceOptions.payments.errorAlerts[1].alert' ("SnapshotFailures") is invalid: is also the name of 'serviceOptions.payments.errorAlerts[0]'; alert names must be unique in the service's rule group`],
  ['an error alert named like a platform alert', () => stack({ serviceOptions: { payments: { errorAlerts: [errorAlert({ alert: 'ServiceDown' })] } } }),
    `${P}: 'serviceOptions.payments.errorAlerts[0].alert' ("ServiceDown") is invalid: is the name of a platform alert of the service (HighErrorRate, ServiceDown, HighMemoryUsage, HighCPUUsage, PodRestarts, PodCrashLooping, HighRequestVolume); alert names must be unique in the service's rule group`],
  ['a dashboard uid too long', () => stack({ serviceOptions: { payments: { dashboardUid: 'fintech-production-payments-service-dashboard' } } }),
    `${P}: 'serviceOptions.payments.dashboardUid' ("fintech-production-payments-service-dashboard") is invalid: must be at most 40 letters, digits, "-" or "_" (a Grafana dashboard uid)`],
  // objectives and burn-rate windows
  ['an objective given as a fraction', () => stack({ objectives: [ServiceLevelObjective.availability({ objectivePercent: 0.999 })] }),
    `${P}: 'objectives[0].objectivePercent' (0.999) is invalid: must be a percentage, not a fraction: 99.9 for 99.9 %`],
  ['an objective name in capitals', () => stack({ objectives: [ServiceLevelObjective.availability({ objectivePercent: 99.9, name: 'Availability' })] }),
    `${P}: 'objectives[0].name' ("Availability") is invalid: must be at most 40 lowercase letters, digits or "-", starting with a letter`],
  ['an objective window shorter than the default burn-rate windows', () => stack({ objectives: [ServiceLevelObjective.availability({ objectivePercent: 99.9, window: Duration.hours(12) })] }),
    `${P}: 'objectives[0].window' ("12h") is invalid: must be at least 3d, the longest of the default burn-rate windows (DEFAULT_BURN_RATE_WINDOWS); give a longer window, or 'burnRateWindows' within it`],
  ['no burn-rate windows', () => stack({ burnRateWindows: [] }),
    `${P}: 'burnRateWindows' ([]) is invalid: must list at least one window pair, e.g. DEFAULT_BURN_RATE_WINDOWS`],
  ['a zero budget share', () => stack({ burnRateWindows: [window({ budgetPercent: 0 })] }),
    `${P}: 'burnRateWindows[0].budgetPercent' (0) is invalid: must be a percentage of the error budget in (0, 100]`],
  ['the same burn-rate window twice', () => stack({ burnRateWindows: [window(), window()] }),
    `${P}: 'burnRateWindows[1].longWindow' ("1h") is invalid: repeats the window pair of 'burnRateWindows[0]' (1h/5m); each pair alerts once, give each only once`],
  // routing and notifiers
  ['routing without warning notifiers', () => stack({ routing: { critical: [pagerDuty()] } }),
    `${P}: 'routing.warning' (undefined) is invalid: must list at least one Notifier (Notifier.slack, Notifier.pagerDuty or Notifier.email)`],
  ['an empty info list', () => stack({ routing: routing({ info: [] }) }),
    `${P}: 'routing.info' ([]) is invalid: must list at least one Notifier (Notifier.slack, Notifier.pagerDuty or Notifier.email)`],
  ['an empty groupBy', () => stack({ routing: routing({ groupBy: [] }) }),
    `${P}: 'routing.groupBy' ([]) is invalid: must list at least one label, e.g. ["alertname", "namespace", "service"]`],
  ['an inhibition on a label no alert carries', () => stack({ routing: routing({ inhibitEqual: ['cluster'] }) }),
    `${P}: 'routing.inhibitEqual' (["cluster"]) is invalid: must include "namespace", e.g. ["namespace", "service"]: a label that two alerts both lack counts as equal, so without it a critical alert would silence the warning and info alerts of every other namespace`],
  ['an empty Slack channel', () => stack({ routing: routing({ warning: [slack({ channel: '' })] }) }),
    `${P}: 'routing.warning[0].channel' ("") is invalid: must not be empty, e.g. "#fintech-alerts"`],
  ['a Slack channel with a space', () => stack({ routing: routing({ warning: [slack({ channel: '#fintech alerts' })] }) }),
    `${P}: 'routing.warning[0].channel' ("#fintech alerts") is invalid: must be a Slack channel such as "#fintech-alerts"`],
  ['a Slack webhook Secret key that is empty', () => stack({ routing: routing({ warning: [slack({ webhookUrl: SecretKeyRef.of('alertmanager-receivers', '') })] }) }),
    `${P}: 'routing.warning[0].webhookUrl.key' ("") is invalid: must be a key of the Secret: letters, digits, "-", "_" and ".", at most 253 characters`],
  ['a recipient without a domain', () => stack({ routing: routing({ warning: [email({ to: 'oncall' })] }) }),
    `${P}: 'routing.warning[0].to' ("oncall") is invalid: must be an e-mail address (several for "to", comma-separated)`],
  ['a smarthost without a port', () => stack({ routing: routing({ warning: [email({ smarthost: 'smtp.fintech.internal' })] }) }),
    `${P}: 'routing.warning[0].smarthost' ("smtp.fintech.internal") is invalid: must be "host:port", e.g. "smtp.fintech.internal:587"`],
  ['a smarthost on port 0', () => stack({ routing: routing({ warning: [email({ smarthost: 'smtp.fintech.internal:0' })] }) }),
    `${P}: 'routing.warning[0].smarthost' ("smtp.fintech.internal:0") is invalid: must have a port from 1 to 65535, e.g. "smtp.fintech.internal:587"`],
  ['a smarthost on port 99999', () => stack({ routing: routing({ warning: [email({ smarthost: 'smtp.fintech.internal:99999' })] }) }),
    `${P}: 'routing.warning[0].smarthost' ("smtp.fintech.internal:99999") is invalid: must have a port from 1 to 65535, e.g. "smtp.fintech.internal:587"`],
  ['an SMTP username that is an API key', () => stack({ routing: routing({ warning: [email({ username: 'SG.abcdefghijklmnopqrstuv.wxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123', password: ref('smtp-password') })] }) }),
    `${P}: 'routing.warning[0].username' (a string of 60 characters) is invalid: looks like a credential (a SendGrid key), and secret values never go into manifests: give the SMTP user's name here, and its password as 'password' (a SecretKeyRef)`],
  ['an SMTP password without a username', () => stack({ routing: routing({ warning: [email({ password: ref('smtp-password') })] }) }),
    `${P}: 'routing.warning[0].username' (undefined) is invalid: must be set when 'password' is`],
  ['a webhook port of 0', () => stack({ routing: routing({ deadMansSwitch: webhook({ port: 0 }) }) }),
    `${P}: 'routing.deadMansSwitch.port' (0) is invalid: must be an integer from 1 to 65535`],
  // Prometheus and Alertmanager
  ['no Prometheus replicas', () => stack({ prometheus: { replicas: 0 } }),
    `${P}: 'prometheus.replicas' (0) is invalid: must be an integer of at least 1`],
  ['half a replica', () => stack({ alertmanager: { replicas: 1.5 } }),
    `${P}: 'alertmanager.replicas' (1.5) is invalid: must be an integer of at least 1`],
  ['Prometheus storage below 100Mi', () => stack({ prometheus: { storage: Size.mebibytes(50) } }),
    `${P}: 'prometheus.storage' ("50Mi") is invalid: must be at least 100Mi`],
  ['a zero retention', () => stack({ prometheus: { retention: Duration.days(0) } }),
    `${P}: 'prometheus.retention' ("0ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.days(15)`],
  ['a negative group id', () => stack({ prometheus: { runAs: { user: 1000, group: -1 } } }),
    `${P}: 'prometheus.runAs.group' (-1) is invalid: must be an integer from 1 to 2147483647`],
  ['an empty version', () => stack({ prometheus: { version: '' } }),
    `${P}: 'prometheus.version' ("") is invalid: must be a pinned version such as "v3.5.0" (major.minor.patch): "latest" or a floating tag runs a different image after each restart`],
  ['an empty storage class', () => stack({ alertmanager: { storageClassName: '' } }),
    `${P}: 'alertmanager.storageClassName' ("") is invalid: must be a DNS-1123 subdomain: at most 253 characters in dot-separated DNS-1123 labels (lowercase letters, digits or "-", each starting and ending with a letter or digit)`],
  // cluster metrics and kube-state-metrics
  ['a scrape target with no selector', () => stack({ clusterMetrics: { kubeStateMetrics: { namespace: 'monitoring', selector: {}, port: 'http' } } }),
    `${P}: 'clusterMetrics.kubeStateMetrics.selector' ({}) is invalid: must have at least one label, or it would select every Service of the namespace`],
  ['a scrape target namespace in capitals', () => stack({ clusterMetrics: { kubelet: { namespace: 'Kube-System', selector: { app: 'kubelet' }, port: 'https-metrics' } } }),
    `${P}: 'clusterMetrics.kubelet.namespace' ("Kube-System") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
  ['insecureSkipVerify on kube-state-metrics', () => stack({ clusterMetrics: { kubeStateMetrics: { namespace: 'monitoring', selector: { app: 'ksm' }, port: 'http', insecureSkipVerify: true } } }),
    `${P}: 'clusterMetrics.kubeStateMetrics.insecureSkipVerify' (a boolean) is invalid: is not a known option; the options are namespace, selector, port`],
  ['a scrape target without a port', () => stack({ clusterMetrics: { kubeStateMetrics: { namespace: 'monitoring', selector: { app: 'ksm' } } } }),
    `${P}: 'clusterMetrics.kubeStateMetrics.port' (undefined) is invalid: must be a string, not undefined; a port name such as "http"`],
  ['an unpinned kube-state-metrics image', () => stack({ kubeStateMetrics: { image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics' } }),
    `${P}: 'kubeStateMetrics.image' ("registry.k8s.io/kube-state-metrics/kube-state-metrics") is invalid: must be pinned: a version tag other than 'latest' (registry/fintech/service:1.4.2) or a digest (...@sha256:<64 hex>)`],
  ['KubeStateMetrics with a name in capitals', () => ksm({ ...KSM, name: 'KSM' }),
    `${K}: 'name' ("KSM") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
  ['KubeStateMetrics watching no namespace', () => ksm({ ...KSM, watchedNamespaces: [] }),
    `${K}: 'watchedNamespaces' ([]) is invalid: must list at least one namespace: without one, kube-state-metrics would export the objects of every namespace`],
  ['KubeStateMetrics with image latest', () => ksm({ ...KSM, image: 'registry.k8s.io/kube-state-metrics/kube-state-metrics:latest' }),
    `${K}: 'image' ("registry.k8s.io/kube-state-metrics/kube-state-metrics:latest") is invalid: must be pinned: a version tag other than 'latest' (registry/fintech/service:1.4.2) or a digest (...@sha256:<64 hex>)`],
  ['KubeStateMetrics with a misspelt option', () => ksm({ ...KSM, imag: 'x' }),
    `${K}: 'props.imag' (a string of 1 character) is invalid: is not a known option; the options are name, namespace, watchedNamespaces, labels, image, resources`],
  // namespace guard rails
  ['a quota too small for the stack', () => stack({ namespaceGuardRails: { quota: { requestsCpu: Cpu.millis(100), limitsCpu: Cpu.units(8), requestsMemory: Size.gibibytes(8), limitsMemory: Size.gibibytes(16) } } }),
    `${P}: 'namespaceGuardRails.quota.requestsCpu' ("100m") is invalid: must be at least 1650m: the stack's own pods (every replica, with the Operator's config-reloader sidecar) would not all be admitted`],
  ['a container limit below Prometheus\' memory limit', () => stack({ namespaceGuardRails: { containerLimits: { maxMemory: Size.gibibytes(2) } } }),
    `${P}: 'namespaceGuardRails.containerLimits.maxMemory' ("2Gi") is invalid: must be at least 4Gi, the memory limit of the stack's largest container, or its pods would be refused`],
  ['a Pod Security label on the namespace', () => stack({ namespaceGuardRails: { labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } } }),
    `${P}: 'namespaceGuardRails.labels' ("pod-security.kubernetes.io/enforce") is invalid: is set by the stack: its namespace enforces the Pod Security level "restricted"; leave Pod Security labels out`],
  ['a namespace label value with a slash', () => stack({ namespaceGuardRails: { labels: { team: 'sre/platform' } } }),
    `${P}: 'namespaceGuardRails.labels.team' ("sre/platform") is invalid: must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
  // network
  ['Grafana as a Service peer', () => stack({ network: { grafana: NetworkPeer.serviceNamed('grafana', [{ port: 3000 }]) } }),
    `${P}: 'network.grafana' ("NetworkPeer.service('grafana')") is invalid: must be a NetworkPeer.namespace(...) or NetworkPeer.external(...): the peer runs outside the stack`],
  ['the kubelets without ports', () => stack({ network: { kubelets: NetworkPeer.namespace('kube-system') } }),
    `${P}: 'network.kubelets' ("kube-system") is invalid: must be a NetworkPeer with ports (NetworkPeer.external(name, ports, cidr) or NetworkPeer.namespace(name, ports))`],
  ['a canary analysis namespace in capitals', () => stack({ network: { canaryAnalysis: NetworkPeer.namespace('Argo-Rollouts') } }),
    `${P}: 'network.canaryAnalysis.name' ("Argo-Rollouts") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
  // labels, namespaces, ids and options that do nothing
  ['a discovery label that is the stack\'s own name label', () => stack({ discoveryLabels: { 'app.kubernetes.io/name': 'fintech' } }),
    `${P}: 'discoveryLabels' ("app.kubernetes.io/name") is invalid: is one of the labels by which the stack tells its own objects apart and selects them (app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/component); choose another key, e.g. { release: 'kube-prometheus-stack' }`],
  ['a discovery label that is the instance label', () => stack({ discoveryLabels: { 'app.kubernetes.io/instance': 'kps' } }),
    `${P}: 'discoveryLabels' ("app.kubernetes.io/instance") is invalid: is one of the labels by which the stack tells its own objects apart and selects them (app.kubernetes.io/name, app.kubernetes.io/instance, app.kubernetes.io/component); choose another key, e.g. { release: 'kube-prometheus-stack' }`],
  ['the stack in the services\' namespace with guard rails', () => stack({}, 'stack', 'fintech'),
    `${P}: 'namespaceGuardRails' ("fintech") is invalid: would guard a namespace of the stack's services too, with a quota sized for the stack alone; put the stack in a namespace of its own (its Chart's namespace), or set 'namespaceGuardRails' to false`],
  ['a construct id in capitals and no name', () => stack({}, 'Monitoring'),
    `MonitoringStack 'monitoring/Monitoring': 'name' ("Monitoring") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit; 'name' is not given, so it is the construct id: give 'name', e.g. "fintech-production"`],
  ['a repeat interval for the Watchdog severity', () => stack({ routing: routing({ repeatInterval: { [Severity.NONE]: Duration.hours(1) } }) }),
    `${P}: 'routing.repeatInterval.none' (a Duration) is invalid: is not a known option; the options are critical, warning, info`],
  ['a group interval of zero', () => stack({ routing: routing({ groupInterval: Duration.seconds(0) }) }),
    `${P}: 'routing.groupInterval' ("0ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.seconds(15)`],
  ['a dashboard folder with dashboards off', () => stack({ dashboards: false, dashboardFolder: 'Payments' }),
    `${P}: 'dashboardFolder' ("Payments") is invalid: is set while 'dashboards' is false; leave it out, or turn the dashboards on`],
  ['a dashboard uid with dashboards off', () => stack({ dashboards: false, serviceOptions: { payments: { dashboardUid: 'payments' } } }),
    `${P}: 'serviceOptions.payments.dashboardUid' ("payments") is invalid: is set while 'dashboards' is false; leave it out, or turn the dashboards on`],
  ['a runbook URL with a trailing space', () => stack({ runbookBaseUrl: 'https://runbooks.fintech.internal/alerts ' }),
    `${P}: 'runbookBaseUrl' ("https://runbooks.fintech.internal/alerts ") is invalid: must be an http(s) URL under which each alert has its runbook, e.g. "https://runbooks.example.com/alerts"`],
  // secrets in plain strings, and more of each option
  ['the Slack webhook URL as the channel', () => stack({ routing: routing({ warning: [slack({ channel: 'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/XXXXXXXXXXXXXXXXXXXXXXXX' })] }) }),
    `${P}: 'routing.warning[0].channel' (a string of 77 characters) is invalid: looks like a credential (a Slack webhook URL), and secret values never go into manifests: give the channel's name here, and the webhook URL as 'webhookUrl' (a SecretKeyRef)`],
  ['a summary with a connection string', () => stack({ serviceOptions: { payments: { errorAlerts: [errorAlert({ summary: 'EventStore at esdb://admin:changeit@eventstore:2113 fails' })] } } }),
    `${P}: 'serviceOptions.payments.errorAlerts[0].summary' (a string of 57 characters) is invalid: looks like a credential (a URL with a password), and secret values never go into manifests: a summary is sent with every notification; say what fails, without credentials`],
  ['an objective name that is a token', () => stack({ objectives: [ServiceLevelObjective.availability({ objectivePercent: 99.9, name: 'a3f9c2e8b7d6a5f4e3d2c1b0a9f8e7d6' })] }),
    `${P}: 'objectives[0].name' (a string of 32 characters) is invalid: looks like a credential (a random token), and secret values never go into manifests: an objective's name is a label of its series and alerts; name what it measures, e.g. "availability"`],
  ['service options keyed by a token', () => stack({ serviceOptions: { ghp_abcdefghijklmnopqrstuvwxyz0123456789: {} } }),
    `${P}: 'serviceOptions.<a string of 40 characters>' (a string of 40 characters) is invalid: names no service of the stack; known: payments`],
  ['a CPU limit below the default request', () => stack({ prometheus: { resources: { cpu: { limit: Cpu.millis(100) } } } }),
    `${P}: 'prometheus.resources.cpu.limit' ("100m") is invalid: must be at least the request (500m, the default when 'prometheus.resources.cpu.request' is not given)`],
  ['a scrape port name too long', () => stack({ clusterMetrics: { kubelet: { namespace: 'kube-system', selector: { app: 'kubelet' }, port: 'https-metrics-port' } } }),
    `${P}: 'clusterMetrics.kubelet.port' ("https-metrics-port") is invalid: must be a port name (IANA service name): at most 15 lowercase letters, digits and "-", with at least one letter, starting and ending with a letter or digit, without "--"`],
  ['a Grafana peer with a bad CIDR', () => stack({ network: { grafana: NetworkPeer.external('grafana', [{ port: 3000 }], '10.0.0.0/33') } }),
    `${P}: 'network.grafana.cidr' ("10.0.0.0/33") is invalid: must have a prefix length from 0 to 32 for an IPv4 address`],
  ['an error alert for in milliseconds', () => stack({ serviceOptions: { payments: { errorAlerts: [errorAlert({ for: Duration.millis(1500) })] } } }),
    `${P}: 'serviceOptions.payments.errorAlerts[0].for' ("1500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.minutes(5): PromQL ranges have no fractions`],
  ['the Watchdog severity on a burn-rate window', () => stack({ burnRateWindows: [{ longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), budgetPercent: 2, severity: Severity.NONE }] }),
    `${P}: 'burnRateWindows[0].severity' ("none") is invalid: must be one of critical, warning, info (Severity.CRITICAL, Severity.WARNING, Severity.INFO)`],
  ['a kube-state-metrics CPU request of zero', () => stack({ kubeStateMetrics: { resources: { cpu: { request: Cpu.millis(0) } } } }),
    `${P}: 'kubeStateMetrics.resources.cpu.request' ("0m") is invalid: must be a whole, positive number of millicores, e.g. Cpu.millis(500) or Cpu.units(2)`],
  ['an e-mail from address list', () => stack({ routing: routing({ info: [Notifier.email({ to: 'a@fintech.internal', from: 'am@fintech.internal, sre@fintech.internal', smarthost: 'smtp.fintech.internal:587' })] }) }),
    `${P}: 'routing.info[0].from' ("am@fintech.internal, sre@fintech.internal") is invalid: must be one e-mail address, the sender; only "to" takes several`],
];

describe('MonitoringStack mistakes', () => {
  test.each(CASES)('%s', (_name, build, expected) => {
    expect(plainErrorMessage(build)).toBe(expected);
  });
});

test('the fixed limits still admit what is valid: a 39-character name, a 1-minute scrape interval, a quota that fits', () => {
  expect(() => stack({ name: 'fintech-production-eu-west-1-primary-cl', scrapeInterval: Duration.minutes(1) })).not.toThrow();
  expect(() => stack({ namespaceGuardRails: { quota: { requestsCpu: Cpu.units(2), limitsCpu: Cpu.units(5), requestsMemory: Size.gibibytes(8), limitsMemory: Size.gibibytes(16) } } }))
    .not.toThrow();
  expect(() => stack({ routing: routing({ inhibitEqual: ['namespace'] }), objectives: [ServiceLevelObjective.availability({ objectivePercent: 1 })] })).not.toThrow();
});
