import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { BackupCronJob, BackupCronJobProps, BackupDestination, BackupSource } from '../../lib/backup-cron-job';
import { SecretKeyRef } from '../../lib/secret-key-ref';
import { azuriteBin } from './azurite';
import { only } from './fixtures';
import { findPostgresBinDir, PostgresCluster, startPostgres } from './postgres';
import { hasTool } from './tools';

/**
 * The backup, restore and restore-verification scripts, taken from the synthesized ConfigMap and
 * run with bash exactly as the Jobs run them: the container's command, its environment (plain
 * values as synthesized, Secret references resolved from a fake Secret store, mount paths mapped to
 * temporary folders), against a real server and rclone's local backend as the object store.
 * Failures are injected with small wrappers put first on PATH (an interrupted upload, a failing
 * rename, a truncated dump), never by changing the scripts.
 */

export const NAMESPACE = 'fintech-test';
export const BIN_DIR = findPostgresBinDir();
export const TOOLS = BIN_DIR !== undefined
  && hasTool('psql', 'install the PostgreSQL client (Debian: apt-get install postgresql-client)')
  && hasTool('rclone', 'install rclone (Debian: apt-get install rclone)')
  && hasTool('bash', 'install bash') && hasTool('gzip', 'install gzip') && hasTool('sha256sum', 'install GNU coreutils');
export const AGE = TOOLS && hasTool('age', 'install age (Debian: apt-get install age)') && hasTool('age-keygen', 'install age (Debian: apt-get install age)');
export const AZURITE_BIN = azuriteBin();
if (AGE && AZURITE_BIN === undefined) {
  if (process.env.CI === 'true') throw new Error("the Azure Storage emulator 'azurite' is required in CI and is missing: npm ci (it is a devDependency)");
  process.stdout.write("SKIPPED: the tests against the Azure Storage emulator did not run; npm ci installs 'azurite'\n");
}

/** Secrets as the cluster would hold them (created outside git). Trust auth: the password is not checked but must be set. */
export const SECRETS: Record<string, Record<string, string>> = {
  'platform-db': { host: '127.0.0.1', user: 'fintech', password: 'not-a-real-password' },
  'ledger-db': { host: '127.0.0.1', user: 'backup_operator', password: 'not-a-real-password' },
  'redis-credentials': { password: 'redis-test-password' },
  'event-store-export': { token: 'export-test-token' },
};

/** The platform schema (PLATFORM.md, "Backups"), plus thousands of rows, some of them awkward for a dump. */
export const SCHEMA_AND_DATA = `
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
export const FINGERPRINT = `
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

export const DAY = 86400;

/** The name of a backup taken `secondsAgo` seconds ago, without its extension. */
export function stamp(secondsAgo: number): string {
  const d = new Date(Date.now() - secondsAgo * 1000);
  const p = (n: number) => String(n).padStart(2, '0');
  return `backup_${d.getUTCFullYear()}${p(d.getUTCMonth() + 1)}${p(d.getUTCDate())}_${p(d.getUTCHours())}${p(d.getUTCMinutes())}${p(d.getUTCSeconds())}`;
}

export interface JobRun {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}


export interface RunOptions {
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
export function runContainer(cronJob: any, configMap: any, root: string, options: RunOptions = {}): JobRun {
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

export function files(folder: string): string[] {
  return fs.existsSync(folder) ? fs.readdirSync(folder).sort() : [];
}

export function expectSuccess(run: JobRun): void {
  if (run.status !== 0) throw new Error(`the Job failed (exit ${run.status}):\n${run.stderr}`);
}

/** GIVEN a chart with one BackupCronJob `id` of `source` backing up to rclone's local backend at `storeRoot`/`prefix`. */
export function synthesizeBackup(source: BackupSource, storeRoot: string, prefix: string, overrides: Partial<BackupCronJobProps> = {}, id = 'backup') {
  const chart = new Chart(new App(), 'test', { namespace: NAMESPACE });
  const backup = new BackupCronJob(chart, id, {
    image: 'registry.fintech.internal/fintech/backup-tools:1.0.0',
    source,
    destination: BackupDestination.rclone({ type: 'local', path: storeRoot }),
    encryption: false,
    prefix,
    ...overrides,
  });
  const objects = chart.toJson();
  return {
    objects,
    configMap: only(objects, 'ConfigMap'),
    backup: only(objects, 'CronJob', backup.name),
    verify: only(objects, 'CronJob', `${backup.name}-verify`),
    prune: objects.find((o) => o.kind === 'CronJob' && o.metadata.name === `${backup.name}-prune`),
    folder: path.join(storeRoot, prefix),
  };
}

export async function waitFor(what: string, ready: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!ready()) {
    if (Date.now() > deadline) throw new Error(`${what} did not become ready within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** The PostgreSQL cluster of one test file, with database `platform` (owned by role `fintech`) holding SCHEMA_AND_DATA. */
export interface BackupDatabase {
  readonly pg: PostgresCluster;
  /** A temporary folder for the Jobs' pods, wrappers and the store; deleted by `stopBackupDatabase`. */
  readonly root: string;
  /** rclone's local backend: the object store. */
  readonly storeRoot: string;
  /** FINGERPRINT of database `platform` as loaded. */
  readonly fingerprint: string;
}

/** Starts a fresh cluster and loads the platform's schema and data into database `platform` (call in `beforeAll`). */
export async function startBackupDatabase(): Promise<BackupDatabase> {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-backup-it-'));
  const storeRoot = path.join(root, 'store');
  fs.mkdirSync(storeRoot);
  const pg = await startPostgres(BIN_DIR!);
  pg.psql("CREATE ROLE fintech LOGIN CREATEDB PASSWORD 'unused'; CREATE DATABASE platform OWNER fintech;");
  pg.psql(`SET ROLE fintech; ${SCHEMA_AND_DATA}`, 'platform');
  return { pg, root, storeRoot, fingerprint: pg.psql(FINGERPRINT, 'platform') };
}

/** Stops the cluster and deletes the folders (call in `afterAll`). */
export function stopBackupDatabase(db: BackupDatabase | undefined): void {
  db?.pg.stop();
  if (db?.root) fs.rmSync(db.root, { recursive: true, force: true });
}

/** The real rclone on PATH, for wrappers that log or fail some calls and run it for the others. */
export const realRclone = (): string => spawnSync('sh', ['-c', 'command -v rclone'], { encoding: 'utf8' }).stdout.trim();

/** GIVEN a chart with one BackupCronJob of database `platform` at `port` backing up to the local store under `prefix`. */
export function synthesizePostgresBackup(storeRoot: string, port: number, prefix: string, overrides: Partial<BackupCronJobProps> = {}) {
  const source = BackupSource.postgres({
    database: 'platform',
    host: SecretKeyRef.of('platform-db', 'host'),
    port,
    user: SecretKeyRef.of('platform-db', 'user'),
    password: SecretKeyRef.of('platform-db', 'password'),
    sslMode: 'disable',
  });
  const synthesized = synthesizeBackup(source, storeRoot, prefix, overrides, 'platform-db-backup');
  return { ...synthesized, restore: only(synthesized.objects, 'CronJob', 'platform-db-backup-restore') };
}

/** Drops and recreates database `name`, empty and owned by `fintech`. */
export function recreateDatabase(pg: PostgresCluster, name: string): void {
  pg.psql(`DROP DATABASE IF EXISTS ${name} WITH (FORCE); CREATE DATABASE ${name} OWNER fintech;`);
}

/** A wrapper folder under `root` for PATH: `name` runs `script` (bash) instead of the real tool. */
export function wrapper(root: string, name: string, script: string): string {
  const dir = fs.mkdtempSync(path.join(root, 'wrap-'));
  fs.writeFileSync(path.join(dir, name), `#!/usr/bin/env bash\n${script}\n`, { mode: 0o755 });
  return dir;
}

/**
 * Call at the top of a describe: a fresh database for that suite (started in `beforeAll`, stopped
 * in `afterAll`) and the Job helpers bound to it. `database()` is available in hooks and tests.
 */
export function useBackupDatabase() {
  let db: BackupDatabase | undefined;
  beforeAll(async () => {
    db = await startBackupDatabase();
  }, 60_000);
  afterAll(() => db && stopBackupDatabase(db));
  const database = (): BackupDatabase => db!;
  return {
    database,
    /** GIVEN a chart with one BackupCronJob of database `platform` backing up to the local store under `prefix`. */
    synthesize: (prefix: string, overrides: Partial<BackupCronJobProps> = {}, port = database().pg.port) =>
      synthesizePostgresBackup(database().storeRoot, port, prefix, overrides),
    runJob: (cronJob: any, configMap: any, options: RunOptions = {}) =>
      runContainer(cronJob, configMap, database().root, { ...options, pathPrefix: [options.pathPrefix, database().pg.binDir].filter(Boolean).join(':') }),
    recreateDatabase: (name: string) => recreateDatabase(database().pg, name),
    /** A wrapper folder for PATH: `name` runs `script` (bash) instead of the real tool. */
    wrapper: (name: string, script: string) => wrapper(database().root, name, script),
  };
}
