import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Cron, Duration, Size } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import {
  BackupCronJob, BackupDestination, BackupSource, CanaryBackend, CanaryPhase, CanaryRollout, ChangeFreeze, DeliveryTier, FintechService,
  FintechEnvironment, GitOpsDelivery, GitRevision, IDeliverable, SecretKeyRef,
} from '../../lib';
import {
  compareOutput, deliveryWaves, environmentResources, planDelivery, synthesizeFolders, synthesizePlan, validateApp, waveFolder, writeOutput,
} from '../../lib/tools';
import { STAGING } from '../../platform';
import { plainErrorMessage } from '../support/errors';

/**
 * GIVEN one realistic mistake with CanaryRollout, BackupCronJob, GitOpsDelivery, ChangeFreeze, a
 * deliverable or one of the tools WHEN it is made or called THEN it throws a plain Error naming
 * the construct path (or the function), the prop (or argument), the value and what is valid.
 */
const C = "CanaryRollout 'prod/finance-service'";
const B = "BackupCronJob 'prod/backup'";
const G = "GitOpsDelivery 'gitops/delivery'";
const STABLE = 'registry.fintech.internal/fintech/finance-service:1.0.0';
const CANARY = 'registry.fintech.internal/fintech/finance-service:1.1.0';
const IMAGE = 'registry.fintech.internal/fintech/backup-tools:1.0.0';
const NOW = new Date('2026-12-02T03:00:00Z');
const TZ_RULE = 'must be an IANA time zone name as the tz database spells it (case matters), such as "Etc/UTC" or "Europe/Berlin"';
const FOLDER_RULE = 'must be a folder inside the output: letters, digits, "-", "_" and "." in segments separated by "/", without "..", "." or empty segments, e.g. "production"';

const ref = (key: string) => SecretKeyRef.of('backup-credentials', key);
const postgres = (o: object = {}) => BackupSource.postgres({ database: 'platform', host: 'db.internal', user: 'backup', password: ref('password'), ...o } as any);
const redis = () => BackupSource.redis({ host: 'redis.internal', password: ref('password') });
const s3 = (o: object = {}) => BackupDestination.s3({ bucket: 'fintech-backups', accessKeyId: ref('id'), secretAccessKey: ref('secret'), ...o } as any);
const AGE = `age1${'q'.repeat(58)}`;

function canary(props: object): () => unknown {
  return () => new CanaryRollout(new Chart(new App(), 'prod'), 'finance-service', { stableImage: STABLE, canaryImage: CANARY, port: 8080, ...props } as any);
}
function backup(props: object): () => unknown {
  return () => new BackupCronJob(new Chart(new App(), 'prod'), 'backup', { image: IMAGE, source: postgres(), destination: s3(), encryption: false, ...props } as any);
}
const RESOURCES = { namespaces: ['fintech-staging'], clusterKinds: [], namespacedKinds: [] };
const env = (o: object = {}) => ({ name: 'staging', namespace: 'fintech-staging', waves: [0, 1], resources: RESOURCES, ...o });
const freeze = (o: object = {}) => ChangeFreeze.recurring({
  schedule: Cron.schedule({ minute: '0', hour: '0', day: '1' }), duration: Duration.hours(72), reason: 'Month-end closing', ...o,
} as any);
function gitops(props: object): () => unknown {
  return () => new GitOpsDelivery(new Chart(new App(), 'gitops'), 'delivery',
    { repoUrl: 'https://git.example.com/platform/fintech.git', environments: [env()], now: NOW, ...props } as any);
}
function paymentsApp(): App {
  const app = new App();
  new FintechService(new Chart(app, 'services', { namespace: 'fintech' }), 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
  return app;
}

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));
function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'mistakes-delivery-'));
  tempDirs.push(dir);
  return dir;
}
function readTree(dir: string, prefix = ''): Record<string, string> {
  const tree: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    if (entry.isDirectory()) Object.assign(tree, readTree(path.join(dir, entry.name), relative));
    else tree[relative] = fs.readFileSync(path.join(dir, entry.name), 'utf8');
  }
  return tree;
}

describe('CanaryRollout mistakes', () => {
  test.each<[string, () => unknown, string]>([
    ['replicas 0, passed on to the service, blamed on the rollout', canary({ replicas: 0 }),
      `${C}: 'replicas' (0) is invalid: must be an integer of at least 1`],
    ['an env value the service refuses, blamed on the rollout', canary({ env: { DATABASE_URL: 'postgres://app:Sup3rS3cretPw@db:5432/app' } }),
      `${C}: 'env.DATABASE_URL' (a string of 40 characters) is invalid: looks like a credential (a URL with a password), and secret values never go into manifests: use 'secretEnv' with SecretKeyRef.of(secretName, key)`],
    ['metrics turned off: nothing could detect a bad release', canary({ metrics: false }),
      `${C}: 'metrics' (false) is invalid: must not be false: the canary's analysis and rollback alerts measure its error rate and latency from the service's metrics, and without them nothing would detect a bad release`],
    ['steps that go down', canary({ steps: [50, 10, 100] }),
      `${C}: 'steps' ([50,10,100]) is invalid: must be strictly increasing percentages in (0, 100], ending at 100, e.g. [10, 30, 60, 100]`],
    ['steps that never reach 100', canary({ steps: [10, 50] }),
      `${C}: 'steps' ([10,50]) is invalid: must be strictly increasing percentages in (0, 100], ending at 100, e.g. [10, 30, 60, 100]`],
    ['no steps', canary({ steps: [] }),
      `${C}: 'steps' ([]) is invalid: must be strictly increasing percentages in (0, 100], ending at 100, e.g. [10, 30, 60, 100]`],
    ['a step over 100', canary({ steps: [10, 150] }), `${C}: 'steps[1]' (150) is invalid: must be an integer from 1 to 100`],
    ['a phase that is not a step', canary({ phase: CanaryPhase.percent(45) }),
      `${C}: 'phase' (45) is invalid: must be one of the steps [10, 30, 60, 100]`],
    ['a phase of NaN percent', canary({ phase: CanaryPhase.percent(NaN) }),
      `${C}: 'phase' (NaN) is invalid: must be CanaryPhase.percent() of a number, not NaN, e.g. CanaryPhase.percent(30)`],
    ['a phase without a canary image', canary({ canaryImage: undefined, phase: CanaryPhase.percent(30) }),
      `${C}: 'phase' (30) is invalid: needs a 'canaryImage' to roll out`],
    ['a phase with Argo Rollouts', canary({ backend: CanaryBackend.ARGO_ROLLOUTS, phase: CanaryPhase.percent(30) }),
      `${C}: 'phase' (30) is invalid: applies to the plain-Kubernetes backend only: Argo Rollouts moves through the steps itself (promote or abort with kubectl argo rollouts)`],
    ['a pause of zero seconds', canary({ backend: CanaryBackend.ARGO_ROLLOUTS, pause: Duration.seconds(0) }),
      `${C}: 'pause' ("0ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.hours(48)`],
    ['manual approval with the plain-Kubernetes backend', canary({ manualApproval: true }),
      `${C}: 'manualApproval' (true) is invalid: applies to the Argo Rollouts backend only: the plain-Kubernetes rollout moves only when its phase is changed in git`],
    ['a canary image tagged latest', canary({ canaryImage: 'registry.fintech.internal/fintech/finance-service:latest' }),
      `${C}: 'canaryImage' ("registry.fintech.internal/fintech/finance-service:latest") is invalid: must be pinned: a version tag other than 'latest' (registry/fintech/service:1.4.2) or a digest (...@sha256:<64 hex>)`],
    ['the stable release as the canary', canary({ canaryImage: STABLE }),
      `${C}: 'canaryImage' ("${STABLE}") is invalid: must differ from 'stableImage' while a rollout is in progress`],
    ['one replica for two tracks', canary({ replicas: 1 }),
      `${C}: 'replicas' (1) is invalid: must be at least 2 during a rollout: one stable and one canary pod`],
    ['an error-rate threshold of 0 %', canary({ analysis: { maxErrorRatePercent: 0 } }),
      `${C}: 'analysis.maxErrorRatePercent' ("0%") is invalid: must be greater than 0% and at most 50%`],
    ['an error-rate threshold of 150 %', canary({ analysis: { maxErrorRatePercent: 150 } }),
      `${C}: 'analysis.maxErrorRatePercent' ("150%") is invalid: must be greater than 0% and at most 50%`],
    ['a P95 threshold of two minutes', canary({ analysis: { maxP95Latency: Duration.seconds(120) } }),
      `${C}: 'analysis.maxP95Latency' ("120s") is invalid: must be greater than 0s and at most 60s`],
    ['a window of 30 seconds', canary({ analysis: { window: Duration.seconds(30) } }),
      `${C}: 'analysis.window' ("30s") is invalid: must be from 1m to 1h`],
    ['an interval longer than the window', canary({ backend: CanaryBackend.ARGO_ROLLOUTS, analysis: { interval: Duration.minutes(10) } }),
      `${C}: 'analysis.interval' ("10m") is invalid: must not exceed 'analysis.window' (5m): each measurement covers one window, so a longer interval leaves time unmeasured`],
    ['a negative failure limit', canary({ backend: CanaryBackend.ARGO_ROLLOUTS, analysis: { failureLimit: -1 } }),
      `${C}: 'analysis.failureLimit' (-1) is invalid: must be an integer of at least 0`],
    ['a fractional error limit, also with the plain backend', canary({ analysis: { consecutiveErrorLimit: 1.5 } }),
      `${C}: 'analysis.consecutiveErrorLimit' (1.5) is invalid: must be an integer of at least 0`],
    ['an ftp Prometheus address', canary({ analysis: { prometheusAddress: 'ftp://prometheus:9090' } }),
      `${C}: 'analysis.prometheusAddress' ("ftp://prometheus:9090") is invalid: must be an absolute URL starting with https:// or http://, e.g. "http://prometheus-operated.monitoring.svc:9090"`],
    ['a runbook address without a scheme', canary({ runbookBaseUrl: 'runbooks.example.com' }),
      `${C}: 'runbookBaseUrl' ("runbooks.example.com") is invalid: must be an http(s) URL under which each alert has its runbook, e.g. "https://runbooks.example.com/alerts"`],
    ['an id that is no DNS name, and no name', () => new CanaryRollout(new Chart(new App(), 'prod'), 'FinanceService', { stableImage: STABLE, port: 8080 }),
      `CanaryRollout 'prod/FinanceService': 'id' ("FinanceService") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
    ['two rollouts with one id', () => {
      const chart = new Chart(new App(), 'prod');
      new CanaryRollout(chart, 'finance-service', { stableImage: STABLE, port: 8080 });
      new CanaryRollout(chart, 'finance-service', { stableImage: STABLE, port: 8080 });
    }, `${C}: 'id' ("finance-service") is invalid: is already the id of CanaryRollout 'prod/finance-service'; the constructs of one scope need different ids`],
    ['a rollout made in the App, outside any Chart', () => new CanaryRollout(new App(), 'finance-service', { stableImage: STABLE, port: 8080 }),
      "CanaryRollout 'finance-service': 'scope' (an App) is invalid: must be a Chart or a construct inside one: the objects of a CanaryRollout are written by a Chart, e.g. new CanaryRollout(chart, 'payments', { ... })"],
    ['a rollout with the id of a service', () => {
      const chart = new Chart(new App(), 'prod');
      new FintechService(chart, 'finance-service', { image: STABLE, port: 8080 });
      new CanaryRollout(chart, 'finance-service', { stableImage: STABLE, port: 8080 });
    }, `${C}: 'id' ("finance-service") is invalid: is already the id of FintechService 'prod/finance-service'; the constructs of one scope need different ids`],
  ])('rejects %s', (_, make, message) => expect(plainErrorMessage(make)).toBe(message));

  test('pod target labels of the caller are kept beside the track and version the canary needs', () => {
    const rollout = new CanaryRollout(new Chart(new App(), 'prod', { namespace: 'fintech' }), 'finance-service', {
      stableImage: STABLE, canaryImage: CANARY, port: 8080, metrics: { podTargetLabels: ['team'] },
    });
    const monitor = Chart.of(rollout).toJson().find((o: any) => o.kind === 'ServiceMonitor');
    expect(monitor.spec.podTargetLabels).toEqual(['team', 'track', 'version']);
  });
});

describe('BackupCronJob mistakes', () => {
  test.each<[string, () => unknown, string]>([
    ['a time zone in lowercase (Kubernetes reads it case-sensitively)', backup({ timeZone: 'europe/berlin' }), `${B}: 'timeZone' ("europe/berlin") is invalid: ${TZ_RULE}`],
    ['a UTC offset as the time zone', backup({ timeZone: 'UTC+2' }), `${B}: 'timeZone' ("UTC+2") is invalid: ${TZ_RULE}`],
    ['a summer-time abbreviation as the time zone', backup({ timeZone: 'CEST' }), `${B}: 'timeZone' ("CEST") is invalid: ${TZ_RULE}`],
    ['a starting deadline of 5 seconds', backup({ startingDeadline: Duration.seconds(5) }),
      `${B}: 'startingDeadline' ("5s") is invalid: must be at least 10s`],
    ['an active deadline of zero', backup({ activeDeadline: Duration.seconds(0) }),
      `${B}: 'activeDeadline' ("0ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.hours(3)`],
    ['a restore deadline of 1.5 seconds', backup({ restore: { activeDeadline: Duration.millis(1500) } }),
      `${B}: 'restore.activeDeadline' ("1500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.hours(6)`],
    ['a missing-alert factor under 1', backup({ alerts: { missingAfterFactor: 0.5 } }),
      `${B}: 'alerts.missingAfterFactor' (0.5) is invalid: must be at least 1 and leave room for a late start and a full run: 1d between runs + 30m starting deadline + 3h active deadline = 1d3h30m, but 0.5 × 1d is 12h`],
    ['backups every 5 minutes that last up to 3 hours', backup({ schedule: Cron.schedule({ minute: '*/5' }) }),
      `${B}: 'activeDeadline' ("3h") is invalid: overlaps the next run: a run may start up to 'startingDeadline' (30m) late and then last 3h, until 3h30m after its scheduled time, but 'schedule' ("*/5 * * * *") runs as often as every 5m; shorten the deadlines or run less often`],
    ['a schedule on 31 February', backup({ schedule: Cron.schedule({ minute: '0', hour: '0', day: '31', month: '2' }) }),
      `${B}: 'schedule' ("0 0 31 2 *") is invalid: never runs: no date matches it`],
    ['hour 24', backup({ schedule: Cron.schedule({ minute: '0', hour: '24' }) }),
      `${B}: 'schedule' ("0 24 * * *") is invalid: hour field "24": 24 is above the maximum 23; a schedule is 5 cron fields (minute hour day-of-month month day-of-week), e.g. Cron.schedule({ minute: '0', hour: '2' }) for "0 2 * * *"`],
    ['a schedule with a seconds field', backup({ schedule: Cron.schedule({ minute: '0 0', hour: '2' }) }),
      `${B}: 'schedule' ("0 0 2 * * *") is invalid: has 6 fields, expected 5; a schedule is 5 cron fields (minute hour day-of-month month day-of-week), e.g. Cron.schedule({ minute: '0', hour: '2' }) for "0 2 * * *"`],
    ['a step of 0 minutes', backup({ schedule: Cron.schedule({ minute: '*/0' }) }),
      `${B}: 'schedule' ("*/0 * * * *") is invalid: minute field "*/0": step "0" must be a positive integer; a schedule is 5 cron fields (minute hour day-of-month month day-of-week), e.g. Cron.schedule({ minute: '0', hour: '2' }) for "0 2 * * *"`],
    ['an hourly verification that may last 3 hours', backup({ restoreVerification: { schedule: Cron.hourly() } }),
      `${B}: 'restoreVerification.activeDeadline' ("3h") is invalid: overlaps the next run: a run may start up to 'startingDeadline' (30m) late and then last 3h, until 3h30m after its scheduled time, but 'restoreVerification.schedule' ("0 * * * *") runs as often as every 1h; shorten the deadlines or run less often`],
    ['a backup made in the App, outside any Chart', () => new BackupCronJob(new App(), 'backup', { image: IMAGE, source: postgres(), destination: s3(), encryption: false }),
      "BackupCronJob 'backup': 'scope' (an App) is invalid: must be a Chart or a construct inside one: the objects of a BackupCronJob are written by a Chart, e.g. new BackupCronJob(chart, 'payments', { ... })"],
    ['an SSH key as an age recipient', backup({ encryption: { recipients: ['ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOMqqnkVzrm0SdG6UOoqKLsabgH5C9okWi0dh2l9GKJl'], identity: ref('identity') } }),
      `${B}: 'encryption.recipients[0]' (a string of 80 characters) is invalid: must be an age X25519 recipient: "age1" and 58 lowercase Bech32 characters, as printed by age-keygen`],
    ['a retention of 36 hours', backup({ retention: Duration.hours(36) }),
      `${B}: 'retention' ("1 day 12 hours") is invalid: must be a whole number of days, at least 1, e.g. Duration.days(30)`],
    ['a retention lock longer than the retention', backup({ retention: Duration.days(7), retentionLock: Duration.days(30) }),
      `${B}: 'retentionLock' ("30 days") is invalid: must not exceed 'retention' (7 days): the pruning would try to delete objects the store still locks`],
    ['an absolute prefix', backup({ prefix: '/backups' }),
      `${B}: 'prefix' ("/backups") is invalid: must be a folder path of lowercase letters, digits, "-", "_" and ".", separated by "/"`],
    ['a name with capitals', backup({ name: 'Platform-DB' }),
      `${B}: 'name' ("Platform-DB") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
    ['a work space of 10 KiB', backup({ workSpace: Size.kibibytes(10) }),
      `${B}: 'workSpace' ("10Ki") is invalid: must be a whole, positive number of mebibytes, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['an ephemeral-storage limit smaller than the work space', backup({ workSpace: Size.gibibytes(10), resources: { ephemeralStorage: { limit: Size.gibibytes(2) } } }),
      `${B}: 'resources.ephemeralStorage.limit' ("2Gi") is invalid: must hold the work volume ('workSpace', 10Gi), or the pod is evicted when the archive fills it`],
    ['a restore of a Redis backup', backup({ source: redis(), restore: { database: 'platform' } }),
      `${B}: 'restore' ({"database":"platform"}) is invalid: applies to PostgreSQL sources only; redis backups are restored by hand (see the README)`],
    ['a restore target with capitals', backup({ restore: { database: 'Platform' } }),
      `${B}: 'restore.database' ("Platform") is invalid: must be a PostgreSQL database name: at most 63 lowercase letters, digits and "_", not starting with a digit`],
    ['the source database as the scratch database', backup({ restoreVerification: { scratchDatabase: 'platform' } }),
      `${B}: 'restoreVerification.scratchDatabase' ("platform") is invalid: must differ from the source database: the verification drops and recreates its scratch database`],
    ['a scratch database for a Redis source', backup({ source: redis(), restoreVerification: { scratchDatabase: 'scratch' } }),
      `${B}: 'restoreVerification.scratchDatabase' ("scratch") is invalid: applies to PostgreSQL sources only`],
    ['a host with its port', backup({ source: postgres({ host: 'db.internal:5432' }) }),
      `${B}: 'source.host' ("db.internal:5432") is invalid: must be a host name or an IP address, or a SecretKeyRef to a Secret that holds it`],
    ['an sslmode with an underscore', backup({ source: postgres({ sslMode: 'verify_full' }) }),
      `${B}: 'source.sslMode' ("verify_full") is invalid: must be one of disable, allow, prefer, require, verify-ca, verify-full`],
    ['the owner also as an application role', backup({ source: postgres({ owner: 'platform_owner', applicationRoles: ['app', 'platform_owner'] }) }),
      `${B}: 'source.applicationRoles[1]' ("platform_owner") is invalid: is the 'owner', which owns the objects and needs no grants`],
    ['a Redis port over 65535', backup({ source: BackupSource.redis({ host: 'redis.internal', port: 70000, password: ref('password') }) }),
      `${B}: 'source.port' (70000) is invalid: must be an integer from 1 to 65535`],
    ['an export URL on port 0', backup({ source: BackupSource.eventStoreExport({ url: 'http://transaction-service:0/events/export' }) }),
      `${B}: 'source.url' ("http://transaction-service:0/events/export") is invalid: must name a port from 1 to 65535, or none for 80 (http) or 443 (https)`],
    ['an rclone type in capitals', backup({ destination: BackupDestination.rclone({ type: 'S3', path: 'backups' }) }),
      `${B}: 'destination.type' ("S3") is invalid: must be an rclone backend type as "rclone help backends" lists it (one lowercase word), e.g. "sftp", "s3" or "local"`],
    ['a secret rclone option given as a plain option', backup({ destination: BackupDestination.rclone({ type: 's3', path: 'backups', options: { secret_access_key: 'x' } }) }),
      `${B}: 'destination.options.secret_access_key' ("secret_access_key") is invalid: looks like a credential, and secret values never go into manifests: use 'secretOptions' with SecretKeyRef.of(secretName, key)`],
    ['the writer destination as the pruner', () => {
      const destination = s3();
      return new BackupCronJob(new Chart(new App(), 'prod'), 'backup', { image: IMAGE, source: postgres(), destination, encryption: false, access: { pruner: destination, reader: s3() } });
    }, `${B}: 'access.pruner' ("s3:fintech-backups") is invalid: must carry its own credential: the object given as 'destination' is the writer's`],
    ['a reader of another bucket', backup({ access: { pruner: s3(), reader: s3({ bucket: 'other-backups' }) } }),
      `${B}: 'access.reader' ("s3:other-backups") is invalid: must be the store of 'destination' (s3:fintech-backups) with another credential`],
    ['an age identity as a recipient, never shown', backup({ encryption: { recipients: [`AGE-SECRET-KEY-1${'Q'.repeat(58)}`], identity: ref('identity') } }),
      `${B}: 'encryption.recipients[0]' ("<an age identity>") is invalid: is a private key: give its public key (age-keygen -y), and the identity as 'identity', a Secret reference`],
    ['a recipient listed twice', backup({ encryption: { recipients: [AGE, AGE], identity: ref('identity') } }),
      `${B}: 'encryption.recipients[1]' ("${AGE}") is invalid: is also encryption.recipients[0]; each must be unique`],
    ['the age identity as a string, never shown', backup({ encryption: { recipients: [AGE], identity: `AGE-SECRET-KEY-1${'Q'.repeat(58)}` } }),
      `${B}: 'encryption.identity' (a string of 74 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the age identity (private key); credentials are never accepted as values`],
    ['two backups with one id', () => {
      const chart = new Chart(new App(), 'prod');
      const props = { image: IMAGE, source: postgres(), destination: s3(), encryption: false } as const;
      new BackupCronJob(chart, 'backup', props);
      new BackupCronJob(chart, 'backup', props);
    }, `${B}: 'id' ("backup") is invalid: is already the id of BackupCronJob 'prod/backup'; the constructs of one scope need different ids`],
  ])('rejects %s', (_, make, message) => expect(plainErrorMessage(make)).toBe(message));

  test('the default peer of an S3-compatible endpoint allows its port, not only 443', () => {
    const job = backup({ destination: s3({ endpoint: 'http://minio.storage.svc:9000', provider: 'Minio' }) })() as BackupCronJob;
    const ports = job.networkPolicy.toJson().spec.egress.flatMap((rule: any) => (rule.ports ?? []).map((p: any) => p.port));
    expect(ports).toContain(9000);
    expect(ports).not.toContain(443);
  });

  test('time zone links and aliases the tz database spells this way are accepted', () => {
    // At 04:00, clear of the hours these zones skip or repeat when their clocks change.
    const schedule = Cron.schedule({ minute: '0', hour: '4' });
    for (const timeZone of ['Etc/UTC', 'UTC', 'US/Eastern', 'America/Argentina/Buenos_Aires', 'Europe/Berlin']) {
      expect((backup({ timeZone, schedule })() as BackupCronJob).timeZone).toBe(timeZone);
    }
  });
});

describe('GitOpsDelivery and ChangeFreeze mistakes', () => {
  test.each<[string, () => unknown, string]>([
    ['a commit abbreviated', gitops({ revision: GitRevision.commit('abc123') }),
      `${G}: 'revision' ("abc123") is invalid: must be a commit's full 40-character lowercase hexadecimal SHA-1`],
    ['a branch with a space', gitops({ revision: GitRevision.branch('release 1') }),
      `${G}: 'revision' ("release 1") is invalid: must be a branch name git accepts: no space, control character, '~', '^', ':', '?', '*', '[', '\\', '..' or '@{'; not '@'; no empty component, none starting with '.' or ending with '.lock'; no leading '-' or '/', no trailing '/' or '.'`],
    ['two environments in one namespace (each would prune the other)', gitops({ environments: [env(), env({ name: 'staging-2' })] }),
      `${G}: 'environments[1].namespace' ("fintech-staging") is invalid: is also the namespace of environments[0]; each must be unique: two Applications pruning one namespace would each delete what the other applies`],
    ['an environment name too long for its Application', gitops({ environments: [env({ name: 'e'.repeat(56) })] }),
      `${G}: 'environments[0].name' ("${'e'.repeat(56)}") is invalid: must have at most 55 characters, so that "fintech-${'e'.repeat(56)}" is a valid name (at most 63)`],
    ['waves in descending order (Flux would apply the services first)', gitops({ environments: [env({ waves: [1, 0] })] }),
      `${G}: 'environments[0].waves' ([1,0]) is invalid: must be in ascending order, lowest first (wavesOf(folder)): each wave is applied after the one before it`],
    ['an API server address without a mask', gitops({ apiServerCidrs: ['10.0.0.1'] }),
      `${G}: 'apiServerCidrs[0]' ("10.0.0.1") is invalid: must have a prefix length, e.g. "10.0.0.1/32" for this address alone`],
    ['a Flux source namespace in capitals', gitops({ fluxSource: { name: 'platform', namespace: 'Flux-System' } }),
      `${G}: 'fluxSource.namespace' ("Flux-System") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
    ['a flux CLI image tagged latest', gitops({ fluxCliImage: 'ghcr.io/fluxcd/flux-cli:latest' }),
      `${G}: 'fluxCliImage' ("ghcr.io/fluxcd/flux-cli:latest") is invalid: must be pinned: a version tag other than 'latest' (registry/fintech/service:1.4.2) or a digest (...@sha256:<64 hex>)`],
    ['a freeze time zone in lowercase', gitops({ environments: [env({ freezes: [freeze({ timeZone: 'europe/london' })] })] }),
      `${G}: 'environments[0].freezes[0].timeZone' ("europe/london") is invalid: ${TZ_RULE}`],
    ['a one-off freeze without a time', gitops({ environments: [env({ freezes: [ChangeFreeze.oneOff({ start: '2026-12-24', end: '2026-12-27', reason: 'Holidays' })] })] }),
      `${G}: 'environments[0].freezes[0].start' ("2026-12-24") is invalid: must be a Date or an ISO 8601 date and time with a time zone, e.g. "2026-12-24T00:00:00Z" or "2026-12-24T00:00+01:00"`],
    ['a one-off freeze that ends before it starts', gitops({ environments: [env({ freezes: [ChangeFreeze.oneOff({ start: '2026-12-27T00:00:00Z', end: '2026-12-24T00:00:00Z', reason: 'Holidays' })] })] }),
      `${G}: 'environments[0].freezes[0].end' ("2026-12-24T00:00:00Z") is invalid: must be after 'start' ("2026-12-27T00:00:00.000Z")`],
    ['a one-off freeze that has passed', gitops({ environments: [env({ freezes: [ChangeFreeze.oneOff({ start: '2026-11-01T00:00:00Z', end: '2026-11-02T00:00:00Z', reason: 'Audit' })] })] }),
      `${G}: 'environments[0].freezes[0].end' ("2026-11-02T00:00:00Z") is invalid: has passed (checked at 2026-12-02T03:00:00.000Z): the rendered schedule has no year and would freeze the same dates every year; remove the freeze`],
    ['a one-off freeze at a second past the minute', gitops({ environments: [env({ freezes: [ChangeFreeze.oneOff({ start: '2026-12-24T00:00:30Z', end: '2026-12-25T00:00:00Z', reason: 'Holidays' })] })] }),
      `${G}: 'environments[0].freezes[0].start' ("2026-12-24T00:00:30Z") is invalid: must be a whole minute (cron schedules have no seconds)`],
    ['a one-off freeze more than a year ahead', gitops({ environments: [env({ freezes: [ChangeFreeze.oneOff({ start: '2028-01-01T00:00:00Z', end: '2028-01-02T00:00:00Z', reason: 'Audit' })] })] }),
      `${G}: 'environments[0].freezes[0].start' ("2028-01-01T00:00:00Z") is invalid: is too far ahead (checked at 2026-12-02T03:00:00.000Z): the rendered schedule has no year, so the same dates 2027 would be frozen first; give a freeze that starts within a year, less its length`],
    ['a freeze from the 30th for three days', gitops({ environments: [env({ freezes: [freeze({ schedule: Cron.schedule({ minute: '0', hour: '0', day: '30' }) })] })] }),
      `${G}: 'environments[0].freezes[0].duration' ("3d") is invalid: ends on calendar days no cron schedule names exactly (months differ in length and February in leap years), so Flux could not resume on time; choose a start and duration whose end falls on fixed days, e.g. a freeze that starts on the 1st`],
    ['a token pasted as the reason, never shown', gitops({ environments: [env({ freezes: [freeze({ reason: 'token=ghp_Xy7Qw2Er9Ty4Ui8Op3AsXy7Qw2Er9Ty4Ui8Op3As' })] })] }),
      `${G}: 'environments[0].freezes[0].reason' (a string of 50 characters) is invalid: looks like a credential (a GitHub token), and secret values never go into manifests: the reason is written into the manifests; say why the freeze holds, e.g. "Month-end closing"`],
    ['a freeze of 90 seconds', gitops({ environments: [env({ freezes: [freeze({ duration: Duration.seconds(90) })] })] }),
      `${G}: 'environments[0].freezes[0].duration' ("1m30s") is invalid: must be a whole number of minutes, e.g. Duration.hours(72)`],
    ['a daily freeze lasting a day', gitops({ environments: [env({ freezes: [freeze({ schedule: Cron.schedule({ minute: '0', hour: '0' }), duration: Duration.hours(24) })] })] }),
      `${G}: 'environments[0].freezes[0].duration' ("1d") is invalid: must be shorter than the shortest time between two starts of "0 0 * * *" (1d), or the freeze never ends`],
    ['a reason on two lines', gitops({ environments: [env({ freezes: [freeze({ reason: 'Month-end\nclosing' })] })] }),
      `${G}: 'environments[0].freezes[0].reason' ("Month-end\\nclosing") is invalid: must be one line`],
    ['two freezes that overlap', gitops({ environments: [env({ freezes: [freeze(), freeze({ schedule: Cron.schedule({ minute: '0', hour: '0', day: '2' }), duration: Duration.hours(2) })] })] }),
      `${G}: 'environments[0].freezes[1]' ("0 0 2 * *") is invalid: overlaps environments[0].freezes[0] ("0 0 1 * *"): Flux would resume when one ends while the other still holds; merge them into one freeze`],
    ['two deliveries with one id', () => {
      const chart = new Chart(new App(), 'gitops');
      const props = { repoUrl: 'https://git.example.com/platform/fintech.git', environments: [env()], now: NOW };
      new GitOpsDelivery(chart, 'delivery', props);
      new GitOpsDelivery(chart, 'delivery', props);
    }, `${G}: 'id' ("delivery") is invalid: is already the id of GitOpsDelivery 'gitops/delivery'; the constructs of one scope need different ids`],
  ])('rejects %s', (_, make, message) => expect(plainErrorMessage(make)).toBe(message));
});

/** A construct with a place in the delivery order, as a consumer writes one. */
class Migration extends Construct implements IDeliverable {
  constructor(scope: Construct, id: string, public readonly deliveryTier: DeliveryTier, private readonly dependencies: () => IConstruct[]) {
    super(scope, id);
  }

  public deliveryDependencies(): IConstruct[] {
    return this.dependencies();
  }
}

function appWithMigration(tier: DeliveryTier, dependencies: () => IConstruct[]): App {
  const app = paymentsApp();
  new Migration(new Chart(app, 'migrations', { namespace: 'fintech' }), 'schema', tier, dependencies);
  return app;
}

describe('tools mistakes', () => {
  const S = 'synthesizeFolders';
  test.each<[string, () => unknown, string]>([
    ['an App instead of a list of folders', () => synthesizeFolders(paymentsApp() as any),
      `${S}: 'folders' (an App) is invalid: must be an array of { folder, app }, not an App; put the App in a folder: [{ folder: 'production', app }]`],
    ['a list of Apps', () => synthesizeFolders([paymentsApp()] as any),
      `${S}: 'folders[0]' (an App) is invalid: must be { folder, app }, not an App, e.g. { folder: 'production', app }`],
    ['a folder without its App', () => synthesizeFolders([{ folder: 'production' }] as any),
      `${S}: 'folders[0].app' (undefined) is invalid: must be an App, not undefined`],
    ['a folder outside the output', () => synthesizeFolders([{ folder: '../production', app: paymentsApp() }]),
      `${S}: 'folders[0].folder' ("../production") is invalid: ${FOLDER_RULE}`],
    ['an empty folder name', () => synthesizeFolders([{ folder: '', app: paymentsApp() }]),
      `${S}: 'folders[0].folder' ("") is invalid: ${FOLDER_RULE}`],
    ['a misspelt folder option', () => synthesizeFolders([{ folder: 'production', app: paymentsApp(), wave: false } as any]),
      `${S}: 'folders[0].wave' (a boolean) is invalid: is not a known option; the options are folder, app, waves, scopeEntrances`],
    ['one App in two folders', () => {
      const app = paymentsApp();
      synthesizeFolders([{ folder: 'staging', app }, { folder: 'production', app }]);
    }, `${S}: 'folders[1].app' (an App) is invalid: is also the App of folders[0] ('staging'); each folder needs an App of its own, or both would apply the same objects`],
    ['two environments in one namespace', () => {
      const environment = () => {
        const app = new App();
        new FintechEnvironment(new Chart(app, 'environment'), 'environment', { namespace: 'fintech', quota: STAGING.quota });
        return app;
      };
      synthesizeFolders([{ folder: 'staging', app: environment() }, { folder: 'production', app: environment() }]);
    }, `${S}: 'folders[1].app' (an App) is invalid: emits Namespace fintech (v1), which folders[0] ('staging') emits too: each folder is applied and pruned on its own, so one would overwrite and then delete the other's object; give each environment its own namespace and names`],
    ['a folder inside another', () => synthesizeFolders([{ folder: 'envs', app: paymentsApp() }, { folder: 'envs/production', app: paymentsApp() }]),
      `${S}: 'folders[1].folder' ("envs/production") is invalid: must not be inside, or contain, the folder of folders[0] ('envs'): each folder's kustomization would take in the other's files`],
    ['no folders', () => synthesizeFolders([]), `${S}: 'folders' ([]) is invalid: must list at least one { folder, app }, e.g. [{ folder: 'production', app }]`],
    ['folders where a plan is expected', () => synthesizePlan([{ folder: 'production', app: paymentsApp() }] as any),
      "synthesizePlan: 'plan' (an array) is invalid: must be a delivery plan, planDelivery(folders), not an array; synthesizeFolders takes a list of { folder, app }"],
    ['a plan without folders', () => synthesizePlan({ folders: [] }),
      "synthesizePlan: 'plan.folders' ([]) is invalid: must list at least one folder: planDelivery(folders)"],
    ['an App where the plan wants folders', () => planDelivery(paymentsApp() as any),
      "planDelivery: 'folders' (an App) is invalid: must be an array of { folder, app }, not an App; put the App in a folder: [{ folder: 'production', app }]"],
    ['the plan where one folder is expected', () => environmentResources(planDelivery([{ folder: 'production', app: paymentsApp() }]) as any),
      "environmentResources: 'folder' (an object) is invalid: must be one folder of a delivery plan (planDelivery(folders).folders[i]), not an object"],
    ['an App where the waves take charts', () => deliveryWaves(paymentsApp() as any),
      "deliveryWaves: 'charts' (an App) is invalid: must be an array of Charts, not an App, e.g. app.node.findAll().filter((c) => c instanceof Chart)"],
    ['a chart where validateApp takes an App', () => validateApp(new Chart(new App(), 'services') as any),
      "validateApp: 'app' (a Chart) is invalid: must be an App, not a Chart"],
    ['a fractional wave', () => waveFolder(1.5), "waveFolder: 'wave' (1.5) is invalid: must be an integer of at least 0, e.g. 2"],
    ['a deliverable of tier 7', () => synthesizeFolders([{ folder: 'production', app: appWithMigration(7 as DeliveryTier, () => []) }]),
      "Migration 'migrations/schema': 'deliveryTier' (7) is invalid: must be DeliveryTier.FOUNDATION, DeliveryTier.DATA or DeliveryTier.SERVICES (0, 1 or 2)"],
    ['a deliverable that depends on a name', () => synthesizeFolders([{ folder: 'production', app: appWithMigration(DeliveryTier.DATA, () => ['payments'] as any) }]),
      "Migration 'migrations/schema': 'deliveryDependencies()[0]' (\"payments\") is invalid: must be a construct (e.g. the FintechService it calls), not a string: a name cannot order the delivery"],
    ['the working directory as the output', () => writeOutput([{ path: 'a.yaml', content: 'a' }], '.'),
      `writeOutput: 'outdir' (".") is invalid: must be a folder of its own, e.g. "dist": it is replaced as a whole, and "${process.cwd()}" holds the working directory`],
    ['an empty output path', () => writeOutput([{ path: 'a.yaml', content: 'a' }], ''),
      "writeOutput: 'outdir' (\"\") is invalid: must be the path of the output folder, not empty, e.g. \"dist\""],
    ['no files (a pruning sync would delete everything)', () => writeOutput([], 'dist'),
      "writeOutput: 'files' ([]) is invalid: must list at least one file: an empty output would make a pruning GitOps sync delete everything"],
    ['two files with one path', () => writeOutput([{ path: 'a.yaml', content: 'a' }, { path: 'a.yaml', content: 'b' }], 'dist'),
      "writeOutput: 'files[1].path' (\"a.yaml\") is invalid: is also the path of files[0]; each file needs a path of its own"],
    ['an absolute file path', () => writeOutput([{ path: '/etc/a.yaml', content: 'a' }], 'dist'),
      "writeOutput: 'files[0].path' (\"/etc/a.yaml\") is invalid: must be a path relative to the output folder, without \"..\", \".\" or empty segments, e.g. \"production/wave-2/payments.yaml\""],
    ['a file path leaving the output', () => writeOutput([{ path: 'production/../../a.yaml', content: 'a' }], 'dist'),
      "writeOutput: 'files[0].path' (\"production/../../a.yaml\") is invalid: must be a path relative to the output folder, without \"..\", \".\" or empty segments, e.g. \"production/wave-2/payments.yaml\""],
    ['a file as the folder to compare with', () => {
      const file = path.join(tempDir(), 'dist');
      fs.writeFileSync(file, 'x');
      return compareOutput([{ path: 'a.yaml', content: 'a' }], file);
    }, "compareOutput: 'outdir' (\"<tmp>/dist\") is invalid: is a file; it must be a folder, or not exist yet"],
    ['a file of objects instead of text', () => compareOutput([{ path: 'a.yaml', content: { kind: 'Service' } } as any], 'dist'),
      "compareOutput: 'files[0].content' ({\"kind\":\"Service\"}) is invalid: must be a string, not an object"],
  ])('rejects %s', (_, make, message) => expect(plainErrorMessage(make).replace(/"[^"]*mistakes-delivery-[^/]*/g, '"<tmp>')).toBe(message));

  test('refuses to replace a folder that holds more than earlier output, and leaves it as it was', () => {
    const outdir = path.join(tempDir(), 'src');
    fs.mkdirSync(outdir);
    fs.writeFileSync(path.join(outdir, 'main.ts'), 'source');
    expect(plainErrorMessage(() => writeOutput([{ path: 'a.yaml', content: 'a' }], outdir))).toBe(
      `writeOutput: 'outdir' ("${outdir}") is invalid: holds "main.ts", which is not synthesized output: the folder is replaced as a whole; choose a folder of its own`);
    expect(readTree(outdir)).toEqual({ 'main.ts': 'source' });
  });

  test('an output folder under a file cannot be written, and nothing is left behind', () => {
    const dir = tempDir();
    fs.writeFileSync(path.join(dir, 'file'), 'x');
    const outdir = path.join(dir, 'file', 'dist');
    expect(plainErrorMessage(() => writeOutput([{ path: 'a.yaml', content: 'a' }], outdir))).toBe(
      `writeOutput: 'outdir' ("${outdir}") is invalid: could not be written ("${path.join(dir, 'file')}" is a file, not a folder); '${outdir}' was left as it was`);
    expect(readTree(dir)).toEqual({ file: 'x' });
  });

  test('a write that fails half-way (a file name the file system refuses) leaves the previous output whole, and no temporary folder', () => {
    const parent = tempDir();
    const outdir = path.join(parent, 'dist');
    writeOutput([{ path: 'staging/a.yaml', content: 'previous' }], outdir);
    const tooLong = `${'x'.repeat(300)}.yaml`;
    const files = [{ path: 'staging/a.yaml', content: 'new' }, { path: 'staging/b.yaml', content: 'new' }, { path: `staging/${tooLong}`, content: 'new' }];
    const message = plainErrorMessage(() => writeOutput(files, outdir));
    expect(message).toBe(`writeOutput: 'files[2].path' ("staging/${tooLong}") is invalid: could not be written (ENAMETOOLONG: name too long, open `
      + `'${parent}/.dist-staging-${process.pid}/staging/${tooLong}'); '${outdir}' was left as it was`);
    expect(readTree(outdir)).toEqual({ 'staging/a.yaml': 'previous' });
    expect(fs.readdirSync(parent)).toEqual(['dist']);
  });
});
