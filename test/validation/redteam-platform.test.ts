import { App, Chart, Duration } from 'cdk8s';
import {
  BackupCronJob, BackupDestination, BackupSource, FintechService, GitOpsDelivery, GitRevision, KubeStateMetrics, MonitoringStack, Notifier, SecretKeyRef, ServiceLevelObjective,
} from '../../lib';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {
  checkCapacity, diffFields, diffResources, formatResource, formatResourceChanges, planCapacity, readOutputFiles, resourceIdentity, segmentationMarkdown,
} from '../../lib/tools';
import { plainErrorMessage } from '../support/errors';
import { oneServiceStack, pagerDuty, routing as receivers, slack } from '../support/monitoring-fixtures';

/**
 * Mistakes a new user makes with the platform constructs and tools (monitoring, backups, GitOps,
 * capacity), each refused with the construct's path (or the function), the full prop path, the
 * value (a secret by its kind only) and what is valid. One Chart per case.
 */

const IMAGE_RULE = 'must be an image reference, [registry[:port]/]repository[:tag][@sha256:digest] without a scheme, whose repository path is lowercase letters, '
  + 'digits and single ".", "_" or "-" separators (e.g. "registry.fintech.internal/fintech/payments:1.4.2")';
const HEARTBEAT_URL = 'https://hc-ping.com/abcdef12-3456-7890-abcd-ef1234567890';
const SLACK_URL = 'https://hooks.slack.com/services/T00000000/B00000000/XXXXXXXXXXXXXXXXXXXXXXXX';
const ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';

// ---------------------------------------------------------------------------------------------
// MonitoringStack

const M = "MonitoringStack 'monitoring/mon'";
const NOTIFIER_RULE = 'must be a Notifier: Notifier.slack(...), Notifier.pagerDuty(...), Notifier.email(...) or Notifier.webhook(...)';
const email = (o: object) => Notifier.email({ to: 'oncall@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:587', ...o } as any);

const stack = (props: object) => () => oneServiceStack(props).chart.toJson();
const routing = (o: object) => ({ routing: receivers(o) });

const MONITORING: Array<[string, () => void, string]> = [
  ['a heartbeat URL given as the dead man\'s switch', stack(routing({ deadMansSwitch: HEARTBEAT_URL })),
    `${M}: 'routing.deadMansSwitch' (a string of 56 characters) is invalid: ${NOTIFIER_RULE}`],
  ['an Alertmanager-style { url } as the dead man\'s switch', stack(routing({ deadMansSwitch: { url: HEARTBEAT_URL } })),
    `${M}: 'routing.deadMansSwitch' (an object) is invalid: ${NOTIFIER_RULE}`],
  ['a Slack webhook URL where a Notifier belongs', stack(routing({ critical: [pagerDuty(), SLACK_URL] })),
    `${M}: 'routing.critical[1]' (a string of 77 characters) is invalid: ${NOTIFIER_RULE}`],
  ['an SMTP password sent without TLS', stack(routing({ info: [email({ username: 'alertmanager', password: SecretKeyRef.of('alertmanager-receivers', 'smtp'), requireTls: false })] })),
    `${M}: 'routing.info[0].requireTls' (false) is invalid: must not be false with a 'password': the SMTP password would cross the network unencrypted; leave it out (STARTTLS required)`],
  ['several recipients as an array', stack(routing({ info: [email({ to: ['a@example.com', 'b@example.com'] })] })),
    `${M}: 'routing.info[0].to' (["a@example.com","b@example.com"]) is invalid: must be a string, not an array, e.g. "oncall@example.com, sre@example.com"`],
  ['a grouping label with a dash', stack(routing({ groupBy: ['alert-name'] })),
    `${M}: 'routing.groupBy[0]' ("alert-name") is invalid: must be a Prometheus label name: letters, digits and "_", not starting with a digit, e.g. "service"`],
  ['two objectives of one name for one service', stack({ serviceOptions: { payments: { objectives: [
    ServiceLevelObjective.availability({ objectivePercent: 99.9 }), ServiceLevelObjective.availability({ objectivePercent: 99 })] } } }),
  `${M}: 'serviceOptions.payments.objectives[1].name' ("availability") is invalid: is also the name of serviceOptions.payments.objectives[0]; each must be unique: the name tells the objectives' rules and alerts apart`],
];

/** Two stacks (or kube-state-metrics) built by `build` in one monitoring Chart. */
function twice(build: (chart: Chart, service: FintechService) => void): () => void {
  return () => {
    const app = new App();
    const service = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-prod' }), 'payments', {
      image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080,
    });
    build(new Chart(app, 'monitoring', { namespace: 'monitoring' }), service);
  };
}
const stackProps = (service: FintechService) => ({ services: [service], routing: { critical: [pagerDuty()], warning: [slack()] } });
const KSM = { name: 'kube-state-metrics', namespace: 'monitoring', watchedNamespaces: ['fintech-prod'], labels: {} };
MONITORING.push(
  ['two stacks of one id', twice((chart, service) => {
    new MonitoringStack(chart, 'mon', stackProps(service));
    new MonitoringStack(chart, 'mon', stackProps(service));
  }), `${M}: 'id' ("mon") is invalid: is already the id of MonitoringStack 'monitoring/mon'; the constructs of one scope need different ids`],
  ['a stack on the App instead of a Chart', () => {
    const app = new App();
    const service = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-prod' }), 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
    new MonitoringStack(app as any, 'mon', stackProps(service));
  }, "MonitoringStack 'mon': 'scope' (an App) is invalid: must be a Chart or a construct inside one: the objects of a MonitoringStack are written by a Chart, e.g. new MonitoringStack(chart, 'payments', { ... })"],
  ['two kube-state-metrics of one id', twice((chart) => {
    new KubeStateMetrics(chart, 'ksm', KSM);
    new KubeStateMetrics(chart, 'ksm', { ...KSM, name: 'other' });
  }), "KubeStateMetrics 'monitoring/ksm': 'id' (\"ksm\") is invalid: is already the id of KubeStateMetrics 'monitoring/ksm'; the constructs of one scope need different ids"],
  ['a watched namespace listed twice', twice((chart) => new KubeStateMetrics(chart, 'ksm', { ...KSM, watchedNamespaces: ['fintech-prod', 'fintech-prod'] })),
    "KubeStateMetrics 'monitoring/ksm': 'watchedNamespaces[1]' (\"fintech-prod\") is invalid: is also watchedNamespaces[0]; each must be unique"],
);

MONITORING.push(['a Prometheus that keeps less than the objectives\' window', stack({ prometheus: { retention: Duration.days(7) } }),
  `${M}: 'prometheus.retention' ("7d") is invalid: must be at least 30d, the window of the objective "availability" of payments: the error budget left`
  + ' is read over the whole window, and with less data it reports a shorter one; leave \'retention\' out (it then follows the objectives) or measure'
  + ' the objectives over a shorter \'window\'']);
MONITORING.push(['a Prometheus that keeps less than the longest burn-rate window', stack({ prometheus: { retention: Duration.hours(1) } }),
  `${M}: 'prometheus.retention' ("1h") is invalid: must be at least 3d, the longest burn-rate window ('burnRateWindows'): the alerts read rates over it, and with less data they never fire`]);
MONITORING.push(['a kube-state-metrics image with capitals', stack({ kubeStateMetrics: { image: 'registry.k8s.io/Kube-State-Metrics/kube-state-metrics:v2.13.0' } }),
  `${M}: 'kubeStateMetrics.image' ("registry.k8s.io/Kube-State-Metrics/kube-state-metrics:v2.13.0") is invalid: ${IMAGE_RULE}`]);

describe('Prometheus retention and the objectives\' window', () => {
  const retentionOf = (props: object) => {
    const app = new App();
    const service = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-prod' }), 'payments', {
      image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080,
    });
    const mon = new MonitoringStack(new Chart(app, 'monitoring', { namespace: 'monitoring' }), 'mon', { services: [service], alertmanager: false, ...props });
    return mon.prometheus!.toJson().spec.retention;
  };
  const weekly = [ServiceLevelObjective.availability({ objectivePercent: 99.9, window: Duration.days(7) })];

  test('without retention, samples are kept for the longest objective window, and at least 15 days', () => {
    expect(retentionOf({})).toBe('30d');
    expect(retentionOf({ objectives: [ServiceLevelObjective.availability({ objectivePercent: 99.9, window: Duration.days(45) })] })).toBe('45d');
    expect(retentionOf({ objectives: weekly })).toBe('15d');
  });

  test('a retention that covers objectives measured over a week is accepted', () => {
    expect(retentionOf({ objectives: weekly, prometheus: { retention: Duration.days(7) } })).toBe('7d');
  });
});

describe('MonitoringStack mistakes (platform red team)', () => {
  test.each(MONITORING)('%s', (_name, build, expected) => {
    const message = plainErrorMessage(build);
    expect(message).toBe(expected);
    for (const secret of [HEARTBEAT_URL, SLACK_URL, 'abcdef12-3456-7890-abcd-ef1234567890']) expect(message).not.toContain(secret);
  });
});

// ---------------------------------------------------------------------------------------------
// BackupCronJob

const B = "BackupCronJob 'data/ledger-db-backup'";
const AGE = 'age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p';
const postgres = (o: object = {}) => BackupSource.postgres({
  database: 'ledger', host: SecretKeyRef.of('ledger-db', 'host'), user: SecretKeyRef.of('ledger-db', 'user'), password: SecretKeyRef.of('ledger-db', 'password'), ...o,
} as any);
/** The backup store with the credential of the Secret `secretName`. */
const s3 = (secretName = 'backup-writer', o: object = {}) => BackupDestination.s3({
  bucket: 'ledger-backups', accessKeyId: SecretKeyRef.of(secretName, 'id'), secretAccessKey: SecretKeyRef.of(secretName, 'secret'), ...o,
} as any);

function backup(props: object): () => void {
  return () => {
    const chart = new Chart(new App(), 'data', { namespace: 'fintech-prod' });
    new BackupCronJob(chart, 'ledger-db-backup', {
      image: 'registry.fintech.internal/fintech/backup-tools:1.0.0', source: postgres(), destination: s3(),
      encryption: { recipients: [AGE], identity: SecretKeyRef.of('backup-age-identity', 'identity') }, ...props,
    } as any);
    chart.toJson();
  };
}

const OWN_CREDENTIAL = "must carry its own credential (other Secret keys than 'destination'): with the writer's, the backup Job could still delete and read old backups";
const BACKUP: Array<[string, () => void, string]> = [
  ['an image tag that cannot be the version label', backup({ image: `registry.fintech.internal/fintech/backup-tools:${'1.0.0-'.repeat(11)}x` }),
    `${B}: 'image' ("registry.fintech.internal/fintech/backup-tools:${'1.0.0-'.repeat(11)}x") is invalid: must have a tag that is also a label value`
    + ' (at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit): the tag becomes the app.kubernetes.io/version label;'
    + ' shorten the tag or pin the image by digest (...@sha256:<64 hex>)'],
  ['a reader built anew with the writer\'s credential', backup({ access: { pruner: s3('backup-pruner'), reader: s3() } }),
    `${B}: 'access.reader' ("backup-writer/id backup-writer/secret") is invalid: ${OWN_CREDENTIAL}`],
  ['a pruner built anew with the writer\'s credential', backup({ access: { pruner: s3(), reader: s3('backup-reader') } }),
    `${B}: 'access.pruner' ("backup-writer/id backup-writer/secret") is invalid: ${OWN_CREDENTIAL}`],
  ['an access key pasted into the pruner', backup({ access: { pruner: s3('backup-pruner', { accessKeyId: ACCESS_KEY }), reader: s3('backup-reader') } }),
    `${B}: 'access.pruner.accessKeyId' (a string of 20 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the S3 access key id; credentials are never accepted as values`],
  ['an rclone type of two words', backup({ destination: BackupDestination.rclone({ type: 'ftp server', path: 'backups' }) }),
    `${B}: 'destination.type' ("ftp server") is invalid: must be an rclone backend type as "rclone help backends" lists it (one lowercase word), e.g. "sftp", "s3" or "local"`],
  ['an image with capitals in its repository', backup({ image: 'Registry.fintech.internal/Fintech/backup-tools:1.0.0' }),
    `${B}: 'image' ("Registry.fintech.internal/Fintech/backup-tools:1.0.0") is invalid: ${IMAGE_RULE}`],
  ['SQL in the second verify table', backup({ source: postgres({ verifyTables: ['fintech.users', 'fintech.users; drop table x'] }) }),
    `${B}: 'source.verifyTables[1]' ("fintech.users; drop table x") is invalid: must be schema.table in lowercase letters, digits and "_", e.g. "fintech.users"`],
];

describe('BackupCronJob mistakes (platform red team)', () => {
  test.each(BACKUP)('%s', (_name, build, expected) => {
    const message = plainErrorMessage(build);
    expect(message).toBe(expected);
    expect(message).not.toContain(ACCESS_KEY);
  });

  test('a store without credentials (a local volume) may serve reader and pruner', () => {
    const local = () => BackupDestination.rclone({ type: 'local', path: '/backups' });
    expect(backup({ destination: local(), access: { pruner: local(), reader: local() } })).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// GitOpsDelivery

const G = "GitOpsDelivery 'gitops/delivery'";
const KIND_RULE = 'must be a kind such as "Deployment" (a capital letter, then letters and digits), never "*": the AppProject allows only the kinds its output contains';
const GROUP_RULE = 'must be an API group such as "apps" or "" (the core group), never "*": the AppProject allows only the kinds its output contains';

function gitops(resources: object): () => void {
  return () => {
    const chart = new Chart(new App(), 'gitops');
    new GitOpsDelivery(chart, 'delivery', {
      repoUrl: 'https://git.example.com/platform/fintech.git',
      environments: [{ name: 'production', namespace: 'fintech-prod', waves: [0, 1], resources: { namespaces: ['fintech-prod'], clusterKinds: [], namespacedKinds: [], ...resources } as any }],
    });
    chart.toJson();
  };
}

const GITOPS: Array<[string, () => void, string]> = [
  ['a wildcard group (allow every kind)', gitops({ clusterKinds: [{ group: '*', kind: '*' }] }),
    `${G}: 'environments[0].resources.clusterKinds[0].group' ("*") is invalid: ${GROUP_RULE}`],
  ['a wildcard kind', gitops({ namespacedKinds: [{ group: 'apps', kind: '*' }] }),
    `${G}: 'environments[0].resources.namespacedKinds[0].kind' ("*") is invalid: ${KIND_RULE}`],
  ['a resource name (plural, lower case) as the kind', gitops({ namespacedKinds: [{ group: 'apps', kind: 'deployments' }] }),
    `${G}: 'environments[0].resources.namespacedKinds[0].kind' ("deployments") is invalid: ${KIND_RULE}`],
  ['a group with capitals', gitops({ namespacedKinds: [{ group: 'Apps', kind: 'Deployment' }] }),
    `${G}: 'environments[0].resources.namespacedKinds[0].group' ("Apps") is invalid: must be a DNS-1123 subdomain: at most 253 characters in dot-separated DNS-1123 labels (lowercase letters, digits or "-", each starting and ending with a letter or digit)`],
  ['a namespace beside the group and kind', gitops({ namespacedKinds: [{ group: 'apps', kind: 'Deployment', namespace: '*' }] }),
    `${G}: 'environments[0].resources.namespacedKinds[0].namespace' (a string of 1 character) is invalid: is not a known option; the options are group, kind`],
];

function delivery(props: object): () => void {
  return () => {
    const chart = new Chart(new App(), 'gitops');
    new GitOpsDelivery(chart, 'delivery', {
      repoUrl: 'https://git.example.com/platform/fintech.git',
      environments: [{ name: 'production', namespace: 'fintech-prod', waves: [0], resources: { namespaces: ['fintech-prod'], clusterKinds: [], namespacedKinds: [] } }],
      ...props,
    } as any);
    chart.toJson();
  };
}
GITOPS.push(
  ['a git@ address without the repository', delivery({ repoUrl: 'git@github.com' }),
    `${G}: 'repoUrl' ("git@github.com") is invalid: must be an https://, ssh:// or git@ repository URL with the repository's path, e.g. "https://git.example.com/platform/fintech.git" or "git@git.example.com:platform/fintech.git"`],
  ['an https address without the repository', delivery({ repoUrl: 'https://github.com' }),
    `${G}: 'repoUrl' ("https://github.com") is invalid: must be an https://, ssh:// or git@ repository URL with the repository's path, e.g. "https://git.example.com/platform/fintech.git" or "git@git.example.com:platform/fintech.git"`],
  ['a branch given as its full ref', delivery({ revision: GitRevision.branch('refs/heads/main') }),
    `${G}: 'revision' ("refs/heads/main") is invalid: must be the branch's short name, without "refs/heads/" or "refs/tags/", e.g. GitRevision.branch('main'): Flux adds the prefix itself`],
  ['no address for the API server', delivery({ apiServerCidrs: [] }),
    `${G}: 'apiServerCidrs' ([]) is invalid: must list at least one address range, e.g. ["10.0.0.1/32"]: the freeze CronJobs could not reach the API server, and no freeze would start or end`],
  ['a flux CLI image with capitals', delivery({ fluxCliImage: 'ghcr.io/FluxCD/flux-cli:v2.8.3' }),
    `${G}: 'fluxCliImage' ("ghcr.io/FluxCD/flux-cli:v2.8.3") is invalid: ${IMAGE_RULE}`],
);

describe('GitOpsDelivery mistakes (platform red team)', () => {
  test.each(GITOPS)('%s', (_name, build, expected) => {
    expect(plainErrorMessage(build)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Capacity tools

const QUANTITY_RULE = 'must be a Kubernetes quantity: a non-negative number, or a string such as "500m", "2", "512Mi" or "1Gi"';
const workload = (o: object) => ({ workload: 'Deployment/payments', rolloutGroup: 'payments', replicas: 2, surge: 1, maxReplicas: 2, containers: [], initContainers: [], ...o });

const CAPACITY: Array<[string, () => void, string]> = [
  ['a quota that is not a quantity, read from the objects', () => planCapacity([
    { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quota', namespace: 'fintech-prod' }, spec: { hard: { 'requests.cpu': 'lots' } } }]),
  `planCapacity: 'objects (namespace fintech-prod).quota["requests.cpu"]' ("lots") is invalid: ${QUANTITY_RULE}`],
  ['memory in gigabytes as people write it', () => checkCapacity([{ namespace: 'n', quota: { 'limits.memory': '8GB' }, workloads: [] }]),
    `checkCapacity: 'inputs[0].quota["limits.memory"]' ("8GB") is invalid: ${QUANTITY_RULE}`],
  ['a negative quota', () => checkCapacity([{ namespace: 'n', quota: { pods: -1 }, workloads: [] }]),
    `checkCapacity: 'inputs[0].quota["pods"]' (-1) is invalid: ${QUANTITY_RULE}`],
  ['a container CPU of "1 core"', () => checkCapacity([{ namespace: 'n', quota: {}, workloads: [workload({ containers: [{ name: 'app', requests: { cpu: '1 core' } }] })] }]),
    `checkCapacity: 'inputs[0].workloads[0].containers[0].requests.cpu' ("1 core") is invalid: ${QUANTITY_RULE}`],
  ['a LimitRange default of NaN', () => checkCapacity([{ namespace: 'n', quota: {}, limitRange: { default: { memory: NaN } }, workloads: [] }]),
    `checkCapacity: 'inputs[0].limitRange.default.memory' (NaN) is invalid: ${QUANTITY_RULE}`],
  ['a fraction of a replica', () => checkCapacity([{ namespace: 'n', quota: {}, workloads: [workload({ replicas: 1.5 })] }]),
    `checkCapacity: 'inputs[0].workloads[0].replicas' (1.5) is invalid: must be an integer of at least 0`],
];

describe('capacity tool mistakes (platform red team)', () => {
  test.each(CAPACITY)('%s', (_name, build, expected) => {
    expect(plainErrorMessage(build)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// Output tools

const TOOLS: Array<[string, () => void, string]> = [
  ['an object that contains itself', () => {
    const before: any = { kind: 'ConfigMap', data: {} };
    before.data.self = before;
    diffFields(before, {});
  }, "diffFields: 'before' (an object) is invalid: contains itself at data.self; pass plain data, as parsed from YAML or JSON"],
  ['a null among the files to compare', () => diffResources([null as any], []),
    "diffResources: 'before[0]' (null) is invalid: must be { path, content }, not null"],
  ['a file read as an output folder', () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'redteam-')), 'dist');
    fs.writeFileSync(file, 'not a folder');
    readOutputFiles(file);
  }, /^readOutputFiles: 'dir' \(".*\/dist"\) is invalid: is a file; it must be an output folder, e\.g\. "dist"$/.source],
  ['an option spelt as in another tool', () => formatResourceChanges([], { maxWidth: 80 } as any),
    "formatResourceChanges: 'options.maxWidth' (80) is invalid: is not a known option; the options are maxValueLength, maxFieldsPerObject"],
  ['a cut shorter than any value', () => formatResourceChanges([], { maxValueLength: 0 }),
    "formatResourceChanges: 'options.maxValueLength' (0) is invalid: must be an integer of at least 8"],
  ['a YAML string instead of the parsed object', () => resourceIdentity('kind: Deployment'),
    "resourceIdentity: 'object' (\"kind: Deployment\") is invalid: must be a parsed Kubernetes object ({ apiVersion, kind, metadata }), not a string"],
  ['a resource named as in a pod spec', () => formatResource('cpu' as any, 500),
    "formatResource: 'resource' (\"cpu\") is invalid: must be one of requests.cpu, requests.memory, limits.cpu, limits.memory, pods"],
  ['one result instead of the list', () => segmentationMarkdown({ environment: 'production' } as any),
    "segmentationMarkdown: 'results' ({\"environment\":\"production\"}) is invalid: must be an array, not an object, e.g. synthesize(plan).segmentation"],
];

describe('output tool mistakes (platform red team)', () => {
  test.each(TOOLS)('%s', (_name, build, expected) => {
    const message = plainErrorMessage(build);
    if (expected.startsWith('^')) expect(message).toMatch(new RegExp(expected));
    else expect(message).toBe(expected);
  });
});
