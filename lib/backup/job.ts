import { Size } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { serviceLabels } from '../shared/labels';
import { memoryQuantity } from '../shared/resources';
import {
  containerSecurityContext, DEFAULT_SCRATCH_DIRECTORIES, podSecurityContext, RunAsIdentity, scratchMounts, scratchVolumes,
} from '../shared/security';
import { SecretKeyRef } from '../secret-key-ref';
import { JobTiming } from './schedule';
import { SCRIPT_FILES, SCRIPTS_MOUNT_PATH } from './scripts';
import { JobEnvVar } from './source';

/** What a backup CronJob does: back up, restore, verify the newest backup, or prune old ones. */
export type JobPurpose = keyof typeof SCRIPT_FILES | 'prune';
/** The `app.kubernetes.io/component` label of each Job. */
export const JOB_COMPONENTS: Record<JobPurpose, string> = { backup: 'backup', restore: 'restore', verify: 'restore-verification', prune: 'backup-pruning' };
const SCRIPT_OF: Record<JobPurpose, keyof typeof SCRIPT_FILES> = { backup: 'backup', restore: 'restore', verify: 'verify', prune: 'backup' };

/** The scratch volume the archive is written to. */
export const WORK_DIR = '/backup';
/** A schedule that never comes (February 31st): the restore template runs only when started by hand. */
export const NEVER = '0 0 31 2 *';
/** Where the age identity is mounted (read-only, mode 0400) in the restore and verification Jobs. */
export const IDENTITY_DIR = '/etc/backup-age';
export const IDENTITY_FILE = 'identity';
/** A pruning run lists and deletes names only: an hour is ample. */
export const PRUNE_ACTIVE_DEADLINE = 3600;

/** One CronJob of a backup, resolved. */
export interface BackupJobSpec {
  /** The CronJob's name. */
  readonly name: string;
  /** The backup's name, the `app.kubernetes.io/name` of every Job but the pruning one (which has its own). */
  readonly backupName: string;
  readonly version: string;
  readonly purpose: JobPurpose;
  readonly timing: JobTiming;
  readonly timeZone: string;
  readonly successfulJobsHistoryLimit: number;
  readonly failedJobsHistoryLimit: number;
  readonly ttlSecondsAfterFinished: number;
  readonly serviceAccountName: string;
  readonly image: string;
  readonly env: JobEnvVar[];
  readonly resources: k8s.ResourceRequirements;
  readonly runAs?: RunAsIdentity;
  /** The ConfigMap holding the scripts. */
  readonly configMapName: string;
  /** Size of the work volume (every Job but the pruning one). */
  readonly workSpace: Size;
  /** The age identity, mounted as a read-only file; undefined for the Jobs that do not decrypt. */
  readonly identity?: SecretKeyRef;
}

/** A batch/v1 CronJob that runs one of the backup scripts under the restricted Pod Security profile. */
export function createBackupJob(scope: Construct, id: string, job: BackupJobSpec): k8s.KubeCronJob {
  const { purpose, timing, identity } = job;
  const prune = purpose === 'prune';
  const labels = { ...serviceLabels(prune ? job.name : job.backupName, job.version), 'app.kubernetes.io/component': JOB_COMPONENTS[purpose] };
  const container = purpose;
  return new k8s.KubeCronJob(scope, id, {
    metadata: { name: job.name, labels },
    spec: {
      schedule: timing.schedule,
      timeZone: job.timeZone,
      suspend: timing.suspend,
      concurrencyPolicy: 'Forbid',
      startingDeadlineSeconds: timing.startingDeadlineSeconds,
      successfulJobsHistoryLimit: job.successfulJobsHistoryLimit,
      failedJobsHistoryLimit: job.failedJobsHistoryLimit,
      jobTemplate: {
        metadata: { labels },
        spec: {
          backoffLimit: timing.backoffLimit,
          activeDeadlineSeconds: timing.activeDeadlineSeconds,
          ttlSecondsAfterFinished: job.ttlSecondsAfterFinished,
          template: {
            metadata: { labels, annotations: { 'kubectl.kubernetes.io/default-container': container } },
            spec: {
              serviceAccountName: job.serviceAccountName,
              automountServiceAccountToken: false,
              enableServiceLinks: false,
              restartPolicy: 'Never',
              terminationGracePeriodSeconds: 30,
              securityContext: podSecurityContext(job.runAs),
              containers: [{
                name: container,
                image: job.image,
                imagePullPolicy: 'Always',
                command: ['bash', `${SCRIPTS_MOUNT_PATH}/${SCRIPT_FILES[SCRIPT_OF[purpose]]}`, ...(prune ? ['prune'] : [])],
                env: toEnvVars(job.env),
                resources: job.resources,
                securityContext: containerSecurityContext(job.runAs),
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
                { name: 'scripts', configMap: { name: job.configMapName, defaultMode: 0o444 } },
                ...(prune ? [] : [{ name: 'work', emptyDir: { sizeLimit: k8s.Quantity.fromString(memoryQuantity(job.workSpace)) } }]),
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

function toEnvVars(env: JobEnvVar[]): k8s.EnvVar[] {
  return env.map((e) => (e.secret
    ? { name: e.name, valueFrom: { secretKeyRef: { name: e.secret.secretName, key: e.secret.key } } }
    : { name: e.name, value: e.value ?? '' }));
}
