// Plain JavaScript, as a caller without type checking writes it: wrong types given to the
// platform constructs (monitoring routing, backup destinations, GitOps resources) and to the
// capacity tools give the usual error naming the construct path or the function, the full
// prop path, the value (a secret by its kind only) and what is valid; never a TypeError.
const { App, Chart } = require('cdk8s');
const { BackupCronJob, BackupDestination, BackupSource, FintechService, GitOpsDelivery, MonitoringStack, Notifier, SecretKeyRef } = require('../../lib');
const { analyseSegmentation, checkCapacity, formatResource, formatResourceChanges } = require('../../lib/tools');
const { plainErrorMessage } = require('../support/errors');

const HEARTBEAT_URL = 'https://hc-ping.com/0f9a8b7c-6d5e-4f3a-2b1c-0d9e8f7a6b5c';

function stack(routing) {
  const app = new App();
  const payments = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-prod' }), 'payments', {
    image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080,
  });
  const slack = Notifier.slack({ channel: '#payments', webhookUrl: SecretKeyRef.of('alertmanager-receivers', 'slack') });
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  new MonitoringStack(chart, 'mon', { services: [payments], routing: { critical: [slack], warning: [slack], ...routing } });
  chart.toJson();
}

const s3 = (secretName) => BackupDestination.s3({
  bucket: 'ledger-backups', accessKeyId: SecretKeyRef.of(secretName, 'id'), secretAccessKey: SecretKeyRef.of(secretName, 'secret'),
});
function backup(props) {
  const chart = new Chart(new App(), 'data', { namespace: 'fintech-prod' });
  new BackupCronJob(chart, 'ledger-db-backup', {
    image: 'registry.fintech.internal/fintech/backup-tools:1.0.0',
    source: BackupSource.postgres({ database: 'ledger', host: 'db.internal', user: 'backup', password: SecretKeyRef.of('ledger-db', 'password') }),
    destination: s3('backup-writer'), encryption: false, ...props,
  });
  chart.toJson();
}

function gitops(resources) {
  const chart = new Chart(new App(), 'gitops');
  new GitOpsDelivery(chart, 'delivery', {
    repoUrl: 'https://git.example.com/platform/fintech.git',
    environments: [{ name: 'production', namespace: 'fintech-prod', waves: [0], resources: { namespaces: ['fintech-prod'], clusterKinds: [], namespacedKinds: [], ...resources } }],
  });
  chart.toJson();
}

const M = "MonitoringStack 'monitoring/mon'";
const B = "BackupCronJob 'data/ledger-db-backup'";
const G = "GitOpsDelivery 'gitops/delivery'";
const workload = (o) => ({ workload: 'Deployment/payments', rolloutGroup: 'payments', replicas: 2, surge: 1, maxReplicas: 2, containers: [], initContainers: [], ...o });
const QUANTITY_RULE = 'must be a Kubernetes quantity: a non-negative number, or a string such as "500m", "2", "512Mi" or "1Gi"';

function stackAt(scope, id) {
  const app = new App();
  const payments = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-prod' }), 'payments', {
    image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080,
  });
  const slack = Notifier.slack({ channel: '#payments', webhookUrl: SecretKeyRef.of('alertmanager-receivers', 'slack') });
  new MonitoringStack(scope === 'chart' ? new Chart(app, 'monitoring', { namespace: 'monitoring' }) : scope, id, { services: [payments], routing: { critical: [slack], warning: [slack] } });
}

const CASES = [
  ['a stack without a scope (the id first)', () => stackAt('mon', { services: [] }),
    "MonitoringStack 'mon': 'scope' (\"mon\") is invalid: must be a Chart or a construct inside one, not a string: new MonitoringStack(chart, 'payments', { ... })"],
  ['a stack with a number as its id', () => stackAt('chart', 1),
    "MonitoringStack 'monitoring/': 'id' (1) is invalid: must be a string, not a number: new MonitoringStack(chart, 'payments', { ... })"],
  ['a heartbeat URL as the dead man\'s switch', () => stack({ deadMansSwitch: HEARTBEAT_URL }),
    `${M}: 'routing.deadMansSwitch' (a string of 56 characters) is invalid: must be a Notifier: Notifier.slack(...), Notifier.pagerDuty(...), Notifier.email(...) or Notifier.webhook(...)`],
  ['the webhook options object as the dead man\'s switch', () => stack({ deadMansSwitch: { url: HEARTBEAT_URL, port: 443 } }),
    `${M}: 'routing.deadMansSwitch' (an object) is invalid: must be a Notifier: Notifier.slack(...), Notifier.pagerDuty(...), Notifier.email(...) or Notifier.webhook(...)`],
  ['an rclone type given as a number', () => backup({ destination: BackupDestination.rclone({ type: 5, path: 'backups' }) }),
    `${B}: 'destination.type' (5) is invalid: must be a string, not a number, e.g. "s3" or "local"`],
  ['a reader with the writer\'s Secret', () => backup({ access: { pruner: s3('backup-pruner'), reader: s3('backup-writer') } }),
    `${B}: 'access.reader' ("backup-writer/id backup-writer/secret") is invalid: must carry its own credential (other Secret keys than 'destination'): with the writer's, the backup Job could still delete and read old backups`],
  ['cluster kinds as names', () => gitops({ clusterKinds: ['Namespace'] }),
    `${G}: 'environments[0].resources.clusterKinds[0]' ("Namespace") is invalid: must be an object, not a string, e.g. { group: 'apps', kind: 'Deployment' }`],
  ['a kind without its group', () => gitops({ clusterKinds: [{ kind: 'Namespace' }] }),
    `${G}: 'environments[0].resources.clusterKinds[0].group' (undefined) is invalid: must be an API group such as "apps" or "" (the core group), never "*": the AppProject allows only the kinds its output contains`],
  ['a kind as a number', () => gitops({ namespacedKinds: [{ group: 'apps', kind: 1 }] }),
    `${G}: 'environments[0].resources.namespacedKinds[0].kind' (1) is invalid: must be a kind such as "Deployment" (a capital letter, then letters and digits), never "*": the AppProject allows only the kinds its output contains`],
  ['replicas as a string', () => checkCapacity([{ namespace: 'n', quota: {}, workloads: [workload({ replicas: '2' })] }]),
    `checkCapacity: 'inputs[0].workloads[0].replicas' ("2") is invalid: must be an integer of at least 0`],
  ['a quota given as a boolean', () => checkCapacity([{ namespace: 'n', quota: { 'requests.cpu': true }, workloads: [] }]),
    `checkCapacity: 'inputs[0].quota["requests.cpu"]' (true) is invalid: ${QUANTITY_RULE}`],
  ['containers as one object', () => checkCapacity([{ namespace: 'n', quota: {}, workloads: [workload({ containers: { name: 'app' } })] }]),
    `checkCapacity: 'inputs[0].workloads[0].containers' ({"name":"app"}) is invalid: must be an array of { name, requests, limits }`],
  ['requests as a CPU string', () => checkCapacity([{ namespace: 'n', quota: {}, workloads: [workload({ containers: [{ name: 'app', requests: '500m' }] })] }]),
    `checkCapacity: 'inputs[0].workloads[0].containers[0].requests' ("500m") is invalid: must be { cpu, memory }, e.g. { cpu: "250m", memory: "512Mi" }`],
  ['a workload without its name', () => checkCapacity([{ namespace: 'n', quota: {}, workloads: [{ replicas: 1 }] }]),
    `checkCapacity: 'inputs[0].workloads[0]' ({"replicas":1}) is invalid: must be { workload: 'Deployment/payments', rolloutGroup, replicas, surge, maxReplicas, containers, initContainers }`],
  ['format options as a word', () => formatResourceChanges([], 'verbose'),
    "formatResourceChanges: 'options' (\"verbose\") is invalid: must be an object, not a string, e.g. { maxValueLength: 80 }"],
  ['a value as a quantity string', () => formatResource('limits.memory', '512Mi'),
    "formatResource: 'value' (\"512Mi\") is invalid: must be a finite number (millicores for CPU, bytes for memory, a count of pods)"],
  ['segmentation without the objects', () => analyseSegmentation('production'),
    "analyseSegmentation: 'objects' (undefined) is invalid: must be an array, not undefined, e.g. objectsOf(files)"],
  ['an image tag given as a number', () => backup({ image: 1.0 }),
    `${B}: 'image' (1) is invalid: must be a string, not a number, e.g. "registry/fintech/service:1.4.2"`],
];

describe('platform mistakes from JavaScript (red team)', () => {
  test.each(CASES)('%s', (_name, build, expected) => {
    const message = plainErrorMessage(build);
    expect(message).toBe(expected);
    expect(message).not.toContain(HEARTBEAT_URL);
  });
});
