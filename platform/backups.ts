import { Chart, Cron, Duration, Size } from 'cdk8s';
import { ContainerResources, Cpu } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { BackupCronJob, BackupDestination, BackupSource, FintechService, NetworkPeer, SecretKeyRef } from '../lib';
import { EnvironmentSpec } from './environments';
import { RUNBOOK_BASE_URL } from './monitoring';
import { environmentSecret, IMAGE_REGISTRY } from './services';

/** The backup of transaction-service's event-store export, which transaction-service admits. */
export const EVENT_STORE_BACKUP = 'event-store-backup';

/**
 * The image of the backup Jobs (built outside this repo): Debian bookworm with bash, coreutils,
 * gzip, curl, rclone, redis-tools and postgresql-client-15 (the platform database's major version).
 */
export const BACKUP_IMAGE = `${IMAGE_REGISTRY}/fintech/backup-tools:1.0.0`;

/**
 * The Redis server's port: the guides reach Redis with TLS on 6380. `redis-cli --rdb` fetches the
 * snapshot as a replica would, so the server must allow SYNC/PSYNC to the backup's password;
 * managed caches that block them need their own export instead of this Job.
 */
export const REDIS_TLS_PORT = 6380;

/** The service whose event store is exported (PLATFORM.md, service catalogue: `/events/export`). */
export const EVENT_STORE_SERVICE = 'transaction-service';

/**
 * Resources of the Redis and event-store Jobs in both environments (the guides give none). They
 * only stream a snapshot or an export through gzip, far lighter than pg_dump: 50m CPU and 128Mi
 * requested, 250m and 256Mi at most (gzip at a quarter of a CPU compresses a few GiB in minutes).
 * So sized, all six CronJobs and the three pruning CronJobs (50m CPU / 128Mi at most each) fit
 * staging's quota with every autoscaler at its maximum (reports/capacity.md: limits.cpu 13.65 of
 * 14); half a CPU each would exceed it.
 */
export const LIGHT_BACKUP_RESOURCES: ContainerResources = {
  cpu: { request: Cpu.millis(50), limit: Cpu.millis(250) },
  memory: { request: Size.mebibytes(128), limit: Size.mebibytes(256) },
};

/**
 * The container's time-based retention (Azure immutability policy, set on the container outside
 * this repository): every backup is immutable for as long as it is kept.
 */
export const BACKUP_RETENTION = Duration.days(30);

/** The backups of one environment. */
export interface PlatformBackups {
  /** The platform database: `pg_dump`, daily at 02:00. */
  readonly database: BackupCronJob;
  /** Redis: an RDB snapshot, daily at 02:20. */
  readonly redis: BackupCronJob;
  /** The transaction event store's export, daily at 02:40; undefined when the catalogue has no transaction-service. */
  readonly eventStore?: BackupCronJob;
}

/**
 * The platform's backups (PLATFORM.md, "Backups"): the database, Redis (RDB) and the transaction
 * event store's export, each daily, kept 30 days, to the Azure Blob container `fintech-backups`
 * under `<namespace>/<name>`, each with a weekly restore verification (Sunday 04:00) and the backup
 * alerts (picked up by the MonitoringStack's Prometheus through `app.kubernetes.io/part-of`). The
 * guides give a time only for the database (02:00); Redis and the event store follow 20 and 40
 * minutes later, so the three dumps do not start together.
 *
 * Every archive is encrypted with age to the environment's `backupRecipients` before upload. Each
 * Job reaches the container with its own SAS: the backup Jobs may not list or delete, the pruning
 * CronJobs ("<name>-prune") may list, read metadata and delete, the restore and verification Jobs
 * may list and read; the container's 30-day immutability policy keeps every blob from deletion or
 * overwrite for as long as it is kept.
 *
 * Secrets, created outside git in each namespace (platform-db-backup synchronised from the
 * environment's `secretStore` where it has one, under `fintech/<environment>/platform-db-backup`):
 *   platform-db-backup   keys host, user, password: a role that is a member of the database's
 *                        owner role (it reads every table, and a restore creates the objects as
 *                        that owner) and has CREATEDB (for the verification's scratch database)
 *   redis-backup         keys host, password: the Redis server and a password allowed SYNC/PSYNC
 *   backup-object-store  key account: the storage account name
 *   backup-store-writer  key sas-url: a container SAS with permissions "rcw" (read, create, write;
 *                        rclone reads the folder's properties before an upload)
 *   backup-store-pruner  key sas-url: a container SAS with permissions "lrd" (list, read, delete)
 *   backup-store-reader  key sas-url: a container SAS with permissions "lr" (list, read)
 *   backup-age-identity  key identity: the age identity of the environment's recipient
 * The event store's export is reached inside the namespace, from the Service of the catalogue's
 * transaction-service on its port, which admits the Job (platform/services.ts).
 */
export function platformBackups(
  scope: Construct, env: EnvironmentSpec, labels: Record<string, string>, services: readonly FintechService[],
): PlatformBackups {
  const chart = new Chart(scope, 'backups', { namespace: env.namespace, labels });
  const store = (credential: string) => BackupDestination.azureBlob({
    container: 'fintech-backups',
    account: SecretKeyRef.of('backup-object-store', 'account'),
    sasUrl: SecretKeyRef.of(credential, 'sas-url'),
  });
  const protection = () => ({
    destination: store('backup-store-writer'),
    encryption: { recipients: [...env.backupRecipients], identity: SecretKeyRef.of('backup-age-identity', 'identity') },
    access: { pruner: store('backup-store-pruner'), reader: store('backup-store-reader') },
    retention: BACKUP_RETENTION,
    retentionLock: BACKUP_RETENTION,
  });
  const database = new BackupCronJob(chart, 'platform-db-backup', {
    image: BACKUP_IMAGE,
    source: BackupSource.postgres({
      database: env.platformDatabase,
      host: environmentSecret(env, 'platform-db-backup', 'host'),
      user: environmentSecret(env, 'platform-db-backup', 'user'),
      password: environmentSecret(env, 'platform-db-backup', 'password'),
    }),
    ...protection(),
    alerts: { runbookBaseUrl: RUNBOOK_BASE_URL },
    // Staging: the environment's small sizing, so that a run of each CronJob fits its quota with every autoscaler at its maximum.
    resources: env.resources && {
      cpu: { request: env.resources.cpuRequest, limit: env.resources.cpuLimit },
      memory: { request: env.resources.memoryRequest, limit: env.resources.memoryLimit },
    },
  });
  const redis = new BackupCronJob(chart, 'redis-backup', {
    image: BACKUP_IMAGE,
    source: BackupSource.redis({
      host: SecretKeyRef.of('redis-backup', 'host'),
      port: REDIS_TLS_PORT,
      tls: true,
      password: SecretKeyRef.of('redis-backup', 'password'),
    }),
    ...protection(),
    alerts: { runbookBaseUrl: RUNBOOK_BASE_URL },
    schedule: Cron.schedule({ minute: '20', hour: '2' }),
    resources: LIGHT_BACKUP_RESOURCES,
  });
  const exporter = services.find((s) => s.name === EVENT_STORE_SERVICE);
  const eventStore = exporter && new BackupCronJob(chart, EVENT_STORE_BACKUP, {
    image: BACKUP_IMAGE,
    source: BackupSource.eventStoreExport({
      url: `http://${exporter.name}:${exporter.servicePort}/events/export`,
      peer: NetworkPeer.service(exporter),
    }),
    ...protection(),
    alerts: { runbookBaseUrl: RUNBOOK_BASE_URL },
    schedule: Cron.schedule({ minute: '40', hour: '2' }),
    resources: LIGHT_BACKUP_RESOURCES,
  });
  exporter?.allowFrom(NetworkPeer.namespace(env.namespace, [], eventStore!.selectorLabels));
  return { database, redis, eventStore };
}
