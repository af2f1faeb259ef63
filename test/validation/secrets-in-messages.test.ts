import { App, Chart, Cron, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  BackupCronJob, BackupDestination, BackupSource, CanaryRollout, ChangeFreeze, FintechEnvironment, FintechService, GitOpsDelivery, NetworkPeer, SecretKeyRef,
} from '../../lib';
import { MonitoringStack } from '../../lib/monitoring-stack';
import { Notifier } from '../../lib/monitoring/alertmanager-config';
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
const receiver = (key: string) => SecretKeyRef.of('alertmanager-receivers', key);
const ROUTING = { critical: [Notifier.pagerDuty({ routingKey: receiver('pagerduty') })], warning: [Notifier.slack({ channel: '#alerts', webhookUrl: receiver('slack') })] };
function monitoring(props: object): MonitoringStack {
  const app = new App();
  const payments = new FintechService(new Chart(app, 'services', { namespace: 'fintech' }), 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
  return new MonitoringStack(new Chart(app, 'monitoring', { namespace: 'monitoring' }), 'stack', { services: [payments], routing: ROUTING, ...props } as any);
}
const GITOPS_ENV = {
  name: 'staging', namespace: 'fintech-staging', waves: [0],
  resources: { namespaces: ['fintech-staging'], clusterKinds: [], namespacedKinds: [{ group: '', kind: 'ConfigMap' }] },
};
const gitops = (props: object) => new GitOpsDelivery(new Chart(new App(), 'gitops'), 'delivery',
  { repoUrl: 'https://git.example.com/platform/fintech.git', environments: [GITOPS_ENV], now: new Date('2026-12-02T03:00:00Z'), ...props } as any);

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
  ['MonitoringStack misspelt prop', (x) => monitoring({ slackWebhook: x })],
  ['MonitoringStack name', (x) => monitoring({ name: x })],
  ['MonitoringStack environment', (x) => monitoring({ environment: x })],
  ['MonitoringStack discovery label value', (x) => monitoring({ discoveryLabels: { release: x } })],
  ['MonitoringStack runbook URL', (x) => monitoring({ runbookBaseUrl: x })],
  ['MonitoringStack runbook URL with credentials', (x) => monitoring({ runbookBaseUrl: `https://wiki:${x}@runbooks.internal/alerts` })],
  ['MonitoringStack dashboard folder', (x) => monitoring({ dashboardFolder: x })],
  ['MonitoringStack Prometheus version', (x) => monitoring({ prometheus: { version: x } })],
  ['MonitoringStack misspelt Prometheus option', (x) => monitoring({ prometheus: { password: x } })],
  ['Slack webhook URL as a string', (x) => monitoring({ routing: { ...ROUTING, warning: [Notifier.slack({ channel: '#alerts', webhookUrl: x as any })] } })],
  ['PagerDuty routing key as a string', (x) => monitoring({ routing: { ...ROUTING, critical: [Notifier.pagerDuty({ routingKey: x as any })] } })],
  ['SMTP password as a string', (x) => monitoring({ routing: { ...ROUTING, warning: [Notifier.email({
    to: 'oncall@fintech.internal', from: 'am@fintech.internal', smarthost: 'smtp.fintech.internal:587', username: 'am', password: x as any })] } })],
  ['webhook URL as a string', (x) => monitoring({ routing: { ...ROUTING, deadMansSwitch: Notifier.webhook({ url: x as any }) } })],
  ['misspelt notifier option', (x) => monitoring({ routing: { ...ROUTING, warning: [Notifier.slack({ channel: '#alerts', webhookUrl: receiver('slack'), token: x } as any)] } })],
  ['notifier Secret name', (x) => monitoring({ routing: { ...ROUTING, critical: [Notifier.pagerDuty({ routingKey: SecretKeyRef.of(x, 'key') })] } })],
  ['BackupCronJob misspelt prop', (x) => backup({ apiToken: x })],
  ['BackupCronJob misspelt alert option', (x) => backup({ alerts: { webhook: x } })],
  ['BackupCronJob time zone', (x) => backup({ timeZone: x })],
  ['BackupCronJob prefix', (x) => backup({ prefix: x })],
  ['GitOpsDelivery repository URL', (x) => gitops({ repoUrl: x })],
  ['GitOpsDelivery repository URL with a token', (x) => gitops({ repoUrl: `https://ci:${x}@github.com/org/fintech.git` })],
  ['GitOpsDelivery misspelt prop', (x) => gitops({ githubToken: x })],
  ['GitOpsDelivery environment name', (x) => gitops({ environments: [{ ...GITOPS_ENV, name: x }] })],
  ['ChangeFreeze reason', (x) => gitops({ environments: [{ ...GITOPS_ENV, freezes: [ChangeFreeze.recurring({
    schedule: Cron.schedule({ minute: '0', hour: '0', day: '1' }), duration: Duration.hours(72), reason: x })] }] })],
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
