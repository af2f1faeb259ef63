import { App, Chart, Cron, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BackupCronJob, BackupDestination, BackupSource, CanaryRollout, FintechEnvironment, FintechService, NetworkPeer, SecretKeyRef } from '../../lib';
import { checkCron, checkDnsLabel, checkUnique } from '../../lib/shared/validation';

/**
 * GIVEN a secret-looking value in each place that must not hold one (a plain string where a
 * SecretKeyRef goes, a name, a label, an option, a URL) THEN the construct refuses it, and no
 * message contains the value or any recognisable part of it: messages end up in CI logs.
 */
const SECRETS: Array<[string, string]> = [
  // [the value, its part that must never appear]
  ['postgres://app:Sup3rS3cretPw@db.internal:5432/platform', 'Sup3rS3cretPw'],
  [`ghp_${'Xy7Qw2Er9Ty4Ui8Op3As'.repeat(2)}`, 'Xy7Qw2Er9Ty4'],
  ['q8Zr4TnW2xLp9VsK7mYb3HdF', 'q8Zr4TnW2xLp'],
  ['AKIAIOSFODNN7EXAMPLE', 'IOSFODNN7'],
  ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'bPxRfiCYEXAMPLE'],
  ['0123456789abcdef0123456789abcdef', '0123456789abcdef'],
  ['https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/XXXXXXXXXXXXXXXXXXXXXXXX', 'XXXXXXXXXXXX'],
  ['password=Tr0ub4dor&3', 'Tr0ub4dor'],
];

const QUOTA = { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: Cpu.units(32), limitsMemory: Size.gibibytes(64) };
const IMAGE = 'registry.fintech.internal/fintech/backup-tools:1.0.0';
const ref = (key: string) => SecretKeyRef.of('backup-credentials', key);
const postgres = (o: object) => BackupSource.postgres({ database: 'platform', host: 'db.internal', user: 'backup', password: ref('password'), ...o } as any);
const redis = (o: object) => BackupSource.redis({ host: 'redis.internal', password: ref('password'), ...o } as any);
const events = (o: object) => BackupSource.eventStoreExport({ url: 'http://transaction-service:8004/events/export', ...o } as any);
const s3 = (o: object) => BackupDestination.s3({ bucket: 'fintech-backups', accessKeyId: ref('id'), secretAccessKey: ref('secret'), ...o } as any);
const azure = (o: object) => BackupDestination.azureBlob({ container: 'backups', account: 'fintechbackups', key: ref('key'), ...o } as any);
const gcs = (o: object) => BackupDestination.gcs({ bucket: 'fintech-backups', serviceAccountCredentials: ref('sa.json'), ...o } as any);
const rclone = (o: object) => BackupDestination.rclone({ type: 'sftp', path: 'backups', ...o } as any);

const environment = (props: object) => new FintechEnvironment(new Chart(new App(), 'environment'), 'production', { namespace: 'fintech-production', quota: QUOTA, ...props } as any);
const backup = (props: object) => new BackupCronJob(new Chart(new App(), 'prod'), 'backup', { image: IMAGE, source: postgres({}), destination: s3({}), encryption: false, ...props } as any);
const service = (props: object) => new FintechService(new Chart(new App(), 'prod'), 'payments',
  { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080, ...props } as any);
const canary = (props: object) => new CanaryRollout(new Chart(new App(), 'prod'), 'finance-service',
  { stableImage: 'registry.fintech.internal/fintech/finance-service:1.0.0', port: 8080, ...props } as any);
class Widget extends Construct {}

const PLACES: Array<[string, (secret: string) => unknown]> = [
  ['FintechEnvironment namespace', (x) => environment({ namespace: x })],
  ['FintechEnvironment label value', (x) => environment({ labels: { team: x } })],
  ['FintechEnvironment label key', (x) => environment({ labels: { [x]: 'yes' } })],
  ['FintechEnvironment podSecurity', (x) => environment({ podSecurity: x })],
  ['FintechEnvironment quota CPU', (x) => environment({ quota: { ...QUOTA, requestsCpu: x } })],
  ['FintechEnvironment container limit', (x) => environment({ containerLimits: { maxMemory: x } })],
  ['FintechEnvironment misspelt prop', (x) => environment({ apiToken: x })],
  ['FintechService env value', (x) => service({ env: { DATABASE_URL: x } })],
  ['FintechService config value', (x) => service({ config: { UPSTREAM: x } })],
  ['FintechService env value under a credential name', (x) => service({ env: { DB_PASSWORD: x } })],
  ['FintechService config value under a credential name', (x) => service({ config: { API_KEY: x } })],
  ['FintechService env name', (x) => service({ env: { [x]: 'yes' } })],
  ['FintechService secretEnv as a string', (x) => service({ secretEnv: { DB_PASSWORD: x } })],
  ['FintechService secretEnv Secret name', (x) => service({ secretEnv: { DB_PASSWORD: SecretKeyRef.of(x, 'password') } })],
  ['FintechService secretEnv key', (x) => service({ secretEnv: { DB_PASSWORD: SecretKeyRef.of('payments-db', x) } })],
  ['FintechService misspelt prop', (x) => service({ dbPassword: x })],
  ['FintechService track label', (x) => service({ trackLabels: { track: x } })],
  ['FintechService image', (x) => service({ image: x })],
  ['NetworkPeer namespace', (x) => service({ ingressFrom: [NetworkPeer.namespace(x)] })],
  ['NetworkPeer pod label', (x) => service({ ingressFrom: [NetworkPeer.namespace('monitoring', [], { app: x })] })],
  ['CanaryRollout Prometheus address', (x) => canary({ analysis: { prometheusAddress: x } })],
  ['CanaryRollout misspelt analysis option', (x) => canary({ analysis: { token: x } })],
  ['SecretKeyRef secret name', (x) => backup({ source: postgres({ password: SecretKeyRef.of(x, 'password') }) })],
  ['SecretKeyRef key', (x) => backup({ source: postgres({ password: SecretKeyRef.of('db', x) }) })],
  ['postgres database', (x) => backup({ source: postgres({ database: x }) })],
  ['postgres host', (x) => backup({ source: postgres({ host: x }) })],
  ['postgres user', (x) => backup({ source: postgres({ user: x }) })],
  ['postgres password as a string', (x) => backup({ source: postgres({ password: x }) })],
  ['postgres sslMode', (x) => backup({ source: postgres({ sslMode: x }) })],
  ['postgres verifyTables', (x) => backup({ source: postgres({ verifyTables: [x] }) })],
  ['postgres misspelt option', (x) => backup({ source: postgres({ passwd: x }) })],
  ['redis password as a string', (x) => backup({ source: redis({ password: x }) })],
  ['redis tls', (x) => backup({ source: redis({ tls: x }) })],
  ['event store URL', (x) => backup({ source: events({ url: x }) })],
  ['event store token as a string', (x) => backup({ source: events({ token: x }) })],
  ['event store options as a string', (x) => backup({ source: BackupSource.eventStoreExport(x as any) })],
  ['s3 bucket', (x) => backup({ destination: s3({ bucket: x }) })],
  ['s3 region', (x) => backup({ destination: s3({ region: x }) })],
  ['s3 endpoint', (x) => backup({ destination: s3({ endpoint: x }) })],
  ['s3 provider', (x) => backup({ destination: s3({ provider: x }) })],
  ['s3 access key id as a string', (x) => backup({ destination: s3({ accessKeyId: x }) })],
  ['s3 secret access key as a string', (x) => backup({ destination: s3({ secretAccessKey: x }) })],
  ['azure account', (x) => backup({ destination: azure({ account: x }) })],
  ['azure key as a string', (x) => backup({ destination: azure({ key: x }) })],
  ['azure SAS URL as a string', (x) => backup({ destination: azure({ key: undefined, sasUrl: x }) })],
  ['gcs credentials as a string', (x) => backup({ destination: gcs({ serviceAccountCredentials: x }) })],
  ['rclone type', (x) => backup({ destination: rclone({ type: x }) })],
  ['rclone path', (x) => backup({ destination: rclone({ path: x }) })],
  ['rclone plain option', (x) => backup({ destination: rclone({ options: { host: x } }) })],
  ['rclone option name', (x) => backup({ destination: rclone({ options: { [x]: 'yes' } }) })],
  ['rclone secret option as a string', (x) => backup({ destination: rclone({ secretOptions: { pass: x } }) })],
  ['Cron field', (x) => checkCron(new Widget(new Chart(new App(), 'app'), 'w'), 'schedule', Cron.schedule({ minute: x }))],
  ['a name with a suffix', (x) => checkDnsLabel(new Widget(new Chart(new App(), 'app'), 'w'), 'name', x, { suffix: '-backup-verify', maxLength: 40 })],
  ['a list that must be unique', (x) => checkUnique(new Widget(new Chart(new App(), 'app'), 'w'), 'tokens', [x, x])],
];

describe.each(SECRETS)('the secret-looking %s', (secret, core) => {
  test.each(PLACES)('is refused as %s without appearing in the message', (_, place) => {
    let message: string | undefined;
    try {
      place(secret);
    } catch (e) {
      expect((e as Error).constructor).toBe(Error);
      message = (e as Error).message;
    }
    expect(message).toBeDefined();
    expect(message).not.toContain(secret);
    expect(message).not.toContain(core);
  });
});
