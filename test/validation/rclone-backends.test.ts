import { execFileSync } from 'child_process';
import { App, Chart } from 'cdk8s';
import { BackupCronJob, BackupDestination, BackupSource, SecretKeyRef } from '../../lib';
import { RCLONE_REQUIRED_OPTIONS } from '../../lib/backup/destination';
import { plainErrorMessage } from '../support/errors';
import { hasTool } from '../support/tools';

const B = "BackupCronJob 'data/ledger-db-backup'";
const AGE = 'age1axecfyprmxh2zsjfmny596u2nf9v42teuvad8tstdal2x4e3ypxsmwsl2j';

function backupWith(destination: BackupDestination): () => void {
  return () => {
    const chart = new Chart(new App(), 'data', { namespace: 'fintech-prod' });
    new BackupCronJob(chart, 'ledger-db-backup', {
      image: 'registry.fintech.internal/fintech/backup-tools:1.0.0',
      source: BackupSource.postgres({ host: 'ledger-db', database: 'ledger', user: 'backup', password: SecretKeyRef.of('ledger-db', 'password') }),
      destination,
      encryption: { recipients: [AGE], identity: SecretKeyRef.of('backup-age-identity', 'identity') },
    });
    chart.toJson();
  };
}

describe('rclone destinations: what rclone itself would refuse at the first run', () => {
  test.each<[string, BackupDestination, string]>([
    ['an S3 provider written as the backend type', BackupDestination.rclone({ type: 'aws', path: 'backups' }),
      `${B}: 'destination.type' ("aws") is invalid: is not an rclone backend (rclone would find no backend called "aws"); use BackupDestination.s3({ provider: 'AWS', ... })`],
    ['MinIO written as the backend type', BackupDestination.rclone({ type: 'minio', path: 'backups' }),
      `${B}: 'destination.type' ("minio") is invalid: is not an rclone backend (rclone would find no backend called "minio"); use BackupDestination.s3({ provider: 'Minio', ... })`],
    ['Azure written as the backend type', BackupDestination.rclone({ type: 'azure', path: 'backups' }),
      `${B}: 'destination.type' ("azure") is invalid: is not an rclone backend (rclone would find no backend called "azure"); use BackupDestination.azureBlob(...)`],
    ['an SFTP remote without its host', BackupDestination.rclone({ type: 'sftp', path: 'backups', options: { user: 'backup' } }),
      `${B}: 'destination.options.host' (undefined) is invalid: is required by rclone's "sftp" backend, which fails every run without it; e.g. options: { host: '...' }`],
    ['a crypt remote without its password', BackupDestination.rclone({ type: 'crypt', path: 'backups', options: { remote: 'store:backups' } }),
      `${B}: 'destination.secretOptions.password' (undefined) is invalid: is required by rclone's "crypt" backend, which fails every run without it;`
      + " e.g. secretOptions: { password: SecretKeyRef.of('crypt', 'password') }"],
  ])('%s', (_name, destination, expected) => {
    expect(plainErrorMessage(backupWith(destination))).toBe(expected);
  });

  test('a remote with its required options, and a backend with none, are accepted', () => {
    expect(backupWith(BackupDestination.rclone({ type: 'sftp', path: 'backups', options: { host: 'vault.fintech.internal' } }))).not.toThrow();
    expect(backupWith(BackupDestination.rclone({ type: 'gcs', path: 'fintech-backups' }))).not.toThrow();
  });
});

const RCLONE = hasTool('rclone', 'install rclone (Debian: apt-get install rclone)');

(RCLONE ? describe : describe.skip)('the required options, against rclone\'s own list', () => {
  interface Provider { Prefix: string; Options: Array<{ Name: string; Required?: boolean; Provider?: string }> }
  const providers: Provider[] = RCLONE ? JSON.parse(execFileSync('rclone', ['config', 'providers'], { encoding: 'utf8' })) : [];

  test('every backend whose options rclone marks Required for all its providers is listed, with exactly those options', () => {
    const fromRclone = Object.fromEntries(providers
      .filter((p) => p.Options.some((o) => o.Required) && !p.Options.some((o) => o.Required && o.Provider))
      .map((p) => [p.Prefix, [...new Set(p.Options.filter((o) => o.Required).map((o) => o.Name))]]));
    expect(RCLONE_REQUIRED_OPTIONS).toEqual(fromRclone);
  });
});
