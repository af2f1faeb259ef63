import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Cron, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { buildEnvironment } from '../main';
import { ENVIRONMENTS } from '../platform';
import { cronIntervals, parseCron } from '../lib/backup/cron';
import { backupScript } from '../lib/backup/scripts';
import {
  BackupCronJob, BackupCronJobProps, BackupDestination, BackupSource, BackupSourceKind,
} from '../lib/backup-cron-job';
import { DataClassification } from '../lib/data-classification';
import { FintechService } from '../lib/fintech-service';
import { NetworkPeer } from '../lib/network-peer';
import { objectsOf, synthesizeFolders } from '../lib/synth';
import { SecretKeyRef } from '../lib/secret-key-ref';
import { containerSecurityContext, podSecurityContext } from '../lib/shared/security';
import { IMAGE as SERVICE_IMAGE, kinds, NAMESPACE, newChart, only } from './support/fixtures';
import { platformOutput } from './support/platform';
import { checkObjects, selectorMatches } from './support/policy-checks';
import { checkRuleGroups, hasPromtool, testRules } from './support/promtool';
import { validateManifest } from './support/schema-validator';
import { hasTool } from './support/tools';

const PATH = "BackupCronJob 'prod/platform-db-backup'";
const IMAGE = 'registry.fintech.internal/fintech/backup-tools:1.0.0';

const POSTGRES = () => BackupSource.postgres({
  database: 'platform',
  host: SecretKeyRef.of('platform-db', 'host'),
  user: SecretKeyRef.of('platform-db', 'user'),
  password: SecretKeyRef.of('platform-db', 'password'),
});
/** An age recipient (public key; its identity was discarded): the Jobs never need more than the public key to back up. */
const RECIPIENT = 'age13mjxhlp5mfcgv2tz7futxw56xym5jd3m7kujc93m42kh8eey0qpsnaqq5p';
const SECOND_RECIPIENT = 'age18scmlxr8sa75su9axyr0zeu6z9vefk9shvvu4jz4whrexe5djvqqh3mshc';
const IDENTITY = () => SecretKeyRef.of('backup-age-identity', 'identity');
const ENCRYPTION = () => ({ recipients: [RECIPIENT], identity: IDENTITY() });
const S3 = () => BackupDestination.s3({
  bucket: 'fintech-backups',
  accessKeyId: SecretKeyRef.of('backup-store', 'access-key-id'),
  secretAccessKey: SecretKeyRef.of('backup-store', 'secret-access-key'),
});

/** GIVEN a BackupCronJob `platform-db-backup` of the platform database to S3, plus `overrides`. */
function platformBackup(overrides: Partial<BackupCronJobProps> = {}, chart = newChart()) {
  const backup = new BackupCronJob(chart, 'platform-db-backup', { image: IMAGE, source: POSTGRES(), destination: S3(), encryption: ENCRYPTION(), ...overrides });
  return { backup, chart };
}

function synthBackup(overrides: Partial<BackupCronJobProps> = {}) {
  const { backup, chart } = platformBackup(overrides);
  return { backup, objects: chart.toJson() };
}

const cronJob = (objects: any[], name = 'platform-db-backup') => only(objects, 'CronJob', name);
const podOf = (cj: any) => cj.spec.jobTemplate.spec.template.spec;
const containerOf = (cj: any) => podOf(cj).containers[0];
const envOf = (cj: any): Record<string, any> => Object.fromEntries(containerOf(cj).env.map((e: any) => [e.name, e.value ?? e.valueFrom]));

describe('BackupCronJob defaults (PostgreSQL to S3)', () => {
  const { backup, objects } = synthBackup();
  const main = cronJob(objects);

  test('creates the backup, restore and verification CronJobs, their scripts, a ServiceAccount, a NetworkPolicy and alerts', () => {
    expect(kinds(objects)).toEqual(['ConfigMap', 'CronJob', 'CronJob', 'CronJob', 'NetworkPolicy', 'PrometheusRule', 'ServiceAccount']);
    expect(objects.map((o) => o.metadata.name).sort()).toEqual([
      'platform-db-backup', 'platform-db-backup', 'platform-db-backup', 'platform-db-backup', 'platform-db-backup-restore',
      'platform-db-backup-scripts', 'platform-db-backup-verify',
    ]);
    for (const o of objects) expect(o.metadata.namespace).toBe(NAMESPACE);
    expect(backup.node.defaultChild).toBeDefined();
    expect(backup.node.findChild('Resource')).toBe(backup.cronJob);
  });

  test('every object validates strictly against the Kubernetes 1.28 and CRD schemas', () => {
    expect(objects.flatMap(validateManifest)).toEqual([]);
  });

  test('passes the Pod Security "restricted", kube-score, Polaris, secret and RBAC checks', () => {
    expect(checkObjects(objects)).toEqual([]);
  });

  test('runs daily at 02:00 UTC, never concurrently, with deadlines, one retry, history limits and a TTL', () => {
    expect(main.apiVersion).toBe('batch/v1');
    expect(main.spec).toMatchObject({
      schedule: '0 2 * * *',
      timeZone: 'Etc/UTC',
      suspend: false,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: 1800,
      successfulJobsHistoryLimit: 3,
      failedJobsHistoryLimit: 3,
    });
    expect(main.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 1, activeDeadlineSeconds: 10800, ttlSecondsAfterFinished: 259200 });
    expect(podOf(main).restartPolicy).toBe('Never');
    expect([backup.schedule, backup.timeZone, backup.retentionDays, backup.startingDeadlineSeconds, backup.activeDeadlineSeconds])
      .toEqual(['0 2 * * *', 'Etc/UTC', 30, 1800, 10800]);
    expect(backup.intervals).toEqual({ shortestSeconds: 86400, longestSeconds: 86400 });
  });

  test('runs under the shared restricted security context, with its own ServiceAccount and no token', () => {
    for (const cj of objects.filter((o) => o.kind === 'CronJob')) {
      expect(podOf(cj).securityContext).toEqual(podSecurityContext());
      expect(containerOf(cj).securityContext).toEqual(containerSecurityContext());
      expect(podOf(cj).serviceAccountName).toBe('platform-db-backup');
      expect(podOf(cj).automountServiceAccountToken).toBe(false);
      expect(podOf(cj).enableServiceLinks).toBe(false);
    }
    expect(only(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(kinds(objects)).not.toContain('Role');
  });

  test('pulls the pinned image and sets resources whose ephemeral-storage limit holds the 10Gi work volume', () => {
    const c = containerOf(main);
    expect(c.image).toBe(IMAGE);
    expect(c.imagePullPolicy).toBe('Always');
    expect(c.resources).toEqual({
      requests: { 'cpu': '250m', 'memory': '256Mi', 'ephemeral-storage': '1Gi' },
      limits: { 'cpu': '1', 'memory': '1Gi', 'ephemeral-storage': '11Gi' },
    });
    expect(podOf(main).volumes).toContainEqual({ name: 'work', emptyDir: { sizeLimit: '10Gi' } });
  });

  test('runs the script from the ConfigMap, mounted read-only, with scratch space on the read-only root filesystem', () => {
    const c = containerOf(main);
    expect(c.command).toEqual(['bash', '/scripts/backup.sh']);
    expect(c.volumeMounts).toEqual([
      { name: 'tmp', mountPath: '/tmp' },
      { name: 'var-log', mountPath: '/var/log' },
      { name: 'scripts', mountPath: '/scripts', readOnly: true },
      { name: 'work', mountPath: '/backup' },
    ]);
    expect(podOf(main).volumes).toContainEqual({ name: 'scripts', configMap: { name: 'platform-db-backup-scripts', defaultMode: 0o444 } });
    const scripts = only(objects, 'ConfigMap').data;
    expect(Object.keys(scripts).sort()).toEqual(['backup.sh', 'restore.sh', 'verify-restore.sh']);
    expect(scripts['backup.sh']).toBe(backupScript(BackupSourceKind.POSTGRES, 'backup'));
    for (const text of Object.values<string>(scripts)) {
      expect(text.startsWith('#!/usr/bin/env bash\n')).toBe(true);
      expect(text).toContain('\nset -euo pipefail\n');
    }
  });

  test('connects with libpq and rclone variables: plain settings as values, every credential from a Secret', () => {
    const secret = (name: string, key: string) => ({ secretKeyRef: { name, key } });
    expect(envOf(main)).toEqual({
      BACKUP_DESTINATION: `backup:fintech-backups/${NAMESPACE}/platform-db-backup`,
      BACKUP_WORK_DIR: '/backup',
      HOME: '/tmp',
      BACKUP_ENCRYPTION: 'age',
      BACKUP_LOCK_DAYS: '0',
      RCLONE_CONFIG_BACKUP_TYPE: 's3',
      RCLONE_CONFIG_BACKUP_PROVIDER: 'AWS',
      RCLONE_CONFIG_BACKUP_ENV_AUTH: 'false',
      RCLONE_CONFIG_BACKUP_NO_CHECK_BUCKET: 'true',
      RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID: secret('backup-store', 'access-key-id'),
      RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY: secret('backup-store', 'secret-access-key'),
      BACKUP_RETENTION_DAYS: '30',
      AGE_RECIPIENTS: RECIPIENT,
      PGHOST: secret('platform-db', 'host'),
      PGPORT: '5432',
      PGUSER: secret('platform-db', 'user'),
      PGPASSWORD: secret('platform-db', 'password'),
      PGDATABASE: 'platform',
      PGSSLMODE: 'require',
      PGCONNECT_TIMEOUT: '10',
    });
    expect(backup.remotePath).toBe(`backup:fintech-backups/${NAMESPACE}/platform-db-backup`);
  });

  test('allows no ingress, and egress only to DNS, the database port and the object store on HTTPS', () => {
    const policy = only(objects, 'NetworkPolicy').spec;
    expect(policy.podSelector).toEqual({ matchLabels: { 'app.kubernetes.io/name': 'platform-db-backup' } });
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.ingress).toBeUndefined();
    expect(policy.egress).toEqual([
      {
        to: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } }, podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } } }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 5432 }] },
      { to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 443 }] },
    ]);
    for (const cj of objects.filter((o) => o.kind === 'CronJob')) {
      expect(podOf(cj).securityContext).toBeDefined();
      expect(cj.spec.jobTemplate.spec.template.metadata.labels).toMatchObject(policy.podSelector.matchLabels);
    }
  });

  test('the restore template is a suspended CronJob that never fires, restores the newest backup into the source database, and never retries', () => {
    const restore = cronJob(objects, 'platform-db-backup-restore');
    expect(restore.spec).toMatchObject({ schedule: '0 0 31 2 *', suspend: true, concurrencyPolicy: 'Forbid' });
    expect(restore.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 0, activeDeadlineSeconds: 21600 });
    expect(containerOf(restore).command).toEqual(['bash', '/scripts/restore.sh']);
    expect(envOf(restore)).toMatchObject({ BACKUP_FILE: '', PGDATABASE: 'platform', BACKUP_DESTINATION: backup.remotePath });
    expect(restore.spec.jobTemplate.spec.template.metadata.labels['app.kubernetes.io/component']).toBe('restore');
  });

  test('the restore verification runs weekly (Sunday 04:00) into a scratch database and checks fintech.users and fintech.transactions', () => {
    const verify = cronJob(objects, 'platform-db-backup-verify');
    expect(verify.spec).toMatchObject({ schedule: '0 4 * * 0', timeZone: 'Etc/UTC', suspend: false, concurrencyPolicy: 'Forbid' });
    expect(containerOf(verify).command).toEqual(['bash', '/scripts/verify-restore.sh']);
    expect(envOf(verify)).toMatchObject({
      PGDATABASE: 'platform_restore_check',
      BACKUP_SOURCE_DATABASE: 'platform',
      VERIFY_TABLES: 'fintech.users fintech.transactions',
    });
    expect(envOf(verify)).not.toHaveProperty('BACKUP_RETENTION_DAYS');
  });

  test('alerts on a missing backup (36h for a daily schedule), a failed backup, and a failed or missing restore verification, without a runbook link by default', () => {
    const rule = only(objects, 'PrometheusRule');
    const rules = rule.spec.groups[0].rules;
    expect(rules.map((r: any) => [r.alert, r.labels.severity, r.labels.cronjob, r.for])).toEqual([
      ['BackupMissing', 'critical', 'platform-db-backup', '10m'],
      ['BackupJobFailed', 'warning', 'platform-db-backup', '5m'],
      ['RestoreVerificationFailed', 'critical', 'platform-db-backup-verify', '5m'],
      ['RestoreVerificationMissing', 'warning', 'platform-db-backup-verify', '10m'],
    ]);
    for (const r of rules) {
      expect(Object.keys(r.annotations).sort()).toEqual(['description', 'summary']);
    }
    const linked = only(synthBackup({ alerts: { runbookBaseUrl: 'https://runbooks.example.com/alerts' } }).objects, 'PrometheusRule').spec.groups[0].rules;
    expect(linked.map((r: any) => r.annotations.runbook_url)).toEqual(['backup-missing', 'backup-job-failed', 'restore-verification-failed',
      'restore-verification-missing'].map((page) => `https://runbooks.example.com/alerts/${page}`));
    expect(rule.metadata.labels['app.kubernetes.io/part-of']).toBe('fintech-platform'); // what a MonitoringStack's Prometheus selects rules by
    expect(backup.missingAlertAfterSeconds).toBe(129600);
    expect(rules[0].expr).toContain('kube_cronjob_status_last_successful_time{cronjob="platform-db-backup",namespace="fintech-test"}) > 129600');
    expect(rules[0].annotations.summary).toBe('No successful postgres backup of platform-db-backup for 1d12h');
    expect(rules[1].expr).toContain('kube_job_status_failed{namespace="fintech-test"} > 0');
  });

  test('emits no Secret and no credential value', () => {
    expect(kinds(objects)).not.toContain('Secret');
    const text = JSON.stringify(objects);
    expect(text).not.toMatch(/"value":"[^"]*(password|secret)[^"]*"/i);
  });
});

describe('BackupCronJob scripts', () => {
  const { objects } = synthBackup();
  const scripts: Record<string, string> = only(objects, 'ConfigMap').data;

  test('the backup script dumps with pg_dump | gzip to backup_<UTC timestamp>.sql.gz, checks, uploads under a temporary name, renames and prunes', () => {
    const backup = scripts['backup.sh'];
    expect(backup).toContain('pg_dump --format=plain --no-owner --no-privileges --lock-wait-timeout=10min | gzip -6 >"$1"');
    expect(backup).toContain('name="backup_$(date -u +%Y%m%d_%H%M%S)$BACKUP_SUFFIX"');
    expect(backup).toContain("age) BACKUP_SUFFIX='.sql.gz.age'; SUFFIX_RE='\\.sql\\.gz\\.age' ;;");
    expect(backup).toContain("none) BACKUP_SUFFIX='.sql.gz'; SUFFIX_RE='\\.sql\\.gz' ;;");
    expect(backup).toContain('gzip -t "$1"');
    expect(backup).toContain('-- PostgreSQL database dump complete');
    expect(backup).toContain('rclone copyto "$file" "$(remote "$name.partial")"');
    expect(backup).toContain('rclone moveto "$(remote "$name.partial")" "$(remote "$name")"');
    // the checksum is uploaded first: an archive under its final name always has its checksum
    expect(backup.indexOf('upload "$WORK_DIR/$name.sha256" "$name.sha256"')).toBeLessThan(backup.indexOf('upload "$WORK_DIR/$name" "$name"'));
    expect(backup.indexOf('upload "$WORK_DIR/$name" "$name"')).toBeLessThan(backup.lastIndexOf('\n    prune\n'));
  });

  test('the restore script checks the checksum and the archive, then restores with gunzip -c | psql in one transaction, as the owner role', () => {
    expect(scripts['restore.sh']).toContain(`{ printf 'SET ROLE %s;\\n' "$owner_ident"; gunzip -c "$archive"; printf '%s\\n' "$grants"; } \\
    | psql -X -q -v ON_ERROR_STOP=1 --single-transaction`);
    expect(scripts['restore.sh']).toContain('checksum mismatch');
  });

  test('the restore and the verification learn the owner and the application roles from the environment; the backup does not', () => {
    const { objects: owned } = synthBackup({
      source: BackupSource.postgres({
        database: 'platform', host: 'postgres.fintech.internal', user: 'backup', password: SecretKeyRef.of('platform-db', 'password'),
        owner: 'platform_owner', applicationRoles: ['payments_rw', 'reporting_ro'],
      }),
    });
    for (const name of ['platform-db-backup-restore', 'platform-db-backup-verify']) {
      expect(envOf(cronJob(owned, name))).toMatchObject({ RESTORE_OWNER: 'platform_owner', RESTORE_APPLICATION_ROLES: 'payments_rw reporting_ro' });
    }
    expect(envOf(cronJob(owned))).not.toHaveProperty('RESTORE_OWNER');
    // By default the owner of the database restored into, and no grants: nothing to set.
    expect(Object.keys(envOf(cronJob(objects, 'platform-db-backup-restore'))).filter((k) => k.startsWith('RESTORE_'))).toEqual([]);
  });

  test('every script is valid bash', () => {
    for (const [name, text] of Object.entries(scripts)) {
      const result = spawnSync('bash', ['-n'], { input: text, encoding: 'utf8' });
      expect([name, result.status, result.stderr]).toEqual([name, 0, '']);
    }
  });

  (hasTool('shellcheck', 'install ShellCheck (Debian: apt-get install shellcheck)') ? test : test.skip)('every script of every source passes shellcheck', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-shellcheck-'));
    try {
      const files: string[] = [];
      for (const kind of Object.values(BackupSourceKind)) {
        for (const purpose of ['backup', 'restore', 'verify'] as const) {
          if (kind !== BackupSourceKind.POSTGRES && purpose === 'restore') continue;
          const file = path.join(dir, `${kind}-${purpose}.sh`);
          fs.writeFileSync(file, backupScript(kind, purpose));
          files.push(file);
        }
      }
      const result = spawnSync('shellcheck', ['--shell=bash', '--severity=style', ...files], { encoding: 'utf8' });
      expect(result.stdout + result.stderr).toBe('');
      expect(result.status).toBe(0);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('BackupCronJob other sources', () => {
  test('Redis: redis-cli --rdb to backup_<timestamp>.rdb.gz, the password from a Secret, a verification that checks the newest snapshot, no restore template', () => {
    const { backup, objects } = synthBackup({
      name: 'redis-backup',
      source: BackupSource.redis({ host: 'redis.fintech.internal', password: SecretKeyRef.of('redis-credentials', 'password') }),
    });
    expect(objects.flatMap(validateManifest)).toEqual([]);
    expect(kinds(objects)).toEqual(['ConfigMap', 'CronJob', 'CronJob', 'NetworkPolicy', 'PrometheusRule', 'ServiceAccount']);
    expect(backup.restoreJob).toBeUndefined();
    const main = cronJob(objects, 'redis-backup');
    expect(envOf(main)).toMatchObject({
      REDIS_HOST: 'redis.fintech.internal', REDIS_PORT: '6379', REDIS_TLS: 'false',
      REDISCLI_AUTH: { secretKeyRef: { name: 'redis-credentials', key: 'password' } },
    });
    const scripts = only(objects, 'ConfigMap').data;
    expect(Object.keys(scripts).sort()).toEqual(['backup.sh', 'verify-restore.sh']);
    expect(scripts['backup.sh']).toContain('redis-cli "${REDIS_ARGS[@]}" --rdb "$rdb"');
    expect(scripts['backup.sh']).toContain("none) BACKUP_SUFFIX='.rdb.gz';");
    expect(scripts['verify-restore.sh']).toContain('check_rdb');
    expect(only(objects, 'NetworkPolicy').spec.egress[1]).toEqual({ to: [{ ipBlock: { cidr: '0.0.0.0/0' } }], ports: [{ protocol: 'TCP', port: 6379 }] });
    expect(checkObjects(objects)).toEqual([]);
  });

  test('event store: GET /events/export to backup_<timestamp>.events.gz, egress to the transaction-service pods on their port', () => {
    const chart = newChart();
    const transactions = new FintechService(chart, 'transaction-service', { image: SERVICE_IMAGE, port: 8004 });
    const { backup } = platformBackup({
      name: 'event-store-backup',
      source: BackupSource.eventStoreExport({
        url: 'http://transaction-service:8004/events/export',
        token: SecretKeyRef.of('event-store-export', 'token'),
        peer: NetworkPeer.service(transactions),
      }),
      destination: BackupDestination.azureBlob({
        container: 'fintech-backups', account: 'fintechbackups', key: SecretKeyRef.of('backup-store', 'account-key'),
      }),
    }, chart);
    const objects = chart.toJson().filter((o) => o.metadata.name.startsWith('event-store-backup'));
    expect(objects.flatMap(validateManifest)).toEqual([]);
    expect(backup.restoreJob).toBeUndefined();
    expect(envOf(cronJob(objects, 'event-store-backup'))).toMatchObject({
      EVENTS_EXPORT_URL: 'http://transaction-service:8004/events/export',
      EVENTS_EXPORT_TOKEN: { secretKeyRef: { name: 'event-store-export', key: 'token' } },
      RCLONE_CONFIG_BACKUP_TYPE: 'azureblob',
      RCLONE_CONFIG_BACKUP_ACCOUNT: 'fintechbackups',
      RCLONE_CONFIG_BACKUP_KEY: { secretKeyRef: { name: 'backup-store', key: 'account-key' } },
      BACKUP_DESTINATION: `backup:fintech-backups/${NAMESPACE}/event-store-backup`,
    });
    const scripts = only(objects, 'ConfigMap').data;
    expect(scripts['backup.sh']).toContain('--output "$export_file" "$EVENTS_EXPORT_URL"');
    expect(scripts['backup.sh']).not.toMatch(/curl[^\n]*EVENTS_EXPORT_TOKEN/); // the token never goes on a command line
    expect(only(objects, 'NetworkPolicy').spec.egress[1]).toEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'transaction-service' } } }],
      ports: [{ protocol: 'TCP', port: 8004 }],
    });
  });

  test('GCS and any rclone backend; a local backend has no egress rule', () => {
    const gcs = synthBackup({ destination: BackupDestination.gcs({ bucket: 'fintech-backups', serviceAccountCredentials: SecretKeyRef.of('gcs', 'key.json') }) });
    expect(gcs.objects.flatMap(validateManifest)).toEqual([]);
    expect(envOf(cronJob(gcs.objects))).toMatchObject({
      RCLONE_CONFIG_BACKUP_TYPE: 'google cloud storage',
      RCLONE_CONFIG_BACKUP_SERVICE_ACCOUNT_CREDENTIALS: { secretKeyRef: { name: 'gcs', key: 'key.json' } },
    });
    const sftp = synthBackup({
      destination: BackupDestination.rclone({
        type: 'sftp', path: 'backups', options: { host: 'vault.fintech.internal', user: 'backup' },
        secretOptions: { pass: SecretKeyRef.of('sftp', 'password') }, peer: NetworkPeer.external('sftp', [{ port: 22 }], '10.0.0.0/8'),
      }),
    });
    expect(envOf(cronJob(sftp.objects))).toMatchObject({
      RCLONE_CONFIG_BACKUP_TYPE: 'sftp', RCLONE_CONFIG_BACKUP_HOST: 'vault.fintech.internal', RCLONE_CONFIG_BACKUP_USER: 'backup',
      RCLONE_CONFIG_BACKUP_PASS: { secretKeyRef: { name: 'sftp', key: 'password' } },
    });
    const local = synthBackup({ destination: BackupDestination.rclone({ type: 'local', path: '/mnt/backups' }) });
    expect(envOf(cronJob(local.objects)).BACKUP_DESTINATION).toBe(`backup:/mnt/backups/${NAMESPACE}/platform-db-backup`);
    expect(only(local.objects, 'NetworkPolicy').spec.egress).toHaveLength(2);
  });
});

describe('BackupCronJob overrides', () => {
  test('schedule, time zone, retention, deadlines, retries, history, TTL, resources, work space, identity and prefix', () => {
    const { backup, objects } = synthBackup({
      schedule: Cron.schedule({ minute: '30', hour: '*/6' }),
      timeZone: 'Europe/Berlin',
      retention: Duration.days(7),
      startingDeadline: Duration.minutes(5),
      activeDeadline: Duration.hours(1),
      backoffLimit: 2,
      successfulJobsHistoryLimit: 1,
      failedJobsHistoryLimit: 5,
      ttlAfterFinished: Duration.days(1),
      resources: { cpu: { request: Cpu.millis(500), limit: Cpu.units(2) }, memory: { request: Size.mebibytes(512), limit: Size.gibibytes(2) } },
      workSpace: Size.gibibytes(50),
      runAs: { user: 10001, group: 10001 },
      prefix: 'postgres/platform',
      restoreVerification: { schedule: Cron.schedule({ minute: '0', hour: '5', day: '1' }), scratchDatabase: 'scratch' },
    });
    const main = cronJob(objects);
    expect(main.spec).toMatchObject({
      schedule: '30 */6 * * *', timeZone: 'Europe/Berlin', startingDeadlineSeconds: 300, successfulJobsHistoryLimit: 1, failedJobsHistoryLimit: 5,
    });
    expect(main.spec.jobTemplate.spec).toMatchObject({ backoffLimit: 2, activeDeadlineSeconds: 3600, ttlSecondsAfterFinished: 86400 });
    expect(containerOf(main).resources).toEqual({
      requests: { 'cpu': '500m', 'memory': '512Mi', 'ephemeral-storage': '1Gi' },
      limits: { 'cpu': '2', 'memory': '2Gi', 'ephemeral-storage': '51Gi' },
    });
    expect(podOf(main).securityContext).toEqual(podSecurityContext({ user: 10001, group: 10001 }));
    expect(envOf(main)).toMatchObject({ BACKUP_RETENTION_DAYS: '7', BACKUP_DESTINATION: 'backup:fintech-backups/postgres/platform' });
    const verify = cronJob(objects, 'platform-db-backup-verify');
    expect(verify.spec).toMatchObject({ schedule: '0 5 1 * *', timeZone: 'Europe/Berlin' });
    expect(envOf(verify).PGDATABASE).toBe('scratch');
    expect(backup.intervals).toEqual({ shortestSeconds: 21600, longestSeconds: 21600 });
    expect(backup.missingAlertAfterSeconds).toBe(32400); // 1.5 × 6h
    expect(objects.flatMap(validateManifest)).toEqual([]);
  });

  test('restore into another database; restore, verification and alerts can be left out', () => {
    const withTarget = synthBackup({ restore: { database: 'platform_restored', activeDeadline: Duration.hours(12) } });
    const restore = cronJob(withTarget.objects, 'platform-db-backup-restore');
    expect(envOf(restore).PGDATABASE).toBe('platform_restored');
    expect(restore.spec.jobTemplate.spec.activeDeadlineSeconds).toBe(43200);

    const { backup, objects } = synthBackup({ restore: false, restoreVerification: false, alerts: false });
    expect(kinds(objects)).toEqual(['ConfigMap', 'CronJob', 'NetworkPolicy', 'ServiceAccount']);
    expect(Object.keys(only(objects, 'ConfigMap').data)).toEqual(['backup.sh']);
    expect([backup.restoreJob, backup.verificationJob, backup.alertRule, backup.missingAlertAfterSeconds]).toEqual([undefined, undefined, undefined, undefined]);
  });

  test('alerts.runbookBaseUrl must be an http(s) URL', () => {
    expect(() => synthBackup({ alerts: { runbookBaseUrl: 'wiki' } })).toThrow(
      `${PATH}: 'alerts.runbookBaseUrl' ("wiki") is invalid: must be an http(s) URL under which each alert has its runbook, e.g. "https://runbooks.example.com/alerts"`);
  });

  test('a weekday schedule alerts after 1.5 × its longest gap (the weekend), and the runbook base is a prop', () => {
    const { backup, objects } = synthBackup({
      schedule: Cron.schedule({ minute: '0', hour: '2', weekDay: 'mon-fri' }),
      alerts: { missingAfterFactor: 2, runbookBaseUrl: 'https://wiki.example.com/backups/' },
    });
    expect(backup.intervals).toEqual({ shortestSeconds: 86400, longestSeconds: 3 * 86400 });
    expect(backup.missingAlertAfterSeconds).toBe(6 * 86400);
    expect(only(objects, 'PrometheusRule').spec.groups[0].rules[0].annotations.runbook_url).toBe('https://wiki.example.com/backups/backup-missing');
  });

  test('objects are public members that can be patched', () => {
    const { backup } = platformBackup();
    expect(backup.cronJob.name).toBe('platform-db-backup');
    expect(backup.configMap.name).toBe('platform-db-backup-scripts');
    expect(backup.serviceAccount.name).toBe('platform-db-backup');
    expect(backup.networkPolicy.name).toBe('platform-db-backup');
    expect(backup.restoreJob?.name).toBe('platform-db-backup-restore');
    expect(backup.verificationJob?.name).toBe('platform-db-backup-verify');
    expect(backup.alertRule?.name).toBe('platform-db-backup');
  });
});

describe('BackupCronJob encryption, separate credentials and retention lock', () => {
  const secret = (name: string, key: string) => ({ secretKeyRef: { name, key } });
  const s3As = (credential: string) => BackupDestination.s3({
    bucket: 'fintech-backups',
    accessKeyId: SecretKeyRef.of(credential, 'access-key-id'),
    secretAccessKey: SecretKeyRef.of(credential, 'secret-access-key'),
  });
  const ACCESS = () => ({ pruner: s3As('backup-pruner'), reader: s3As('backup-reader') });

  test('by default the backup Job holds only the public keys; the identity is a read-only file (0400) in the restore and verification Jobs, never a variable', () => {
    const { objects } = synthBackup({ encryption: { recipients: [RECIPIENT, SECOND_RECIPIENT], identity: IDENTITY() } });
    const main = cronJob(objects);
    expect(envOf(main)).toMatchObject({ BACKUP_ENCRYPTION: 'age', AGE_RECIPIENTS: `${RECIPIENT} ${SECOND_RECIPIENT}` });
    expect(envOf(main)).not.toHaveProperty('AGE_IDENTITY_FILE');
    expect(podOf(main).volumes.map((v: any) => v.name)).not.toContain('age-identity');
    for (const name of ['platform-db-backup-restore', 'platform-db-backup-verify']) {
      const job = cronJob(objects, name);
      expect(envOf(job)).toMatchObject({ BACKUP_ENCRYPTION: 'age', AGE_IDENTITY_FILE: '/etc/backup-age/identity' });
      expect(envOf(job)).not.toHaveProperty('AGE_RECIPIENTS');
      expect(podOf(job).volumes).toContainEqual({
        name: 'age-identity', secret: { secretName: 'backup-age-identity', items: [{ key: 'identity', path: 'identity' }], defaultMode: 0o400 },
      });
      expect(containerOf(job).volumeMounts).toContainEqual({ name: 'age-identity', mountPath: '/etc/backup-age', readOnly: true });
    }
    // The identity's Secret is never read into an environment variable.
    expect(JSON.stringify(objects)).not.toMatch(/"secretKeyRef":\{"name":"backup-age-identity"/);
    expect(objects.flatMap(validateManifest)).toEqual([]);
    expect(checkObjects(objects)).toEqual([]);
  });

  test('encryption: false stores plain archives and mounts no identity', () => {
    const { backup, objects } = synthBackup({ encryption: false });
    expect(backup.encryption).toBeUndefined();
    for (const job of objects.filter((o) => o.kind === 'CronJob')) {
      expect(envOf(job).BACKUP_ENCRYPTION).toBe('none');
      expect(Object.keys(envOf(job)).filter((k) => k.startsWith('AGE_'))).toEqual([]);
      expect(podOf(job).volumes.map((v: any) => v.name)).not.toContain('age-identity');
    }
  });

  test('access: the backup Job may only write, a pruning CronJob of its own lists and deletes, the restore and verification only read', () => {
    const { backup, objects } = synthBackup({ access: ACCESS(), retention: Duration.days(35), retentionLock: Duration.days(30) });
    expect(kinds(objects)).toEqual(['ConfigMap', 'CronJob', 'CronJob', 'CronJob', 'CronJob', 'NetworkPolicy', 'NetworkPolicy', 'PrometheusRule',
      'ServiceAccount', 'ServiceAccount']);
    expect(envOf(cronJob(objects))).toMatchObject({
      BACKUP_WRITE_ONLY: 'true',
      RCLONE_CONFIG_BACKUP_NO_HEAD: 'true',
      RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID: secret('backup-store', 'access-key-id'),
      BACKUP_LOCK_DAYS: '30',
    });
    for (const name of ['platform-db-backup-restore', 'platform-db-backup-verify']) {
      expect(envOf(cronJob(objects, name))).toMatchObject({ RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID: secret('backup-reader', 'access-key-id') });
      expect(envOf(cronJob(objects, name))).not.toHaveProperty('BACKUP_WRITE_ONLY');
    }
    const prune = cronJob(objects, 'platform-db-backup-prune');
    expect(backup.pruneJob).toBeDefined();
    expect(prune.spec.schedule).toBe('0 5 * * *');
    expect(containerOf(prune).command).toEqual(['bash', '/scripts/backup.sh', 'prune']);
    expect(envOf(prune)).toEqual({
      BACKUP_DESTINATION: `backup:fintech-backups/${NAMESPACE}/platform-db-backup`,
      BACKUP_WORK_DIR: '/tmp',
      HOME: '/tmp',
      BACKUP_ENCRYPTION: 'age',
      BACKUP_LOCK_DAYS: '30',
      BACKUP_RETENTION_DAYS: '35',
      RCLONE_CONFIG_BACKUP_TYPE: 's3',
      RCLONE_CONFIG_BACKUP_PROVIDER: 'AWS',
      RCLONE_CONFIG_BACKUP_ENV_AUTH: 'false',
      RCLONE_CONFIG_BACKUP_NO_CHECK_BUCKET: 'true',
      RCLONE_CONFIG_BACKUP_ACCESS_KEY_ID: secret('backup-pruner', 'access-key-id'),
      RCLONE_CONFIG_BACKUP_SECRET_ACCESS_KEY: secret('backup-pruner', 'secret-access-key'),
    });
    expect(containerOf(prune).resources).toEqual({
      requests: { 'cpu': '10m', 'memory': '64Mi', 'ephemeral-storage': '64Mi' },
      limits: { 'cpu': '50m', 'memory': '128Mi', 'ephemeral-storage': '256Mi' },
    });
    expect(podOf(prune).serviceAccountName).toBe('platform-db-backup-prune');
    expect(podOf(prune).volumes.map((v: any) => v.name)).not.toContain('age-identity');
    // Its own NetworkPolicy (the store and DNS only); the backup's policy, which reaches the database, does not select it.
    const labels = prune.spec.jobTemplate.spec.template.metadata.labels;
    const policies = objects.filter((o) => o.kind === 'NetworkPolicy');
    expect(policies.filter((np) => selectorMatches(np.spec.podSelector, labels)).map((np) => np.metadata.name)).toEqual(['platform-db-backup-prune']);
    const prunePolicy = only(objects, 'NetworkPolicy', 'platform-db-backup-prune').spec;
    expect(prunePolicy.egress.flatMap((r: any) => r.ports.map((p: any) => p.port)).sort()).toEqual([443, 53, 53].sort());
    expect(only(objects, 'PrometheusRule').spec.groups[0].rules.map((r: any) => r.alert)).toContain('BackupPruningFailed');
    expect(objects.flatMap(validateManifest)).toEqual([]);
    expect(checkObjects(objects)).toEqual([]);
  });
});

describe('BackupCronJob bad input', () => {
  const secret = SecretKeyRef.of('platform-db', 'password');
  const postgresWith = (o: object) => BackupSource.postgres({
    database: 'platform', host: 'postgres.fintech.internal', user: 'backup', password: secret, ...o,
  } as any);

  test.each([
    ['a minute out of range', { schedule: Cron.schedule({ minute: '61', hour: '2' }) },
      `${PATH}: 'schedule' ("61 2 * * *") is invalid: minute field "61": 61 is above the maximum 59; a schedule is 5 cron fields (minute hour day-of-month month day-of-week), e.g. Cron.schedule({ minute: '0', hour: '2' }) for "0 2 * * *"`],
    ['a six-field schedule', { schedule: Cron.schedule({ minute: '0 0', hour: '2' }) },
      `${PATH}: 'schedule' ("0 0 2 * * *") is invalid: has 6 fields, expected 5; a schedule is 5 cron fields`],
    ['day of week 7', { schedule: Cron.schedule({ minute: '0', hour: '2', weekDay: '7' }) },
      `${PATH}: 'schedule' ("0 2 * * 7") is invalid: day of week field "7": 7 is above the maximum 6;`],
    ['an unknown month name', { schedule: Cron.schedule({ minute: '0', hour: '2', month: 'foo' }) },
      `${PATH}: 'schedule' ("0 2 * foo *") is invalid: month field "foo": "foo" is not a number or a name (jan-dec);`],
    ['a schedule that never runs', { schedule: Cron.schedule({ minute: '0', hour: '0', day: '31', month: '2' }) },
      `${PATH}: 'schedule' ("0 0 31 2 *") is invalid: never runs: no date matches it`],
    ['an invalid verification schedule', { restoreVerification: { schedule: Cron.schedule({ minute: '*/0' }) } },
      `${PATH}: 'restoreVerification.schedule' ("*/0 * * * *") is invalid: minute field "*/0": step "0" must be a positive integer;`],
    ['a retention under a day', { retention: Duration.hours(12) },
      `${PATH}: 'retention' ("12 hours") is invalid: must be a whole number of days, at least 1, e.g. Duration.days(30)`],
    ['a retention of 0 days', { retention: Duration.days(0) },
      `${PATH}: 'retention' ("0 days") is invalid: must be a whole number of days, at least 1, e.g. Duration.days(30)`],
    ['a retention of 1.5 days', { retention: Duration.hours(36) },
      `${PATH}: 'retention' ("1 day 12 hours") is invalid: must be a whole number of days, at least 1, e.g. Duration.days(30)`],
    ['an active deadline longer than the interval between runs', { schedule: Cron.hourly(), activeDeadline: Duration.hours(2) },
      `${PATH}: 'activeDeadline' ("2h") is invalid: overlaps the next run: a run may start up to 'startingDeadline' (30m) late and then last 2h, until 2h30m after its scheduled time, but 'schedule' ("0 * * * *") runs as often as every 1h; shorten the deadlines or run less often`],
    ['deadlines that fit the interval only without the late start', { schedule: Cron.hourly(), activeDeadline: Duration.minutes(45) },
      `${PATH}: 'activeDeadline' ("45m") is invalid: overlaps the next run: a run may start up to 'startingDeadline' (30m) late and then last 45m, until 1h15m after its scheduled time, but 'schedule' ("0 * * * *") runs as often as every 1h;`],
    ['a verification that overlaps its next run', { restoreVerification: { schedule: Cron.schedule({ minute: '0', hour: '*/2' }) } },
      `${PATH}: 'restoreVerification.activeDeadline' ("3h") is invalid: overlaps the next run: a run may start up to 'startingDeadline' (30m) late and then last 3h, until 3h30m after its scheduled time, but 'restoreVerification.schedule' ("0 */2 * * *") runs as often as every 2h;`],
    ['a starting deadline under 10 seconds', { startingDeadline: Duration.seconds(5) },
      `${PATH}: 'startingDeadline' ("5s") is invalid: must be at least 10s`],
    ['a missing database password', { source: postgresWith({ password: undefined }) },
      `${PATH}: 'source.password' (undefined) is invalid: must reference the Secret that holds the database password, e.g. SecretKeyRef.of('postgres-credentials', 'password'); credentials are never accepted as values`],
    ['a password given as a value', { source: postgresWith({ password: 'hunter2' }) },
      `${PATH}: 'source.password' (a string of 7 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the database password`],
    ['an empty Secret name', { source: postgresWith({ password: SecretKeyRef.of('', 'password') }) },
      `${PATH}: 'source.password.secretName' ("") is invalid: must be the name of a Secret: lowercase letters, digits, "-" and "."`],
    ['a missing S3 secret access key', { destination: BackupDestination.s3({ bucket: 'fintech-backups', accessKeyId: secret } as any) },
      `${PATH}: 'destination.secretAccessKey' (undefined) is invalid: must reference the Secret that holds the S3 secret access key; credentials are never accepted as values`],
    ['an Azure destination without key or SAS URL', { destination: BackupDestination.azureBlob({ container: 'backups', account: 'fintech' }) },
      `${PATH}: 'destination' ("key/sasUrl") is invalid: must reference exactly one Secret: 'key' (the account key) or 'sasUrl'; credentials are never accepted as values`],
    ['a missing Redis password', { source: BackupSource.redis({ host: 'redis' } as any) },
      `${PATH}: 'source.password' (undefined) is invalid: must reference the Secret that holds the Redis password`],
    ['a credential among plain rclone options', { destination: BackupDestination.rclone({ type: 'sftp', path: 'backups', options: { pass: 'x' } }) },
      `${PATH}: 'destination.options.pass' ("pass") is invalid: looks like a credential, and secret values never go into manifests: use 'secretOptions' with SecretKeyRef.of(secretName, key)`],
    ['a missing source', { source: undefined },
      `${PATH}: 'source' (undefined) is invalid: must be BackupSource.postgres({...}), BackupSource.redis({...}) or BackupSource.eventStoreExport({...})`],
    ['an unpinned image', { image: 'registry.fintech.internal/fintech/backup-tools:latest' },
      `${PATH}: 'image' ("registry.fintech.internal/fintech/backup-tools:latest") is invalid: must be pinned`],
    ['a name too long for the restore CronJob', { name: 'a'.repeat(45) },
      `'name' ("${'a'.repeat(45)}") is invalid: must have at most 44 characters, so that "${'a'.repeat(45)}-restore" is a valid CronJob name (52)`],
    ['an unknown time zone', { timeZone: 'Mars/Olympus' },
      `${PATH}: 'timeZone' ("Mars/Olympus") is invalid: must be an IANA time zone name as the tz database spells it (case matters), such as "Etc/UTC" or "Europe/Berlin"`],
    ['a database name that needs quoting', { source: postgresWith({ database: 'Platform-DB' }) },
      `${PATH}: 'source.database' ("Platform-DB") is invalid: must be a PostgreSQL database name: at most 63 lowercase letters, digits and "_", not starting with a digit`],
    ['a scratch database equal to the source', { restoreVerification: { scratchDatabase: 'platform' } },
      `${PATH}: 'restoreVerification.scratchDatabase' ("platform") is invalid: must differ from the source database: the verification drops and recreates its scratch database`],
    ['an owner role that needs quoting', { source: postgresWith({ owner: 'Platform Owner' }) },
      `${PATH}: 'source.owner' ("Platform Owner") is invalid: must be a PostgreSQL role name: at most 63 lowercase letters, digits and "_", not starting with a digit`],
    ['an application role that needs quoting', { source: postgresWith({ applicationRoles: ['payments_rw', 'payments-ro'] }) },
      `${PATH}: 'source.applicationRoles[1]' ("payments-ro") is invalid: must be a PostgreSQL role name: at most 63 lowercase letters, digits and "_", not starting with a digit`],
    ['the owner among the application roles', { source: postgresWith({ owner: 'platform_owner', applicationRoles: ['platform_owner'] }) },
      `${PATH}: 'source.applicationRoles[0]' ("platform_owner") is invalid: is the 'owner', which owns the objects and needs no grants`],
    ['an application role listed twice', { source: postgresWith({ applicationRoles: ['payments_rw', 'payments_rw'] }) },
      `${PATH}: 'source.applicationRoles[1]' ("payments_rw") is invalid: is listed twice`],
    ['application roles that are not a list', { source: postgresWith({ applicationRoles: 'payments_rw' }) },
      `${PATH}: 'source.applicationRoles' ("payments_rw") is invalid: must be a list of PostgreSQL role names`],
    ['a verify table without schema', { source: postgresWith({ verifyTables: ['users'] }) },
      `${PATH}: 'source.verifyTables[0]' ("users") is invalid: must be schema.table in lowercase letters, digits and "_", e.g. "fintech.users"`],
    ['a restore template for Redis', { source: BackupSource.redis({ host: 'redis', password: secret }), restore: {} },
      `${PATH}: 'restore' ({}) is invalid: applies to PostgreSQL sources only; redis backups are restored by hand (see the README)`],
    ['a missing-alert factor that leaves no room for a run', { alerts: { missingAfterFactor: 1 } },
      `${PATH}: 'alerts.missingAfterFactor' (1) is invalid: must be at least 1 and leave room for a late start and a full run: 1d between runs + 30m starting deadline + 3h active deadline = 1d3h30m, but 1 × 1d is 1d`],
    ['a work volume larger than the ephemeral-storage limit', { resources: { ephemeralStorage: { limit: Size.gibibytes(5) } } },
      `${PATH}: 'resources.ephemeralStorage.limit' ("5Gi") is invalid: must hold the work volume ('workSpace', 10Gi), or the pod is evicted when the archive fills it`],
    ['an event-store URL with credentials', { source: BackupSource.eventStoreExport({ url: 'http://admin:pw@transaction-service:8004/events/export' }) },
      `${PATH}: 'source.url' (a string of 54 characters) is invalid: must not contain credentials ("user:password@")`],
    ['no encryption option (an unencrypted backup must be asked for)', { encryption: undefined },
      `${PATH}: 'encryption' (undefined) is invalid: must be age recipients and the identity's Secret reference, or false to store backups unencrypted, not undefined, e.g. { recipients: ['age1...'], identity: SecretKeyRef.of('backup-age-identity', 'identity') }`],
    ['no recipient', { encryption: { recipients: [], identity: SecretKeyRef.of('backup-age-identity', 'identity') } },
      `${PATH}: 'encryption.recipients' ([]) is invalid: must name at least one age recipient (a public key "age1...", from age-keygen)`],
    ['a recipient that is not an age public key', { encryption: { recipients: ['age1notakey'], identity: SecretKeyRef.of('backup-age-identity', 'identity') } },
      `${PATH}: 'encryption.recipients[0]' ("age1notakey") is invalid: must be an age X25519 recipient: "age1" and 58 lowercase Bech32 characters, as printed by age-keygen`],
    ['a private key given as a recipient, without its value', {
      encryption: { recipients: [`AGE-SECRET-KEY-1${'Q'.repeat(58)}`], identity: SecretKeyRef.of('backup-age-identity', 'identity') },
    }, `${PATH}: 'encryption.recipients[0]' ("<an age identity>") is invalid: is a private key: give its public key (age-keygen -y), and the identity as 'identity', a Secret reference`],
    ['a recipient listed twice', { encryption: { recipients: [RECIPIENT, RECIPIENT], identity: SecretKeyRef.of('backup-age-identity', 'identity') } },
      `${PATH}: 'encryption.recipients[1]' ("${RECIPIENT}") is invalid: is also encryption.recipients[0]; each must be unique`],
    ['an identity given as a value', { encryption: { recipients: [RECIPIENT], identity: 'AGE-SECRET-KEY-1ABC' as any } },
      `${PATH}: 'encryption.identity' (a string of 19 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the age identity (private key); credentials are never accepted as values`],
    ['a pruner on another bucket', {
      access: { pruner: BackupDestination.s3({ bucket: 'other-bucket', accessKeyId: SecretKeyRef.of('p', 'id'), secretAccessKey: SecretKeyRef.of('p', 'key') }), reader: S3() },
    }, `${PATH}: 'access.pruner' ("s3:other-bucket") is invalid: must be the store of 'destination' (s3:fintech-backups) with another credential`],
    ["the writer's destination object reused as the reader", (() => {
      const destination = S3();
      return { destination, access: { pruner: S3(), reader: destination } };
    })(), `${PATH}: 'access.reader' ("s3:fintech-backups") is invalid: must carry its own credential: the object given as 'destination' is the writer's`],
    ['a retention lock longer than the retention', { retention: Duration.days(7), retentionLock: Duration.days(30) },
      `${PATH}: 'retentionLock' ("30 days") is invalid: must not exceed 'retention' (7 days): the pruning would try to delete objects the store still locks`],
    ['a retention lock of half a day', { retentionLock: Duration.hours(12) },
      `${PATH}: 'retentionLock' ("12 hours") is invalid: must be a whole number of days, at least 1, e.g. Duration.days(30)`],
  ] as Array<[string, Partial<BackupCronJobProps>, string]>)('rejects %s', (_, overrides, message) => {
    expect(() => platformBackup(overrides)).toThrow(message);
  });

  test('rejects, at synth time, a service outside the app named without ports', () => {
    const { chart } = platformBackup({
      source: BackupSource.eventStoreExport({ url: 'http://transaction-service:8004/events/export', peer: NetworkPeer.serviceNamed('transaction-service', []) }),
    });
    expect(() => chart.toJson()).toThrow(`${PATH}: 'source.peer.ports' ([]) is invalid: must name at least one port to reach on service transaction-service, e.g. [{ port: 443 }]`);
  });

  test('rejects, at synth time, a peer named by a service the app defines: the service itself must be passed', () => {
    const chart = newChart();
    new FintechService(chart, 'transaction-service', { image: SERVICE_IMAGE, port: 8004 });
    platformBackup({
      source: BackupSource.eventStoreExport({
        url: 'http://transaction-service:8004/events/export', peer: NetworkPeer.serviceNamed('transaction-service', [{ port: 8004 }]),
      }),
    }, chart);
    expect(() => chart.toJson()).toThrow(`${PATH}: 'source.peer' ("service transaction-service") is invalid: `
      + `names a service this app defines in namespace '${NAMESPACE}': pass the service itself, NetworkPeer.service(service)`);
  });

  test('rejects, at synth time, a service peer of another namespace', () => {
    const chart = newChart();
    const elsewhere = new FintechService(new Chart(chart.node.root as App, 'other', { namespace: 'other-team' }), 'transaction-service',
      { image: SERVICE_IMAGE, port: 8004 });
    platformBackup({
      source: BackupSource.eventStoreExport({ url: 'http://transaction-service.other-team:8004/events/export', peer: NetworkPeer.service(elsewhere) }),
    }, chart);
    expect(() => chart.toJson()).toThrow(`${PATH}: 'source.peer' ("service transaction-service") is invalid: runs in namespace 'other-team', `
      + `not in '${NAMESPACE}'; a service peer must be in the same namespace (for pods of another namespace: NetworkPeer.namespace('other-team', ports, podLabels))`);
  });

  test('rejects, at synth time, an external peer without ports', () => {
    const { chart } = platformBackup({ source: postgresWith({ peer: NetworkPeer.external('postgres', []) }) });
    expect(() => chart.toJson()).toThrow(`${PATH}: 'source.peer.ports' ([]) is invalid: must name at least one port to reach on external postgres, e.g. [{ port: 443 }]`);
  });
});

describe('cron schedules', () => {
  test.each([
    ['0 2 * * *', 86400, 86400],
    ['*/15 * * * *', 900, 900],
    ['5/20 * * * *', 1200, 1200], // 5, 25, 45
    ['0 4 * * 0', 604800, 604800],
    ['0 4 * * SUN', 604800, 604800],
    ['0 9-17 * * mon-fri', 3600, 64 * 3600], // Friday 17:00 to Monday 09:00
    ['0 0 1,15 * 1', 86400, 7 * 86400], // day of month OR Monday
    ['0 0 1 */3 *', 90 * 86400, 92 * 86400],
    ['0 0 29 2 *', (4 * 365 + 1) * 86400, (8 * 365 + 1) * 86400], // leap days; 2100 is not a leap year
  ])('"%s": shortest interval %i s, longest %i s', (expression, shortest, longest) => {
    expect(cronIntervals(parseCron(expression))).toEqual({ shortestSeconds: shortest, longestSeconds: longest });
  });
});

(hasPromtool ? describe : describe.skip)('BackupCronJob alerts with promtool', () => {
  const { objects } = synthBackup();
  const groups = only(objects, 'PrometheusRule').spec.groups;
  const rules = groups[0].rules;
  const annotations = (alert: string) => rules.find((r: any) => r.alert === alert).annotations;
  const ns = `namespace="${NAMESPACE}"`;

  test('every rule parses', () => {
    expect(checkRuleGroups(groups)).toContain('SUCCESS: 4 rules found');
  });

  test('BackupMissing fires once the last success is older than 36h, and when the CronJob never succeeded', () => {
    const missing = [{ exp_labels: { severity: 'critical', cronjob: 'platform-db-backup', namespace: NAMESPACE }, exp_annotations: annotations('BackupMissing') }];
    testRules(groups, [
      {
        interval: '5m',
        input_series: [{ series: `kube_cronjob_status_last_successful_time{cronjob="platform-db-backup",${ns}}`, values: '0x600' }],
        alert_rule_test: [
          { eval_time: '35h', alertname: 'BackupMissing', exp_alerts: [] },
          { eval_time: '37h', alertname: 'BackupMissing', exp_alerts: missing },
        ],
      },
      {
        interval: '5m',
        input_series: [
          { series: `kube_cronjob_created{cronjob="platform-db-backup",${ns}}`, values: '0x600' },
          { series: `kube_cronjob_status_last_successful_time{cronjob="platform-db-backup",${ns}}`, values: '_x455 136800x100' }, // first success at 38h
        ],
        alert_rule_test: [
          { eval_time: '35h', alertname: 'BackupMissing', exp_alerts: [] },
          { eval_time: '37h', alertname: 'BackupMissing', exp_alerts: missing },
          { eval_time: '40h', alertname: 'BackupMissing', exp_alerts: [] },
        ],
      },
    ], '5m'); // 40 hours evaluated every 5 minutes (every 15 s, promtool needs half a minute)
  });

  test('BackupJobFailed fires for a failed run newer than the last success, not for an older one or another CronJob', () => {
    const failedRun = (job: string, owner: string, startedAt: number) => [
      { series: `kube_job_status_start_time{job_name="${job}",${ns}}`, values: `${startedAt}x30` },
      { series: `kube_job_status_failed{job_name="${job}",reason="BackoffLimitExceeded",${ns}}`, values: '1x30' },
      { series: `kube_job_owner{job_name="${job}",owner_is_controller="true",owner_kind="CronJob",owner_name="${owner}",${ns}}`, values: '1x30' },
    ];
    const lastSuccess = (at: number) => ({ series: `kube_cronjob_status_last_successful_time{cronjob="platform-db-backup",${ns}}`, values: `${at}x30` });
    const fired = [{
      exp_labels: { severity: 'warning', cronjob: 'platform-db-backup', namespace: NAMESPACE, owner_name: 'platform-db-backup' },
      exp_annotations: annotations('BackupJobFailed'),
    }];
    testRules(groups, [
      { interval: '1m', input_series: [...failedRun('platform-db-backup-29000000', 'platform-db-backup', 7200), lastSuccess(3600)],
        alert_rule_test: [{ eval_time: '10m', alertname: 'BackupJobFailed', exp_alerts: fired }] },
      { interval: '1m', input_series: failedRun('platform-db-backup-29000000', 'platform-db-backup', 7200),
        alert_rule_test: [{ eval_time: '10m', alertname: 'BackupJobFailed', exp_alerts: fired }] },
      { interval: '1m', input_series: [...failedRun('platform-db-backup-29000000', 'platform-db-backup', 7200), lastSuccess(10800)],
        alert_rule_test: [{ eval_time: '10m', alertname: 'BackupJobFailed', exp_alerts: [] }] },
      { interval: '1m', input_series: [...failedRun('other-29000000', 'other', 7200), lastSuccess(3600)],
        alert_rule_test: [{ eval_time: '10m', alertname: 'BackupJobFailed', exp_alerts: [] }] },
    ]);
  });

  test('RestoreVerificationFailed fires for a failed verification run', () => {
    testRules(groups, [{
      interval: '1m',
      input_series: [
        { series: `kube_job_status_start_time{job_name="platform-db-backup-verify-1",${ns}}`, values: '600x30' },
        { series: `kube_job_status_failed{job_name="platform-db-backup-verify-1",reason="BackoffLimitExceeded",${ns}}`, values: '1x30' },
        { series: `kube_job_owner{job_name="platform-db-backup-verify-1",owner_is_controller="true",owner_kind="CronJob",owner_name="platform-db-backup-verify",${ns}}`, values: '1x30' },
      ],
      alert_rule_test: [{
        eval_time: '10m',
        alertname: 'RestoreVerificationFailed',
        exp_alerts: [{
          exp_labels: { severity: 'critical', cronjob: 'platform-db-backup-verify', namespace: NAMESPACE, owner_name: 'platform-db-backup-verify' },
          exp_annotations: annotations('RestoreVerificationFailed'),
        }],
      }],
    }]);
  });
});

test('a chart of its own: the construct does not depend on FintechService', () => {
  const chart = new Chart(new App(), 'backups', { namespace: 'fintech-staging' });
  const backup = new BackupCronJob(chart, 'platform-db-backup', { image: IMAGE, source: POSTGRES(), destination: S3(), encryption: ENCRYPTION() });
  expect(backup.namespace).toBe('fintech-staging');
  expect(chart.toJson().flatMap(validateManifest)).toEqual([]);
});

describe("the reference platform's backups", () => {
  const files = platformOutput();
  const parsed = new Map<string, any[]>();
  const objectsOfFile = (file: string): any[] => {
    if (!parsed.has(file)) parsed.set(file, parseAllDocuments(files.find((f) => f.path === file)!.content).map((d) => d.toJSON()));
    return parsed.get(file)!;
  };
  const podLabels = (o: any) => (o.kind === 'CronJob' ? o.spec.jobTemplate.spec.template : o.spec.template).metadata.labels;

  /** Whether a NetworkPolicy peer in `policyNamespace` matches a pod with `labels` in `namespace` (pods are never matched by ipBlock). */
  const peerMatches = (peer: any, policyNamespace: string, namespace: string, labels: Record<string, string>) => {
    if (peer.ipBlock) return false;
    const namespaceOk = peer.namespaceSelector
      ? selectorMatches(peer.namespaceSelector, { 'kubernetes.io/metadata.name': namespace })
      : namespace === policyNamespace;
    return namespaceOk && (peer.podSelector ? selectorMatches(peer.podSelector, labels) : true);
  };
  /** Whether the policies selecting a pod allow traffic to (egress) or from (ingress) a peer pod on `port`. */
  const allows = (policies: any[], direction: 'egress' | 'ingress', pod: Record<string, string>, peer: Record<string, string>, namespace: string, port: number) =>
    policies.filter((np) => selectorMatches(np.spec.podSelector, pod))
      .some((np) => (np.spec[direction] ?? []).some((rule: any) => (rule[direction === 'egress' ? 'to' : 'from'] ?? [])
        .some((p: any) => peerMatches(p, np.metadata.namespace, namespace, peer))
        && (rule.ports ?? []).some((p: any) => p.port === port)));

  test.each(ENVIRONMENTS.map((env) => [env.name, env.namespace]))(
    '%s: the database, Redis (RDB) and the event-store export, daily, kept 30 days, each verified weekly, with secrets by reference only',
    (envName, namespace) => {
      const objects = objectsOfFile(`${envName}/wave-1/backups.yaml`);
      const cronJobs = objects.filter((o) => o.kind === 'CronJob');
      expect(cronJobs.map((c) => [c.metadata.name, c.spec.schedule, c.spec.suspend])).toEqual([
        ['platform-db-backup', '0 2 * * *', false],
        ['platform-db-backup-restore', '0 0 31 2 *', true],
        ['platform-db-backup-verify', '0 4 * * 0', false],
        ['platform-db-backup-prune', '0 5 * * *', false],
        ['redis-backup', '20 2 * * *', false],
        ['redis-backup-verify', '0 4 * * 0', false],
        ['redis-backup-prune', '0 5 * * *', false],
        ['event-store-backup', '40 2 * * *', false],
        ['event-store-backup-verify', '0 4 * * 0', false],
        ['event-store-backup-prune', '0 5 * * *', false],
      ]);
      for (const name of ['platform-db-backup', 'redis-backup', 'event-store-backup']) {
        const env = envOf(only(objects, 'CronJob', name));
        expect([name, env.BACKUP_RETENTION_DAYS, env.BACKUP_DESTINATION]).toEqual([name, '30', `backup:fintech-backups/${namespace}/${name}`]);
        expect(objects.filter((o) => o.kind === 'PrometheusRule' && o.metadata.name === name)).toHaveLength(1);
      }
      const redis = envOf(only(objects, 'CronJob', 'redis-backup'));
      expect(redis).toMatchObject({
        REDIS_HOST: { secretKeyRef: { name: 'redis-backup', key: 'host' } },
        REDIS_PORT: '6380',
        REDIS_TLS: 'true',
        REDISCLI_AUTH: { secretKeyRef: { name: 'redis-backup', key: 'password' } },
        RCLONE_CONFIG_BACKUP_SAS_URL: { secretKeyRef: { name: 'backup-store-writer', key: 'sas-url' } },
        BACKUP_WRITE_ONLY: 'true',
        BACKUP_ENCRYPTION: 'age',
        AGE_RECIPIENTS: ENVIRONMENTS.find((e) => e.name === envName)!.backupRecipients.join(' '),
        BACKUP_LOCK_DAYS: '30',
      });
      // Every backup encrypted; the writer, pruner and reader hold separate credentials; the identity only where backups are read.
      for (const cronJob of cronJobs) {
        const name: string = cronJob.metadata.name;
        const env = envOf(cronJob);
        const role = name.endsWith('-prune') ? 'pruner' : name.endsWith('-restore') || name.endsWith('-verify') ? 'reader' : 'writer';
        expect([name, env.BACKUP_ENCRYPTION, env.RCLONE_CONFIG_BACKUP_SAS_URL]).toEqual([name, 'age', { secretKeyRef: { name: `backup-store-${role}`, key: 'sas-url' } }]);
        expect([name, env.AGE_IDENTITY_FILE !== undefined]).toEqual([name, role === 'reader']);
        expect([name, podOf(cronJob).volumes.some((v: any) => v.secret?.secretName === 'backup-age-identity')]).toEqual([name, role === 'reader']);
      }
      expect(envOf(only(objects, 'CronJob', 'event-store-backup')).EVENTS_EXPORT_URL).toBe('http://transaction-service:8004/events/export');
      // Only Secret references: no plain value of a credential variable.
      for (const cronJob of cronJobs) {
        for (const e of containerOf(cronJob).env) {
          if (/PASSWORD|AUTH|KEY|TOKEN|SECRET/.test(e.name)) expect([cronJob.metadata.name, e.name, e.value]).toEqual([cronJob.metadata.name, e.name, undefined]);
        }
      }
      expect(objects.flatMap(validateManifest)).toEqual([]);
      expect(checkObjects(objects)).toEqual([]);
    });

  test.each(ENVIRONMENTS.map((env) => [env.name, env.namespace]))(
    '%s: the event-store backup reaches transaction-service on 8004 (its egress and the service\'s ingress); the other backups do not', (envName, namespace) => {
      const backups = objectsOfFile(`${envName}/wave-1/backups.yaml`);
      const service = objectsOfFile(`${envName}/wave-3/transaction-service.yaml`);
      const policies = [...backups, ...service].filter((o) => o.kind === 'NetworkPolicy');
      const target = podLabels(only(service, 'Deployment', 'transaction-service'));
      for (const [name, reaches] of [['event-store-backup', true], ['event-store-backup-verify', true], ['redis-backup', false], ['platform-db-backup', false]] as const) {
        const pod = podLabels(only(backups, 'CronJob', name));
        expect([name, allows(policies, 'egress', pod, target, namespace, 8004), allows(policies, 'ingress', target, pod, namespace, 8004)])
          .toEqual([name, reaches, reaches]);
      }
    });

  test('the backups are delivered with the data, before the services', () => {
    for (const env of ENVIRONMENTS) {
      expect(files.filter((f) => f.path.startsWith(`${env.name}/`) && f.path.endsWith('/backups.yaml')).map((f) => f.path))
        .toEqual([`${env.name}/wave-1/backups.yaml`]);
    }
  });

  test('a catalogue without transaction-service has no event-store backup', () => {
    const app = buildEnvironment(ENVIRONMENTS[0], [{ name: 'ledger', port: 8080, version: '1.0.0', owner: 'ledger', dataClassification: DataClassification.INTERNAL }], {}, { monitoring: false });
    const names = objectsOf(synthesizeFolders([{ folder: 'staging', app }])).filter((o) => o.kind === 'CronJob').map((o) => o.metadata.name);
    expect(names).toEqual([
      'platform-db-backup', 'platform-db-backup-restore', 'platform-db-backup-verify', 'platform-db-backup-prune',
      'redis-backup', 'redis-backup-verify', 'redis-backup-prune',
    ]);
  });
});
