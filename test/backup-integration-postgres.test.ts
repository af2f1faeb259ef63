import { spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { BackupSource } from '../lib/backup-cron-job';
import { SecretKeyRef } from '../lib/secret-key-ref';
import { expectSuccess, files, FINGERPRINT, SCHEMA_AND_DATA, TOOLS, useBackupDatabase } from './support/backup-jobs';
import { PostgresCluster } from './support/postgres';

/** Backup and restore Jobs against a real PostgreSQL: the round trip, and ownership of the restored objects. */

// Each test runs a few Jobs (a second or two each); a loaded CI machine must not hit Jest's 5-second default.
jest.setTimeout(30_000);

(TOOLS ? describe : describe.skip)('backup scripts against a real PostgreSQL and an rclone object store', () => {
  const { database, synthesize, runJob, recreateDatabase, wrapper } = useBackupDatabase();
  let pg: PostgresCluster;
  let root: string;
  let fingerprint: string;

  beforeAll(() => {
    ({ pg, root, fingerprint } = database());
  });

  describe('round trip', () => {
    const prefix = 'roundtrip';
    let jobs: ReturnType<typeof synthesize>;
    let backupName: string;

    beforeAll(() => {
      jobs = synthesize(prefix);
    });

    test('the backup Job uploads backup_<UTC timestamp>.sql.gz with its SHA-256 beside it, and nothing else', () => {
      // WHEN
      const before = Date.now();
      const run = runJob(jobs.backup, jobs.configMap);
      // THEN
      expectSuccess(run);
      const stored = files(jobs.folder);
      expect(stored).toHaveLength(2);
      expect(stored[0]).toMatch(/^backup_\d{8}_\d{6}\.sql\.gz$/);
      expect(stored[1]).toBe(`${stored[0]}.sha256`);
      backupName = stored[0];
      const m = backupName.match(/^backup_(\d{4})(\d{2})(\d{2})_(\d{2})(\d{2})(\d{2})/)!;
      const taken = Date.UTC(+m[1], +m[2] - 1, +m[3], +m[4], +m[5], +m[6]);
      expect(taken).toBeGreaterThanOrEqual(Math.floor(before / 1000) * 1000 - 1000);
      expect(taken).toBeLessThanOrEqual(Date.now());
      const archive = fs.readFileSync(path.join(jobs.folder, backupName));
      expect(fs.readFileSync(path.join(jobs.folder, `${backupName}.sha256`), 'utf8'))
        .toBe(`${createHash('sha256').update(archive).digest('hex')}  ${backupName}\n`);
      expect(run.stderr).toContain(`${backupName}: uploaded to backup:`);
    });

    test('restore into the dropped and recreated database: every row, sequence, index and constraint is back (0 rows lost)', () => {
      // GIVEN the database is lost
      recreateDatabase('platform');
      expect(pg.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'fintech'", 'platform')).toBe('0');
      // WHEN the restore Job runs with its default (the newest backup)
      const run = runJob(jobs.restore, jobs.configMap);
      // THEN
      expectSuccess(run);
      expect(run.stderr).toContain(`restore: ${backupName} restored into platform`);
      expect(pg.psql(FINGERPRINT, 'platform')).toBe(fingerprint);
      expect(fingerprint).toMatch(/^users\|3002\|[0-9a-f]{32}\ntransactions\|19796\|/);
    });

    test('the restore refuses a database that is not empty, and leaves it untouched', () => {
      const run = runJob(jobs.restore, jobs.configMap);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('refusing to restore into database platform: it is not empty');
      expect(pg.psql(FINGERPRINT, 'platform')).toBe(fingerprint);
    });

    test("the platform's manual procedure works on the same file: gunzip -c FILE | psql", () => {
      recreateDatabase('platform_manual');
      const result = spawnSync('bash', ['-o', 'pipefail', '-c', 'gunzip -c "$1" | psql -X -q -v ON_ERROR_STOP=1 >/dev/null', 'restore', path.join(jobs.folder, backupName)], {
        env: { PATH: `${pg.binDir}:${process.env.PATH}`, HOME: root, PGHOST: pg.host, PGPORT: String(pg.port), PGUSER: 'fintech', PGDATABASE: 'platform_manual' },
        stdio: ['ignore', 'pipe', 'pipe'],
        encoding: 'utf8',
      });
      expect(result.stderr).toBe('');
      expect(result.status).toBe(0);
      expect(pg.psql(FINGERPRINT, 'platform_manual')).toBe(fingerprint);
    });

    test('the restore verification restores the newest backup into a scratch database, checks it, and drops it', () => {
      const run = runJob(jobs.verify, jobs.configMap);
      expectSuccess(run);
      expect(run.stderr).toContain('check: fintech.users has 3002 rows');
      expect(run.stderr).toContain('check: fintech.transactions has 19796 rows');
      expect(run.stderr).toContain(`restore verification passed: ${backupName}`);
      expect(pg.psql("SELECT count(*) FROM pg_database WHERE datname = 'platform_restore_check'")).toBe('0');
    });

    test('the restore verification fails loudly when a required table is missing or empty', () => {
      const strict = synthesize(prefix, {
        source: BackupSource.postgres({
          database: 'platform', host: SecretKeyRef.of('platform-db', 'host'), port: pg.port, user: SecretKeyRef.of('platform-db', 'user'),
          password: SecretKeyRef.of('platform-db', 'password'), sslMode: 'disable',
          verifyTables: ['fintech.users', 'fintech.audit_log', 'ledger.entries'],
        }),
      });
      const run = runJob(strict.verify, strict.configMap);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('RESTORE VERIFICATION FAILED: table fintech.audit_log is missing');
      expect(run.stderr).toContain('RESTORE VERIFICATION FAILED: schema ledger is missing');
      expect(pg.psql("SELECT count(*) FROM pg_database WHERE datname = 'platform_restore_check'")).toBe('0');
    });

    test('a chosen backup (BACKUP_FILE) is restored; an unknown or malformed name fails without touching the target', () => {
      recreateDatabase('platform_chosen');
      const chosen = synthesize(prefix, { restore: { database: 'platform_chosen' } });
      expectSuccess(runJob(chosen.restore, chosen.configMap, { env: { BACKUP_FILE: backupName } }));
      expect(pg.psql(FINGERPRINT, 'platform_chosen')).toBe(fingerprint);

      recreateDatabase('platform_chosen');
      const missing = runJob(chosen.restore, chosen.configMap, { env: { BACKUP_FILE: 'backup_20200101_000000.sql.gz' } });
      expect(missing.status).not.toBe(0);
      expect(missing.stderr).toContain('cannot download backup_20200101_000000.sql.gz');
      const malformed = runJob(chosen.restore, chosen.configMap, { env: { BACKUP_FILE: '../../etc/passwd' } });
      expect(malformed.status).not.toBe(0);
      expect(malformed.stderr).toContain("'../../etc/passwd' is not a backup name");
      expect(pg.psql("SELECT count(*) FROM pg_class WHERE relnamespace = 'public'::regnamespace", 'platform_chosen')).toBe('0');
    });
  });

  describe('ownership: the application, not the backup role, can use the restored tables', () => {
    const prefix = 'ownership';
    /** What an application does with its tables: read, write (ids from the sequences) and change rows. */
    const APPLICATION_WORK = `
SELECT count(*) FROM fintech.users;
INSERT INTO fintech.users (username, email, password_hash) VALUES ('after-restore', 'after-restore@example.com', 'x');
INSERT INTO fintech.transactions (user_id, amount, transaction_type) SELECT id, 12.34, 'deposit' FROM fintech.users WHERE username = 'after-restore';
UPDATE fintech.transactions SET status = 'completed' WHERE user_id = (SELECT id FROM fintech.users WHERE username = 'after-restore');
SELECT nextval('fintech.users_id_seq') > 3002;
SELECT status FROM fintech.transactions WHERE amount = 12.34;`;
    const ownerOf = (database: string) => pg.psql(
      "SELECT string_agg(DISTINCT pg_get_userbyid(relowner), ',') FROM pg_class WHERE relnamespace = 'fintech'::regnamespace", database);

    /** GIVEN the application's database \`ledger\`, owned by the application's role; a backup role that is a member of it. */
    beforeAll(() => {
      pg.psql(`
CREATE ROLE ledger_app LOGIN;
CREATE ROLE ledger_rw LOGIN;
CREATE ROLE backup_operator LOGIN CREATEDB;
GRANT ledger_app TO backup_operator;
CREATE DATABASE ledger OWNER ledger_app;`);
      pg.psql(`SET ROLE ledger_app; ${SCHEMA_AND_DATA}
GRANT USAGE ON SCHEMA fintech TO ledger_rw;
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA fintech TO ledger_rw;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA fintech TO ledger_rw;`, 'ledger');
    });

    function ledgerJobs(source: Partial<Parameters<typeof BackupSource.postgres>[0]> = {}, restoreInto = 'ledger_restored') {
      return synthesize(prefix, {
        source: BackupSource.postgres({
          database: 'ledger', host: SecretKeyRef.of('ledger-db', 'host'), port: pg.port, user: SecretKeyRef.of('ledger-db', 'user'),
          password: SecretKeyRef.of('ledger-db', 'password'), sslMode: 'disable', ...source,
        }),
        restore: { database: restoreInto },
      });
    }

    function recreateOwnedBy(name: string, owner: string): void {
      pg.psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE); CREATE DATABASE ${name} OWNER ${owner};`);
    }

    test('a restore into a database owned by the application role: every object is its own again, and it reads, writes and uses its sequences', () => {
      const jobs = ledgerJobs();
      expectSuccess(runJob(jobs.backup, jobs.configMap));
      recreateOwnedBy('ledger_restored', 'ledger_app');
      // WHEN the restore Job connects as backup_operator
      const run = runJob(jobs.restore, jobs.configMap);
      // THEN
      expectSuccess(run);
      expect(pg.psql(FINGERPRINT, 'ledger_restored')).toBe(pg.psql(FINGERPRINT, 'ledger'));
      expect(pg.psqlAs('ledger_app', APPLICATION_WORK, 'ledger_restored')).toBe('3002\nt\ncompleted');
      expect(ownerOf('ledger_restored')).toBe('ledger_app');
      expect(pg.psql("SELECT nspowner::regrole FROM pg_namespace WHERE nspname = 'fintech'", 'ledger_restored')).toBe('ledger_app');
      expect(run.stderr).toContain('restore: every object restored as ledger_app');
    });

    test('applicationRoles: a login role that uses the tables without owning them is granted them again, in the same restore', () => {
      const jobs = ledgerJobs({ owner: 'ledger_app', applicationRoles: ['ledger_rw'] });
      recreateOwnedBy('ledger_restored', 'postgres');
      pg.psql('GRANT CREATE ON DATABASE ledger_restored TO ledger_app;');
      const run = runJob(jobs.restore, jobs.configMap);
      expectSuccess(run);
      expect(pg.psqlAs('ledger_rw', APPLICATION_WORK, 'ledger_restored')).toBe('3002\nt\ncompleted');
      expect(ownerOf('ledger_restored')).toBe('ledger_app');
      expect(run.stderr).toContain('restore: every object restored as ledger_app; granted to ledger_rw');
      // The grants are what the application had, no more: it cannot change the schema.
      expect(() => pg.psqlAs('ledger_rw', 'DROP TABLE fintech.transactions;', 'ledger_restored')).toThrow(/must be owner of table transactions/);
    });

    test('the restore verification checks that the owner and the application roles can use the tables', () => {
      const jobs = ledgerJobs({ applicationRoles: ['ledger_rw'] });
      const run = runJob(jobs.verify, jobs.configMap);
      expectSuccess(run);
      expect(run.stderr).toContain('restore: every object restored as ledger_app; granted to ledger_rw');
      expect(run.stderr).toContain('restore verification passed');
      expect(pg.psql("SELECT count(*) FROM pg_database WHERE datname = 'ledger_restore_check'")).toBe('0');
    });

    test('the restore verification fails when a role cannot use a restored table', () => {
      // GIVEN the restore's grants are lost on the way to the server
      const jobs = ledgerJobs({ applicationRoles: ['ledger_rw'] });
      const run = runJob(jobs.verify, jobs.configMap, { pathPrefix: wrapper('psql', `
# Drops the grants of the restore transaction (the DO block) before psql runs it.
if [ "$#" -gt 0 ] && [[ " $* " == *" --single-transaction "* ]]; then
  sed '/^DO \\$restore_grants\\$/,/^\\$restore_grants\\$;/d' | exec ${path.join(pg.binDir, 'psql')} "$@"
fi
exec ${path.join(pg.binDir, 'psql')} "$@"`) });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('RESTORE VERIFICATION FAILED: role ledger_rw cannot read and write table fintech.users');
      expect(pg.psql("SELECT count(*) FROM pg_database WHERE datname = 'ledger_restore_check'")).toBe('0');
    });

    test('a missing role or a backup role that cannot act as the owner fails before anything is restored', () => {
      recreateOwnedBy('ledger_restored', 'ledger_app');
      const missing = ledgerJobs({ applicationRoles: ['ledger_reporting'] });
      const run = runJob(missing.restore, missing.configMap);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('role ledger_reporting does not exist on 127.0.0.1: roles are not part of a backup; create it before restoring');

      pg.psql('CREATE ROLE ledger_other NOLOGIN;');
      const foreign = ledgerJobs({ owner: 'ledger_other' });
      const denied = runJob(foreign.restore, foreign.configMap);
      expect(denied.status).not.toBe(0);
      expect(denied.stderr).toContain('backup_operator cannot create objects as ledger_other: make it a member of the owner role'
        + ' (GRANT ledger_other TO backup_operator) or restore as a superuser');
      expect(pg.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'fintech'", 'ledger_restored')).toBe('0');
    });
  });
});
