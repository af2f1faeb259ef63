import { execFileSync, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as net from 'net';
import * as os from 'os';
import * as path from 'path';

/**
 * A throwaway PostgreSQL cluster for integration tests: `initdb` in a temporary folder, started
 * with `pg_ctl` on 127.0.0.1 at a free port, trust authentication on localhost only, no fsync.
 * PostgreSQL refuses to run as root, so when the tests run as root (CI containers) the server runs
 * as the `postgres` user (`runuser -u postgres --`), in a folder that user owns.
 *
 * `findPostgresBinDir` follows `hasTool`: undefined on a developer machine without the server
 * (the tests are skipped with a visible line), an error in CI.
 */

/** The server binaries (Debian: /usr/lib/postgresql/<major>/bin), newest major first; undefined when not installed. */
export function findPostgresBinDir(): string | undefined {
  const candidates = [
    ...listMajors('/usr/lib/postgresql').map((major) => `/usr/lib/postgresql/${major}/bin`),
    ...pgConfigBinDir(),
  ];
  const found = candidates.find((dir) => fs.existsSync(path.join(dir, 'initdb')) && fs.existsSync(path.join(dir, 'pg_ctl')));
  if (found) return found;
  const install = 'install PostgreSQL (Debian: apt-get install postgresql postgresql-client)';
  if (process.env.CI === 'true') {
    throw new Error(`PostgreSQL's initdb and pg_ctl are required in CI and are missing: ${install} (.ci/run should have installed them)`);
  }
  process.stdout.write(`SKIPPED: tests that need a PostgreSQL server did not run; ${install}\n`);
  return undefined;
}

function listMajors(root: string): string[] {
  try {
    return fs.readdirSync(root).filter((d) => /^\d+$/.test(d)).sort((a, b) => Number(b) - Number(a));
  } catch {
    return [];
  }
}

function pgConfigBinDir(): string[] {
  try {
    return [execFileSync('pg_config', ['--bindir'], { encoding: 'utf8' }).trim()];
  } catch {
    return [];
  }
}

export interface PostgresCluster {
  readonly host: string;
  readonly port: number;
  /** The superuser. */
  readonly user: string;
  /** The server's bin folder: put it first on PATH so the client tools match the server. */
  readonly binDir: string;
  /** Runs SQL with psql as the superuser (ON_ERROR_STOP) and returns its unaligned, tuples-only output. */
  psql(sql: string, database?: string): string;
  /** Runs SQL as `role` (it needs LOGIN), as `psql` does; throws with psql's error when it fails. */
  psqlAs(role: string, sql: string, database?: string): string;
  /** Stops the server and deletes its folder. */
  stop(): void;
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a fresh cluster; call `stop()` in `afterAll`. */
export async function startPostgres(binDir: string): Promise<PostgresCluster> {
  const asRoot = process.getuid?.() === 0;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-pg-'));
  const dataDir = path.join(dir, 'data');
  const run = (command: string, args: string[]) => {
    const [file, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', path.join(binDir, command), ...args]] : [path.join(binDir, command), args];
    const result = spawnSync(file, argv, { encoding: 'utf8', cwd: dir });
    if (result.status !== 0) {
      throw new Error(`${command} ${args.join(' ')} failed (exit ${result.status}): ${result.error?.message ?? ''}${result.stdout}${result.stderr}`);
    }
  };
  if (asRoot) {
    const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }));
    const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }));
    fs.chownSync(dir, uid, gid);
  }
  const port = await freePort();
  const stop = () => {
    spawnSync(asRoot ? 'runuser' : path.join(binDir, 'pg_ctl'),
      asRoot ? ['-u', 'postgres', '--', path.join(binDir, 'pg_ctl'), '-D', dataDir, '-m', 'immediate', '-w', 'stop'] : ['-D', dataDir, '-m', 'immediate', '-w', 'stop'],
      { encoding: 'utf8' });
    fs.rmSync(dir, { recursive: true, force: true });
  };
  try {
    run('initdb', ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--no-sync', '-E', 'UTF8', '--locale=C']);
    const options = `-c listen_addresses=127.0.0.1 -p ${port} -c unix_socket_directories=${dir} -c fsync=off -c synchronous_commit=off -c full_page_writes=off`;
    run('pg_ctl', ['-D', dataDir, '-o', options, '-l', path.join(dir, 'server.log'), '-w', '-t', '30', 'start']);
  } catch (e) {
    const log = fs.existsSync(path.join(dir, 'server.log')) ? fs.readFileSync(path.join(dir, 'server.log'), 'utf8') : '';
    stop();
    throw new Error(`${(e as Error).message}\n${log}`);
  }
  const host = '127.0.0.1';
  const psqlAs = (role: string, sql: string, database = 'postgres'): string => {
    const result = spawnSync(path.join(binDir, 'psql'), ['-X', '-A', '-t', '-q', '-v', 'ON_ERROR_STOP=1', '-h', host, '-p', String(port), '-U', role, '-d', database],
      { input: sql, encoding: 'utf8', env: { ...process.env, PGPASSWORD: '', PGSSLMODE: 'disable' } });
    if (result.status !== 0) throw new Error(`psql as ${role} failed (exit ${result.status}): ${result.stderr}\nSQL: ${sql.slice(0, 500)}`);
    return result.stdout.trim();
  };
  return {
    host, port, user: 'postgres', binDir,
    psql: (sql: string, database?: string) => psqlAs('postgres', sql, database),
    psqlAs,
    stop,
  };
}
