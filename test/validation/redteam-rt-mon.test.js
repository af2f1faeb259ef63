// Plain JavaScript, as a caller without type checking writes it: null for "the default" in the
// MonitoringStack's props and nested options (it would silently take the default), and peers of
// a BackupCronJob whose CIDR or ports the API server refuses; each refused with the construct's
// path, the full prop path, the value and what is valid, never a TypeError.
const { App, Chart, Duration } = require('cdk8s');
const { BackupCronJob, BackupDestination, BackupSource, FintechService, KubeStateMetrics, MonitoringStack, NetworkPeer, Notifier, SecretKeyRef } = require('../../lib');
const { plainErrorMessage } = require('../support/errors');

const NULL_RULE = 'must be left out (undefined) for the default, not null';
const M = "MonitoringStack 'monitoring/mon'";
const B = "BackupCronJob 'data/ledger-db-backup'";

function stack(props) {
  return () => {
    const app = new App();
    const payments = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-prod' }), 'payments', {
      image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080,
    });
    const slack = Notifier.slack({ channel: '#payments', webhookUrl: SecretKeyRef.of('alertmanager-receivers', 'slack') });
    const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
    new MonitoringStack(chart, 'mon', { services: [payments], routing: { critical: [slack], warning: [slack] }, ...props });
    app.synthYaml();
  };
}
const routing = (o) => stack({ routing: { critical: [Notifier.pagerDuty({ routingKey: SecretKeyRef.of('alertmanager-receivers', 'pd') })], warning: [Notifier.slack({ channel: '#x', webhookUrl: SecretKeyRef.of('alertmanager-receivers', 'slack') })], ...o } });

function backup(props) {
  return () => {
    const app = new App();
    new BackupCronJob(new Chart(app, 'data', { namespace: 'fintech-prod' }), 'ledger-db-backup', {
      image: 'registry.fintech.internal/fintech/backup-tools:1.0.0',
      source: BackupSource.postgres({ database: 'ledger', host: 'db.internal', user: 'backup', password: SecretKeyRef.of('ledger-db', 'password') }),
      destination: BackupDestination.s3({ bucket: 'ledger-backups', accessKeyId: SecretKeyRef.of('s3', 'id'), secretAccessKey: SecretKeyRef.of('s3', 'secret') }),
      encryption: false,
      ...props,
    });
    app.synthYaml();
  };
}

const CASES = [
  ['environment: null', stack({ environment: null }), `${M}: 'environment' (null) is invalid: ${NULL_RULE}`],
  ['dashboards: null', stack({ dashboards: null }), `${M}: 'dashboards' (null) is invalid: ${NULL_RULE}`],
  ['dashboardFolder: null', stack({ dashboardFolder: null }), `${M}: 'dashboardFolder' (null) is invalid: ${NULL_RULE}`],
  ['scrapeInterval: null', stack({ scrapeInterval: null }), `${M}: 'scrapeInterval' (null) is invalid: ${NULL_RULE}`],
  ['objectives: null', stack({ objectives: null }), `${M}: 'objectives' (null) is invalid: ${NULL_RULE}`],
  ['prometheus.retention: null', stack({ prometheus: { retention: null } }), `${M}: 'prometheus.retention' (null) is invalid: ${NULL_RULE}`],
  ['kubeStateMetrics.resources: null', stack({ kubeStateMetrics: { resources: null } }), `${M}: 'kubeStateMetrics.resources' (null) is invalid: ${NULL_RULE}`],
  ['serviceOptions.payments.memoryWarningPercent: null', stack({ serviceOptions: { payments: { memoryWarningPercent: null } } }),
    `${M}: 'serviceOptions.payments.memoryWarningPercent' (null) is invalid: ${NULL_RULE}`],
  ['routing.groupBy: null', routing({ groupBy: null }), `${M}: 'routing.groupBy' (null) is invalid: ${NULL_RULE}`],
  ['routing.inhibitEqual: null', routing({ inhibitEqual: null }), `${M}: 'routing.inhibitEqual' (null) is invalid: ${NULL_RULE}`],
  ['sendResolved: null on a notifier', routing({ critical: [Notifier.pagerDuty({ routingKey: SecretKeyRef.of('alertmanager-receivers', 'pd'), sendResolved: null })] }),
    `${M}: 'routing.critical[0].sendResolved' (null) is invalid: ${NULL_RULE}`],
  ['requireTls: null on an e-mail notifier', routing({ info: [Notifier.email({ to: 'a@example.com', from: 'am@example.com', smarthost: 'smtp.example.com:587', requireTls: null })] }),
    `${M}: 'routing.info[0].requireTls' (null) is invalid: ${NULL_RULE}`],
  ['a Grafana peer open to every address', stack({ network: { grafana: NetworkPeer.external('grafana', [{ port: 3000 }], '0.0.0.0/0') } }),
    `${M}: 'network.grafana.cidr' ("0.0.0.0/0") is invalid: admits every address on the internet: an external peer that connects in must name its CIDR, `
      + "e.g. NetworkPeer.external('partner', [{ port: 443 }], '203.0.113.0/24') (the default \"0.0.0.0/0\" is for egress only); for public traffic, give the service an 'ingress'"],
  ['a database peer port given as a string', backup({ source: BackupSource.redis({ host: 'redis.internal', password: SecretKeyRef.of('redis', 'password'), peer: NetworkPeer.external('redis', [{ port: '6379' }], '10.0.0.0/16') }) }),
    `${B}: 'source.peer.ports[0].port' ("6379") is invalid: must be a finite number, not a string`],
  ['an object-store peer CIDR of a whole word', backup({ destination: BackupDestination.s3({ bucket: 'ledger-backups', accessKeyId: SecretKeyRef.of('s3', 'id'), secretAccessKey: SecretKeyRef.of('s3', 'secret'), peer: NetworkPeer.external('s3', [{ port: 443 }], 'any') }) }),
    `${B}: 'destination.peer.cidr' ("any") is invalid: must be an IPv4 or IPv6 CIDR: an address, "/" and a prefix length, e.g. "10.0.0.0/8" or "fd00::/8"`],
  ['finished Jobs kept a minute, with alerts', backup({ ttlAfterFinished: Duration.minutes(1) }),
    `${B}: 'ttlAfterFinished' ("1m") is invalid: must be at least 15m with 'alerts': a failed Job deleted before its failure alert has held for 5m (and been scraped and evaluated) `
      + "never alerts; set 'alerts' to false to do without them"],
  ['the S3 provider "aws"', backup({ destination: BackupDestination.s3({ bucket: 'ledger-backups', accessKeyId: SecretKeyRef.of('s3', 'id'), secretAccessKey: SecretKeyRef.of('s3', 'secret'), provider: 'aws' }) }),
    `${B}: 'destination.provider' ("aws") is invalid: must be spelt "AWS": rclone compares provider names as written, and takes an unknown one for a generic S3 store`],
  ['KubeStateMetrics image: null', () => {
    new KubeStateMetrics(new Chart(new App(), 'monitoring', { namespace: 'monitoring' }), 'ksm', { name: 'ksm', namespace: 'monitoring', watchedNamespaces: ['fintech-prod'], labels: {}, image: null });
  }, `KubeStateMetrics 'monitoring/ksm': 'image' (null) is invalid: ${NULL_RULE}`],
];

describe('plain JavaScript callers of the MonitoringStack and the BackupCronJob', () => {
  test.each(CASES)('%s', (_name, build, message) => {
    expect(plainErrorMessage(build)).toBe(message);
  });
});
