import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import { Duration } from 'cdk8s';
import { BIN_DIR, DAY, expectSuccess, files, realRclone as findRclone, stamp, TOOLS, useBackupDatabase } from './support/backup-jobs';
import { freePort, PostgresCluster } from './support/postgres';

/** Retention, injected failures and corrupted archives: what the backup Jobs delete, keep and refuse. */

// Each test runs a few Jobs (a second or two each); a loaded CI machine must not hit Jest's 5-second default.
jest.setTimeout(30_000);

(TOOLS ? describe : describe.skip)('backup scripts against a real PostgreSQL and an rclone object store', () => {
  const { database, synthesize, runJob, recreateDatabase, wrapper } = useBackupDatabase();
  let pg: PostgresCluster;
  const realRclone = findRclone();

  beforeAll(() => {
    ({ pg } = database());
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
});
