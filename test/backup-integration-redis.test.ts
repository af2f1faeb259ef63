import { ChildProcess, spawn, spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { BackupSource } from '../lib/backup-cron-job';
import { SecretKeyRef } from '../lib/secret-key-ref';
import { AGE, expectSuccess, files, runContainer, SECRETS, synthesizeBackup, waitFor } from './support/backup-jobs';
import { freePort } from './support/postgres';
import { hasTool } from './support/tools';

/** Backup Jobs of the Redis and event-store sources, against a real redis-server and an HTTP export endpoint. */

// Each test runs a few Jobs (a second or two each); a loaded CI machine must not hit Jest's 5-second default.
jest.setTimeout(30_000);

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
