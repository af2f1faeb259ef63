import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { BackupDestination } from '../lib/backup-cron-job';
import { SecretKeyRef } from '../lib/secret-key-ref';
import { AZURITE_ACCOUNT, startAzurite } from './support/azurite';
import {
  AGE, AZURITE_BIN, DAY, expectSuccess, files, FINGERPRINT, realRclone as findRclone, runContainer, SECRETS, stamp, TOOLS, useBackupDatabase,
} from './support/backup-jobs';
import { PostgresCluster } from './support/postgres';

/** Encrypted (age) backups and separate store credentials, enforced by rclone wrappers and by the Azure Storage emulator. */

// Each test runs a few Jobs (a second or two each); a loaded CI machine must not hit Jest's 5-second default.
jest.setTimeout(30_000);

(TOOLS ? describe : describe.skip)('backup scripts against a real PostgreSQL and an rclone object store', () => {
  const { database, synthesize, runJob, recreateDatabase, wrapper } = useBackupDatabase();
  let pg: PostgresCluster;
  let root: string;
  let storeRoot: string;
  let fingerprint: string;
  const realRclone = findRclone();

  beforeAll(() => {
    ({ pg, root, storeRoot, fingerprint } = database());
  });

  (AGE ? describe : describe.skip)('encrypted backups (age) and separate credentials', () => {
    const prefix = 'encrypted';
    const identity = SecretKeyRef.of('backup-age-identity', 'identity');
    let recipient: string;
    let jobs: ReturnType<typeof synthesize>;
    let backupName: string;
    /** Every rclone command a Job runs, logged by a wrapper that then runs the real rclone. */
    let rcloneLog: string;
    let spy: string;

    /** A fresh age key pair: the identity (private key) goes into the test's Secret store only, as a cluster Secret would hold it. */
    function keyPair(secretName: string): string {
      const generated = spawnSync('age-keygen', [], { encoding: 'utf8' });
      expect(generated.status).toBe(0);
      SECRETS[secretName] = { identity: generated.stdout };
      return generated.stdout.match(/^# public key: (age1[a-z0-9]+)$/m)![1];
    }

    beforeAll(() => {
      recipient = keyPair('backup-age-identity');
      keyPair('backup-age-other-identity');
      jobs = synthesize(prefix, { encryption: { recipients: [recipient], identity } });
      rcloneLog = path.join(root, 'rclone-calls.log');
      spy = wrapper('rclone', `printf '%s\\n' "$*" >>${JSON.stringify(rcloneLog)}\nexec ${JSON.stringify(realRclone)} "$@"`);
    });

    test('the backup Job encrypts before upload: the stored object is an age file without a byte of the data', () => {
      const run = runJob(jobs.backup, jobs.configMap);
      expectSuccess(run);
      const stored = files(jobs.folder);
      expect(stored).toHaveLength(2);
      expect(stored[0]).toMatch(/^backup_\d{8}_\d{6}\.sql\.gz\.age$/);
      expect(stored[1]).toBe(`${stored[0]}.sha256`);
      backupName = stored[0];
      const object = fs.readFileSync(path.join(jobs.folder, backupName));
      expect(object.subarray(0, 22).toString('latin1')).toBe('age-encryption.org/v1\n');
      expect(object.includes('user1234@example.com')).toBe(false);
      expect(spawnSync('gzip', ['-t'], { input: object }).status).not.toBe(0);
      // Decrypted with the identity, it is the gzip'd dump, holding the known row.
      const identityFile = path.join(root, 'identity.txt');
      fs.writeFileSync(identityFile, SECRETS['backup-age-identity'].identity, { mode: 0o400 });
      const plain = spawnSync('bash', ['-o', 'pipefail', '-c', 'age --decrypt --identity "$1" "$2" | gunzip -c', 'decrypt', identityFile, path.join(jobs.folder, backupName)], { maxBuffer: 64 << 20 });
      fs.rmSync(identityFile);
      expect(plain.status).toBe(0);
      expect(plain.stdout.includes('user1234@example.com')).toBe(true);
      expect(fs.readFileSync(path.join(jobs.folder, `${backupName}.sha256`), 'utf8'))
        .toBe(`${createHash('sha256').update(object).digest('hex')}  ${backupName}\n`);
      expect(run.stderr).toContain(`${backupName}: encrypted to 1 age recipient(s)`);
    });

    test('round trip: the restore Job decrypts with the identity and every row, sequence, index and constraint is back', () => {
      recreateDatabase('platform');
      const run = runJob(jobs.restore, jobs.configMap);
      expectSuccess(run);
      expect(run.stderr).toContain(`${backupName}: decrypted`);
      expect(pg.psql(FINGERPRINT, 'platform')).toBe(fingerprint);
      const verify = runJob(jobs.verify, jobs.configMap);
      expectSuccess(verify);
      expect(verify.stderr).toContain(`restore verification passed: ${backupName}`);
    });

    test('a wrong identity fails the verification loudly and the restore before touching the database', () => {
      const wrong = synthesize(prefix, {
        encryption: { recipients: [recipient], identity: SecretKeyRef.of('backup-age-other-identity', 'identity') },
        restore: { database: 'platform_wrong_key' },
      });
      const verify = runJob(wrong.verify, wrong.configMap);
      expect(verify.status).not.toBe(0);
      expect(verify.stderr).toContain(
        `ERROR: DECRYPTION FAILED: ${backupName} cannot be decrypted with the configured age identity (wrong key, or not encrypted to it)`);
      expect(verify.stderr).toContain('FAILED (exit status 1)');
      expect(pg.psql("SELECT count(*) FROM pg_database WHERE datname = 'platform_restore_check'")).toBe('0');
      recreateDatabase('platform_wrong_key');
      const restore = runJob(wrong.restore, wrong.configMap);
      expect(restore.status).not.toBe(0);
      expect(restore.stderr).toContain('DECRYPTION FAILED');
      expect(pg.psql("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace", 'platform_wrong_key')).toBe('0');
    });

    test('a plain archive where an encrypted one is expected is not taken for a backup', () => {
      const plain = synthesize('encrypted-plain', { encryption: false });
      expectSuccess(runJob(plain.backup, plain.configMap));
      const encrypted = synthesize('encrypted-plain', { encryption: { recipients: [recipient], identity } });
      const verify = runJob(encrypted.verify, encrypted.configMap);
      expect(verify.status).not.toBe(0);
      expect(verify.stderr).toContain('no backup (backup_YYYYmmdd_HHMMSS.sql.gz.age) under');
    });

    test('with separate credentials the backup Job only creates objects: no listing, no download, no rename, no delete', () => {
      const access = () => ({
        pruner: BackupDestination.rclone({ type: 'local', path: storeRoot }),
        reader: BackupDestination.rclone({ type: 'local', path: storeRoot }),
      });
      const separated = synthesize('write-only', { encryption: { recipients: [recipient], identity }, access: access() });
      fs.rmSync(rcloneLog, { force: true });
      const run = runJob(separated.backup, separated.configMap, { pathPrefix: spy });
      expectSuccess(run);
      const calls = fs.readFileSync(rcloneLog, 'utf8').trim().split('\n');
      const stored = files(separated.folder);
      expect(stored).toHaveLength(2);
      expect(calls.map((c) => c.replace(/ \S+\/run\.[A-Za-z0-9]+\/\S+ /, ' <local file> '))).toEqual([
        `copyto --no-check-dest <local file> backup:${separated.folder}/${stored[1]}`,
        `copyto --no-check-dest <local file> backup:${separated.folder}/${stored[0]}`,
      ]);
      expect(run.stderr).toContain('retention: left to the pruning Job');
      // The reader restores what the writer wrote.
      recreateDatabase('platform_write_only');
      const restore = synthesize('write-only', { encryption: { recipients: [recipient], identity }, access: access(), restore: { database: 'platform_write_only' } });
      expectSuccess(runJob(restore.restore, restore.configMap));
      expect(pg.psql(FINGERPRINT, 'platform_write_only')).toBe(fingerprint);
    });

    test('the pruning CronJob lists and deletes by age only, never downloads, and leaves what the retention lock still holds', () => {
      const locked = synthesize('pruning', {
        encryption: { recipients: [recipient], identity },
        access: { pruner: BackupDestination.rclone({ type: 'local', path: storeRoot }), reader: BackupDestination.rclone({ type: 'local', path: storeRoot }) },
        retentionLock: Duration.days(30),
      });
      const folder = locked.folder;
      fs.mkdirSync(folder, { recursive: true });
      const names = [40, 31, 29, 1].map((days) => `${stamp(days * DAY)}.sql.gz.age`);
      for (const name of names) {
        fs.writeFileSync(path.join(folder, name), 'ciphertext');
        fs.writeFileSync(path.join(folder, `${name}.sha256`), `${createHash('sha256').update('ciphertext').digest('hex')}  ${name}\n`);
      }
      const lockedOrphan = `${stamp(3 * DAY)}.sql.gz.age.sha256`; // a failed write-only run's checksum: still locked
      const expiredOrphan = `${stamp(31 * DAY)}.sql.gz.age.sha256`;
      fs.writeFileSync(path.join(folder, lockedOrphan), 'orphan');
      fs.writeFileSync(path.join(folder, expiredOrphan), 'orphan');
      fs.rmSync(rcloneLog, { force: true });
      const run = runContainer(locked.prune, locked.configMap, root, { pathPrefix: spy });
      expectSuccess(run);
      expect(files(folder)).toEqual([names[2], `${names[2]}.sha256`, names[3], `${names[3]}.sha256`, lockedOrphan].sort());
      const verbs = [...new Set(fs.readFileSync(rcloneLog, 'utf8').trim().split('\n').map((c) => c.split(' ')[0]))].sort();
      expect(verbs).toEqual(['deletefile', 'lsf']);
    });
  });

  (AGE && AZURITE_BIN ? describe : describe.skip)('separate credentials enforced by the Azure Storage emulator (azurite, container SAS)', () => {
    let azurite: Awaited<ReturnType<typeof startAzurite>>;
    let recipient: string;
    let jobs: ReturnType<typeof synthesize>;
    let backupName: string;
    const identity = SecretKeyRef.of('azure-age-identity', 'identity');
    const container = 'fintech-backups';
    const store = (secret: string) => BackupDestination.azureBlob({ container, account: AZURITE_ACCOUNT, sasUrl: SecretKeyRef.of(secret, 'sas-url') });

    /** The container's env with Secret references resolved, as the Job's pod gets it. */
    function jobEnv(cronJob: any): Record<string, string> {
      const env: Record<string, string> = {};
      for (const e of cronJob.spec.jobTemplate.spec.template.spec.containers[0].env) {
        env[e.name] = e.valueFrom ? SECRETS[e.valueFrom.secretKeyRef.name][e.valueFrom.secretKeyRef.key] : e.value;
      }
      return env;
    }
    /** rclone run with a Job's own remote configuration (its credential). */
    function rcloneAs(cronJob: any, ...args: string[]) {
      return spawnSync('rclone', ['--retries', '1', '--low-level-retries', '1', ...args], {
        env: { PATH: process.env.PATH, HOME: root, ...jobEnv(cronJob), RCLONE_CONFIG: '/dev/null' }, encoding: 'utf8',
      });
    }

    beforeAll(async () => {
      const workDir = fs.mkdtempSync(path.join(root, 'azurite-'));
      azurite = await startAzurite(AZURITE_BIN!, workDir);
      await azurite.createContainer(container);
      // rclone reads the folder's properties before it uploads: the writer needs read besides create and write, never list or delete.
      SECRETS['store-writer'] = { 'sas-url': azurite.containerSasUrl(container, 'rcw') };
      SECRETS['store-pruner'] = { 'sas-url': azurite.containerSasUrl(container, 'rdl') };
      SECRETS['store-reader'] = { 'sas-url': azurite.containerSasUrl(container, 'rl') };
      const generated = spawnSync('age-keygen', [], { encoding: 'utf8' });
      SECRETS['azure-age-identity'] = { identity: generated.stdout };
      recipient = generated.stdout.match(/^# public key: (age1[a-z0-9]+)$/m)![1];
      jobs = synthesize('azurite', {
        destination: store('store-writer'),
        encryption: { recipients: [recipient], identity },
        access: { pruner: store('store-pruner'), reader: store('store-reader') },
        restore: { database: 'platform_from_azure' },
      });
    }, 60_000);

    afterAll(() => azurite?.stop());

    test('the backup Job uploads the encrypted backup and its checksum with its credential (read, create, write: no list, no delete)', () => {
      const run = runJob(jobs.backup, jobs.configMap);
      expectSuccess(run);
      const listed = rcloneAs(jobs.verify, 'lsf', jobs.backup.spec.jobTemplate.spec.template.spec.containers[0].env.find((e: any) => e.name === 'BACKUP_DESTINATION').value);
      expect(listed.status).toBe(0);
      const names = listed.stdout.trim().split('\n');
      expect(names).toHaveLength(2);
      expect(names[0]).toMatch(/^backup_\d{8}_\d{6}\.sql\.gz\.age$/);
      expect(names[1]).toBe(`${names[0]}.sha256`);
      backupName = names[0];
    });

    test("the store refuses the backup Job's credential a delete and a listing; the object stays", () => {
      const remote = `${jobEnv(jobs.backup).BACKUP_DESTINATION}/${backupName}`;
      const deleted = rcloneAs(jobs.backup, 'deletefile', remote);
      expect(deleted.status).not.toBe(0);
      expect(deleted.stderr).toContain('AuthorizationPermissionMismatch');
      const listed = rcloneAs(jobs.backup, 'lsf', jobEnv(jobs.backup).BACKUP_DESTINATION);
      expect(listed.status).not.toBe(0);
      expect(listed.stderr).toContain('AuthorizationPermissionMismatch');
      const readerDelete = rcloneAs(jobs.restore, 'deletefile', remote);
      expect(readerDelete.status).not.toBe(0);
      expect(readerDelete.stderr).toContain('AuthorizationPermissionMismatch');
      expect(rcloneAs(jobs.verify, 'lsf', jobEnv(jobs.backup).BACKUP_DESTINATION).stdout).toContain(backupName);
    });

    test('the restore and verification Jobs read with the read-only credential and decrypt: every row is back', () => {
      recreateDatabase('platform_from_azure');
      expectSuccess(runJob(jobs.restore, jobs.configMap));
      expect(pg.psql(FINGERPRINT, 'platform_from_azure')).toBe(fingerprint);
      const verify = runJob(jobs.verify, jobs.configMap);
      expectSuccess(verify);
      expect(verify.stderr).toContain(`restore verification passed: ${backupName}`);
    });

    test('the pruning Job deletes by age with its own credential and keeps the newer backups', () => {
      const folder = jobEnv(jobs.backup).BACKUP_DESTINATION;
      const old = `${stamp(40 * DAY)}.sql.gz.age`;
      const source = path.join(root, 'old-object');
      fs.writeFileSync(source, 'ciphertext');
      for (const name of [old, `${old}.sha256`]) expect(rcloneAs(jobs.backup, 'copyto', '--no-check-dest', source, `${folder}/${name}`).status).toBe(0);
      const run = runContainer(jobs.prune, jobs.configMap, root);
      expectSuccess(run);
      expect(run.stderr).toContain(`retention: deleting ${old} (older than 30 days)`);
      expect(rcloneAs(jobs.verify, 'lsf', folder).stdout.trim().split('\n')).toEqual([backupName, `${backupName}.sha256`]);
    });
  });
});
