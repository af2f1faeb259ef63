import { App, Chart } from 'cdk8s';
import { BackupCronJob, BackupDestination, BackupSource, NetworkPeer, SecretKeyRef } from '../../lib';
import { plainErrorMessage } from '../support/errors';

/**
 * BackupSource and BackupDestination factories never throw: their options are checked by the
 * BackupCronJob that uses them, so that each error names the construct path and the option.
 */
const P = "BackupCronJob 'prod/backup'";
const IMAGE = 'registry.fintech.internal/fintech/backup-tools:1.0.0';
const ref = (key: string) => SecretKeyRef.of('backup-credentials', key);
const postgres = (o: object = {}) => BackupSource.postgres({ database: 'platform', host: 'db.internal', user: 'backup', password: ref('password'), ...o } as any);
const redis = (o: object = {}) => BackupSource.redis({ host: 'redis.internal', password: ref('password'), ...o } as any);
const events = (o: object = {}) => BackupSource.eventStoreExport({ url: 'http://transaction-service:8004/events/export', ...o } as any);
const s3 = (o: object = {}) => BackupDestination.s3({ bucket: 'fintech-backups', accessKeyId: ref('id'), secretAccessKey: ref('secret'), ...o } as any);
const azure = (o: object = {}) => BackupDestination.azureBlob({ container: 'backups', account: 'fintechbackups', key: ref('key'), ...o } as any);
const gcs = (o: object = {}) => BackupDestination.gcs({ bucket: 'fintech-backups', serviceAccountCredentials: ref('sa.json'), ...o } as any);
const rclone = (o: object = {}) => BackupDestination.rclone({ type: 'sftp', path: 'backups', ...o } as any);

function messageOf(make: () => { source?: unknown; destination?: unknown }): string {
  return plainErrorMessage(() => {
    const { source, destination } = make();
    new BackupCronJob(new Chart(new App(), 'prod'), 'backup', { image: IMAGE, source: (source ?? postgres()) as any, destination: (destination ?? s3()) as any, encryption: false });
  });
}

const SECRET_RULE = 'credentials are never accepted as values';

describe('BackupSource options', () => {
  test.each([
    ['postgres() without options', () => ({ source: BackupSource.postgres(undefined as any) }),
      `${P}: 'source' (undefined) is invalid: must be an object, not undefined, e.g. BackupSource.postgres({ ... })`],
    ['a misspelt option, without its value', () => ({ source: postgres({ pasword: 'hunter2hunter2' }) }),
      `${P}: 'source.pasword' (a string of 14 characters) is invalid: is not a known option; the options are database, host, port, user, password, sslMode, peer, verifyTables, owner, applicationRoles`],
    ['a missing database', () => ({ source: postgres({ database: undefined }) }),
      `${P}: 'source.database' (undefined) is invalid: must be a PostgreSQL database name: at most 63 lowercase letters, digits and "_", not starting with a digit`],
    ['a port given as a string', () => ({ source: postgres({ port: '5432' }) }),
      `${P}: 'source.port' ("5432") is invalid: must be an integer from 1 to 65535`],
    ['port 0', () => ({ source: redis({ port: 0 }) }), `${P}: 'source.port' (0) is invalid: must be an integer from 1 to 65535`],
    ['NaN as a port', () => ({ source: postgres({ port: NaN }) }), `${P}: 'source.port' (NaN) is invalid: must be an integer from 1 to 65535`],
    ['an sslmode in capitals', () => ({ source: postgres({ sslMode: 'REQUIRE' }) }),
      `${P}: 'source.sslMode' ("REQUIRE") is invalid: must be one of disable, allow, prefer, require, verify-ca, verify-full`],
    ['one table instead of a list', () => ({ source: postgres({ verifyTables: 'fintech.users' }) }),
      `${P}: 'source.verifyTables' ("fintech.users") is invalid: must be an array, not a string, e.g. ["fintech.users"]`],
    ['a number in the table list', () => ({ source: postgres({ verifyTables: [7] }) }),
      `${P}: 'source.verifyTables[0]' (7) is invalid: must be schema.table in lowercase letters, digits and "_", e.g. "fintech.users"`],
    ['a host URL with credentials', () => ({ source: postgres({ host: 'postgres://admin:Sup3rS3cret@db:5432/platform' }) }),
      `${P}: 'source.host' (a string of 45 characters) is invalid: must be a host name or an IP address, or a SecretKeyRef to a Secret that holds it`],
    ['a number as the host', () => ({ source: postgres({ host: 10 }) }),
      `${P}: 'source.host' (10) is invalid: must be a value or a SecretKeyRef, e.g. 'postgres.fintech.internal' or SecretKeyRef.of('postgres-credentials', 'host')`],
    ['a random token as the user', () => ({ source: postgres({ user: 'q8Zr4TnW2xLp9VsK7mYb3HdF' }) }),
      `${P}: 'source.user' (a string of 24 characters) is invalid: looks like a credential (a random token), and secret values never go into manifests: reference a Secret with SecretKeyRef.of(secretName, key)`],
    ['a password as a string', () => ({ source: postgres({ password: 'correct-horse-battery-staple' }) }),
      `${P}: 'source.password' (a string of 28 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the database password, e.g. SecretKeyRef.of('postgres-credentials', 'password'); ${SECRET_RULE}`],
    ['a password as a plain object', () => ({ source: redis({ password: { secretName: 'redis', key: 'password' } }) }),
      `${P}: 'source.password' (an object) is invalid: must be a SecretKeyRef, not an object: reference the Secret that holds the Redis password, e.g. SecretKeyRef.of('redis-credentials', 'password'); ${SECRET_RULE}`],
    ['a Secret name in capitals', () => ({ source: redis({ password: SecretKeyRef.of('Redis', 'password') }) }),
      `${P}: 'source.password.secretName' ("Redis") is invalid: must be the name of a Secret: lowercase letters, digits, "-" and ".", at most 253 characters, starting and ending with a letter or digit`],
    ['tls as a string', () => ({ source: redis({ tls: 'yes' }) }), `${P}: 'source.tls' ("yes") is invalid: must be a boolean (true or false), not a string`],
    ['a peer given by name', () => ({ source: redis({ peer: 'redis' }) }),
      `${P}: 'source.peer' ("redis") is invalid: must be a NetworkPeer, not a string, e.g. NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')`],
    ['an export URL without a scheme', () => ({ source: events({ url: 'transaction-service:8004/events/export' }) }),
      `${P}: 'source.url' ("transaction-service:8004/events/export") is invalid: must be an absolute URL starting with http:// or https://, e.g. "http://transaction-service:8004/events/export"`],
    ['an export URL with a token in it', () => ({ source: events({ url: 'https://events.internal/export?token=Zx81Kq' }) }),
      `${P}: 'source.url' (a string of 43 characters) is invalid: looks like a credential (a credential assignment), and secret values never go into manifests: give the token as 'token' with SecretKeyRef.of(secretName, key)`],
    ['an export URL with credentials', () => ({ source: events({ url: 'https://svc:pw@events.internal/export' }) }),
      `${P}: 'source.url' (a string of 37 characters) is invalid: must not contain credentials ("user:password@"): secret values never go into manifests; reference them from a Secret`],
    ['a token as a string', () => ({ source: events({ token: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJleHBvcnQifQ.c2lnbmF0dXJl' }) }),
      `${P}: 'source.token' (a string of 56 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds a bearer token; ${SECRET_RULE}`],
  ])('rejects %s', (_, make, message) => expect(messageOf(make)).toBe(message));
});

describe('BackupDestination options', () => {
  test.each([
    ['s3() without options', () => ({ destination: BackupDestination.s3(undefined as any) }),
      `${P}: 'destination' (undefined) is invalid: must be an object, not undefined, e.g. BackupDestination.s3({ ... })`],
    ['a misspelt option', () => ({ destination: s3({ secretKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }) }),
      `${P}: 'destination.secretKey' (a string of 40 characters) is invalid: is not a known option; the options are bucket, accessKeyId, secretAccessKey, region, endpoint, provider, peer`],
    ['a bucket with capitals', () => ({ destination: s3({ bucket: 'Fintech-Backups' }) }),
      `${P}: 'destination.bucket' ("Fintech-Backups") is invalid: must be a bucket or container name: 3-63 lowercase letters, digits, "-" and "."`],
    ['a bucket as a number', () => ({ destination: gcs({ bucket: 42 }) }),
      `${P}: 'destination.bucket' (42) is invalid: must be a bucket or container name: 3-63 lowercase letters, digits, "-" and "."`],
    ['a secret access key as a string', () => ({ destination: s3({ secretAccessKey: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }) }),
      `${P}: 'destination.secretAccessKey' (a string of 40 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the S3 secret access key; ${SECRET_RULE}`],
    ['an endpoint without a scheme', () => ({ destination: s3({ endpoint: 'minio.storage.svc:9000' }) }),
      `${P}: 'destination.endpoint' ("minio.storage.svc:9000") is invalid: must be an absolute URL starting with https:// or http://, e.g. "https://minio.storage.svc:9000"`],
    ['an endpoint with credentials', () => ({ destination: s3({ endpoint: 'https://minio:minio123@minio.storage.svc:9000' }) }),
      `${P}: 'destination.endpoint' (a string of 45 characters) is invalid: must not contain credentials ("user:password@"): secret values never go into manifests; reference them from a Secret`],
    ['a region with a space', () => ({ destination: s3({ region: 'eu central 1' }) }),
      `${P}: 'destination.region' ("eu central 1") is invalid: must be a region name such as "eu-central-1"`],
    ['a provider as a number', () => ({ destination: s3({ provider: 1 }) }),
      `${P}: 'destination.provider' (1) is invalid: must be a string, not a number, e.g. "AWS" or "Minio"`],
    ['both an account key and a SAS URL', () => ({ destination: azure({ sasUrl: ref('sas') }) }),
      `${P}: 'destination' ("key/sasUrl") is invalid: must reference exactly one Secret: 'key' (the account key) or 'sasUrl'; ${SECRET_RULE}`],
    ['a SAS URL as a string', () => ({ destination: azure({ key: undefined, sasUrl: 'https://acct.blob.core.windows.net/c?sv=2022&sig=AbC123dEf456GhI789jKl%3D' }) }),
      `${P}: 'destination.sasUrl' (a string of 73 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds a SAS URL; ${SECRET_RULE}`],
    ['a storage account name with capitals', () => ({ destination: azure({ account: 'FintechBackups' }) }),
      `${P}: 'destination.account' ("FintechBackups") is invalid: must be a storage account name: 3-24 lowercase letters and digits`],
    ['service account credentials as JSON', () => ({ destination: gcs({ serviceAccountCredentials: '{"type":"service_account","private_key":"x"}' }) }),
      `${P}: 'destination.serviceAccountCredentials' (a string of 44 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the service account's JSON credentials; ${SECRET_RULE}`],
    ['an rclone path as a number', () => ({ destination: rclone({ path: 7 }) }),
      `${P}: 'destination.path' (7) is invalid: must be a string, not a number, e.g. "fintech-backups"`],
    ['a local path with a space', () => ({ destination: rclone({ type: 'local', path: '/var/backups/my backups' }) }),
      `${P}: 'destination.path' ("/var/backups/my backups") is invalid: must be a bucket or folder path: letters, digits, "_", "-", "." separated by "/"`],
    ['a missing rclone type', () => ({ destination: rclone({ type: undefined }) }),
      `${P}: 'destination.type' (undefined) is invalid: must be a string, not undefined, e.g. "s3" or "local"`],
    ['an rclone option as a boolean', () => ({ destination: rclone({ options: { disable_hashcheck: true } }) }),
      `${P}: 'destination.options.disable_hashcheck' (true) is invalid: must be a string, not a boolean, e.g. "true" rather than true`],
    ['a credential in a plain rclone option', () => ({ destination: rclone({ options: { host: 'sftp://backup:Pa55word@sftp.internal' } }) }),
      `${P}: 'destination.options.host' (a string of 36 characters) is invalid: looks like a credential (a URL with a password), and secret values never go into manifests: use 'secretOptions' with SecretKeyRef.of(secretName, key)`],
    ['a secret rclone option as a string', () => ({ destination: rclone({ secretOptions: { pass: 'Pa55word' } }) }),
      `${P}: 'destination.secretOptions.pass' (a string of 8 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the rclone option 'pass'; ${SECRET_RULE}`],
    ['rclone options as an array', () => ({ destination: rclone({ options: ['host=sftp.internal'] }) }),
      `${P}: 'destination.options' (["host=sftp.internal"]) is invalid: must be an object, not an array, e.g. { endpoint: 'https://...' }`],
    ['a peer given as a CIDR', () => ({ destination: s3({ peer: '10.0.0.0/8' }) }),
      `${P}: 'destination.peer' ("10.0.0.0/8") is invalid: must be a NetworkPeer, not a string, e.g. NetworkPeer.external('object-store', [{ port: 443 }], '203.0.113.0/24')`],
  ])('rejects %s', (_, make, message) => expect(messageOf(make)).toBe(message));

  test('accepts every factory with valid options', () => {
    for (const destination of [s3({ endpoint: 'https://minio.storage.svc:9000', region: 'eu-central-1', provider: 'Minio' }), azure(), gcs(),
      rclone({ options: { host: 'sftp.internal' }, secretOptions: { pass: ref('pass') }, peer: NetworkPeer.external('sftp', [{ port: 22 }]) })]) {
      for (const source of [postgres(), redis({ tls: true }), events({ token: ref('token') })]) {
        expect(messageOf.bind(null, () => ({ source, destination }))).toThrow('expected an error, none was thrown');
      }
    }
  });
});
