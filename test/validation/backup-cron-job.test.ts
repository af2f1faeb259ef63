import { App, Chart, Cron, Duration, Size } from 'cdk8s';
import { BackupCronJob, BackupDestination, BackupSource, SecretKeyRef } from '../../lib';
import { plainErrorMessage } from '../support/errors';

/** GIVEN a mistake in one of BackupCronJob's own props THEN it refuses it with its path, the prop, the value and what is valid. */
const B = "BackupCronJob 'prod/backup'";
const IMAGE = 'registry.fintech.internal/fintech/backup-tools:1.0.0';
const ref = (key: string) => SecretKeyRef.of('backup-credentials', key);
const postgres = () => BackupSource.postgres({ database: 'platform', host: 'db.internal', user: 'backup', password: ref('password') });
const s3 = () => BackupDestination.s3({ bucket: 'fintech-backups', accessKeyId: ref('id'), secretAccessKey: ref('secret') });
/** The same store with the credential of the Secret `secretName`. */
const s3As = (secretName: string) => BackupDestination.s3({
  bucket: 'fintech-backups', accessKeyId: SecretKeyRef.of(secretName, 'id'), secretAccessKey: SecretKeyRef.of(secretName, 'secret'),
});

function messageOf(props: object, id = 'backup'): string {
  return plainErrorMessage(() => new BackupCronJob(new Chart(new App(), 'prod'), id, { image: IMAGE, source: postgres(), destination: s3(), encryption: false, ...props } as any));
}

const CASES: Array<[string, object, string]> = [
  ['a misspelt prop, its value unseen', { retentionDays: 'Sup3rS3cretPw-q8Zr4TnW2xLp9VsK7mYb3HdF' },
    `${B}: 'props.retentionDays' (a string of 38 characters) is invalid: is not a known option; the options are name, source, destination, encryption, access, retentionLock, image, prefix, schedule, timeZone, retention, startingDeadline, activeDeadline, backoffLimit, successfulJobsHistoryLimit, failedJobsHistoryLimit, ttlAfterFinished, resources, workSpace, runAs, pruneResources, restore, restoreVerification, alerts`],
  ['a schedule as a string', { schedule: '0 2 * * *' },
    `${B}: 'schedule' ("0 2 * * *") is invalid: must be a Cron, not a string, e.g. Cron.schedule({ minute: '0', hour: '2' }) for "0 2 * * *"`],
  ['a retention as a string', { retention: '30d' },
    `${B}: 'retention' ("30d") is invalid: must be a Duration, not a string, e.g. Duration.days(30)`],
  ['a retention as a number of days', { retention: 30 },
    `${B}: 'retention' (30) is invalid: must be a Duration, not a number, e.g. Duration.days(30)`],
  ['a starting deadline as a string', { startingDeadline: '30m' },
    `${B}: 'startingDeadline' ("30m") is invalid: must be a Duration, not a string, e.g. Duration.minutes(30)`],
  ['an active deadline in fractional seconds', { activeDeadline: Duration.millis(1500) },
    `${B}: 'activeDeadline' ("1500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.hours(3)`],
  ['a TTL as a number', { ttlAfterFinished: 3600 },
    `${B}: 'ttlAfterFinished' (3600) is invalid: must be a Duration, not a number, e.g. Duration.days(3)`],
  ['a work space as a string', { workSpace: '10Gi' },
    `${B}: 'workSpace' ("10Gi") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
  ['resources as a string', { resources: '500m' },
    `${B}: 'resources' ("500m") is invalid: must be an object, not a string, e.g. { cpu: { request: Cpu.millis(250), limit: Cpu.millis(500) } }`],
  ['a CPU request as a string', { resources: { cpu: { request: '250m' } } },
    `${B}: 'resources.cpu.request' ("250m") is invalid: must be a Cpu, not a string, e.g. Cpu.millis(500) or Cpu.units(2)`],
  ['runAs root', { runAs: { user: 0 } },
    `${B}: 'runAs.user' (0) is invalid: must be an integer from 1 to 2147483647`],
  ['runAs with a misspelt option', { runAs: { uid: 1000 } },
    `${B}: 'runAs.uid' (a number) is invalid: is not a known option; the options are user, group`],
  ['runAs as a number', { runAs: 1000 },
    `${B}: 'runAs' (1000) is invalid: must be an object, not a number, e.g. { user: 1000, group: 1000 }`],
  ['alerts as a string', { alerts: 'on' },
    `${B}: 'alerts' ("on") is invalid: must be an object, not a string, e.g. { missingAfterFactor: 1.5 } or false`],
  ['a misspelt alert option', { alerts: { missingAfter: 2 } },
    `${B}: 'alerts.missingAfter' (a number) is invalid: is not a known option; the options are missingAfterFactor, runbookBaseUrl`],
  ['a misspelt restore option', { restore: { databse: 'platform' } },
    `${B}: 'restore.databse' (a string of 8 characters) is invalid: is not a known option; the options are database, activeDeadline`],
  ['a restore deadline as a string', { restore: { activeDeadline: '6h' } },
    `${B}: 'restore.activeDeadline' ("6h") is invalid: must be a Duration, not a string, e.g. Duration.hours(6)`],
  ['a misspelt verification option', { restoreVerification: { scratchDb: 'scratch' } },
    `${B}: 'restoreVerification.scratchDb' (a string of 7 characters) is invalid: is not a known option; the options are schedule, scratchDatabase, activeDeadline`],
  ['a verification deadline in milliseconds', { restoreVerification: { activeDeadline: Duration.millis(2500) } },
    `${B}: 'restoreVerification.activeDeadline' ("2500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.hours(3)`],
  ['encryption true', { encryption: true },
    `${B}: 'encryption' (true) is invalid: must be an object, not a boolean, e.g. { recipients: ['age1...'], identity: SecretKeyRef.of('backup-age-identity', 'identity') }`],
  ['encryption with a misspelt option', { encryption: { recipient: ['age1abc'] } },
    `${B}: 'encryption.recipient' (an array of 1 item) is invalid: is not a known option; the options are recipients, identity`],
  ['access as a list', { access: [] },
    `${B}: 'access' ([]) is invalid: must be an object, not an array, e.g. { pruner: BackupDestination.s3({ ... }), reader: BackupDestination.s3({ ... }) }`],
  ['a backoff limit as a string', { backoffLimit: '1' },
    `${B}: 'backoffLimit' ("1") is invalid: must be an integer from 0 to 10`],
];

describe('BackupCronJob bad input (table)', () => {
  test.each(CASES)('%s', (_name, props, expected) => {
    expect(messageOf(props)).toBe(expected);
  });

  test('a name too long once "-restore" is appended', () => {
    expect(messageOf({}, 'a'.repeat(45))).toBe(
      `BackupCronJob 'prod/${'a'.repeat(45)}': 'name' ("${'a'.repeat(45)}") is invalid: must have at most 44 characters, so that "${'a'.repeat(45)}-restore" is a valid CronJob name (52)`);
  });

  test('the longest name gives CronJob names of at most 52 characters', () => {
    const app = new App();
    const chart = new Chart(app, 'prod');
    const name = 'a'.repeat(44);
    new BackupCronJob(chart, name, {
      image: IMAGE, source: postgres(), destination: s3(), encryption: false, schedule: Cron.schedule({ minute: '0', hour: '2' }), workSpace: Size.gibibytes(1),
      access: { reader: s3As('backup-reader'), pruner: s3As('backup-pruner') },
    });
    const cronJobs = chart.toJson().filter((o: any) => o.kind === 'CronJob').map((o: any) => o.metadata.name as string);
    expect(cronJobs).toEqual(expect.arrayContaining([name, `${name}-restore`, `${name}-verify`, `${name}-prune`]));
    for (const n of cronJobs) expect(n.length).toBeLessThanOrEqual(52);
  });
});
