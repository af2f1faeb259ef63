// Plain JavaScript, as a caller without type checking writes it: every wrong type must give the
// usual construct-path error, never a TypeError from deep inside.
const { App, Chart, Cron, Duration, Size } = require('cdk8s');
const { Cpu } = require('cdk8s-plus-28');
const { Construct } = require('constructs');
const {
  BackupCronJob, BackupDestination, BackupSource, CanaryRollout, FintechEnvironment, FintechService, NetworkPeer, SecretKeyRef,
} = require('../../lib');
const { checkCron, checkDuration, checkSecretKeyRef } = require('../../lib/shared/validation');
const { plainErrorMessage } = require('../support/errors');

const QUOTA = { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: Cpu.units(32), limitsMemory: Size.gibibytes(64) };
const IMAGE = 'registry.fintech.internal/fintech/backup-tools:1.0.0';
const ref = (key) => SecretKeyRef.of('backup-credentials', key);
const postgres = (o) => BackupSource.postgres({ database: 'platform', host: 'db.internal', user: 'backup', password: ref('password'), ...o });
const s3 = (o) => BackupDestination.s3({ bucket: 'fintech-backups', accessKeyId: ref('id'), secretAccessKey: ref('secret'), ...o });

function messageOf(make) {
  return plainErrorMessage(make);
}

const environment = (props) => () => new FintechEnvironment(new Chart(new App(), 'environment'), 'production', props);
const backup = (props) => () => new BackupCronJob(new Chart(new App(), 'prod'), 'backup', { image: IMAGE, source: postgres(), destination: s3(), encryption: false, ...props });
const E = "FintechEnvironment 'environment/production'";
const B = "BackupCronJob 'prod/backup'";

describe('FintechEnvironment from JavaScript', () => {
  test.each([
    ['no props', environment(), `${E}: 'props' (undefined) is invalid: must be an object, not undefined, e.g. { namespace: 'fintech-production', quota: { ... } }`],
    ['null props', environment(null), `${E}: 'props' (null) is invalid: must be an object, not null, e.g. { namespace: 'fintech-production', quota: { ... } }`],
    ['a number as the namespace', environment({ namespace: 42, quota: QUOTA }),
      `${E}: 'namespace' (42) is invalid: must be a string, not a number; a DNS-1123 label such as "payments"`],
    ['null as the namespace', environment({ namespace: null, quota: QUOTA }),
      `${E}: 'namespace' (null) is invalid: must be a string, not null; a DNS-1123 label such as "payments"`],
    ['a string as the CPU quota', environment({ namespace: 'fintech-production', quota: { ...QUOTA, requestsCpu: '16' } }),
      `${E}: 'quota.requestsCpu' ("16") is invalid: must be a Cpu, not a string, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['"1GB" as the memory quota', environment({ namespace: 'fintech-production', quota: { ...QUOTA, limitsMemory: '1GB' } }),
      `${E}: 'quota.limitsMemory' ("1GB") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['NaN volume claims', environment({ namespace: 'fintech-production', quota: { ...QUOTA, persistentVolumeClaims: NaN } }),
      `${E}: 'quota.persistentVolumeClaims' (NaN) is invalid: must be an integer of at least 0`],
    ['a single label string', environment({ namespace: 'fintech-production', quota: QUOTA, labels: 'team=payments' }),
      `${E}: 'labels' ("team=payments") is invalid: must be an object, not a string, e.g. { team: "payments" }`],
    ['a number as a label value', environment({ namespace: 'fintech-production', quota: QUOTA, labels: { tier: 1 } }),
      `${E}: 'labels.tier' (1) is invalid: must be a string, not a number; label values are strings, e.g. "3" rather than 3`],
    ['a misspelt Pod Security level', environment({ namespace: 'fintech-production', quota: QUOTA, podSecurity: 'restriced' }),
      `${E}: 'podSecurity' ("restriced") is invalid: must be one of PodSecurityLevel.RESTRICTED, PodSecurityLevel.BASELINE or PodSecurityLevel.PRIVILEGED ("restricted", "baseline" or "privileged")`],
    ['a number as a container limit', environment({ namespace: 'fintech-production', quota: QUOTA, containerLimits: { maxCpu: 2 } }),
      `${E}: 'containerLimits.maxCpu' (2) is invalid: must be a Cpu, not a number, e.g. Cpu.millis(500) or Cpu.units(2)`],
  ])('rejects %s', (_, make, message) => expect(messageOf(make)).toBe(message));
});

describe('SecretKeyRef from JavaScript', () => {
  test.each([
    ['a number as the Secret name', SecretKeyRef.of(5, 'password'),
      `${B}: 'source.password.secretName' (5) is invalid: must be the name of a Secret: lowercase letters, digits, "-" and ".", at most 253 characters, starting and ending with a letter or digit`],
    ['no key', SecretKeyRef.of('db'),
      `${B}: 'source.password.key' (undefined) is invalid: must be a key of the Secret: letters, digits, "-", "_" and ".", at most 253 characters`],
    ['null as the key', SecretKeyRef.of('db', null),
      `${B}: 'source.password.key' (null) is invalid: must be a key of the Secret: letters, digits, "-", "_" and ".", at most 253 characters`],
    ['a string instead of a SecretKeyRef', 'hunter2hunter2',
      `${B}: 'source.password' (a string of 14 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the database password, e.g. SecretKeyRef.of('postgres-credentials', 'password'); credentials are never accepted as values`],
    ['null instead of a SecretKeyRef', null,
      `${B}: 'source.password' (null) is invalid: must be a SecretKeyRef, not null: reference the Secret that holds the database password, e.g. SecretKeyRef.of('postgres-credentials', 'password'); credentials are never accepted as values`],
  ])('rejects %s', (_, password, message) => expect(messageOf(backup({ source: postgres({ password }) }))).toBe(message));
});

describe('BackupSource and BackupDestination from JavaScript', () => {
  test.each([
    ['no options for postgres()', { source: BackupSource.postgres() },
      `${B}: 'source' (undefined) is invalid: must be an object, not undefined, e.g. BackupSource.postgres({ ... })`],
    ['a string as the options of redis()', { source: BackupSource.redis('redis://:pw@redis:6379') },
      `${B}: 'source' (a string of 22 characters) is invalid: must be an object, not a string, e.g. BackupSource.redis({ ... })`],
    ['null options for eventStoreExport()', { source: BackupSource.eventStoreExport(null) },
      `${B}: 'source' (null) is invalid: must be an object, not null, e.g. BackupSource.eventStoreExport({ ... })`],
    ['a string as the port', { source: postgres({ port: '5432' }) }, `${B}: 'source.port' ("5432") is invalid: must be an integer from 1 to 65535`],
    ['one table instead of a list', { source: postgres({ verifyTables: 'fintech.users' }) },
      `${B}: 'source.verifyTables' ("fintech.users") is invalid: must be an array, not a string, e.g. ["fintech.users"]`],
    ['a string as tls', { source: BackupSource.redis({ host: 'redis', password: ref('password'), tls: 'false' }) },
      `${B}: 'source.tls' ("false") is invalid: must be a boolean (true or false), not a string`],
    ['a number as the URL', { source: BackupSource.eventStoreExport({ url: 8004 }) },
      `${B}: 'source.url' (8004) is invalid: must be a string, not a number, e.g. "http://transaction-service:8004/events/export"`],
    ['no options for gcs()', { destination: BackupDestination.gcs() },
      `${B}: 'destination' (undefined) is invalid: must be an object, not undefined, e.g. BackupDestination.gcs({ ... })`],
    ['no options for rclone()', { destination: BackupDestination.rclone() },
      `${B}: 'destination' (undefined) is invalid: must be an object, not undefined, e.g. BackupDestination.rclone({ ... })`],
    ['a number as the rclone path of a local backend', { destination: BackupDestination.rclone({ type: 'local', path: 5 }) },
      `${B}: 'destination.path' (5) is invalid: must be a string, not a number, e.g. "fintech-backups"`],
    ['a string as the access key id', { destination: s3({ accessKeyId: 'AKIAIOSFODNN7EXAMPLE' }) },
      `${B}: 'destination.accessKeyId' (a string of 20 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the S3 access key id; credentials are never accepted as values`],
    ['a number as an rclone option', { destination: BackupDestination.rclone({ type: 'sftp', path: 'backups', options: { port: 22 } }) },
      `${B}: 'destination.options.port' (22) is invalid: must be a string, not a number, e.g. "true" rather than true`],
  ])('rejects %s', (_, props, message) => expect(messageOf(backup(props))).toBe(message));
});

describe('Cron and Duration from JavaScript', () => {
  class Widget extends Construct {}
  const widget = new Widget(new Chart(new App(), 'app'), 'widget');
  const W = "Widget 'app/widget'";
  const hint = 'a schedule is 5 cron fields (minute hour day-of-month month day-of-week), e.g. Cron.schedule({ minute: \'0\', hour: \'2\' }) for "0 2 * * *"';
  test.each([
    ['a cron string for a Cron', () => checkCron(widget, 'schedule', '0 2 * * *'), `${W}: 'schedule' ("0 2 * * *") is invalid: must be a Cron, not a string; ${hint}`],
    ['undefined for a Cron', () => checkCron(widget, 'schedule', undefined), `${W}: 'schedule' (undefined) is invalid: must be a Cron, not undefined; ${hint}`],
    ['a Cron of a number out of range', () => checkCron(widget, 'schedule', Cron.schedule({ minute: 0, hour: 24 })),
      `${W}: 'schedule' ("0 24 * * *") is invalid: hour field "24": 24 is above the maximum 23; ${hint}`],
    ['"30s" for a Duration', () => checkDuration(widget, 'timeout', '30s'), `${W}: 'timeout' ("30s") is invalid: must be a Duration, not a string, e.g. Duration.seconds(15)`],
    ['30 for a Duration', () => checkDuration(widget, 'timeout', 30), `${W}: 'timeout' (30) is invalid: must be a Duration, not a number, e.g. Duration.seconds(15)`],
    ['null for a Duration', () => checkDuration(widget, 'timeout', null), `${W}: 'timeout' (null) is invalid: must be a Duration, not null, e.g. Duration.seconds(15)`],
    ['a Duration of NaN seconds', () => checkDuration(widget, 'timeout', Duration.seconds(NaN)),
      `${W}: 'timeout' ("NaNms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.seconds(15)`],
    ['a string for a SecretKeyRef', () => checkSecretKeyRef(widget, 'webhookUrl', 'https://hooks.slack.com/services/T0/B0/abc', 'the webhook URL'),
      `${W}: 'webhookUrl' (a string of 42 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the webhook URL; credentials are never accepted as values`],
  ])('rejects %s', (_, make, message) => expect(messageOf(make)).toBe(message));
});

const SERVICE_IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';
const service = (props) => () => new FintechService(new Chart(new App(), 'prod'), 'payments', props);
const servicePlus = (props) => service({ image: SERVICE_IMAGE, port: 8080, ...props });
const canary = (props) => () => new CanaryRollout(new Chart(new App(), 'prod'), 'finance-service',
  { stableImage: 'registry.fintech.internal/fintech/finance-service:1.0.0', port: 8080, ...props });
const S = "FintechService 'prod/payments'";
const C = "CanaryRollout 'prod/finance-service'";

describe('FintechService, NetworkPeer and CanaryRollout from JavaScript', () => {
  test.each([
    ['no props', service(), `${S}: 'props' (undefined) is invalid: must be an object, not undefined, e.g. { image: 'registry/fintech/payments:1.4.2', port: 8080 }`],
    ['no image', service({ port: 8080 }), `${S}: 'image' (undefined) is invalid: must be a string, not undefined, e.g. "registry/fintech/service:1.4.2"`],
    ['null as the port', service({ image: SERVICE_IMAGE, port: null }), `${S}: 'port' (null) is invalid: must be a finite number, not null`],
    ['a string as the port', servicePlus({ port: '8080' }), `${S}: 'port' ("8080") is invalid: must be a finite number, not a string`],
    ['NaN replicas', servicePlus({ replicas: NaN }), `${S}: 'replicas' (NaN) is invalid: must be a finite number, not NaN`],
    ['a misspelt prop', servicePlus({ replica: 3 }),
      `${S}: 'props.replica' (a number) is invalid: is not a known option; the options are name, image, port, servicePort, extraPorts, replicas, rollingUpdate, sessionAffinityTimeout, autoscaling, disruptionBudget, resources, livenessProbe, readinessProbe, startupProbe, terminationGracePeriod, runAs, env, config, secretEnv, ingressFrom, egressTo, metricsScrapers, metrics, automountServiceAccountToken, trackLabels, ingress, verticalAutoscaling, dataClassification, owner`],
    ['a number as an env value', servicePlus({ env: { PORT: 8080 } }), `${S}: 'env.PORT' (8080) is invalid: must be a string, not a number, e.g. "8080" rather than 8080`],
    ['"30s" as the termination grace period', servicePlus({ terminationGracePeriod: '30s' }),
      `${S}: 'terminationGracePeriod' ("30s") is invalid: must be a Duration, not a string, e.g. Duration.seconds(30)`],
    ['"30s" as a probe timeout', servicePlus({ readinessProbe: { path: '/ready', timeout: '30s' } }),
      `${S}: 'readinessProbe.timeout' ("30s") is invalid: must be a Duration, not a string, e.g. Duration.seconds(15)`],
    ['a number as the session affinity timeout', servicePlus({ sessionAffinityTimeout: 3600 }),
      `${S}: 'sessionAffinityTimeout' (3600) is invalid: must be a Duration, not a number, e.g. Duration.hours(3)`],
    ['"1Gi" as the memory limit', servicePlus({ resources: { memory: { limit: '1Gi' } } }),
      `${S}: 'resources.memory.limit' ("1Gi") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['a number as the CPU request', servicePlus({ resources: { cpu: { request: 0.25 } } }),
      `${S}: 'resources.cpu.request' (0.25) is invalid: must be a Cpu, not a number, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['"5m" as a stabilization window', servicePlus({ autoscaling: { scaleDown: { stabilizationWindow: '5m' } } }),
      `${S}: 'autoscaling.scaleDown.stabilizationWindow' ("5m") is invalid: must be a Duration, not a string, e.g. Duration.minutes(5)`],
    ['a string as a NetworkPeer port', servicePlus({ egressTo: [NetworkPeer.external('postgres', [{ port: '5432' }], '10.0.0.0/16')] }),
      `${S}: 'egressTo[0].ports[0].port' ("5432") is invalid: must be a finite number, not a string`],
    ['a number as a NetworkPeer CIDR', servicePlus({ egressTo: [NetworkPeer.external('postgres', [{ port: 5432 }], 10)] }),
      `${S}: 'egressTo[0].cidr' (10) is invalid: must be a string, not a number, e.g. "10.0.0.0/8"`],
    ['a number as a namespace peer', servicePlus({ ingressFrom: [NetworkPeer.namespace(42)] }),
      `${S}: 'ingressFrom[0].name' (42) is invalid: must be a string, not a number; a DNS-1123 label such as "payments"`],
    ['a string as pod labels', servicePlus({ ingressFrom: [NetworkPeer.namespace('monitoring', [], 'app=grafana')] }),
      `${S}: 'ingressFrom[0].podLabels' ("app=grafana") is invalid: must be an object, not a string, e.g. { team: "payments" }`],
    ['a peer as a string', servicePlus({ ingressFrom: ['monitoring'] }),
      `${S}: 'ingressFrom[0]' ("monitoring") is invalid: must be a NetworkPeer, not a string, e.g. NetworkPeer.namespace('monitoring') or NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')`],
    ['a CanaryRollout without props', () => new CanaryRollout(new Chart(new App(), 'prod'), 'finance-service'),
      `${C}: 'props' (undefined) is invalid: must be an object, not undefined, e.g. { stableImage: 'registry/fintech/payments:1.4.2', port: 8080 }`],
    ['a number as the stable image', canary({ stableImage: 1 }),
      `${C}: 'stableImage' (1) is invalid: must be a string, not a number, e.g. "registry/fintech/service:1.4.2"`],
    ['a single step', canary({ steps: 100 }), `${C}: 'steps' (100) is invalid: must be an array, not a number, e.g. [10, 30, 60, 100]`],
    ['a string step', canary({ steps: ['10', '100'] }), `${C}: 'steps[0]' ("10") is invalid: must be a finite number, not a string`],
    ['"48h" as the pause', canary({ pause: '48h' }), `${C}: 'pause' ("48h") is invalid: must be a Duration, not a string, e.g. Duration.hours(48)`],
    ['a number as the analysis window', canary({ analysis: { window: 300 } }),
      `${C}: 'analysis.window' (300) is invalid: must be a Duration, not a number, e.g. Duration.minutes(5)`],
    ['a number as the Prometheus address', canary({ analysis: { prometheusAddress: 9090 } }),
      `${C}: 'analysis.prometheusAddress' (9090) is invalid: must be a string, not a number, e.g. "http://prometheus-operated.monitoring.svc:9090"`],
  ])('rejects %s', (_, make, message) => expect(messageOf(make)).toBe(message));
});

describe('MonitoringStack, BackupCronJob props and GitOpsDelivery from JavaScript', () => {
  const { MonitoringStack } = require('../../lib/monitoring-stack');
  const { Notifier } = require('../../lib/monitoring/alertmanager-config');
  const { GitOpsDelivery } = require('../../lib');
  const M = "MonitoringStack 'monitoring/stack'";
  const G = "GitOpsDelivery 'gitops/delivery'";
  const routing = { critical: [Notifier.pagerDuty({ routingKey: SecretKeyRef.of('alertmanager-receivers', 'pagerduty') })], warning: [] };
  routing.warning = routing.critical;
  const monitoring = (props) => () => {
    const app = new App();
    const payments = new FintechService(new Chart(app, 'services', { namespace: 'fintech' }), 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
    return new MonitoringStack(new Chart(app, 'monitoring', { namespace: 'monitoring' }), 'stack', { services: [payments], routing, ...props });
  };
  const ENV = { name: 'staging', namespace: 'fintech-staging', waves: [0], resources: { namespaces: ['fintech-staging'], clusterKinds: [], namespacedKinds: [] } };
  const gitops = (props) => () => new GitOpsDelivery(new Chart(new App(), 'gitops'), 'delivery',
    { repoUrl: 'https://git.example.com/platform/fintech.git', environments: [ENV], now: new Date('2026-12-02T03:00:00Z'), ...props });

  test.each([
    ['one service instead of a list', () => new MonitoringStack(new Chart(new App(), 'monitoring'), 'stack', { services: 'payments', routing }),
      `${M}: 'services' ("payments") is invalid: must list at least one FintechService`],
    ['"15s" as the scrape interval', monitoring({ scrapeInterval: '15s' }),
      `${M}: 'scrapeInterval' ("15s") is invalid: must be a Duration, not a string, e.g. Duration.seconds(15)`],
    ['"50Gi" as the Prometheus storage', monitoring({ prometheus: { storage: '50Gi' } }),
      `${M}: 'prometheus.storage' ("50Gi") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['a number as the Prometheus version', monitoring({ prometheus: { version: 3 } }),
      `${M}: 'prometheus.version' (3) is invalid: must be a string, not a number, e.g. "v3.5.0"`],
    ['a string as the heartbeat interval', monitoring({ routing: { ...routing, deadMansSwitch: Notifier.webhook({ url: SecretKeyRef.of('am', 'url') }), heartbeatInterval: '1m' } }),
      `${M}: 'routing.heartbeatInterval' ("1m") is invalid: must be a Duration, not a string, e.g. Duration.seconds(15)`],
    ['null as the network options', monitoring({ network: null }),
      `${M}: 'network' (null) is invalid: must be an object, not null, e.g. { grafana: NetworkPeer.namespace('grafana') }`],
    ['"0 2 * * *" as the backup schedule', backup({ schedule: '0 2 * * *' }),
      `${B}: 'schedule' ("0 2 * * *") is invalid: must be a Cron, not a string, e.g. Cron.schedule({ minute: '0', hour: '2' }) for "0 2 * * *"`],
    ['30 as the retention', backup({ retention: 30 }), `${B}: 'retention' (30) is invalid: must be a Duration, not a number, e.g. Duration.days(30)`],
    ['"1h" as the active deadline', backup({ activeDeadline: '1h' }),
      `${B}: 'activeDeadline' ("1h") is invalid: must be a Duration, not a string, e.g. Duration.hours(3)`],
    ['true as the alerts', backup({ alerts: true }),
      `${B}: 'alerts' (true) is invalid: must be an object, not a boolean, e.g. { missingAfterFactor: 1.5 } or false`],
    ['a number as the repository URL', gitops({ repoUrl: 42 }),
      `${G}: 'repoUrl' (42) is invalid: must be a string, not a number, e.g. 'https://git.example.com/platform/fintech.git'`],
    ['a string as the revision', gitops({ revision: 'main' }),
      `${G}: 'revision' ("main") is invalid: must be a GitRevision, not a string, e.g. GitRevision.branch('main')`],
    ['a number as the output path', gitops({ outputPath: 1 }), `${G}: 'outputPath' (1) is invalid: must be a string, not a number, e.g. "dist"`],
    ['a single environment', gitops({ environments: ENV }),
      `${G}: 'environments' ({"name":"staging","namespace":"fintech-staging","waves":[0],"resources":{"namespaces":["fintech-staging"],"clusterKinds":[],"namespacedKinds":[]}}) is invalid: must be an array, not an object, e.g. [{ name: 'production', namespace: 'fintech-production', waves: [0, 1], resources }]`],
    ['a string as the interval', gitops({ interval: '5m' }), `${G}: 'interval' ("5m") is invalid: must be a Duration, not a string, e.g. Duration.minutes(5)`],
  ])('rejects %s', (_, make, message) => expect(messageOf(make)).toBe(message));
});
