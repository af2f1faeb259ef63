// Plain JavaScript, as a caller without type checking writes it: wrong types given to CanaryRollout,
// BackupCronJob, GitOpsDelivery, ChangeFreeze, a deliverable and the tools must each give the usual
// error naming the construct path (or the function), never a TypeError from deep inside.
const { App, Chart, Cron, Duration } = require('cdk8s');
const { Construct } = require('constructs');
const {
  BackupCronJob, BackupDestination, BackupSource, CanaryPhase, CanaryRollout, ChangeFreeze, FintechService, GitOpsDelivery, GitRevision, SecretKeyRef,
} = require('../../lib');
const tools = require('../../lib/tools');
const { plainErrorMessage } = require('../support/errors');

function messageOf(make) {
  return plainErrorMessage(make);
}

const STABLE = 'registry.fintech.internal/fintech/finance-service:1.0.0';
const CANARY = 'registry.fintech.internal/fintech/finance-service:1.1.0';
const IMAGE = 'registry.fintech.internal/fintech/backup-tools:1.0.0';
const ref = (key) => SecretKeyRef.of('backup-credentials', key);
const postgres = (o) => BackupSource.postgres({ database: 'platform', host: 'db.internal', user: 'backup', password: ref('password'), ...o });
const s3 = () => BackupDestination.s3({ bucket: 'fintech-backups', accessKeyId: ref('id'), secretAccessKey: ref('secret') });
const s3As = (secretName) => BackupDestination.s3({ bucket: 'fintech-backups', accessKeyId: SecretKeyRef.of(secretName, 'id'), secretAccessKey: SecretKeyRef.of(secretName, 'secret') });
const canary = (props) => () => new CanaryRollout(new Chart(new App(), 'prod'), 'finance-service', { stableImage: STABLE, canaryImage: CANARY, port: 8080, ...props });
const backup = (props) => () => new BackupCronJob(new Chart(new App(), 'prod'), 'backup', { image: IMAGE, source: postgres(), destination: s3(), encryption: false, ...props });
const ENV = { name: 'staging', namespace: 'fintech-staging', waves: [0, 1], resources: { namespaces: ['fintech-staging'], clusterKinds: [], namespacedKinds: [] } };
const gitops = (props) => () => new GitOpsDelivery(new Chart(new App(), 'gitops'), 'delivery',
  { repoUrl: 'https://git.example.com/platform/fintech.git', environments: [ENV], now: new Date('2026-12-02T03:00:00Z'), ...props });
const freeze = (o) => ChangeFreeze.recurring({ schedule: Cron.schedule({ minute: '0', hour: '0', day: '1' }), duration: Duration.hours(72), reason: 'Month-end closing', ...o });
const withFreeze = (f) => gitops({ environments: [{ ...ENV, freezes: [f] }] });
function paymentsApp() {
  const app = new App();
  new FintechService(new Chart(app, 'services', { namespace: 'fintech' }), 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
  return app;
}
class Migration extends Construct {
  constructor(scope, id, deliveryTier, dependencies) {
    super(scope, id);
    this.deliveryTier = deliveryTier;
    this.dependencies = dependencies;
  }

  deliveryDependencies() {
    return this.dependencies;
  }
}
const withMigration = (tier, dependencies) => () => {
  const app = paymentsApp();
  new Migration(new Chart(app, 'migrations', { namespace: 'fintech' }), 'schema', tier, dependencies);
  return tools.synthesizeFolders([{ folder: 'production', app }]);
};

const C = "CanaryRollout 'prod/finance-service'";
const B = "BackupCronJob 'prod/backup'";
const G = "GitOpsDelivery 'gitops/delivery'";

describe('CanaryRollout from JavaScript', () => {
  test.each([
    ['a number as the id', () => new CanaryRollout(new Chart(new App(), 'prod'), 5, { stableImage: STABLE, port: 8080 }),
      "CanaryRollout 'prod/': 'id' (5) is invalid: must be a string, not a number: new CanaryRollout(chart, 'payments', { ... })"],
    ['"yes" as the metrics', canary({ metrics: 'yes' }), `${C}: 'metrics' ("yes") is invalid: must be an object, not a string, e.g. { path: '/metrics' }`],
    ['a phase of "30" percent', canary({ phase: CanaryPhase.percent('30') }),
      `${C}: 'phase' ("30") is invalid: must be CanaryPhase.percent() of a number, not a string, e.g. CanaryPhase.percent(30)`],
    ['null as the analysis window', canary({ analysis: { window: null } }),
      `${C}: 'analysis.window' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['a failure limit as a string, with the plain backend', canary({ analysis: { failureLimit: '2' } }),
      `${C}: 'analysis.failureLimit' ("2") is invalid: must be a finite number, not a string`],
    ['null as an inconclusive limit', canary({ analysis: { inconclusiveLimit: null } }),
      `${C}: 'analysis.inconclusiveLimit' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['a string as the autoscaler maximum, blamed on the rollout', canary({ autoscaling: { maxReplicas: '10' } }),
      `${C}: 'autoscaling.maxReplicas' ("10") is invalid: must be a finite number, not a string`],
    ['a number as the backend', canary({ backend: 1 }),
      `${C}: 'backend' (1) is invalid: must be one of CanaryBackend.PLAIN_KUBERNETES or CanaryBackend.ARGO_ROLLOUTS ("plain-kubernetes" or "argo-rollouts")`],
  ])('rejects %s', (_, make, message) => expect(messageOf(make)).toBe(message));
});

describe('BackupCronJob from JavaScript', () => {
  test.each([
    ['a number as the time zone', backup({ timeZone: 1 }), `${B}: 'timeZone' (1) is invalid: must be a string, not a number, e.g. "Etc/UTC" or "Europe/Berlin"`],
    ['a string as the missing-alert factor', backup({ alerts: { missingAfterFactor: '2' } }),
      `${B}: 'alerts.missingAfterFactor' ("2") is invalid: must be a finite number, not a string`],
    ['one application role instead of a list', backup({ source: postgres({ applicationRoles: 'app' }) }),
      `${B}: 'source.applicationRoles' ("app") is invalid: must be a list of PostgreSQL role names`],
    ['one recipient instead of a list', backup({ encryption: { recipients: `age1${'q'.repeat(58)}`, identity: ref('identity') } }),
      `${B}: 'encryption.recipients' ("age1${'q'.repeat(58)}") is invalid: must be an array, not a string, e.g. ['age1...']`],
    ['a cron string as the prune schedule', backup({ access: { pruner: s3As('backup-pruner'), reader: s3As('backup-reader'), pruneSchedule: '0 5 * * *' } }),
      `${B}: 'access.pruneSchedule' ("0 5 * * *") is invalid: must be a Cron, not a string, e.g. Cron.schedule({ minute: '0', hour: '2' }) for "0 2 * * *"`],
    ['true as the restore', backup({ restore: true }), `${B}: 'restore' (true) is invalid: must be an object, not a boolean, e.g. { database: 'payments' } or false`],
    ['the BackupSource class as the source', backup({ source: BackupSource }),
      `${B}: 'source' (a function) is invalid: must be BackupSource.postgres({...}), BackupSource.redis({...}) or BackupSource.eventStoreExport({...})`],
    ['null as the retention (the default is to leave it out)', backup({ retention: null }),
      `${B}: 'retention' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['null as the restore', backup({ restore: null }), `${B}: 'restore' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['null as the restore deadline', backup({ restore: { activeDeadline: null } }),
      `${B}: 'restore.activeDeadline' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['null as the alerts\' runbook address', backup({ alerts: { runbookBaseUrl: null } }),
      `${B}: 'alerts.runbookBaseUrl' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['"7d" as the retention lock', backup({ retentionLock: '7d' }), `${B}: 'retentionLock' ("7d") is invalid: must be a Duration, not a string, e.g. Duration.days(30)`],
  ])('rejects %s', (_, make, message) => expect(messageOf(make)).toBe(message));
});

describe('GitOpsDelivery and ChangeFreeze from JavaScript', () => {
  test.each([
    ['a branch without a name', gitops({ revision: GitRevision.branch() }),
      `${G}: 'revision' (undefined) is invalid: must be a string, not undefined, e.g. GitRevision.branch('main')`],
    ['a commit as a number', gitops({ revision: GitRevision.commit(42) }),
      `${G}: 'revision' (42) is invalid: must be a string, not a number, e.g. GitRevision.commit('<40 hex digits>')`],
    ['null as the revision', gitops({ revision: null }), `${G}: 'revision' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['null as prune (pruning would stay on)', gitops({ environments: [{ ...ENV, prune: null }] }),
      `${G}: 'environments[0].prune' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['null as a freeze\'s time zone', withFreeze(freeze({ timeZone: null })),
      `${G}: 'environments[0].freezes[0].timeZone' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['a string as the Flux source', gitops({ fluxSource: 'platform' }),
      `${G}: 'fluxSource' ("platform") is invalid: must be an object, not a string, e.g. { name: 'platform', namespace: 'flux-system' }`],
    ['one CIDR instead of a list', gitops({ apiServerCidrs: '10.0.0.1/32' }),
      `${G}: 'apiServerCidrs' ("10.0.0.1/32") is invalid: must be an array, not a string, e.g. ["10.0.0.1/32"]`],
    ['"false" as automated sync', gitops({ environments: [{ ...ENV, automatedSync: 'false' }] }),
      `${G}: 'environments[0].automatedSync' ("false") is invalid: must be a boolean (true or false), not a string`],
    ['no resources for an environment', gitops({ environments: [{ ...ENV, resources: undefined }] }),
      `${G}: 'environments[0].resources' (undefined) is invalid: must be what the environment's output contains: environmentResources(folder) of its folder in the delivery plan`],
    ['a one-off freeze without options', withFreeze(ChangeFreeze.oneOff()),
      `${G}: 'environments[0].freezes[0]' (undefined) is invalid: must be an object, not undefined`],
    ['a number as the reason', withFreeze(freeze({ reason: 5 })),
      `${G}: 'environments[0].freezes[0].reason' (5) is invalid: must be a string, not a number, e.g. "Month-end closing"`],
    ['"yes" as manual sync', withFreeze(freeze({ manualSync: 'yes' })),
      `${G}: 'environments[0].freezes[0].manualSync' ("yes") is invalid: must be a boolean (true or false), not a string`],
    ['a number as the time zone', withFreeze(freeze({ timeZone: 1 })),
      `${G}: 'environments[0].freezes[0].timeZone' (1) is invalid: must be a string, not a number, e.g. "Etc/UTC" or "Europe/Berlin"`],
  ])('rejects %s', (_, make, message) => expect(messageOf(make)).toBe(message));
});

describe('tools from JavaScript', () => {
  const files = [{ path: 'production/a.yaml', content: 'a' }];
  test.each([
    ['a path where folders are expected', () => tools.synthesizeFolders('dist'),
      "synthesizeFolders: 'folders' (\"dist\") is invalid: must be an array of { folder, app }, not a string, e.g. [{ folder: 'production', app }]"],
    ['no folders at all', () => tools.synthesizeFolders(),
      "synthesizeFolders: 'folders' (undefined) is invalid: must be an array of { folder, app }, not undefined, e.g. [{ folder: 'production', app }]"],
    ['"false" as waves', () => tools.synthesizeFolders([{ folder: 'production', app: paymentsApp(), waves: 'false' }]),
      "synthesizeFolders: 'folders[0].waves' (\"false\") is invalid: must be a boolean (true or false), not a string"],
    ['a number as the folder', () => tools.synthesizeFolders([{ folder: 1, app: paymentsApp() }]),
      "synthesizeFolders: 'folders[0].folder' (1) is invalid: must be a string, not a number, e.g. \"production\""],
    ['no plan', () => tools.synthesizePlan(), "synthesizePlan: 'plan' (undefined) is invalid: must be a delivery plan, planDelivery(folders), not undefined"],
    ['the arguments swapped', () => tools.writeOutput('dist', files),
      "writeOutput: 'files' (\"dist\") is invalid: must be an array of { path, content }, not a string, e.g. synthesizeFolders([{ folder: 'production', app }])"],
    ['no output folder', () => tools.writeOutput(files), "writeOutput: 'outdir' (undefined) is invalid: must be the path of the output folder, not undefined, e.g. \"dist\""],
    ['a number as a file\'s content', () => tools.writeOutput([{ path: 'a.yaml', content: 5 }], 'dist'),
      "writeOutput: 'files[0].content' (5) is invalid: must be a string, not a number"],
    ['a path where files are compared', () => tools.compareOutput('dist', 'dist'),
      "compareOutput: 'files' (\"dist\") is invalid: must be an array of { path, content }, not a string, e.g. synthesizeFolders([{ folder: 'production', app }])"],
    ['a string as the files of objectsOf', () => tools.objectsOf('dist'),
      "objectsOf: 'files' (\"dist\") is invalid: must be an array of { path, content }, not a string, e.g. synthesizeFolders([{ folder: 'production', app }])"],
    ['no folder for wavesOf', () => tools.wavesOf(),
      "wavesOf: 'folder' (undefined) is invalid: must be one folder of a delivery plan (planDelivery(folders).folders[i]), not undefined"],
    ['no folder for environmentResources', () => tools.environmentResources(),
      "environmentResources: 'folder' (undefined) is invalid: must be one folder of a delivery plan (planDelivery(folders).folders[i]), not undefined"],
    ['no objects for planCapacity', () => tools.planCapacity(),
      "planCapacity: 'objects' (undefined) is invalid: must be an array, not undefined, e.g. objectsOf(synthesizeFolders(folders))"],
    ['a string for capacityInputs', () => tools.capacityInputs('dist'),
      "capacityInputs: 'objects' (\"dist\") is invalid: must be an array, not a string, e.g. objectsOf(synthesizeFolders(folders))"],
    ['one report for assertCapacity', () => tools.assertCapacity({ errors: [] }),
      "assertCapacity: 'reports' ({\"errors\":[]}) is invalid: must be an array, not an object, e.g. planCapacity(objects)"],
    ['a string wave', () => tools.waveFolder('1'), "waveFolder: 'wave' (\"1\") is invalid: must be an integer of at least 0, e.g. 2"],
    ['no path for an atomic write', () => tools.writeFileAtomically(undefined, 'x'),
      "writeFileAtomically: 'filePath' (undefined) is invalid: must be a file path, e.g. \"reports/capacity.md\""],
    ['no folder for readOutputFiles', () => tools.readOutputFiles(), "readOutputFiles: 'dir' (undefined) is invalid: must be the path of an output folder, not undefined, e.g. \"dist\""],
    ['paths where diffResources takes files', () => tools.diffResources('dist', 'build'),
      "diffResources: 'before' (\"dist\") is invalid: must be an array, not a string, e.g. readOutputFiles('dist')"],
    ['no identity for identityLabel', () => tools.identityLabel(), "identityLabel: 'id' (undefined) is invalid: must be a ResourceIdentity (resourceIdentity(object)), not undefined"],
    ['no changes to format', () => tools.formatResourceChanges(), "formatResourceChanges: 'changes' (undefined) is invalid: must be an array, not undefined, e.g. diffResources(before, after)"],
    ['no report for capacityTable', () => tools.capacityTable(), "capacityTable: 'report' (undefined) is invalid: must be one report of planCapacity(objects)"],
    ['an empty capacity input', () => tools.checkCapacity([{}]), "checkCapacity: 'inputs[0]' ({}) is invalid: must be { namespace, quota, workloads }, as capacityInputs(objects) returns"],
    ['a rollout without a scope', () => new CanaryRollout(undefined, 'finance-service', { stableImage: STABLE, port: 8080 }),
      "CanaryRollout 'finance-service': 'scope' (undefined) is invalid: must be a Chart or a construct inside one, not undefined: new CanaryRollout(chart, 'payments', { ... })"],
    ['a deliverable of tier "data"', withMigration('data', []),
      "Migration 'migrations/schema': 'deliveryTier' (\"data\") is invalid: must be DeliveryTier.FOUNDATION, DeliveryTier.DATA or DeliveryTier.SERVICES (0, 1 or 2)"],
    ['a deliverable whose dependencies are undefined', withMigration(1, undefined),
      "Migration 'migrations/schema': 'deliveryDependencies()' (undefined) is invalid: must return an array of constructs, not undefined; [] for none"],
  ])('rejects %s', (_, make, message) => expect(messageOf(make)).toBe(message));
});
