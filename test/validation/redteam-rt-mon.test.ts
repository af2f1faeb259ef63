import { App, Chart } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  BackupCronJob, BackupDestination, BackupSource, FintechService, MonitoringStack, NetworkPeer, Notifier, SecretKeyRef, ServiceLevelObjective,
} from '../../lib';
import { plainErrorMessage } from '../support/errors';

/**
 * Mistakes with the MonitoringStack and the BackupCronJob that were accepted silently: a null
 * where a JavaScript caller means "the default", a runbook base URL that breaks every link, who
 * may query Prometheus opened to any address, a backup peer whose CIDR the API server refuses.
 * Each is refused with the construct's path, the full prop path, the value and what is valid.
 * One small App per case.
 */

const NULL_RULE = 'must be left out (undefined) for the default, not null';

// ---------------------------------------------------------------------------------------------
// MonitoringStack

const M = "MonitoringStack 'monitoring/mon'";
const slack = () => Notifier.slack({ channel: '#payments', webhookUrl: SecretKeyRef.of('alertmanager-receivers', 'slack') });
const pagerDuty = () => Notifier.pagerDuty({ routingKey: SecretKeyRef.of('alertmanager-receivers', 'pd') });

function stack(props: object): () => void {
  return () => {
    const app = new App();
    const service = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-prod' }), 'payments', {
      image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080,
    });
    const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
    new MonitoringStack(chart, 'mon', { services: [service], routing: { critical: [pagerDuty()], warning: [slack()] }, ...props } as any);
    app.synthYaml();
  };
}
const routing = (o: object) => ({ routing: { critical: [pagerDuty()], warning: [slack()], ...o } });
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
];

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
];

describe('BackupCronJob: mistakes accepted before', () => {
  test.each(BACKUPS)('%s', (_name, build, message) => {
    expect(plainErrorMessage(build)).toBe(message);
  });
});

test('valid input stays valid: a CPU-typed resource and a CIDR-bounded Grafana', () => {
  expect(() => stack({ network: { grafana: NetworkPeer.external('grafana', [{ port: 443 }], '10.20.0.0/16') } })()).not.toThrow();
  expect(() => backup({ resources: { cpu: { request: Cpu.millis(100) } }, source: postgres({ peer: NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16') }) })()).not.toThrow();
});
