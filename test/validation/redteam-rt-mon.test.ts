import { App, Chart, Cron, Duration } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  BackupCronJob, BackupDestination, BackupSource, FintechService, KubeStateMetrics, MonitoringStack, NetworkPeer, Notifier, SecretKeyRef, SecretStoreRef, ServiceLevelObjective,
} from '../../lib';
import { plainErrorMessage } from '../support/errors';
import { oneServiceStack, pagerDuty, routing as receivers, slack } from '../support/monitoring-fixtures';

/**
 * Mistakes with the MonitoringStack and the BackupCronJob that were accepted silently: a null
 * where a JavaScript caller means "the default", a runbook base URL that breaks every link, who
 * may query Prometheus opened to any address, a backup peer whose CIDR the API server refuses.
 * Each is refused with the construct's path, the full prop path, the value and what is valid.
 * One small App per case.
 */

const NULL_RULE = 'must be left out (undefined) for the default, not null';
const ROUTING_KEY = 'a1b2c3d4e5f60718293a4b5c6d7e8f90';
const ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';

// ---------------------------------------------------------------------------------------------
// MonitoringStack

const M = "MonitoringStack 'monitoring/mon'";

const stack = (props: object) => () => oneServiceStack(props).app.synthYaml();
const routing = (o: object) => ({ routing: receivers(o) });
const fromStore = (key: string) => SecretKeyRef.fromExternalSecret({
  secretName: 'alertmanager-receivers', key, store: SecretStoreRef.cluster('vault'), remoteKey: 'fintech/alertmanager', property: key,
});
const INGRESS_PEER_RULE = "admits every address on the internet: an external peer that connects in must name its CIDR, e.g. NetworkPeer.external('partner', [{ port: 443 }], "
  + "'203.0.113.0/24') (the default \"0.0.0.0/0\" is for egress only); for public traffic, give the service an 'ingress'";
const BASE_URL_RULE = 'must not have a query ("?") or fragment ("#"): a path is appended to it for each link, e.g. "https://runbooks.example.com/alerts"';

const MONITORING: Array<[string, () => void, string]> = [
  ['Grafana admitted from any address', stack({ network: { grafana: NetworkPeer.external('grafana', [{ port: 443 }]) } }),
    `${M}: 'network.grafana.cidr' ("0.0.0.0/0") is invalid: ${INGRESS_PEER_RULE}`],
  ['the canary analysis admitted from any address', stack({ network: { canaryAnalysis: NetworkPeer.external('argo', [], '::/0') } }),
    `${M}: 'network.canaryAnalysis.cidr' ("::/0") is invalid: ${INGRESS_PEER_RULE}`],
  ['a runbook base URL with a query', stack({ runbookBaseUrl: 'https://wiki.example.com/display?page=alerts' }),
    `${M}: 'runbookBaseUrl' ("https://wiki.example.com/display?page=alerts") is invalid: ${BASE_URL_RULE}`],
  ['a runbook base URL with a fragment', stack({ runbookBaseUrl: 'https://runbooks.example.com/#/alerts' }),
    `${M}: 'runbookBaseUrl' ("https://runbooks.example.com/#/alerts") is invalid: ${BASE_URL_RULE}`],
  ['a null stack name', stack({ name: null }), `${M}: 'name' (null) is invalid: ${NULL_RULE}`],
  ['null discovery labels', stack({ discoveryLabels: null }), `${M}: 'discoveryLabels' (null) is invalid: ${NULL_RULE}`],
  ['null service options', stack({ serviceOptions: null }), `${M}: 'serviceOptions' (null) is invalid: ${NULL_RULE}`],
  ['a null CPU threshold of a service', stack({ serviceOptions: { payments: { cpuWarningPercent: null } } }),
    `${M}: 'serviceOptions.payments.cpuWarningPercent' (null) is invalid: ${NULL_RULE}`],
  ['a null error-alert window', stack({ serviceOptions: { payments: { errorAlerts: [{ alert: 'SnapshotFailures', errorType: 'snapshot_failure', severity: 'warning', summary: 'Snapshots fail', window: null }] } } }),
    `${M}: 'serviceOptions.payments.errorAlerts[0].window' (null) is invalid: ${NULL_RULE}`],
  ['a null objective window', stack({ objectives: [ServiceLevelObjective.availability({ objectivePercent: 99.9, window: null } as any)] }),
    `${M}: 'objectives[0].window' (null) is invalid: ${NULL_RULE}`],
  ['a null objective name', stack({ objectives: [ServiceLevelObjective.availability({ objectivePercent: 99.9, name: null } as any)] }),
    `${M}: 'objectives[0].name' (null) is invalid: ${NULL_RULE}`],
  ['null info notifiers', stack(routing({ info: null })), `${M}: 'routing.info' (null) is invalid: ${NULL_RULE}`],
  ['a null group wait', stack(routing({ groupWait: null })), `${M}: 'routing.groupWait' (null) is invalid: ${NULL_RULE}`],
  ['a null critical repeat interval', stack(routing({ repeatInterval: { critical: null } })),
    `${M}: 'routing.repeatInterval.critical' (null) is invalid: ${NULL_RULE}`],
  ['a null heartbeat port', stack(routing({ deadMansSwitch: Notifier.webhook({ url: SecretKeyRef.of('alertmanager-receivers', 'heartbeat'), port: null } as any) })),
    `${M}: 'routing.deadMansSwitch.port' (null) is invalid: ${NULL_RULE}`],
  ['a null Alertmanager replica count', stack({ alertmanager: { replicas: null } }), `${M}: 'alertmanager.replicas' (null) is invalid: ${NULL_RULE}`],
  ['a null kubelet target', stack({ clusterMetrics: { kubelet: null } }), `${M}: 'clusterMetrics.kubelet' (null) is invalid: ${NULL_RULE}`],
  ['a null namespace quota', stack({ namespaceGuardRails: { quota: null } }), `${M}: 'namespaceGuardRails.quota' (null) is invalid: ${NULL_RULE}`],
  ['a null Grafana peer', stack({ network: { grafana: null } }), `${M}: 'network.grafana' (null) is invalid: ${NULL_RULE}`],
  ['an evaluation interval of an hour', stack({ evaluationInterval: Duration.hours(1) }),
    `${M}: 'evaluationInterval' ("1h") is invalid: must be at most 1m: alerts such as ServiceDown fire after holding for a minute, and every alert would wait for the next evaluation`],
  ['a repeat interval shorter than the group interval', stack(routing({ groupInterval: Duration.hours(1), repeatInterval: { critical: Duration.minutes(5) } })),
    `${M}: 'routing.repeatInterval.critical' ("5m") is invalid: must be at least 'groupInterval' (1h): Alertmanager repeats a notification only at a group interval`],
  ['a group interval longer than a default repeat interval', stack(routing({ groupInterval: Duration.hours(2) })),
    `${M}: 'routing.groupInterval' ("2h") is invalid: must not exceed the repeat interval of critical alerts (1h, the default): Alertmanager repeats a notification`
      + " only at a group interval; give 'repeatInterval.critical' too, or a shorter group interval"],
  ['a grouping label twice (Alertmanager refuses it)', stack(routing({ groupBy: ['service', 'service'] })),
    `${M}: 'routing.groupBy[1]' ("service") is invalid: is also routing.groupBy[0]; each must be unique`],
  ['an error type that is a routing key', stack({ serviceOptions: { payments: { errorAlerts: [{ alert: 'SnapshotFailures', errorType: ROUTING_KEY, severity: 'warning', summary: 'Snapshots fail' }] } } }),
    `${M}: 'serviceOptions.payments.errorAlerts[0].errorType' (a string of 32 characters) is invalid: looks like a credential (a random token), and secret values never go into `
      + 'manifests: the error_type value is written into the alert rule; give the label value the service counts its errors by'],
  ['an alert named by an access key', stack({ serviceOptions: { payments: { errorAlerts: [{ alert: ACCESS_KEY, errorType: 'snapshot_failure', severity: 'warning', summary: 'Snapshots fail' }] } } }),
    `${M}: 'serviceOptions.payments.errorAlerts[0].alert' (a string of 20 characters) is invalid: looks like a credential (an AWS access key id), and secret values never go into `
      + 'manifests: an alert name is sent with every notification; name what fails, e.g. "SnapshotFailures"'],
  ['a dashboard uid that is a routing key', stack({ serviceOptions: { payments: { dashboardUid: ROUTING_KEY } } }),
    `${M}: 'serviceOptions.payments.dashboardUid' (a string of 32 characters) is invalid: looks like a credential (a random token), and secret values never go into `
      + "manifests: a dashboard's uid is in its URL, seen by everyone who can read dashboards"],
  ['a Slack channel of upper-case letters', stack(routing({ warning: [Notifier.slack({ channel: '#Payments', webhookUrl: SecretKeyRef.of('alertmanager-receivers', 'slack') })] })),
    `${M}: 'routing.warning[0].channel' ("#Payments") is invalid: must be a Slack channel name of at most 80 lowercase characters such as "#fintech-alerts", a user such as "@oncall", `
      + 'or a channel id such as "C024BE91L"'],
  ['a Slack channel "#" without a name', stack(routing({ warning: [Notifier.slack({ channel: '#', webhookUrl: SecretKeyRef.of('alertmanager-receivers', 'slack') })] })),
    `${M}: 'routing.warning[0].channel' ("#") is invalid: must be a Slack channel name of at most 80 lowercase characters such as "#fintech-alerts", a user such as "@oncall", `
      + 'or a channel id such as "C024BE91L"'],
  ['a receiver Secret from a store with the cluster\'s Alertmanager', stack({
    alertmanager: false,
    routing: { critical: [Notifier.pagerDuty({ routingKey: fromStore('pd') })], warning: [Notifier.pagerDuty({ routingKey: fromStore('pd') })] },
  }), `${M}: 'routing.critical[0].routingKey' ("SecretKeyRef.fromExternalSecret('alertmanager-receivers')") is invalid: is read by the AlertmanagerConfig in namespace `
    + "'fintech-prod', where the stack creates no ExternalSecret (it does in its Chart's namespace, with its own Alertmanager); create the Secret there and reference it with SecretKeyRef.of"],
  ['a Prometheus version given to the Alertmanager', stack({ alertmanager: { version: 'v3.5.0' } }),
    `${M}: 'alertmanager.version' ("v3.5.0") is invalid: must be an Alertmanager version, which are 0.x (e.g. "v0.28.1"); this looks like a Prometheus version`],
  ['an Alertmanager version given to the Prometheus', stack({ prometheus: { version: 'v0.28.1' } }),
    `${M}: 'prometheus.version' ("v0.28.1") is invalid: must be a Prometheus version (e.g. "v3.5.0"); 0.x versions are Alertmanager's`],
  ['a stack in a Chart whose namespace has capitals', () => {
    const app = new App();
    const service = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-prod' }), 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
    new MonitoringStack(new Chart(app, 'monitoring', { namespace: 'Monitoring' }), 'mon', { services: [service], routing: { critical: [pagerDuty()], warning: [slack()] } });
  }, `${M}: 'namespace' ("Monitoring") is invalid: is the namespace of its Chart 'monitoring', and must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", `
    + 'starting and ending with a letter or digit'],
  ['a stack in kube-system with guard rails', () => {
    const app = new App();
    const service = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-prod' }), 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
    new MonitoringStack(new Chart(app, 'monitoring', { namespace: 'kube-system' }), 'mon', { services: [service], routing: { critical: [pagerDuty()], warning: [slack()] } });
  }, `${M}: 'namespaceGuardRails' ("kube-system") is invalid: would guard a namespace of Kubernetes itself ("default" and "kube-*") with a default-deny policy and a quota that `
    + "would cut off system workloads; put the stack in a namespace of its own (its Chart's namespace), or set 'namespaceGuardRails' to false"],
];

/** Two stacks, or a stack and another construct, in one app. */
function twoStacks(build: (app: App, payments: FintechService, ledger: FintechService) => void): () => void {
  return () => {
    const app = new App();
    const payments = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-prod' }), 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
    const ledger = new FintechService(new Chart(app, 'ledger', { namespace: 'ledger' }), 'ledger', { image: 'registry.fintech.internal/fintech/ledger:2.0.0', port: 8080 });
    build(app, payments, ledger);
    app.synthYaml();
  };
}
const newStack = (app: App, namespace: string, id: string, props: object) => new MonitoringStack(app.node.tryFindChild(namespace) as Chart ?? new Chart(app, namespace, { namespace }), id,
  { routing: { critical: [pagerDuty()], warning: [slack()] }, ...props } as any);

const COLLISIONS: Array<[string, () => void, string]> = [
  ['one service watched by two stacks', twoStacks((app, payments) => {
    newStack(app, 'monitoring', 'mon', { services: [payments] });
    newStack(app, 'monitoring-b', 'other', { services: [payments] });
  }), "MonitoringStack 'monitoring-b/other': 'services[0]' (\"fintech-prod/payments\") is invalid: is already watched by MonitoringStack 'monitoring/mon'; "
    + 'each service is watched by one stack (its rules and alerts would be emitted twice)'],
  ['a service of another App', twoStacks((_app, payments) => {
    newStack(new App(), 'monitoring', 'mon', { services: [payments] });
  }), `${M}: 'services[0]' ("fintech-prod/payments") is invalid: is a service of another App (prod/payments); a stack watches the services of its own App, whose output holds its rules`],
  ['two stacks guarding one namespace', twoStacks((app, payments, ledger) => {
    newStack(app, 'monitoring', 'mon', { services: [payments] });
    newStack(app, 'monitoring', 'other', { services: [ledger] });
  }), "MonitoringStack 'monitoring/other': 'namespaceGuardRails' (\"monitoring\") is invalid: would guard a namespace that MonitoringStack 'monitoring/mon' already guards; "
    + "give the stack a namespace of its own (its Chart's namespace), or set 'namespaceGuardRails' to false"],
  ['a KubeStateMetrics named as a stack\'s own', twoStacks((app, payments) => {
    newStack(app, 'monitoring', 'mon', { services: [payments] });
    new KubeStateMetrics(app.node.findChild('monitoring'), 'ksm', { name: 'kube-state-metrics-mon', namespace: 'monitoring', watchedNamespaces: ['fintech-prod'], labels: {} });
  }), `Validation failed with the following errors:\n  [monitoring/mon] ${M}: 'name' ("mon") is invalid: gives the ServiceAccount "kube-state-metrics-mon" in namespace 'monitoring', `
    + "which KubeStateMetrics 'monitoring/ksm' also emits; the API server would keep only one of them: give the stack another name"],
  ['two KubeStateMetrics of one name (their ClusterRoles collide across namespaces)', twoStacks((app) => {
    new KubeStateMetrics(new Chart(app, 'a', { namespace: 'ksm-a' }), 'ksm', { name: 'ksm', namespace: 'ksm-a', watchedNamespaces: ['fintech-prod'], labels: {} });
    new KubeStateMetrics(new Chart(app, 'b', { namespace: 'ksm-b' }), 'ksm', { name: 'ksm', namespace: 'ksm-b', watchedNamespaces: ['ledger'], labels: {} });
  }), "Validation failed with the following errors:\n  [a/ksm] KubeStateMetrics 'a/ksm': 'name' (\"ksm\") is invalid: gives the ClusterRole \"ksm\", "
    + "which KubeStateMetrics 'b/ksm' also emits; the API server would keep only one of them: give it another name"],
];

describe('MonitoringStack and KubeStateMetrics: collisions with other constructs', () => {
  test.each(COLLISIONS)('%s', (_name, build, message) => {
    expect(plainErrorMessage(build)).toBe(message);
  });
});

describe('MonitoringStack: mistakes accepted before', () => {
  test.each(MONITORING)('%s', (_name, build, message) => {
    expect(plainErrorMessage(build)).toBe(message);
  });
});

// ---------------------------------------------------------------------------------------------
// BackupCronJob

const B = "BackupCronJob 'data/ledger-db-backup'";
const s3 = (o: object = {}) => BackupDestination.s3({
  bucket: 'ledger-backups', accessKeyId: SecretKeyRef.of('s3', 'id'), secretAccessKey: SecretKeyRef.of('s3', 'secret'), ...o,
});
const postgres = (o: object = {}) => BackupSource.postgres({
  database: 'ledger', host: 'db.internal', user: 'backup', password: SecretKeyRef.of('ledger-db', 'password'), ...o,
});

function backup(props: object): () => void {
  return () => {
    const app = new App();
    const chart = new Chart(app, 'data', { namespace: 'fintech-prod' });
    new BackupCronJob(chart, 'ledger-db-backup', {
      image: 'registry.fintech.internal/fintech/backup-tools:1.0.0', source: postgres(), destination: s3(), encryption: false, ...props,
    } as any);
    app.synthYaml();
  };
}

const BACKUPS: Array<[string, () => void, string]> = [
  ['a destination peer with a prefix over 32', backup({ destination: s3({ peer: NetworkPeer.external('s3', [{ port: 443 }], '10.0.0.0/33') }) }),
    `${B}: 'destination.peer.cidr' ("10.0.0.0/33") is invalid: must have a prefix length from 0 to 32 for an IPv4 address`],
  ['a database peer without a mask', backup({ source: postgres({ peer: NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.7') }) }),
    `${B}: 'source.peer.cidr' ("10.0.0.7") is invalid: must have a prefix length, e.g. "10.0.0.7/32" for this address alone`],
  ['a database peer on port 0', backup({ source: postgres({ peer: NetworkPeer.external('postgres', [{ port: 0 }], '10.0.0.0/16') }) }),
    `${B}: 'source.peer.ports[0].port' (0) is invalid: must be an integer from 1 to 65535`],
  ['a reader credential whose peer is a namespace with upper case', backup({
    access: {
      pruner: s3({ accessKeyId: SecretKeyRef.of('s3-pruner', 'id'), secretAccessKey: SecretKeyRef.of('s3-pruner', 'secret') }),
      reader: s3({ accessKeyId: SecretKeyRef.of('s3-reader', 'id'), secretAccessKey: SecretKeyRef.of('s3-reader', 'secret'), peer: NetworkPeer.namespace('MinIO', [{ port: 9000 }]) }),
    },
  }), `${B}: 'access.reader.peer.name' ("MinIO") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
  ['finished Jobs deleted at once, with alerts', backup({ ttlAfterFinished: Duration.seconds(0) }),
    `${B}: 'ttlAfterFinished' ("0s") is invalid: must be at least 15m with 'alerts': a failed Job deleted before its failure alert has held for 5m (and been scraped and evaluated) `
      + "never alerts; set 'alerts' to false to do without them"],
  ['no failed Job kept, with alerts', backup({ failedJobsHistoryLimit: 0 }),
    `${B}: 'failedJobsHistoryLimit' (0) is invalid: must be at least 1 with 'alerts': a failed Job deleted at once never raises its failure alert; set 'alerts' to false to do without them`],
  ['an S3 provider in lower case', backup({ destination: s3({ provider: 'minio', endpoint: 'https://minio.storage.svc:9000' }) }),
    `${B}: 'destination.provider' ("minio") is invalid: must be spelt "Minio": rclone compares provider names as written, and takes an unknown one for a generic S3 store`],
  ['a daily backup in the hour Berlin skips in March', backup({ timeZone: 'Europe/Berlin', schedule: Cron.schedule({ minute: '30', hour: '2' }) }),
    `${B}: 'schedule' ("30 2 * * *") is invalid: runs at 02:30 in Europe/Berlin, which skips 02:00-03:00 when its clocks change in March: that day the run is skipped; `
      + 'schedule it outside that hour, or use "Etc/UTC"'],
  ['a weekly verification in the hour New York repeats in November', backup({ timeZone: 'America/New_York', schedule: Cron.schedule({ minute: '0', hour: '4' }), restoreVerification: { schedule: Cron.schedule({ minute: '15', hour: '1', weekDay: '0' }) } }),
    `${B}: 'restoreVerification.schedule' ("15 1 * * 0") is invalid: runs at 01:15 in America/New_York, which repeats 01:00-02:00 when its clocks change in November: `
      + 'that day the run is started twice; schedule it outside that hour, or use "Etc/UTC"'],
  ['the default schedule in the hour Berlin skips', backup({ timeZone: 'Europe/Berlin' }),
    `${B}: 'schedule' ("0 2 * * *") is invalid: runs at 02:00 in Europe/Berlin (the default schedule), which skips 02:00-03:00 when its clocks change in March: `
      + 'that day the run is skipped; schedule it outside that hour, or use "Etc/UTC"'],
  ['the reader and the pruner with one credential', backup({
    access: {
      pruner: s3({ accessKeyId: SecretKeyRef.of('s3-pruner', 'id'), secretAccessKey: SecretKeyRef.of('s3-pruner', 'secret') }),
      reader: s3({ accessKeyId: SecretKeyRef.of('s3-pruner', 'id'), secretAccessKey: SecretKeyRef.of('s3-pruner', 'secret') }),
    },
  }), `${B}: 'access.reader' ("s3-pruner/id s3-pruner/secret") is invalid: must carry its own credential (other Secret keys than 'access.pruner'): `
    + "with the pruner's, the restore and verification Jobs could also delete backups"],
  ['a database port the peer does not allow', backup({ source: postgres({ port: 6432, peer: NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16') }) }),
    `${B}: 'source.peer.ports' ([{"port":5432}]) is invalid: must allow TCP port 6432, which the Jobs connect to ('source.port'), or the NetworkPolicy blocks every run`],
  ['an object store on its own port behind a peer for 443', backup({ destination: s3({ endpoint: 'https://minio.storage.svc:9000', peer: NetworkPeer.external('minio', [{ port: 443 }], '10.0.0.0/16') }) }),
    `${B}: 'destination.peer.ports' ([{"port":443}]) is invalid: must allow TCP port 9000, which the Jobs connect to ('destination.endpoint'), or the NetworkPolicy blocks every run`],
  ['an Azure peer for port 80', backup({ destination: BackupDestination.azureBlob({ container: 'backups', account: 'fintech', sasUrl: SecretKeyRef.of('azure', 'sas'), peer: NetworkPeer.external('azure', [{ port: 80 }]) }) }),
    `${B}: 'destination.peer.ports' ([{"port":80}]) is invalid: must allow TCP port 443, which the Jobs connect to (HTTPS), or the NetworkPolicy blocks every run`],
  ['an event-store export on a port its Service does not serve', () => {
    const app = new App();
    const chart = new Chart(app, 'data', { namespace: 'fintech-prod' });
    const events = new FintechService(chart, 'transactions', { image: 'registry.fintech.internal/fintech/transactions:1.0.0', port: 8004 });
    new BackupCronJob(chart, 'ledger-db-backup', {
      image: 'registry.fintech.internal/fintech/backup-tools:1.0.0', encryption: false, destination: s3(),
      source: BackupSource.eventStoreExport({ url: 'http://transactions:9999/events/export', peer: NetworkPeer.service(events) }),
    });
  }, `${B}: 'source.url' (9999) is invalid: connects to port 9999, which the Service of 'source.peer' (transactions) does not serve (its ports: 8004); `
    + 'connect to one of them, or the NetworkPolicy blocks every run'],
  ['a backup in a Chart whose namespace has capitals', () => {
    new BackupCronJob(new Chart(new App(), 'data', { namespace: 'Fintech-Prod' }), 'ledger-db-backup', {
      image: 'registry.fintech.internal/fintech/backup-tools:1.0.0', source: postgres(), destination: s3(), encryption: false,
    });
  }, `${B}: 'namespace' ("Fintech-Prod") is invalid: is the namespace of its Chart 'data', and must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", `
    + 'starting and ending with a letter or digit'],
  ['a database name that is a routing key', backup({ source: postgres({ database: ROUTING_KEY }) }),
    `${B}: 'source.database' (a string of 32 characters) is invalid: looks like a credential (a random token), and secret values never go into manifests: `
      + 'a database name is written into the manifests; give the name of the database'],
  ['an owner role that is a routing key', backup({ source: postgres({ owner: ROUTING_KEY }) }),
    `${B}: 'source.owner' (a string of 32 characters) is invalid: looks like a credential (a random token), and secret values never go into manifests: `
      + 'a role name is written into the manifests; give the name of the role'],
];

/** Two backups in one namespace. */
function twoBackups(first: object, second: object): () => void {
  return () => {
    const app = new App();
    const chart = new Chart(app, 'data', { namespace: 'fintech-prod' });
    for (const [id, props] of [['ledger-db-backup', first], ['redis-backup', second]] as const) {
      new BackupCronJob(chart, id, { image: 'registry.fintech.internal/fintech/backup-tools:1.0.0', source: postgres(), destination: s3(), encryption: false, ...props } as any);
    }
    app.synthYaml();
  };
}

const BACKUP_COLLISIONS: Array<[string, () => void, string]> = [
  ['two backups of one name', twoBackups({ name: 'ledger' }, { name: 'ledger' }),
    "BackupCronJob 'data/redis-backup': 'name' (\"ledger\") is invalid: is also the name of BackupCronJob 'data/ledger-db-backup' in namespace 'fintech-prod': "
      + 'the CronJobs, their other objects and the folder of their backups would be the same; give each backup a name of its own'],
  ['a backup named as another\'s restore Job', twoBackups({ name: 'ledger' }, { name: 'ledger-restore', restore: false }),
    "Validation failed with the following errors:\n  [data/ledger-db-backup] BackupCronJob 'data/ledger-db-backup': 'name' (\"ledger\") is invalid: gives the CronJob \"ledger-restore\" "
      + "in namespace 'fintech-prod', which BackupCronJob 'data/redis-backup' also emits; the API server would keep only one of them: give the backup another name"],
  ['two backups in one folder', twoBackups({ prefix: 'fintech-prod/db' }, { prefix: 'fintech-prod/db' }),
    "BackupCronJob 'data/redis-backup': 'prefix' (\"ledger-backups/fintech-prod/db\") is invalid: is the folder of BackupCronJob 'data/ledger-db-backup' too: "
      + "either backup's retention would delete the other's archives, and a restore would take the newest of either; give each backup a folder of its own"],
];

describe('BackupCronJob: collisions with other backups', () => {
  test.each(BACKUP_COLLISIONS)('%s', (_name, build, message) => {
    expect(plainErrorMessage(build)).toBe(message);
  });
});

describe('BackupCronJob: mistakes accepted before', () => {
  test.each(BACKUPS)('%s', (_name, build, message) => {
    expect(plainErrorMessage(build)).toBe(message);
  });
});

test('valid input stays valid: nested backup folders, no alerts without failed Jobs, rclone\'s own provider spelling, a CIDR-bounded Grafana', () => {
  expect(() => twoBackups({ prefix: 'fintech-prod' }, { prefix: 'fintech-prod/db' })()).not.toThrow();
  expect(() => backup({ failedJobsHistoryLimit: 0, ttlAfterFinished: Duration.seconds(0), alerts: false })()).not.toThrow();
  expect(() => backup({ destination: s3({ provider: 'Minio', endpoint: 'https://minio.storage.svc:9000' }) })()).not.toThrow();
  expect(() => backup({ timeZone: 'Europe/Berlin', schedule: Cron.schedule({ minute: '30', hour: '3' }) })()).not.toThrow();
  expect(() => stack(routing({ info: [Notifier.email({ to: 'oncall@example.com', from: 'am@example.com', smarthost: '[2001:db8::25]:587' })] }))()).not.toThrow();
  expect(() => stack({ routing: { critical: [Notifier.pagerDuty({ routingKey: fromStore('pd') })], warning: [Notifier.slack({ channel: '@oncall', webhookUrl: fromStore('slack') })] } })()).not.toThrow();
  expect(() => stack({ network: { grafana: NetworkPeer.external('grafana', [{ port: 443 }], '10.20.0.0/16') } })()).not.toThrow();
  expect(() => backup({ resources: { cpu: { request: Cpu.millis(100) } }, source: postgres({ peer: NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16') }) })()).not.toThrow();
});
