import { Cron, Duration, Size } from 'cdk8s';
import { ContainerResources, Cpu, k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { ExternalSecret } from '../imports/externalsecrets-external-secrets.io';
import { PrometheusRule } from '../imports/prometheusrules-monitoring.coreos.com';
import { backupAlertRules, checkFailuresVisible } from './backup/alerts';
import { CronIntervals } from './backup/cron';
import { BackupDestination } from './backup/destination';
import { createBackupJob, IDENTITY_DIR, IDENTITY_FILE, JOB_COMPONENTS, JobPurpose, NEVER, PRUNE_ACTIVE_DEADLINE, WORK_DIR } from './backup/job';
import { BackupAccessOptions, BackupEncryptionOptions, checkAccess, checkEncryption, checkOwnCredential, checkRetentionLock } from './backup/protection';
import {
  checkNoOverlap, checkRetention, checkSchedule, DEFAULT_PRUNE_SCHEDULE,
  DEFAULT_VERIFICATION_SCHEDULE, JobTiming, missingThreshold, resolveBackupTiming,
} from './backup/schedule';
import { backupScript, BackupSourceKind, SCRIPT_FILES } from './backup/scripts';
import { BackupSource, checkDatabaseName, JobEnvVar } from './backup/source';
import { DeliveryTier, IDeliverable } from './delivery';
import { createExternalSecrets, SecretUse } from './external-secret';
import { checkRunbookBaseUrl } from './monitoring/alert-rules';
import { createNetworkPolicy } from './network-policy';
import { createWorkloadIdentity, WorkloadAccess } from './rbac';
import { DEFAULT_NAMESPACE } from './shared/defaults';
import { constructLabel, invalidProp } from './shared/errors';
import { imageVersion, selectorLabels, serviceLabels } from './shared/labels';
import { checkedResources, kubeResources, memoryMiB, memoryQuantity } from './shared/resources';
import { RunAsIdentity } from './shared/security';
import {
  checkChartNamespace, checkConstructId, checkDnsLabel, checkDuration, checkInteger, checkKnownKeys, checkNoCollidingObjects, checkNoNullOptions, checkNoNulls, checkNotSecret,
  checkNumber, checkRunAs, checkSize, checkString, checkTimeZone, checkWorkloadImage,
} from './shared/validation';

export { BackupSource, BackupSourceKind, BackupDestination };
export type { BackupAccessOptions, BackupEncryptionOptions } from './backup/protection';
export type { PostgresSourceOptions, PostgresSslMode, RedisSourceOptions, EventStoreExportOptions } from './backup/source';
export type {
  S3DestinationOptions, AzureBlobDestinationOptions, GcsDestinationOptions, RcloneDestinationOptions,
} from './backup/destination';

/** The restore Job template (PostgreSQL): a suspended CronJob to start by hand. */
export interface RestoreOptions {
  /**
   * The database to restore into; it must exist and be empty. The restored objects belong to its
   * owner unless the source names an `owner`.
   * @default - the source database
   */
  readonly database?: string;
  /** How long a restore may run. @default Duration.hours(6) */
  readonly activeDeadline?: Duration;
}

/** The scheduled restore verification. */
export interface RestoreVerificationOptions {
  /** @default Cron.schedule({ minute: '0', hour: '4', weekDay: '0' }) (weekly, Sunday 04:00) */
  readonly schedule?: Cron;
  /**
   * PostgreSQL: the scratch database the newest backup is restored into; dropped and created by
   * the Job (its role needs CREATEDB), dropped again when the check ends.
   * @default "<database>_restore_check"
   */
  readonly scratchDatabase?: string;
  /** How long a verification may run; with `startingDeadline` it must end before the next run. @default Duration.hours(3) */
  readonly activeDeadline?: Duration;
}

/** The PrometheusRule of the backups. */
export interface BackupAlertOptions {
  /**
   * "Backup missing" fires when the last success is older than this many times the longest interval
   * between two runs (daily: 1.5 → 36 h). It must leave room for a late start and a full run.
   * @default 1.5
   */
  readonly missingAfterFactor?: number;
  /**
   * Where the runbooks of the backup alerts live: each alert links `<runbookBaseUrl>/<alert-name-in-kebab-case>`
   * (e.g. `.../backup-missing`), as with the MonitoringStack.
   * @default - no `runbook_url` annotation
   */
  readonly runbookBaseUrl?: string;
}

/** Properties of a {@link BackupCronJob}. */
export interface BackupCronJobProps {
  /**
   * Name of the CronJob and of every object it creates (the restore and verification CronJobs
   * add "-restore" and "-verify"); a DNS-1123 label of at most 44 characters.
   * @default - the construct id
   */
  readonly name?: string;
  /** What to back up: `BackupSource.postgres(...)`, `BackupSource.redis(...)` or `BackupSource.eventStoreExport(...)`. */
  readonly source: BackupSource;
  /**
   * Where backups go: `BackupDestination.s3(...)`, `.azureBlob(...)`, `.gcs(...)` or `.rclone(...)`.
   * With `access`, this is the backup Job's credential, which only needs to create objects.
   */
  readonly destination: BackupDestination;
  /**
   * Client-side encryption with age before upload: `{ recipients, identity }`, or `false` for plain
   * archives. There is no default: an unencrypted backup must be asked for.
   */
  readonly encryption: BackupEncryptionOptions | false;
  /**
   * Separate credentials for pruning (list and delete) and for reading (restore, verification),
   * so that the backup Job's credential (`destination`) may only create objects: a compromised
   * backup Job can neither read nor delete backups. Pruning then runs in its own CronJob
   * "<name>-prune".
   * @default - one credential (`destination`) for every Job; the backup Job prunes after each backup
   */
  readonly access?: BackupAccessOptions;
  /**
   * The store keeps every object immutable for this long (S3 Object Lock default retention on the
   * bucket, or an Azure container immutability policy, configured on the store): pruning never
   * deletes an object younger than this. Whole days, at most `retention`.
   * @default - no retention lock
   */
  readonly retentionLock?: Duration;
  /**
   * The Jobs' image, pinned to a version tag or a digest. It must hold bash 4.4+, GNU coreutils,
   * gzip, rclone and the source's client: PostgreSQL's client tools of the server's major version
   * (or newer), redis-cli, or curl.
   */
  readonly image: string;
  /** Folder of this database's backups inside the destination. @default - "<namespace>/<name>" */
  readonly prefix?: string;
  /** When backups run. @default Cron.schedule({ minute: '0', hour: '2' }) (daily at 02:00) */
  readonly schedule?: Cron;
  /**
   * IANA time zone of `schedule` (and of the verification's and pruning's schedules). In a zone with
   * daylight saving time, no schedule may run in an hour its clocks skip or repeat.
   * @default "Etc/UTC"
   */
  readonly timeZone?: string;
  /** Backups older than this are deleted after each successful backup, except the newest. Whole days, at least 1. @default Duration.days(30) */
  readonly retention?: Duration;
  /** A run that could not start within this time after its schedule is skipped. At least 10 seconds. @default Duration.minutes(30) */
  readonly startingDeadline?: Duration;
  /**
   * How long a backup Job may run before it is stopped and fails. A run may start up to
   * `startingDeadline` late, so both together must fit in the shortest interval between two runs.
   * @default Duration.hours(3)
   */
  readonly activeDeadline?: Duration;
  /** Retries of a failed backup (each retry is a new pod and a new timestamp). @default 1 */
  readonly backoffLimit?: number;
  /** @default 3 */
  readonly successfulJobsHistoryLimit?: number;
  /** At least 1 with `alerts`: the failure alerts read the failed Job. @default 3 */
  readonly failedJobsHistoryLimit?: number;
  /**
   * Finished Jobs (and their pods' logs) are deleted after this. At least 15 minutes with `alerts`:
   * a failed Job must outlive its failure alert's 5 minutes of holding.
   * @default Duration.days(3)
   */
  readonly ttlAfterFinished?: Duration;
  /**
   * Container resources of every Job; what is not given comes from the default.
   * @default - requests 250m CPU / 256Mi / 1Gi ephemeral storage; limits 1 CPU / 1Gi / `workSpace` + 1Gi
   */
  readonly resources?: ContainerResources;
  /** Size of the scratch volume the archive is written to before upload (an emptyDir). @default Size.gibibytes(10) */
  readonly workSpace?: Size;
  /** The user and group the Jobs run as (never root). @default - uid 1000, gid 1000 */
  readonly runAs?: RunAsIdentity;
  /**
   * Container resources of the pruning CronJob (with `access`): it only lists and deletes objects.
   * @default - requests 10m CPU / 64Mi / 64Mi ephemeral storage; limits 50m CPU / 128Mi / 256Mi ephemeral storage
   */
  readonly pruneResources?: ContainerResources;
  /**
   * The restore Job template (PostgreSQL only); `false` leaves it out.
   * @default - a suspended CronJob "<name>-restore" that restores the newest backup into the source database
   */
  readonly restore?: RestoreOptions | false;
  /**
   * The scheduled restore verification; `false` leaves it out. PostgreSQL: restores the newest
   * backup into a scratch database and checks `verifyTables`. Redis and event store: downloads the
   * newest backup and checks its checksum and format.
   * @default - weekly on Sunday at 04:00
   */
  readonly restoreVerification?: RestoreVerificationOptions | false;
  /** Alerts (PrometheusRule); `false` leaves them out. @default - missing after 1.5 × the longest interval; job failed; verification failed or missing */
  readonly alerts?: BackupAlertOptions | false;
}

const BACKUP_PROPS = [
  'name', 'source', 'destination', 'encryption', 'access', 'retentionLock', 'image', 'prefix', 'schedule', 'timeZone', 'retention',
  'startingDeadline', 'activeDeadline', 'backoffLimit', 'successfulJobsHistoryLimit', 'failedJobsHistoryLimit', 'ttlAfterFinished',
  'resources', 'workSpace', 'runAs', 'pruneResources', 'restore', 'restoreVerification', 'alerts',
];
const MAX_NAME_LENGTH = 44; // a CronJob name may have 52 characters; "-restore" takes 8
const DEFAULT_RESOURCES = {
  cpuRequest: Cpu.millis(250),
  cpuLimit: Cpu.units(1),
  memoryRequest: Size.mebibytes(256),
  memoryLimit: Size.gibibytes(1),
  ephemeralRequest: Size.gibibytes(1),
};
/** rclone listing and deleting a few thousand names: a fraction of a CPU and well under 128Mi. */
const DEFAULT_PRUNE_RESOURCES = {
  cpuRequest: Cpu.millis(10),
  cpuLimit: Cpu.millis(50),
  memoryRequest: Size.mebibytes(64),
  memoryLimit: Size.mebibytes(128),
  ephemeralRequest: Size.mebibytes(64),
  ephemeralLimit: Size.mebibytes(256),
};

/** The pruning CronJob's own ServiceAccount and NetworkPolicy (egress to the store only). */
class PruningIdentity extends Construct {
  constructor(scope: Construct, id: string, public readonly namespace: string) {
    super(scope, id);
  }
}

/** The environment variables of the Jobs, built (and every source and destination option checked) up front. */
interface JobEnvironments {
  /** The backup Job's. */
  readonly backup: JobEnvVar[];
  /** What the restore and verification Jobs share: the reader credential and the identity file. */
  readonly reader: JobEnvVar[];
  /** The source's restore settings (PostgreSQL: owner and application roles). */
  readonly restore: JobEnvVar[];
  /** The pruner credential. */
  readonly pruner: JobEnvVar[];
}

/** The pruning CronJob and what it runs with. */
interface Pruning {
  readonly schedule: string;
  readonly serviceAccount: k8s.KubeServiceAccount;
  readonly job: k8s.KubeCronJob;
  readonly networkPolicy: k8s.KubeNetworkPolicy;
}

/**
 * Scheduled backups of one database (or Redis, or the event-store export) to object storage, with
 * every safeguard on:
 *
 * - a batch/v1 CronJob (`'Resource'`) with a validated schedule and time zone, `concurrencyPolicy:
 *   Forbid`, a starting and an active deadline that cannot overlap the next run, bounded retries,
 *   history limits and a TTL; the restricted Pod Security profile, resources, its own
 *   ServiceAccount without a token, and a NetworkPolicy that allows egress only to the database,
 *   the object store and DNS (and no ingress at all);
 * - the script (`set -euo pipefail`) in a ConfigMap mounted read-only: `pg_dump | gzip` to
 *   `backup_<YYYYmmdd_HHMMSS>.sql.gz` (UTC), a SHA-256 checksum beside it, integrity verification
 *   before upload, upload with rclone under `<name>.partial` then a rename (the object under its
 *   final name is always complete; the checksum is uploaded first, so every backup has one), and
 *   retention that deletes backups older than `retention` but never the newest;
 * - a restore Job template (a suspended CronJob: `kubectl create job --from=cronjob/<name>-restore`)
 *   that restores as the database's owner role and re-grants the application roles (PostgreSQL:
 *   `owner`, `applicationRoles`), a weekly restore verification into a scratch database that also
 *   checks that the application can use the restored tables, and alerts (backup missing, backup
 *   failed, restore verification failed or missing), each with a runbook link.
 *
 * Ages come from the UTC timestamps in the object names, not from object modification times (a
 * server-side rename or copy changes those); "now" is the Job's clock.
 *
 * Credentials are Secret references only, passed as environment variables (libpq's `PG*`,
 * rclone's `RCLONE_CONFIG_BACKUP_*`); nothing secret is ever in the manifests. A Secret referenced
 * with `SecretKeyRef.fromExternalSecret` gets its ExternalSecret from this construct (`externalSecrets`).
 *
 * Backups a compromised Job cannot read or erase: with `encryption`, every archive is encrypted
 * with age to public keys before upload (the backup Job cannot decrypt; the identity is a file from
 * a Secret in the restore and verification Jobs only, and a backup it cannot decrypt fails the
 * verification). With `access`, the backup Job's credential only creates objects, the pruning runs
 * in its own CronJob with a list-and-delete credential, and the Jobs that read use a read-only one;
 * `retentionLock` keeps the pruning clear of objects the store still locks.
 */
export class BackupCronJob extends Construct implements IDeliverable {
  /** Backups go with the data, before the services (see `deliveryWaves`). */
  public readonly deliveryTier = DeliveryTier.DATA;
  public readonly name: string;
  public readonly namespace: string;
  public readonly image: string;
  /** The image's tag (or a short digest), as the `app.kubernetes.io/version` label. */
  public readonly version: string;
  public readonly source: BackupSource;
  public readonly destination: BackupDestination;
  /** The rclone path of the backups, e.g. `backup:fintech-backups/fintech-production/platform-db`. */
  public readonly remotePath: string;
  /** The backup schedule (5 cron fields). */
  public readonly schedule: string;
  public readonly timeZone: string;
  /** Shortest and longest time between two backups, in seconds. */
  public readonly intervals: CronIntervals;
  public readonly retentionDays: number;
  /** Days the store locks every object (0: no retention lock). */
  public readonly retentionLockDays: number;
  /** The age encryption of the archives; undefined when `encryption` is `false`. */
  public readonly encryption?: BackupEncryptionOptions;
  /** The separate pruner and reader credentials; undefined: `destination` serves every Job. */
  public readonly access?: BackupAccessOptions;
  /** The pruning CronJob's schedule (5 cron fields); undefined without `access`. */
  public readonly pruneSchedule?: string;
  public readonly startingDeadlineSeconds: number;
  public readonly activeDeadlineSeconds: number;
  public readonly backoffLimit: number;
  public readonly successfulJobsHistoryLimit: number;
  public readonly failedJobsHistoryLimit: number;
  public readonly ttlSecondsAfterFinished: number;
  /** Labels that select the pods of all the Jobs: derived from the name only. */
  public readonly selectorLabels: Record<string, string>;
  /** How old the last successful backup may get before "backup missing" fires; undefined without alerts. */
  public readonly missingAlertAfterSeconds?: number;

  /** The backup CronJob. */
  public readonly cronJob: k8s.KubeCronJob;
  /** The scripts of all the Jobs. */
  public readonly configMap: k8s.KubeConfigMap;
  public readonly serviceAccount: k8s.KubeServiceAccount;
  public readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** The restore Job template (a suspended CronJob); undefined without `restore` or for other sources than PostgreSQL. */
  public readonly restoreJob?: k8s.KubeCronJob;
  /** Undefined when `restoreVerification` is `false`. */
  public readonly verificationJob?: k8s.KubeCronJob;
  /** Undefined when `alerts` is `false`. */
  public readonly alertRule?: PrometheusRule;
  /**
   * One per Secret the Jobs read that is made with `SecretKeyRef.fromExternalSecret`; empty without.
   * Each Job's pod reads the Secret when it starts, so a rotation reaches the next run without a restart.
   */
  public readonly externalSecrets: readonly ExternalSecret[];
  /** The pruning CronJob "<name>-prune"; undefined without `access` (the backup Job prunes). */
  public readonly pruneJob?: k8s.KubeCronJob;
  /** The pruning CronJob's ServiceAccount; undefined without `access`. */
  public readonly pruneServiceAccount?: k8s.KubeServiceAccount;
  /** The pruning CronJob's NetworkPolicy (egress to the store and DNS only); undefined without `access`. */
  public readonly pruneNetworkPolicy?: k8s.KubeNetworkPolicy;

  private readonly runAs?: RunAsIdentity;
  private readonly resources: k8s.ResourceRequirements;
  private readonly pruneResources: k8s.ResourceRequirements;
  private readonly workSpace: Size;
  private readonly secretUses: SecretUse[] = [];

  constructor(scope: Construct, id: string, props: BackupCronJobProps) {
    checkConstructId(scope, id, 'BackupCronJob');
    super(scope, id);
    checkPropsShape(this, props);
    this.name = checkName(this, props.name ?? id);
    this.namespace = checkChartNamespace(this) ?? DEFAULT_NAMESPACE;
    this.image = checkWorkloadImage(this, 'image', props.image);
    this.version = imageVersion(this.image);
    this.source = checkSource(this, props.source);
    this.destination = checkDestination(this, props.destination);
    this.selectorLabels = selectorLabels(this.name);
    this.runAs = checkRunAs(this, 'runAs', props.runAs);
    this.remotePath = checkOwnFolder(this, this.destination._remotePath(this,
      checkPrefix(this, checkString(this, 'prefix', props.prefix ?? `${this.namespace}/${this.name}`, { example: '"ledger/daily"' }))), props.prefix);
    this.timeZone = checkTimeZone(this, 'timeZone', props.timeZone ?? 'Etc/UTC');
    this.retentionDays = checkRetention(this, props.retention ?? Duration.days(30));
    this.backoffLimit = checkInteger(this, 'backoffLimit', props.backoffLimit ?? 1, 0, 10);
    this.successfulJobsHistoryLimit = checkInteger(this, 'successfulJobsHistoryLimit', props.successfulJobsHistoryLimit ?? 3, 0, 100);
    this.failedJobsHistoryLimit = checkInteger(this, 'failedJobsHistoryLimit', props.failedJobsHistoryLimit ?? 3, 0, 100);
    ({ schedule: this.schedule, intervals: this.intervals, ttlSecondsAfterFinished: this.ttlSecondsAfterFinished,
      startingDeadlineSeconds: this.startingDeadlineSeconds, activeDeadlineSeconds: this.activeDeadlineSeconds } = resolveBackupTiming(this, props, this.timeZone));
    this.workSpace = checkWorkSpace(this, checkSize(this, 'workSpace', props.workSpace ?? Size.gibibytes(10)));
    this.resources = this.containerResources(props.resources ?? {});
    this.pruneResources = kubeResources(checkedResources(this, 'pruneResources', props.pruneResources ?? {}, DEFAULT_PRUNE_RESOURCES));
    this.encryption = checkEncryption(this, props.encryption);
    this.access = checkAccess(this, props.access, this.destination);
    this.retentionLockDays = checkRetentionLock(this, props.retentionLock, this.retentionDays);
    const restore = this.restoreOptions(props.restore);
    const verification = props.restoreVerification === false ? undefined : props.restoreVerification ?? {};
    const env = this.jobEnvironments();

    this.configMap = this.createScripts(restore !== undefined, verification !== undefined);
    this.serviceAccount = createWorkloadIdentity(this, identityOf(this.metadata(), this.namespace)).serviceAccount;
    this.cronJob = this.createBackupJob(env);
    this.restoreJob = restore ? this.createRestoreJob(restore, env) : undefined;
    const verify = verification ? this.createVerificationJob(verification, env) : undefined;
    this.verificationJob = verify?.job;
    const pruning = this.access ? this.createPruning(this.access, env) : undefined;
    this.pruneSchedule = pruning?.schedule;
    this.pruneServiceAccount = pruning?.serviceAccount;
    this.pruneJob = pruning?.job;
    this.pruneNetworkPolicy = pruning?.networkPolicy;
    this.externalSecrets = createExternalSecrets(this, this.secretUses, this.metadata().labels!);
    this.networkPolicy = this.createNetworkPolicy();
    const alerts = props.alerts === false ? undefined : this.createAlerts(props.alerts ?? {}, verify?.timing);
    this.missingAlertAfterSeconds = alerts?.missingAfterSeconds;
    this.alertRule = alerts?.rule;
    checkNoCollidingObjects(this, 'name', this.name, 'give the backup another name');
  }

  /** Nothing needs to be applied first: a run that finds its database unreachable fails and alerts. */
  public deliveryDependencies(): IConstruct[] {
    return [];
  }

  /** The metadata of the backup's own objects (component "backup"). */
  private metadata(name = this.name): k8s.ObjectMeta {
    return { name, labels: { ...serviceLabels(this.name, this.version), 'app.kubernetes.io/component': 'backup' } };
  }

  // -------------------------------------------------------------------------------------------
  // Options

  private restoreOptions(restore: RestoreOptions | false | undefined): RestoreOptions | undefined {
    const isPostgres = this.source.kind === BackupSourceKind.POSTGRES;
    const resolved = restore === false ? undefined : restore ?? (isPostgres ? {} : undefined);
    if (resolved) checkKnownKeys(this, 'restore', resolved, ['database', 'activeDeadline'], "{ database: 'payments' } or false");
    if (resolved && !isPostgres) {
      throw invalidProp(this, 'restore', resolved, `applies to PostgreSQL sources only; ${this.source.kind} backups are restored by hand (see the README)`);
    }
    return resolved;
  }

  private jobEnvironments(): JobEnvironments {
    const sourceEnv = this.source._environment(this);
    const writerEnv = this.destination._environment(this);
    const readerEnv = this.access ? this.access.reader._environment(this, 'access.reader') : writerEnv;
    const prunerEnv = this.access ? this.access.pruner._environment(this, 'access.pruner') : writerEnv;
    if (this.access) {
      checkOwnCredential(this, 'access.reader', readerEnv, writerEnv);
      checkOwnCredential(this, 'access.pruner', prunerEnv, writerEnv);
      checkOwnCredential(this, 'access.reader', readerEnv, prunerEnv, 'access.pruner',
        "with the pruner's, the restore and verification Jobs could also delete backups");
    }
    const restoreEnv = this.source._restoreEnvironment(this);
    const base: JobEnvVar[] = [
      { name: 'BACKUP_DESTINATION', value: this.remotePath },
      { name: 'BACKUP_WORK_DIR', value: WORK_DIR },
      { name: 'HOME', value: '/tmp' },
      { name: 'BACKUP_ENCRYPTION', value: this.encryption ? 'age' : 'none' },
      { name: 'BACKUP_LOCK_DAYS', value: String(this.retentionLockDays) },
    ];
    const writeOnly: JobEnvVar[] = this.access ? [
      { name: 'BACKUP_WRITE_ONLY', value: 'true' },
      // rclone's HEAD after an S3 upload needs read permission; the PUT response's ETag is checked instead.
      ...(this.destination.type === 's3' ? [{ name: 'RCLONE_CONFIG_BACKUP_NO_HEAD', value: 'true' }] : []),
    ] : [];
    const recipients: JobEnvVar[] = this.encryption ? [{ name: 'AGE_RECIPIENTS', value: this.encryption.recipients.join(' ') }] : [];
    const identity: JobEnvVar[] = this.encryption ? [{ name: 'AGE_IDENTITY_FILE', value: `${IDENTITY_DIR}/${IDENTITY_FILE}` }] : [];
    return {
      backup: [...base, ...writerEnv, ...writeOnly, { name: 'BACKUP_RETENTION_DAYS', value: String(this.retentionDays) }, ...recipients, ...sourceEnv],
      reader: [...base, ...readerEnv, ...identity],
      restore: restoreEnv,
      pruner: prunerEnv,
    };
  }

  private verificationEnv(verification: RestoreVerificationOptions): JobEnvVar[] {
    if (this.source.kind !== BackupSourceKind.POSTGRES) {
      if (verification.scratchDatabase !== undefined) {
        throw invalidProp(this, 'restoreVerification.scratchDatabase', verification.scratchDatabase, 'applies to PostgreSQL sources only');
      }
      return this.source._environment(this);
    }
    const database = this.source.database!;
    const scratch = checkDatabaseName(this, 'restoreVerification.scratchDatabase', verification.scratchDatabase ?? `${database}_restore_check`);
    if (scratch === database) {
      throw invalidProp(this, 'restoreVerification.scratchDatabase', scratch,
        'must differ from the source database: the verification drops and recreates its scratch database');
    }
    return [
      { name: 'BACKUP_SOURCE_DATABASE', value: database },
      { name: 'VERIFY_TABLES', value: this.source.verifyTables.join(' ') },
      ...this.source._environment(this, scratch),
      ...this.source._restoreEnvironment(this),
    ];
  }

  private containerResources(resources: ContainerResources): k8s.ResourceRequirements {
    // The work volume counts against the pod's ephemeral storage, so the limit must hold it.
    const ephemeralLimit = resources.ephemeralStorage?.limit ?? Size.mebibytes(memoryMiB(this.workSpace) + 1024);
    const quantities = checkedResources(this, 'resources', resources, { ...DEFAULT_RESOURCES, ephemeralLimit });
    if (memoryMiB(ephemeralLimit) < memoryMiB(this.workSpace)) {
      throw invalidProp(this, 'resources.ephemeralStorage.limit', memoryQuantity(ephemeralLimit),
        `must hold the work volume ('workSpace', ${memoryQuantity(this.workSpace)}), or the pod is evicted when the archive fills it`);
    }
    return kubeResources(quantities);
  }

  // -------------------------------------------------------------------------------------------
  // Objects

  private createScripts(restore: boolean, verification: boolean): k8s.KubeConfigMap {
    const scripts: Record<string, string> = { [SCRIPT_FILES.backup]: backupScript(this.source.kind, 'backup') };
    if (restore) scripts[SCRIPT_FILES.restore] = backupScript(this.source.kind, 'restore');
    if (verification) scripts[SCRIPT_FILES.verify] = backupScript(this.source.kind, 'verify');
    return new k8s.KubeConfigMap(this, 'Scripts', { metadata: this.metadata(`${this.name}-scripts`), data: scripts });
  }

  private createBackupJob(env: JobEnvironments): k8s.KubeCronJob {
    return this.createCronJob(this, 'Resource', this.name, 'backup', this.timing(this.schedule, this.activeDeadlineSeconds), env.backup);
  }

  /** The restore Job template: a suspended CronJob, started by hand. */
  private createRestoreJob(restore: RestoreOptions, env: JobEnvironments): k8s.KubeCronJob {
    const database = checkDatabaseName(this, 'restore.database', restore.database ?? this.source.database!);
    const timing: JobTiming = {
      schedule: NEVER,
      suspend: true,
      startingDeadlineSeconds: this.startingDeadlineSeconds,
      activeDeadlineSeconds: checkDuration(this, 'restore.activeDeadline', restore.activeDeadline ?? Duration.hours(6), { example: 'e.g. Duration.hours(6)' }),
      backoffLimit: 0,
    };
    return this.createCronJob(this, 'Restore', `${this.name}-restore`, 'restore', timing,
      [...env.reader, { name: 'BACKUP_FILE', value: '' }, ...this.source._environment(this, database), ...env.restore]);
  }

  private createVerificationJob(verification: RestoreVerificationOptions, env: JobEnvironments): { job: k8s.KubeCronJob; timing: RunTiming } {
    const [schedule, intervals] = checkSchedule(this, 'restoreVerification.schedule', verification.schedule, DEFAULT_VERIFICATION_SCHEDULE, this.timeZone);
    const activeDeadline = checkDuration(this, 'restoreVerification.activeDeadline', verification.activeDeadline ?? Duration.hours(3), { example: 'e.g. Duration.hours(3)' });
    checkNoOverlap(this, 'restoreVerification.schedule', 'restoreVerification.activeDeadline', schedule, intervals, this.startingDeadlineSeconds, activeDeadline);
    const job = this.createCronJob(this, 'Verification', `${this.name}-verify`, 'verify', this.timing(schedule, activeDeadline),
      [...env.reader, ...this.verificationEnv(verification)]);
    return { job, timing: { intervals, activeDeadline } };
  }

  /** The pruning CronJob "<name>-prune", with its own ServiceAccount and a NetworkPolicy that reaches the store only. */
  private createPruning(access: BackupAccessOptions, env: JobEnvironments): Pruning {
    const [schedule, intervals] = checkSchedule(this, 'access.pruneSchedule', access.pruneSchedule, DEFAULT_PRUNE_SCHEDULE, this.timeZone);
    checkNoOverlap(this, 'access.pruneSchedule', 'access.pruneSchedule', schedule, intervals, this.startingDeadlineSeconds, PRUNE_ACTIVE_DEADLINE);
    const name = `${this.name}-prune`;
    const scope = new PruningIdentity(this, 'Pruning', this.namespace);
    const metadata = (): k8s.ObjectMeta => ({ name, labels: { ...serviceLabels(name, this.version), 'app.kubernetes.io/component': JOB_COMPONENTS.prune } });
    const serviceAccount = createWorkloadIdentity(scope, identityOf(metadata(), this.namespace)).serviceAccount;
    const job = this.createCronJob(this, 'Prune', name, 'prune', this.timing(schedule, PRUNE_ACTIVE_DEADLINE), [
      { name: 'BACKUP_DESTINATION', value: this.remotePath },
      { name: 'BACKUP_WORK_DIR', value: '/tmp' },
      { name: 'HOME', value: '/tmp' },
      { name: 'BACKUP_ENCRYPTION', value: this.encryption ? 'age' : 'none' },
      { name: 'BACKUP_LOCK_DAYS', value: String(this.retentionLockDays) },
      { name: 'BACKUP_RETENTION_DAYS', value: String(this.retentionDays) },
      ...env.pruner,
    ], serviceAccount.name);
    // The pruning Job connects to the store only.
    const networkPolicy = createNetworkPolicy(scope, metadata(), selectorLabels(name), {
      egress: () => (this.destination.peer ? [{ prop: 'destination.peer', peer: this.destination.peer }] : []),
    });
    return { schedule, serviceAccount, job, networkPolicy };
  }

  /** The Jobs only connect out: to the source and the destination. */
  private createNetworkPolicy(): k8s.KubeNetworkPolicy {
    const egress = [
      { prop: 'source.peer', peer: this.source.peer },
      ...(this.destination.peer ? [{ prop: 'destination.peer', peer: this.destination.peer }] : []),
    ];
    return createNetworkPolicy(this, this.metadata(), this.selectorLabels, { egress: () => egress });
  }

  private createAlerts(alerts: BackupAlertOptions, verification?: RunTiming): { missingAfterSeconds: number; rule: PrometheusRule } {
    checkFailuresVisible(this, this.ttlSecondsAfterFinished, this.failedJobsHistoryLimit);
    const factor = checkNumber(this, 'alerts.missingAfterFactor', alerts.missingAfterFactor ?? 1.5);
    const missingAfterSeconds = missingThreshold(this, 'alerts.missingAfterFactor', factor, this.intervals, this.startingDeadlineSeconds, this.activeDeadlineSeconds);
    const verificationMissingAfterSeconds = verification
      ? missingThreshold(this, 'alerts.missingAfterFactor', factor, verification.intervals, this.startingDeadlineSeconds, verification.activeDeadline)
      : undefined;
    const rules = backupAlertRules({
      namespace: this.namespace,
      name: this.name,
      kind: this.source.kind,
      schedule: this.schedule,
      timeZone: this.timeZone,
      retentionDays: this.retentionDays,
      missingAfterSeconds,
      verificationMissingAfterSeconds,
      pruneJob: this.pruneJob !== undefined,
    }, checkRunbookBaseUrl(this, 'alerts.runbookBaseUrl', alerts.runbookBaseUrl));
    const rule = new PrometheusRule(this, 'Alerts', { metadata: this.metadata(), spec: { groups: [{ name: `backup-${this.name}`, rules }] } });
    return { missingAfterSeconds, rule };
  }

  // -------------------------------------------------------------------------------------------
  // Jobs

  /** A scheduled run: the backup's starting deadline and retries. */
  private timing(schedule: string, activeDeadlineSeconds: number): JobTiming {
    return { schedule, suspend: false, startingDeadlineSeconds: this.startingDeadlineSeconds, activeDeadlineSeconds, backoffLimit: this.backoffLimit };
  }

  private createCronJob(
    scope: Construct, id: string, name: string, purpose: JobPurpose, timing: JobTiming, env: JobEnvVar[], serviceAccountName = this.serviceAccount.name,
  ): k8s.KubeCronJob {
    for (const e of env) if (e.secret) this.secretUses.push({ prop: `${JOB_COMPONENTS[purpose]}.env.${e.name}`, ref: e.secret });
    return createBackupJob(scope, id, {
      name,
      backupName: this.name,
      version: this.version,
      purpose,
      timing,
      timeZone: this.timeZone,
      successfulJobsHistoryLimit: this.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: this.failedJobsHistoryLimit,
      ttlSecondsAfterFinished: this.ttlSecondsAfterFinished,
      serviceAccountName,
      image: this.image,
      env,
      resources: purpose === 'prune' ? this.pruneResources : this.resources,
      runAs: this.runAs,
      configMapName: this.configMap.name,
      workSpace: this.workSpace,
      // Only the Jobs that read backups get the identity, as a read-only file, never as a variable.
      identity: this.encryption && (purpose === 'restore' || purpose === 'verify') ? this.encryption.identity : undefined,
    });
  }
}

/** A verification's interval and run time, which its "missing" alert must leave room for. */
interface RunTiming {
  readonly intervals: CronIntervals;
  readonly activeDeadline: number;
}

/** A Job's own ServiceAccount, without a token and without access to the API. */
function identityOf(metadata: k8s.ObjectMeta, namespace: string): WorkloadAccess {
  return { metadata, namespace, automountServiceAccountToken: false, configMaps: [], secrets: [] };
}

function checkName(scope: IConstruct, value: string): string {
  const name = checkDnsLabel(scope, 'name', value);
  if (name.length > MAX_NAME_LENGTH) {
    throw invalidProp(scope, 'name', name, `must have at most ${MAX_NAME_LENGTH} characters, so that "${name}-restore" is a valid CronJob name (52)`);
  }
  return name;
}

function checkSource(scope: IConstruct, source: BackupSource): BackupSource {
  if (!(source instanceof BackupSource)) {
    throw invalidProp(scope, 'source', source,
      'must be BackupSource.postgres({...}), BackupSource.redis({...}) or BackupSource.eventStoreExport({...})');
  }
  return source;
}

function checkDestination(scope: IConstruct, destination: BackupDestination): BackupDestination {
  if (!(destination instanceof BackupDestination)) {
    throw invalidProp(scope, 'destination', destination, 'must be BackupDestination.s3({...}), .azureBlob({...}), .gcs({...}) or .rclone({...})');
  }
  return destination;
}

function checkPrefix(scope: IConstruct, prefix: string): string {
  if (!/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9_.]*[a-z0-9])?)*$/.test(prefix)) {
    throw invalidProp(scope, 'prefix', prefix, 'must be a folder path of lowercase letters, digits, "-", "_" and ".", separated by "/"');
  }
  return checkNotSecret(scope, 'prefix', prefix, 'the prefix names the backups\' folder in the object store and is written into the manifests');
}

/**
 * Each backup keeps its own folder: in another backup's folder of the same kind of store, either
 * backup's retention would delete the other's archives, and a restore would take the newest of either.
 */
function checkOwnFolder(backup: BackupCronJob, remotePath: string, prefix: string | undefined): string {
  const other = backup.node.root.node.findAll().find((c): c is BackupCronJob => c instanceof BackupCronJob && c !== backup
    && c.remotePath === remotePath && c.destination.type === backup.destination.type);
  if (other && prefix === undefined && other.name === backup.name && other.namespace === backup.namespace) {
    throw invalidProp(backup, 'name', backup.name, `is also the name of ${constructLabel(other)} in namespace '${backup.namespace}': the CronJobs, their other objects `
      + 'and the folder of their backups would be the same; give each backup a name of its own');
  }
  if (other) {
    throw invalidProp(backup, 'prefix', remotePath.slice(remotePath.indexOf(':') + 1), `is the folder of ${constructLabel(other)} too: either backup's retention would delete `
      + "the other's archives, and a restore would take the newest of either; give each backup a folder of its own");
  }
  return remotePath;
}

function checkWorkSpace(scope: IConstruct, workSpace: Size): Size {
  if (!(memoryMiB(workSpace) >= 1)) throw invalidProp(scope, 'workSpace', memoryQuantity(workSpace), 'must be at least 1Mi');
  return workSpace;
}

/** The props' shape: known names only, no null for an option (it would silently take its default), known names inside the option objects. */
function checkPropsShape(scope: IConstruct, props: BackupCronJobProps): void {
  checkKnownKeys(scope, 'props', props, BACKUP_PROPS, "{ source: BackupSource.postgres({ ... }), destination: BackupDestination.s3({ ... }), encryption: { ... }, image: '...' }");
  // A required prop given as null gets its own message where it is checked.
  const { source: _source, destination: _destination, encryption: _encryption, image: _image, ...optional } = props;
  checkNoNulls(scope, optional);
  checkNoNullOptions(scope, 'restore', props.restore, ['database', 'activeDeadline']);
  checkNoNullOptions(scope, 'restoreVerification', props.restoreVerification, ['schedule', 'scratchDatabase', 'activeDeadline']);
  checkNoNullOptions(scope, 'alerts', props.alerts, ['missingAfterFactor', 'runbookBaseUrl']);
  checkNoNullOptions(scope, 'access', props.access, ['pruneSchedule']);
  if (props.restoreVerification !== undefined && props.restoreVerification !== false) {
    checkKnownKeys(scope, 'restoreVerification', props.restoreVerification, ['schedule', 'scratchDatabase', 'activeDeadline'], '{ schedule: Cron.schedule({ ... }) } or false');
  }
  if (props.alerts !== undefined && props.alerts !== false) checkKnownKeys(scope, 'alerts', props.alerts, ['missingAfterFactor', 'runbookBaseUrl'], '{ missingAfterFactor: 1.5 } or false');
}
