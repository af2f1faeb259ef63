import { ChildProcess, spawn, spawnSync } from 'child_process';
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Duration } from 'cdk8s';
import { BackupCronJob, BackupCronJobProps, BackupDestination, BackupSource } from '../lib/backup-cron-job';
import { SecretKeyRef } from '../lib/secret-key-ref';
import { AZURITE_ACCOUNT, azuriteBin, startAzurite } from './support/azurite';
import { only } from './support/fixtures';
import { findPostgresBinDir, freePort, PostgresCluster, startPostgres } from './support/postgres';
import { hasTool } from './support/tools';

/**
 * The backup, restore and restore-verification scripts, taken from the synthesized ConfigMap and
 * run with bash exactly as the Jobs run them: the container's command, its environment (plain
 * values as synthesized, Secret references resolved from a fake Secret store, mount paths mapped to
 * temporary folders), against a real PostgreSQL cluster and rclone's local backend as the object
 * store. Failures are injected with small wrappers put first on PATH (an interrupted upload, a
 * failing rename, a truncated dump), never by changing the scripts.
 */

const NAMESPACE = 'fintech-test';
const BIN_DIR = findPostgresBinDir();
const TOOLS = BIN_DIR !== undefined
  && hasTool('psql', 'install the PostgreSQL client (Debian: apt-get install postgresql-client)')
  && hasTool('rclone', 'install rclone (Debian: apt-get install rclone)')
  && hasTool('bash', 'install bash') && hasTool('gzip', 'install gzip') && hasTool('sha256sum', 'install GNU coreutils');
const AGE = TOOLS && hasTool('age', 'install age (Debian: apt-get install age)') && hasTool('age-keygen', 'install age (Debian: apt-get install age)');
const AZURITE_BIN = azuriteBin();
if (AGE && AZURITE_BIN === undefined) {
  if (process.env.CI === 'true') throw new Error("the Azure Storage emulator 'azurite' is required in CI and is missing: npm ci (it is a devDependency)");
  process.stdout.write("SKIPPED: the tests against the Azure Storage emulator did not run; npm ci installs 'azurite'\n");
}

/** Secrets as the cluster would hold them (created outside git). Trust auth: the password is not checked but must be set. */
const SECRETS: Record<string, Record<string, string>> = {
  'platform-db': { host: '127.0.0.1', user: 'fintech', password: 'not-a-real-password' },
  'ledger-db': { host: '127.0.0.1', user: 'backup_operator', password: 'not-a-real-password' },
  'redis-credentials': { password: 'redis-test-password' },
  'event-store-export': { token: 'export-test-token' },
};

/** The platform schema (PLATFORM.md, "Backups"), plus thousands of rows, some of them awkward for a dump. */
const SCHEMA_AND_DATA = `
CREATE SCHEMA fintech;
CREATE TABLE fintech.users (
  id SERIAL PRIMARY KEY,
  username VARCHAR(50) UNIQUE NOT NULL,
  email VARCHAR(100) UNIQUE NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE TABLE fintech.transactions (
  id SERIAL PRIMARY KEY,
  user_id INTEGER REFERENCES fintech.users(id),
  amount DECIMAL(12,2) NOT NULL,
  transaction_type VARCHAR(20) NOT NULL,
  status VARCHAR(20) DEFAULT 'pending',
  created_at TIMESTAMP DEFAULT CURRENT_TIMESTAMP
);
CREATE INDEX idx_users_email ON fintech.users(email);
CREATE INDEX idx_transactions_user_id ON fintech.transactions(user_id);
CREATE INDEX idx_transactions_created_at ON fintech.transactions(created_at);
INSERT INTO fintech.users (username, email, password_hash, created_at)
  SELECT 'user' || g, 'user' || g || '@example.com', md5(g::text), timestamp '2024-01-01' + g * interval '1 minute'
  FROM generate_series(1, 3000) g;
INSERT INTO fintech.users (username, email, password_hash, created_at) VALUES
  (E'o''brien\\ttab\\\\slash', 'ob@example.com', E'line1\\nline2', NULL),
  ('zoë 🦊 "quoted"', 'zoe@example.com', '', '2024-02-29 23:59:59.999999');
INSERT INTO fintech.transactions (user_id, amount, transaction_type, status, created_at)
  SELECT 1 + (g % 3000), ((g * 7919) % 1000000) / 100.0, (ARRAY['deposit', 'withdrawal', 'transfer'])[1 + g % 3],
         (ARRAY['pending', 'completed', 'failed'])[1 + g % 3], timestamp '2024-01-01' + g * interval '17 seconds'
  FROM generate_series(1, 20000) g;
INSERT INTO fintech.transactions (user_id, amount, transaction_type, status) VALUES (NULL, -0.01, 'fee', NULL), (3001, 9999999999.99, 'deposit', 'completed');
DELETE FROM fintech.transactions WHERE id % 97 = 0;
`;

/** Row count and content checksum of every table, the sequences' positions and the indexes: what a restore must reproduce. */
const FINGERPRINT = `
SELECT 'users', count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY id), '')) FROM fintech.users t
UNION ALL
SELECT 'transactions', count(*), md5(coalesce(string_agg(t::text, E'\\n' ORDER BY id), '')) FROM fintech.transactions t
UNION ALL
SELECT 'sequences', count(*), string_agg(sequencename || '=' || last_value, ',' ORDER BY sequencename) FROM pg_sequences WHERE schemaname = 'fintech'
UNION ALL
SELECT 'indexes', count(*), string_agg(indexname, ',' ORDER BY indexname) FROM pg_indexes WHERE schemaname = 'fintech'
UNION ALL
SELECT 'constraints', count(*), string_agg(conname, ',' ORDER BY conname) FROM pg_constraint WHERE connamespace = 'fintech'::regnamespace;
`;

const DAY = 86400;

// Each test runs a few Jobs (a second or two each); a loaded CI machine must not hit Jest's 5-second default.
jest.setTimeout(30_000);

function stamp(secondsAgo: number): string {
  const d = new Date(Date.now() - secondsAgo * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `backup_${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

interface JobRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}


interface RunOptions {
  /** Folders put first on PATH (the server's client tools, failure-injecting wrappers). */
  readonly pathPrefix?: string;
  /** Extra arguments after the container's command (e.g. "prune"). */
  readonly args?: string[];
  /** Variables set as `kubectl set env` would on the Job (e.g. BACKUP_FILE). */
  readonly env?: Record<string, string>;
}

/**
 * Runs a CronJob's container as its Job would: the ConfigMap's files at the scripts mount, every
 * other mount (work, /tmp) a fresh temporary folder under `root`, the container's env with Secret
 * references resolved from SECRETS and mount paths mapped, and the container's command. Only PATH
 * comes from the test.
 */
function runContainer(cronJob: any, configMap: any, root: string, options: RunOptions = {}): JobRun {
  const pod = cronJob.spec.jobTemplate.spec.template.spec;
  const container = pod.containers[0];
  const podDir = fs.mkdtempSync(path.join(root, 'pod-'));
  const mounts = new Map<string, string>();
  for (const mount of container.volumeMounts) {
    const volume = pod.volumes.find((v: any) => v.name === mount.name);
    const local = path.join(podDir, mount.name);
    fs.mkdirSync(local);
    if (volume.configMap) {
      expect(volume.configMap.name).toBe(configMap.metadata.name);
      for (const [file, text] of Object.entries(configMap.data)) fs.writeFileSync(path.join(local, file), text as string, { mode: 0o444 });
    }
    if (volume.secret) {
      for (const item of volume.secret.items) {
        const value = SECRETS[volume.secret.secretName]?.[item.key];
        if (value === undefined) throw new Error(`the Job mounts Secret ${volume.secret.secretName} key ${item.key}, which the test's Secret store does not hold`);
        fs.writeFileSync(path.join(local, item.path), value, { mode: volume.secret.defaultMode });
      }
    }
    mounts.set(mount.mountPath, local);
  }
  const mapPath = (value: string) => {
    for (const [mountPath, local] of mounts) {
      if (value === mountPath || value.startsWith(`${mountPath}/`)) return local + value.slice(mountPath.length);
    }
    return value;
  };
  const env: Record<string, string> = {};
  for (const e of container.env) {
    if (e.valueFrom) {
      const { name, key } = e.valueFrom.secretKeyRef;
      const value = SECRETS[name]?.[key];
      if (value === undefined) throw new Error(`the Job reads Secret ${name} key ${key}, which the test's Secret store does not hold`);
      env[e.name] = value;
    } else {
      env[e.name] = mapPath(e.value ?? '');
    }
  }
  const [command, ...args] = container.command.map(mapPath);
  const PATH = [options.pathPrefix, process.env.PATH].filter(Boolean).join(':');
  const result = spawnSync(command, [...args, ...(options.args ?? [])], {
    env: { PATH, ...env, ...options.env }, encoding: 'utf8', timeout: 60_000, cwd: podDir, stdio: ['ignore', 'pipe', 'pipe'],
  });
  fs.rmSync(podDir, { recursive: true, force: true });
  if (result.error) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function files(folder: string): string[] {
  return fs.existsSync(folder) ? fs.readdirSync(folder).sort() : [];
}

function expectSuccess(run: JobRun): void {
  if (run.status !== 0) throw new Error(`the Job failed (exit ${run.status}):\n${run.stderr}`);
}

/** GIVEN a chart with one BackupCronJob of `source` backing up to rclone's local backend at `storeRoot`/`prefix`. */
function synthesizeBackup(source: BackupSource, storeRoot: string, prefix: string, overrides: Partial<BackupCronJobProps> = {}) {
  const chart = new Chart(new App(), 'test', { namespace: NAMESPACE });
  const backup = new BackupCronJob(chart, 'backup', {
    image: 'registry.fintech.internal/fintech/backup-tools:1.0.0',
    source,
    destination: BackupDestination.rclone({ type: 'local', path: storeRoot }),
    encryption: false,
    prefix,
    ...overrides,
  });
  const objects = chart.toJson();
  return {
    configMap: only(objects, 'ConfigMap'),
    backup: only(objects, 'CronJob', backup.name),
    verify: only(objects, 'CronJob', `${backup.name}-verify`),
    folder: path.join(storeRoot, prefix),
  };
}

async function waitFor(what: string, ready: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

(TOOLS ? describe : describe.skip)('backup scripts against a real PostgreSQL and an rclone object store', () => {
  let pg: PostgresCluster;
  let root: string;
  let storeRoot: string;
  let fingerprint: string;
  const realRclone = spawnSync('sh', ['-c', 'command -v rclone'], { encoding: 'utf8' }).stdout.trim();

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-backup-it-'));
    storeRoot = path.join(root, 'store');
    fs.mkdirSync(storeRoot);
    pg = await startPostgres(BIN_DIR!);
    pg.psql("CREATE ROLE fintech LOGIN CREATEDB PASSWORD 'unused'; CREATE DATABASE platform OWNER fintech;");
    pg.psql(`SET ROLE fintech; ${SCHEMA_AND_DATA}`, 'platform');
    fingerprint = pg.psql(FINGERPRINT, 'platform');
  }, 60_000);

  afterAll(() => {
    pg?.stop();
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  /** GIVEN a chart with one BackupCronJob of database `platform` backing up to the local store under `prefix`. */
  function synthesize(prefix: string, overrides: Partial<BackupCronJobProps> = {}, port = pg.port) {
    const chart = new Chart(new App(), 'test', { namespace: NAMESPACE });
    new BackupCronJob(chart, 'platform-db-backup', {
      image: 'registry.fintech.internal/fintech/backup-tools:1.0.0',
      source: BackupSource.postgres({
        database: 'platform',
        host: SecretKeyRef.of('platform-db', 'host'),
        port,
        user: SecretKeyRef.of('platform-db', 'user'),
        password: SecretKeyRef.of('platform-db', 'password'),
        sslMode: 'disable',
      }),
      destination: BackupDestination.rclone({ type: 'local', path: storeRoot }),
      encryption: false,
      prefix,
      ...overrides,
    });
    const objects = chart.toJson();
    return {
      configMap: only(objects, 'ConfigMap'),
      backup: only(objects, 'CronJob', 'platform-db-backup'),
      restore: only(objects, 'CronJob', 'platform-db-backup-restore'),
      verify: only(objects, 'CronJob', 'platform-db-backup-verify'),
      prune: objects.find((o) => o.kind === 'CronJob' && o.metadata.name === 'platform-db-backup-prune'),
      folder: path.join(storeRoot, prefix),
    };
  }

  const runJob = (cronJob: any, configMap: any, options: RunOptions = {}) =>
    runContainer(cronJob, configMap, root, { ...options, pathPrefix: [options.pathPrefix, pg.binDir].filter(Boolean).join(':') });

  function recreateDatabase(name: string): void {
    pg.psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE); CREATE DATABASE ${name} OWNER fintech;`);
  }

  /** A wrapper folder for PATH: `name` runs `script` (bash) instead of the real tool. */
  function wrapper(name: string, script: string): string {
    const dir = fs.mkdtempSync(path.join(root, 'wrap-'));
    fs.writeFileSync(path.join(dir, name), `#!/usr/bin/env bash\n${script}\n`, { mode: 0o755 });
    return dir;
  }

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

  describe('retention', () => {
    /** Fake complete backups (archive + checksum) of the given ages, and leftovers of interrupted runs. */
    function seed(folder: string, ages: number[], leftovers: string[] = []): string[] {
      fs.mkdirSync(folder, { recursive: true });
      const names = ages.map((age) => `${stamp(age)}.sql.gz`);
      for (const name of names) {
        fs.writeFileSync(path.join(folder, name), 'old backup');
        fs.writeFileSync(path.join(folder, `${name}.sha256`), `${createHash('sha256').update('old backup').digest('hex')}  ${name}\n`);
      }
      for (const name of leftovers) fs.writeFileSync(path.join(folder, name), 'leftover');
      return names;
    }

    test('after a backup, backups 40 and 31 days old are deleted, 29 and 1 days old are kept, with their checksums', () => {
      // GIVEN
      const jobs = synthesize('retention');
      const [d40, d31, d29, d1] = seed(jobs.folder, [40 * DAY, 31 * DAY, 29 * DAY, 1 * DAY]);
      const otherFile = 'README.txt'; // not ours: never touched
      fs.writeFileSync(path.join(jobs.folder, otherFile), 'keep me');
      // WHEN
      const run = runJob(jobs.backup, jobs.configMap);
      // THEN
      expectSuccess(run);
      const stored = files(jobs.folder);
      const fresh = stored.filter((f) => /\.sql\.gz$/.test(f) && ![d40, d31, d29, d1].includes(f));
      expect(fresh).toHaveLength(1);
      expect(stored).toEqual([otherFile, d29, `${d29}.sha256`, d1, `${d1}.sha256`, fresh[0], `${fresh[0]}.sha256`].sort());
      expect(run.stderr).toContain(`retention: deleting ${d40} (older than 30 days)`);
      expect(run.stderr).toContain(`retention: deleting ${d31} (older than 30 days)`);
      expect(run.stderr).toContain('retention: kept 3, deleted 2');
    });

    test('pruning alone ("backup.sh prune") keeps exactly 29 and 1 days old, and removes day-old leftovers of interrupted runs', () => {
      const jobs = synthesize('retention-prune');
      const oldPartial = `${stamp(2 * DAY)}.sql.gz.partial`;
      const orphanChecksum = `${stamp(3 * DAY)}.sql.gz.sha256`;
      const freshPartial = `${stamp(60)}.sql.gz.partial`; // may belong to a run in progress
      const [, , d29, d1] = seed(jobs.folder, [40 * DAY, 31 * DAY, 29 * DAY, 1 * DAY], [oldPartial, orphanChecksum, freshPartial]);
      expectSuccess(runJob(jobs.backup, jobs.configMap, { args: ['prune'] }));
      expect(files(jobs.folder)).toEqual([d29, `${d29}.sha256`, d1, `${d1}.sha256`, freshPartial].sort());
    });

    test('never deletes the newest backup, however old', () => {
      const jobs = synthesize('retention-newest');
      const [, d31] = seed(jobs.folder, [40 * DAY, 31 * DAY]);
      const run = runJob(jobs.backup, jobs.configMap, { args: ['prune'] });
      expectSuccess(run);
      expect(files(jobs.folder)).toEqual([d31, `${d31}.sha256`]);
      expect(run.stderr).toContain(`always the newest, ${d31}`);
    });

    test('a retention of 7 days keeps only the backups of the last 7 days', () => {
      const jobs = synthesize('retention-7', { retention: Duration.days(7) });
      const [, , d1] = seed(jobs.folder, [40 * DAY, 8 * DAY, 1 * DAY]);
      expectSuccess(runJob(jobs.backup, jobs.configMap, { args: ['prune'] }));
      expect(files(jobs.folder)).toEqual([d1, `${d1}.sha256`]);
    });
  });

  describe('failures exit non-zero and leave no object under a final name', () => {
    /** GIVEN a destination that already holds one backup (a day old). */
    function withOneBackup(prefix: string) {
      const jobs = synthesize(prefix);
      const name = `${stamp(DAY)}.sql.gz`;
      fs.mkdirSync(jobs.folder, { recursive: true });
      fs.writeFileSync(path.join(jobs.folder, name), 'an earlier backup');
      fs.writeFileSync(path.join(jobs.folder, `${name}.sha256`), `${createHash('sha256').update('an earlier backup').digest('hex')}  ${name}\n`);
      return { jobs, before: files(jobs.folder) };
    }

    test('an unreachable database', async () => {
      const closedPort = await freePort();
      const jobs = synthesize('unreachable', {}, closedPort);
      const run = runJob(jobs.backup, jobs.configMap);
      expect(run.status).not.toBe(0);
      expect(run.stderr).toMatch(/connection to server at "127\.0\.0\.1", port \d+ failed|could not connect/);
      expect(run.stderr).toContain('FAILED (exit status');
      expect(files(jobs.folder)).toEqual([]);
    });

    test('an upload interrupted half-way: the partial object is removed again', () => {
      const { jobs, before } = withOneBackup('interrupted-upload');
      const rclone = wrapper('rclone', `
if [ "$1" = copyto ] && [[ $3 == *.sql.gz.partial ]]; then
  target=\${3#backup:}; mkdir -p "$(dirname "$target")"
  head -c 1000 "$2" >"$target"   # half an upload lands in the store...
  echo "rclone: connection reset by peer" >&2; exit 1   # ...then the connection breaks
fi
exec ${realRclone} "$@"`);
      const run = runJob(jobs.backup, jobs.configMap, { pathPrefix: rclone });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('upload of backup_');
      expect(files(jobs.folder)).toEqual(before);
    });

    test('a failing rename at the end of the upload: neither the archive nor its checksum stays', () => {
      const { jobs, before } = withOneBackup('failing-rename');
      const rclone = wrapper('rclone', `
if [ "$1" = moveto ] && [[ $3 == *.sql.gz ]]; then echo "rclone: 503 Service Unavailable" >&2; exit 1; fi
exec ${realRclone} "$@"`);
      const run = runJob(jobs.backup, jobs.configMap, { pathPrefix: rclone });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain('cannot rename backup_');
      expect(files(jobs.folder)).toEqual(before);
    });

    test('an unreachable object store: nothing is uploaded and retention never runs', () => {
      const { jobs, before } = withOneBackup('unreachable-store');
      const rclone = wrapper('rclone', 'echo "rclone: dial tcp: i/o timeout" >&2; exit 1');
      const run = runJob(jobs.backup, jobs.configMap, { pathPrefix: rclone });
      expect(run.status).not.toBe(0);
      expect(run.stderr).not.toContain('retention:');
      expect(files(jobs.folder)).toEqual(before);
    });

    test('a truncated dump is caught by the verification before upload', () => {
      const { jobs, before } = withOneBackup('truncated-dump');
      const pgDump = wrapper('pg_dump', `"${BIN_DIR}/pg_dump" "$@" | head -c 20000; exit 0   # a dump that "succeeds" but is cut short`);
      const run = runJob(jobs.backup, jobs.configMap, { pathPrefix: pgDump });
      expect(run.status).not.toBe(0);
      expect(run.stderr).toContain("lacks pg_dump's completion marker");
      expect(files(jobs.folder)).toEqual(before);
    });
  });

  describe('a corrupted archive in the store is caught before anything is restored', () => {
    let jobs: ReturnType<typeof synthesize>;
    let name: string;

    beforeAll(() => {
      jobs = synthesize('corrupted');
      expectSuccess(runJob(jobs.backup, jobs.configMap));
      name = files(jobs.folder)[0];
    });

    test('flipped bytes: the checksum does not match; restore and verification fail', () => {
      const file = path.join(jobs.folder, name);
      const original = fs.readFileSync(file);
      const corrupted = Buffer.from(original);
      corrupted[Math.floor(corrupted.length / 2)] ^= 0xff;
      fs.writeFileSync(file, corrupted);
      try {
        recreateDatabase('platform_target');
        const restore = synthesize('corrupted', { restore: { database: 'platform_target' } });
        const run = runJob(restore.restore, restore.configMap);
        expect(run.status).not.toBe(0);
        expect(run.stderr).toContain(`checksum mismatch: ${name} is corrupted`);
        expect(pg.psql("SELECT count(*) FROM pg_namespace WHERE nspname = 'fintech'", 'platform_target')).toBe('0');
        const verify = runJob(jobs.verify, jobs.configMap);
        expect(verify.status).not.toBe(0);
        expect(verify.stderr).toContain('checksum mismatch');
      } finally {
        fs.writeFileSync(file, original);
      }
    });

    test('an archive truncated before its checksum was taken: the integrity check fails', () => {
      const file = path.join(jobs.folder, name);
      const original = fs.readFileSync(file);
      const truncated = original.subarray(0, Math.floor(original.length / 2));
      const checksum = fs.readFileSync(`${file}.sha256`);
      fs.writeFileSync(file, truncated);
      fs.writeFileSync(`${file}.sha256`, `${createHash('sha256').update(truncated).digest('hex')}  ${name}\n`);
      try {
        const run = runJob(jobs.verify, jobs.configMap);
        expect(run.status).not.toBe(0);
        expect(run.stderr).toContain(`verification failed: ${name} is not an intact gzip archive`);
      } finally {
        fs.writeFileSync(file, original);
        fs.writeFileSync(`${file}.sha256`, checksum);
      }
    });

    test('a missing checksum: the backup is refused as unverifiable', () => {
      const checksumFile = path.join(jobs.folder, `${name}.sha256`);
      const checksum = fs.readFileSync(checksumFile);
      fs.rmSync(checksumFile);
      try {
        const run = runJob(jobs.verify, jobs.configMap);
        expect(run.status).not.toBe(0);
        expect(run.stderr).toContain(`the checksum ${name}.sha256 is missing`);
      } finally {
        fs.writeFileSync(checksumFile, checksum);
      }
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

const REDIS_TOOLS = hasTool('redis-server', 'install Redis (Debian: apt-get install redis-server)')
  && hasTool('redis-cli', 'install the Redis client (Debian: apt-get install redis-tools)')
  && hasTool('rclone', 'install rclone (Debian: apt-get install rclone)');

(REDIS_TOOLS ? describe : describe.skip)('backup scripts against a real Redis', () => {
  let root: string;
  let port: number;
  let server: ChildProcess | undefined;
  const password = SECRETS['redis-credentials'].password;
  const cli = (p: number, ...args: string[]) => spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(p), '--no-auth-warning', '-a', password, ...args], { encoding: 'utf8' });

  /** Starts redis-server on a free port; it is stopped (by its pid) in afterAll. */
  async function startRedis(dir: string, extra: string[] = []): Promise<{ port: number; process: ChildProcess }> {
    const p = await freePort();
    const child = spawn('redis-server', ['--port', String(p), '--bind', '127.0.0.1', '--requirepass', password, '--dir', dir,
      '--save', '', '--appendonly', 'no', '--repl-diskless-sync-delay', '0', ...extra], { stdio: 'ignore' }); // no 5 s wait for more replicas
    await waitFor('redis-server', () => cli(p, 'PING').stdout.trim() === 'PONG');
    return { port: p, process: child };
  }

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-redis-it-'));
    fs.mkdirSync(path.join(root, 'data'));
    ({ port, process: server } = await startRedis(path.join(root, 'data')));
    const pairs = Array.from({ length: 5000 }, (_, i) => [`session:${i}`, `user-${i % 97}|${'x'.repeat(i % 50)}`]).flat();
    expect(cli(port, 'MSET', ...pairs).stdout.trim()).toBe('OK');
    expect(cli(port, 'HSET', 'ledger:totals', 'eur', '1234.56', 'usd', '-0.01').status).toBe(0);
  }, 30_000);

  afterAll(() => {
    server?.kill('SIGKILL');
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  const redisSource = (p: number) => BackupSource.redis({ host: '127.0.0.1', port: p, password: SecretKeyRef.of('redis-credentials', 'password') });

  test('redis-cli --rdb snapshot: uploaded with its checksum, verified, and loadable by a fresh redis-server with every key', async () => {
    const jobs = synthesizeBackup(redisSource(port), path.join(root, 'store'), 'redis');
    expectSuccess(runContainer(jobs.backup, jobs.configMap, root));
    const stored = files(jobs.folder);
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatch(/^backup_\d{8}_\d{6}\.rdb\.gz$/);
    const verify = runContainer(jobs.verify, jobs.configMap, root);
    expectSuccess(verify);
    expect(verify.stderr).toContain(`restore verification passed: ${stored[0]}`);

    // The manual restore (README): gunzip the snapshot into an empty data folder and start Redis on it.
    const restoreDir = path.join(root, 'restore');
    fs.mkdirSync(restoreDir);
    const gunzip = spawnSync('sh', ['-c', 'gunzip -c "$1" >"$2"', 'gunzip', path.join(jobs.folder, stored[0]), path.join(restoreDir, 'dump.rdb')]);
    expect(gunzip.status).toBe(0);
    const restored = await startRedis(restoreDir, ['--dbfilename', 'dump.rdb']);
    try {
      expect(cli(restored.port, 'DBSIZE').stdout.trim()).toBe('5001');
      expect(cli(restored.port, 'GET', 'session:4242').stdout.trim()).toBe(`user-${4242 % 97}|${'x'.repeat(4242 % 50)}`);
      expect(cli(restored.port, 'HGET', 'ledger:totals', 'usd').stdout.trim()).toBe('-0.01');
    } finally {
      restored.process.kill('SIGKILL');
    }
  });

  (AGE ? test : test.skip)('encrypted (age): the stored snapshot is ciphertext; the verification decrypts it, and fails loudly with a wrong identity', () => {
    const generated = spawnSync('age-keygen', [], { encoding: 'utf8' });
    const other = spawnSync('age-keygen', [], { encoding: 'utf8' });
    SECRETS['redis-age'] = { identity: generated.stdout, other: other.stdout };
    const recipient = generated.stdout.match(/^# public key: (age1[a-z0-9]+)$/m)![1];
    const store = path.join(root, 'store');
    const jobs = synthesizeBackup(redisSource(port), store, 'redis-encrypted', {
      encryption: { recipients: [recipient], identity: SecretKeyRef.of('redis-age', 'identity') },
    });
    expectSuccess(runContainer(jobs.backup, jobs.configMap, root));
    const stored = files(jobs.folder);
    expect(stored[0]).toMatch(/^backup_\d{8}_\d{6}\.rdb\.gz\.age$/);
    const object = fs.readFileSync(path.join(jobs.folder, stored[0]));
    expect(object.subarray(0, 22).toString('latin1')).toBe('age-encryption.org/v1\n');
    expect(object.includes('session:4242')).toBe(false);
    const verify = runContainer(jobs.verify, jobs.configMap, root);
    expectSuccess(verify);
    expect(verify.stderr).toContain(`restore verification passed: ${stored[0]}`);
    const wrong = synthesizeBackup(redisSource(port), store, 'redis-encrypted', {
      encryption: { recipients: [recipient], identity: SecretKeyRef.of('redis-age', 'other') },
    });
    const failed = runContainer(wrong.verify, wrong.configMap, root);
    expect(failed.status).not.toBe(0);
    expect(failed.stderr).toContain(`ERROR: DECRYPTION FAILED: ${stored[0]} cannot be decrypted with the configured age identity`);
  });

  test('a wrong password fails the backup and uploads nothing', () => {
    const jobs = synthesizeBackup(BackupSource.redis({ host: '127.0.0.1', port, password: SecretKeyRef.of('redis-credentials', 'wrong') }),
      path.join(root, 'store'), 'redis-wrong-password');
    SECRETS['redis-credentials'].wrong = 'not-the-password';
    const run = runContainer(jobs.backup, jobs.configMap, root);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('redis-cli --rdb failed');
    expect(files(jobs.folder)).toEqual([]);
  });
});

const EVENT_STORE_TOOLS = hasTool('curl', 'install curl') && hasTool('rclone', 'install rclone (Debian: apt-get install rclone)');

(EVENT_STORE_TOOLS ? describe : describe.skip)('backup scripts against an event-store export endpoint', () => {
  let root: string;
  let port: number;
  let server: ChildProcess | undefined;
  /** What GET /events/export serves: newline-delimited JSON events. */
  const EVENTS = Array.from({ length: 3000 }, (_, i) => JSON.stringify({ id: i, type: i % 2 ? 'Debited' : 'Credited', amount: (i * 7) / 100 })).join('\n') + '\n';

  beforeAll(async () => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-events-it-'));
    fs.writeFileSync(path.join(root, 'events.ndjson'), EVENTS);
    port = await freePort();
    // A stand-in for transaction-service, in its own process (the Jobs run synchronously in this one).
    server = spawn(process.execPath, ['-e', `
      const fs = require('fs');
      require('http').createServer((req, res) => {
        if (req.url !== '/events/export') { res.writeHead(404); return res.end(); }
        if (req.headers.authorization !== 'Bearer ${SECRETS['event-store-export'].token}') { res.writeHead(401); return res.end('unauthorized'); }
        res.writeHead(200, { 'content-type': 'application/x-ndjson' });
        fs.createReadStream(${JSON.stringify(path.join(root, 'events.ndjson'))}).pipe(res);
      }).listen(${port}, '127.0.0.1');
    `], { stdio: 'ignore' });
    await waitFor('the export endpoint', () => spawnSync('curl', ['-s', '-o', '/dev/null', `http://127.0.0.1:${port}/`]).status === 0);
  }, 30_000);

  afterAll(() => {
    server?.kill('SIGKILL');
    if (root) fs.rmSync(root, { recursive: true, force: true });
  });

  const exportSource = (token: string) => BackupSource.eventStoreExport({
    url: `http://127.0.0.1:${port}/events/export`, token: SecretKeyRef.of('event-store-export', token),
  });

  test('the export is uploaded whole, with its checksum, and verified', () => {
    const jobs = synthesizeBackup(exportSource('token'), path.join(root, 'store'), 'events');
    expectSuccess(runContainer(jobs.backup, jobs.configMap, root));
    const stored = files(jobs.folder);
    expect(stored).toHaveLength(2);
    expect(stored[0]).toMatch(/^backup_\d{8}_\d{6}\.events\.gz$/);
    const content = spawnSync('gunzip', ['-c', path.join(jobs.folder, stored[0])], { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 }).stdout;
    expect(content).toBe(EVENTS);
    expectSuccess(runContainer(jobs.verify, jobs.configMap, root));
  });

  test('a refused request (wrong token) fails the backup and uploads nothing', () => {
    SECRETS['event-store-export'].wrong = 'not-the-token';
    const jobs = synthesizeBackup(exportSource('wrong'), path.join(root, 'store'), 'events-refused');
    const run = runContainer(jobs.backup, jobs.configMap, root);
    expect(run.status).not.toBe(0);
    expect(run.stderr).toContain('The requested URL returned error: 401');
    expect(files(jobs.folder)).toEqual([]);
  });
});
