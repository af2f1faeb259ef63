import { Chart, Cron, Duration, Size } from 'cdk8s';
import { ContainerResources, Cpu, k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { ExternalSecret } from '../imports/externalsecrets-external-secrets.io';
import { PrometheusRule, PrometheusRuleSpecGroupsRules } from '../imports/prometheusrules-monitoring.coreos.com';
import { latestRunFailed, lastSuccessTooOld } from './backup/alerts';
import { cronIntervals, CronIntervals, CronSyntaxError, humanSeconds, parseCron } from './backup/cron';
import { BackupDestination } from './backup/destination';
import { BackupAccessOptions, BackupEncryptionOptions, checkAccess, checkEncryption, checkRetentionLock } from './backup/protection';
import { backupScript, BackupSourceKind, SCRIPT_FILES, SCRIPTS_MOUNT_PATH } from './backup/scripts';
import { BackupSource, checkDatabaseName, JobEnvVar } from './backup/source';
import { DeliveryTier, IDeliverable } from './delivery';
import { createExternalSecrets, SecretUse } from './external-secret';
import { createNetworkPolicy } from './network-policy';
import { createWorkloadIdentity } from './rbac';
import { DEFAULT_NAMESPACE } from './shared/defaults';
import { alertRule, AlertRule, checkRunbookBaseUrl, renderRuleGroup, Severity } from './monitoring/alert-rules';
import { invalidProp } from './shared/errors';
import { imageVersion, selectorLabels, serviceLabels } from './shared/labels';
import { checkedResources, kubeResources, memoryMiB, memoryQuantity } from './shared/resources';
import {
  containerSecurityContext, DEFAULT_SCRATCH_DIRECTORIES, podSecurityContext, RunAsIdentity, scratchMounts, scratchVolumes,
} from './shared/security';
import { checkDnsLabel, checkInteger, checkPinnedImage } from './shared/validation';

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
  /** IANA time zone of `schedule` (and of the verification's schedule). @default "Etc/UTC" */
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
  /** @default 3 */
  readonly failedJobsHistoryLimit?: number;
  /** Finished Jobs (and their pods' logs) are deleted after this. @default Duration.days(3) */
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

const MAX_NAME_LENGTH = 44; // a CronJob name may have 52 characters; "-restore" takes 8
const WORK_DIR = '/backup';
/** A schedule that never comes (February 31st): the restore template runs only when started by hand. */
const NEVER = '0 0 31 2 *';
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
/** Where the age identity is mounted (read-only, mode 0400) in the restore and verification Jobs. */
const IDENTITY_DIR = '/etc/backup-age';
const IDENTITY_FILE = 'identity';
/** A pruning run lists and deletes names only: an hour is ample. */
const PRUNE_ACTIVE_DEADLINE = 3600;

type Purpose = keyof typeof SCRIPT_FILES | 'prune';
const COMPONENTS: Record<Purpose, string> = { backup: 'backup', restore: 'restore', verify: 'restore-verification', prune: 'backup-pruning' };
const SCRIPT_OF: Record<Purpose, keyof typeof SCRIPT_FILES> = { backup: 'backup', restore: 'restore', verify: 'verify', prune: 'backup' };

/** The pruning CronJob's own ServiceAccount and NetworkPolicy (egress to the store only). */
class PruningIdentity extends Construct {
  constructor(scope: Construct, id: string, public readonly namespace: string) {
    super(scope, id);
  }
}

/** A CronJob's timing, resolved and checked. */
interface JobTiming {
  readonly schedule: string;
  readonly suspend: boolean;
  readonly startingDeadlineSeconds: number;
  readonly activeDeadlineSeconds: number;
  readonly backoffLimit: number;
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
    super(scope, id);
    this.name = checkDnsLabel(this, 'name', props.name ?? id);
    if (this.name.length > MAX_NAME_LENGTH) {
      throw invalidProp(this, 'name', this.name, `must have at most ${MAX_NAME_LENGTH} characters, so that "${this.name}-restore" is a valid CronJob name (52)`);
    }
    this.namespace = Chart.of(this).namespace ?? DEFAULT_NAMESPACE;
    this.image = checkPinnedImage(this, 'image', props.image);
    this.version = imageVersion(this.image);
    if (!(props.source instanceof BackupSource)) {
      throw invalidProp(this, 'source', props.source,
        'must be BackupSource.postgres({...}), BackupSource.redis({...}) or BackupSource.eventStoreExport({...})');
    }
    if (!(props.destination instanceof BackupDestination)) {
      throw invalidProp(this, 'destination', props.destination, 'must be BackupDestination.s3({...}), .azureBlob({...}), .gcs({...}) or .rclone({...})');
    }
    this.source = props.source;
    this.destination = props.destination;
    this.selectorLabels = selectorLabels(this.name);
    this.runAs = props.runAs;
    this.remotePath = this.destination._remotePath(this, this.checkPrefix(props.prefix ?? `${this.namespace}/${this.name}`));

    this.timeZone = this.checkTimeZone(props.timeZone ?? 'Etc/UTC');
    this.retentionDays = this.checkRetention(props.retention ?? Duration.days(30));
    this.backoffLimit = checkInteger(this, 'backoffLimit', props.backoffLimit ?? 1, 0, 10);
    this.successfulJobsHistoryLimit = checkInteger(this, 'successfulJobsHistoryLimit', props.successfulJobsHistoryLimit ?? 3, 0, 100);
    this.failedJobsHistoryLimit = checkInteger(this, 'failedJobsHistoryLimit', props.failedJobsHistoryLimit ?? 3, 0, 100);
    this.ttlSecondsAfterFinished = checkInteger(this, 'ttlAfterFinished', (props.ttlAfterFinished ?? Duration.days(3)).toSeconds(), 0);
    this.startingDeadlineSeconds = checkInteger(this, 'startingDeadline', (props.startingDeadline ?? Duration.minutes(30)).toSeconds(), 10);
    this.activeDeadlineSeconds = checkInteger(this, 'activeDeadline', (props.activeDeadline ?? Duration.hours(3)).toSeconds(), 1);
    const scheduleCron = props.schedule ?? Cron.schedule({ minute: '0', hour: '2' });
    [this.schedule, this.intervals] = this.checkSchedule('schedule', scheduleCron);
    this.checkNoOverlap('schedule', 'activeDeadline', this.schedule, this.intervals, this.activeDeadlineSeconds);
    this.workSpace = props.workSpace ?? Size.gibibytes(10);
    if (!(memoryMiB(this.workSpace) >= 1)) throw invalidProp(this, 'workSpace', memoryQuantity(this.workSpace), 'must be at least 1Mi');
    this.resources = this.containerResources(props.resources ?? {});
    this.pruneResources = kubeResources(checkedResources(this, 'pruneResources', props.pruneResources ?? {}, DEFAULT_PRUNE_RESOURCES));
    this.encryption = checkEncryption(this, props.encryption);
    this.access = checkAccess(this, props.access, this.destination);
    this.retentionLockDays = checkRetentionLock(this, props.retentionLock, this.retentionDays);

    const isPostgres = this.source.kind === BackupSourceKind.POSTGRES;
    const restore = props.restore === false ? undefined : props.restore ?? (isPostgres ? {} : undefined);
    if (restore && !isPostgres) {
      throw invalidProp(this, 'restore', restore, `applies to PostgreSQL sources only; ${this.source.kind} backups are restored by hand (see the README)`);
    }
    const verification = props.restoreVerification === false ? undefined : props.restoreVerification ?? {};

    // Every Job's environment is built (and every source and destination option checked) up front.
    const sourceEnv = this.source._environment(this);
    const writerEnv = this.destination._environment(this);
    const readerEnv = this.access ? this.access.reader._environment(this) : writerEnv;
    const prunerEnv = this.access ? this.access.pruner._environment(this) : writerEnv;
    const restoreEnv = this.source._restoreEnvironment(this);

    const labels = serviceLabels(this.name, this.version);
    const metadata = (name = this.name): k8s.ObjectMeta => ({ name, labels: { ...labels, 'app.kubernetes.io/component': 'backup' } });

    const scripts: Record<string, string> = { [SCRIPT_FILES.backup]: backupScript(this.source.kind, 'backup') };
    if (restore) scripts[SCRIPT_FILES.restore] = backupScript(this.source.kind, 'restore');
    if (verification) scripts[SCRIPT_FILES.verify] = backupScript(this.source.kind, 'verify');
    this.configMap = new k8s.KubeConfigMap(this, 'Scripts', { metadata: metadata(`${this.name}-scripts`), data: scripts });

    this.serviceAccount = createWorkloadIdentity(this, {
      metadata: metadata(), namespace: this.namespace, automountServiceAccountToken: false, configMaps: [], secrets: [],
    }).serviceAccount;

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
    const common = [...base, ...readerEnv, ...identity];

    this.cronJob = this.createCronJob('Resource', this.name, 'backup', {
      schedule: this.schedule,
      suspend: false,
      startingDeadlineSeconds: this.startingDeadlineSeconds,
      activeDeadlineSeconds: this.activeDeadlineSeconds,
      backoffLimit: this.backoffLimit,
    }, [...base, ...writerEnv, ...writeOnly, { name: 'BACKUP_RETENTION_DAYS', value: String(this.retentionDays) }, ...recipients, ...sourceEnv]);

    if (restore) {
      const database = checkDatabaseName(this, 'restore.database', restore.database ?? this.source.database!);
      this.restoreJob = this.createCronJob('Restore', `${this.name}-restore`, 'restore', {
        schedule: NEVER,
        suspend: true,
        startingDeadlineSeconds: this.startingDeadlineSeconds,
        activeDeadlineSeconds: checkInteger(this, 'restore.activeDeadline', (restore.activeDeadline ?? Duration.hours(6)).toSeconds(), 1),
        backoffLimit: 0,
      }, [...common, { name: 'BACKUP_FILE', value: '' }, ...this.source._environment(this, database), ...restoreEnv]);
    }

    let verificationTiming: { intervals: CronIntervals; activeDeadline: number } | undefined;
    if (verification) {
      const [verificationSchedule, verificationIntervals] = this.checkSchedule('restoreVerification.schedule',
        verification.schedule ?? Cron.schedule({ minute: '0', hour: '4', weekDay: '0' }));
      const activeDeadline = checkInteger(this, 'restoreVerification.activeDeadline', (verification.activeDeadline ?? Duration.hours(3)).toSeconds(), 1);
      this.checkNoOverlap('restoreVerification.schedule', 'restoreVerification.activeDeadline', verificationSchedule, verificationIntervals, activeDeadline);
      verificationTiming = { intervals: verificationIntervals, activeDeadline };
      this.verificationJob = this.createCronJob('Verification', `${this.name}-verify`, 'verify', {
        schedule: verificationSchedule,
        suspend: false,
        startingDeadlineSeconds: this.startingDeadlineSeconds,
        activeDeadlineSeconds: activeDeadline,
        backoffLimit: this.backoffLimit,
      }, [...common, ...this.verificationEnv(verification)]);
    }

    if (this.access) {
      const [pruneSchedule, pruneIntervals] = this.checkSchedule('access.pruneSchedule', this.access.pruneSchedule ?? Cron.schedule({ minute: '0', hour: '5' }));
      this.checkNoOverlap('access.pruneSchedule', 'access.pruneSchedule', pruneSchedule, pruneIntervals, PRUNE_ACTIVE_DEADLINE);
      this.pruneSchedule = pruneSchedule;
      const pruneName = `${this.name}-prune`;
      const pruning = new PruningIdentity(this, 'Pruning', this.namespace);
      const pruneMetadata = (): k8s.ObjectMeta => ({ name: pruneName, labels: { ...serviceLabels(pruneName, this.version), 'app.kubernetes.io/component': COMPONENTS.prune } });
      this.pruneServiceAccount = createWorkloadIdentity(pruning, {
        metadata: pruneMetadata(), namespace: this.namespace, automountServiceAccountToken: false, configMaps: [], secrets: [],
      }).serviceAccount;
      this.pruneJob = this.createCronJob('Prune', pruneName, 'prune', {
        schedule: pruneSchedule,
        suspend: false,
        startingDeadlineSeconds: this.startingDeadlineSeconds,
        activeDeadlineSeconds: PRUNE_ACTIVE_DEADLINE,
        backoffLimit: this.backoffLimit,
      }, [
        { name: 'BACKUP_DESTINATION', value: this.remotePath },
        { name: 'BACKUP_WORK_DIR', value: '/tmp' },
        { name: 'HOME', value: '/tmp' },
        { name: 'BACKUP_ENCRYPTION', value: this.encryption ? 'age' : 'none' },
        { name: 'BACKUP_LOCK_DAYS', value: String(this.retentionLockDays) },
        { name: 'BACKUP_RETENTION_DAYS', value: String(this.retentionDays) },
        ...prunerEnv,
      ]);
      // The pruning Job connects to the store only.
      this.pruneNetworkPolicy = createNetworkPolicy(pruning, pruneMetadata(), selectorLabels(pruneName), {
        egress: () => (this.destination.peer ? [{ prop: 'destination.peer', peer: this.destination.peer }] : []),
      });
    }
    this.externalSecrets = createExternalSecrets(this, this.secretUses, metadata().labels!);

    // The Jobs only connect out: to the source and the destination.
    const egress = [
      { prop: 'source.peer', peer: this.source.peer },
      ...(this.destination.peer ? [{ prop: 'destination.peer', peer: this.destination.peer }] : []),
    ];
    this.networkPolicy = createNetworkPolicy(this, metadata(), this.selectorLabels, { egress: () => egress });

    if (props.alerts !== false) {
      const alerts = props.alerts ?? {};
      const factor = alerts.missingAfterFactor ?? 1.5;
      this.missingAlertAfterSeconds = this.missingThreshold('alerts.missingAfterFactor', factor, this.intervals, this.activeDeadlineSeconds);
      const verificationThreshold = verificationTiming
        ? this.missingThreshold('alerts.missingAfterFactor', factor, verificationTiming.intervals, verificationTiming.activeDeadline)
        : undefined;
      this.alertRule = new PrometheusRule(this, 'Alerts', {
        metadata: metadata(),
        spec: {
          groups: [{
            name: `backup-${this.name}`,
            rules: this.alertRules(checkRunbookBaseUrl(this, 'alerts.runbookBaseUrl', alerts.runbookBaseUrl),
              this.missingAlertAfterSeconds, verificationThreshold),
          }],
        },
      });
    }
  }

  /** Nothing needs to be applied first: a run that finds its database unreachable fails and alerts. */
  public deliveryDependencies(): IConstruct[] {
    return [];
  }

  // -------------------------------------------------------------------------------------------
  // Jobs

  private createCronJob(id: string, name: string, purpose: Purpose, timing: JobTiming, env: JobEnvVar[]): k8s.KubeCronJob {
    const prune = purpose === 'prune';
    const labels = { ...serviceLabels(prune ? name : this.name, this.version), 'app.kubernetes.io/component': COMPONENTS[purpose] };
    const container = purpose;
    // Only the Jobs that read backups get the identity, as a read-only file, never as a variable.
    const identity = this.encryption && (purpose === 'restore' || purpose === 'verify') ? this.encryption.identity : undefined;
    for (const e of env) if (e.secret) this.secretUses.push({ prop: `${COMPONENTS[purpose]}.env.${e.name}`, ref: e.secret });
    return new k8s.KubeCronJob(this, id, {
      metadata: { name, labels },
      spec: {
        schedule: timing.schedule,
        timeZone: this.timeZone,
        suspend: timing.suspend,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: timing.startingDeadlineSeconds,
        successfulJobsHistoryLimit: this.successfulJobsHistoryLimit,
        failedJobsHistoryLimit: this.failedJobsHistoryLimit,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: timing.backoffLimit,
            activeDeadlineSeconds: timing.activeDeadlineSeconds,
            ttlSecondsAfterFinished: this.ttlSecondsAfterFinished,
            template: {
              metadata: { labels, annotations: { 'kubectl.kubernetes.io/default-container': container } },
              spec: {
                serviceAccountName: prune ? this.pruneServiceAccount!.name : this.serviceAccount.name,
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                restartPolicy: 'Never',
                terminationGracePeriodSeconds: 30,
                securityContext: podSecurityContext(this.runAs),
                containers: [{
                  name: container,
                  image: this.image,
                  imagePullPolicy: 'Always',
                  command: ['bash', `${SCRIPTS_MOUNT_PATH}/${SCRIPT_FILES[SCRIPT_OF[purpose]]}`, ...(prune ? ['prune'] : [])],
                  env: toEnvVars(env),
                  resources: prune ? this.pruneResources : this.resources,
                  securityContext: containerSecurityContext(this.runAs),
                  volumeMounts: [
                    ...scratchMounts(DEFAULT_SCRATCH_DIRECTORIES),
                    { name: 'scripts', mountPath: SCRIPTS_MOUNT_PATH, readOnly: true },
                    ...(prune ? [] : [{ name: 'work', mountPath: WORK_DIR }]),
                    ...(identity ? [{ name: 'age-identity', mountPath: IDENTITY_DIR, readOnly: true }] : []),
                  ],
                  terminationMessagePolicy: 'FallbackToLogsOnError',
                }],
                volumes: [
                  ...scratchVolumes(DEFAULT_SCRATCH_DIRECTORIES, '256Mi'),
                  { name: 'scripts', configMap: { name: this.configMap.name, defaultMode: 0o444 } },
                  ...(prune ? [] : [{ name: 'work', emptyDir: { sizeLimit: k8s.Quantity.fromString(memoryQuantity(this.workSpace)) } }]),
                  ...(identity ? [{
                    name: 'age-identity',
                    secret: { secretName: identity.secretName, items: [{ key: identity.key, path: IDENTITY_FILE }], defaultMode: 0o400 },
                  }] : []),
                ],
              },
            },
          },
        },
      },
    });
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
  // Alerts

  private missingThreshold(prop: string, factor: number, intervals: CronIntervals, activeDeadlineSeconds: number): number {
    const threshold = Math.ceil(factor * intervals.longestSeconds);
    const needed = intervals.longestSeconds + this.startingDeadlineSeconds + activeDeadlineSeconds;
    if (!(factor >= 1) || threshold < needed) {
      throw invalidProp(this, prop, factor,
        `must be at least 1 and leave room for a late start and a full run: ${humanSeconds(intervals.longestSeconds)} between runs`
        + ` + ${humanSeconds(this.startingDeadlineSeconds)} starting deadline + ${humanSeconds(activeDeadlineSeconds)} active deadline`
        + ` = ${humanSeconds(needed)}, but ${factor} × ${humanSeconds(intervals.longestSeconds)} is ${humanSeconds(threshold)}`);
    }
    return threshold;
  }

  private alertRules(runbookBaseUrl: string | undefined, missingAfter: number, verificationMissingAfter?: number): PrometheusRuleSpecGroupsRules[] {
    const backup = { namespace: this.namespace, name: this.name };
    const what = `${this.source.kind} backup ${this.name} in namespace ${this.namespace}`;
    const rule = (alert: string, expr: string, holdFor: Duration, severity: Severity, summary: string, description: string) => alertRule({
      alert,
      expr,
      for: holdFor,
      severity,
      summary,
      description,
      labels: { cronjob: alert.startsWith('Restore') ? `${this.name}-verify` : alert.startsWith('BackupPruning') ? `${this.name}-prune` : this.name },
    }, runbookBaseUrl);
    const rules: AlertRule[] = [
      rule('BackupMissing', lastSuccessTooOld(backup, missingAfter), Duration.minutes(10), Severity.CRITICAL,
        `No successful ${this.source.kind} backup of ${this.name} for ${humanSeconds(missingAfter)}`,
        `The ${what} has not succeeded for more than ${humanSeconds(missingAfter)} (schedule "${this.schedule}" ${this.timeZone}):`
        + ` the newest restorable backup is getting old. Check the CronJob ${this.name} (suspended? failing? not scheduled?).`),
      rule('BackupJobFailed', latestRunFailed(backup), Duration.minutes(5), Severity.WARNING,
        `The latest ${this.source.kind} backup of ${this.name} failed`,
        `A Job of CronJob ${this.name} in namespace ${this.namespace} failed after the last successful backup.`
        + ` Read its logs (kubectl logs job/<job>); nothing incomplete was uploaded under a final name.`),
    ];
    if (this.verificationJob && verificationMissingAfter !== undefined) {
      const verify = { namespace: this.namespace, name: `${this.name}-verify` };
      rules.push(
        rule('RestoreVerificationFailed', latestRunFailed(verify), Duration.minutes(5), Severity.CRITICAL,
          `Restore verification of ${this.name} failed: the newest backup may not be restorable`,
          `A Job of CronJob ${this.name}-verify in namespace ${this.namespace} failed: the newest backup could not be downloaded,`
          + ' did not match its checksum, could not be restored, or failed the sanity checks. Read its logs.'),
        rule('RestoreVerificationMissing', lastSuccessTooOld(verify, verificationMissingAfter), Duration.minutes(10), Severity.WARNING,
          `No successful restore verification of ${this.name} for ${humanSeconds(verificationMissingAfter)}`,
          `CronJob ${this.name}-verify in namespace ${this.namespace} has not succeeded for more than ${humanSeconds(verificationMissingAfter)}.`),
      );
    }
    if (this.pruneJob) {
      const prune = { namespace: this.namespace, name: `${this.name}-prune` };
      rules.push(rule('BackupPruningFailed', latestRunFailed(prune), Duration.minutes(5), Severity.WARNING,
        `Pruning of the ${this.source.kind} backups of ${this.name} failed`,
        `A Job of CronJob ${this.name}-prune in namespace ${this.namespace} failed: backups older than ${this.retentionDays} days`
        + ' may be kept longer than the retention allows. Read its logs.'));
    }
    return renderRuleGroup({ name: `backup-${this.name}`, rules }).rules!;
  }

  // -------------------------------------------------------------------------------------------
  // Checks

  private checkPrefix(prefix: string): string {
    if (!/^[a-z0-9]([-a-z0-9_.]*[a-z0-9])?(\/[a-z0-9]([-a-z0-9_.]*[a-z0-9])?)*$/.test(prefix)) {
      throw invalidProp(this, 'prefix', prefix, 'must be a folder path of lowercase letters, digits, "-", "_" and ".", separated by "/"');
    }
    return prefix;
  }

  private checkTimeZone(timeZone: string): string {
    try {
      new Intl.DateTimeFormat('en-US', { timeZone });
    } catch {
      throw invalidProp(this, 'timeZone', timeZone, 'must be an IANA time zone name such as "Etc/UTC" or "Europe/Berlin"');
    }
    if (!/^[A-Za-z]+(\/[A-Za-z0-9_+-]+)*$/.test(timeZone)) {
      throw invalidProp(this, 'timeZone', timeZone, 'must be an IANA time zone name such as "Etc/UTC" or "Europe/Berlin"');
    }
    return timeZone;
  }

  private checkRetention(retention: Duration): number {
    const seconds = retention.toSeconds({ integral: false });
    if (!(seconds >= 86400) || seconds % 86400 !== 0) {
      throw invalidProp(this, 'retention', retention.toHumanString(), 'must be a whole number of days, at least 1, e.g. Duration.days(30)');
    }
    return seconds / 86400;
  }

  private checkSchedule(prop: string, cron: Cron): [string, CronIntervals] {
    const expression = cron?.expressionString;
    let intervals: CronIntervals | undefined;
    try {
      intervals = cronIntervals(parseCron(expression ?? ''));
    } catch (e) {
      if (!(e instanceof CronSyntaxError)) throw e;
      throw invalidProp(this, prop, expression,
        `${e.message}; a schedule is 5 cron fields (minute hour day-of-month month day-of-week), e.g. Cron.schedule({ minute: '0', hour: '2' }) for "0 2 * * *"`);
    }
    if (!intervals) throw invalidProp(this, prop, expression, 'never runs: no date matches it');
    return [expression.trim().split(/\s+/).join(' '), intervals];
  }

  /** A run may start up to `startingDeadline` late and then last `activeDeadline`: together they must end before the next run. */
  private checkNoOverlap(scheduleProp: string, deadlineProp: string, schedule: string, intervals: CronIntervals, activeDeadlineSeconds: number): void {
    const latestEnd = this.startingDeadlineSeconds + activeDeadlineSeconds;
    if (latestEnd > intervals.shortestSeconds) {
      throw invalidProp(this, deadlineProp, humanSeconds(activeDeadlineSeconds),
        `overlaps the next run: a run may start up to 'startingDeadline' (${humanSeconds(this.startingDeadlineSeconds)}) late and then last`
        + ` ${humanSeconds(activeDeadlineSeconds)}, until ${humanSeconds(latestEnd)} after its scheduled time, but '${scheduleProp}' ("${schedule}")`
        + ` runs as often as every ${humanSeconds(intervals.shortestSeconds)}; shorten the deadlines or run less often`);
    }
  }
}

function toEnvVars(env: JobEnvVar[]): k8s.EnvVar[] {
  return env.map((e) => (e.secret
    ? { name: e.name, valueFrom: { secretKeyRef: { name: e.secret.secretName, key: e.secret.key } } }
    : { name: e.name, value: e.value ?? '' }));
}
