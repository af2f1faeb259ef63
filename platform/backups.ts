import { Chart } from 'cdk8s';
import { Construct } from 'constructs';
import { BackupCronJob, BackupDestination, BackupSource, SecretKeyRef } from '../lib';
import { EnvironmentSpec } from './environments';
import { RUNBOOK_BASE_URL } from './monitoring';
import { IMAGE_REGISTRY } from './services';

/**
 * The image of the backup Jobs (built outside this repo): Debian bookworm with bash, coreutils,
 * gzip, curl, rclone, redis-tools and postgresql-client-15 (the platform database's major version).
 */
export const BACKUP_IMAGE = `${IMAGE_REGISTRY}/fintech/backup-tools:1.0.0`;

/** The platform database (schema `fintech`, PLATFORM.md "Backups") of each environment. */
export const PLATFORM_DATABASE: Record<EnvironmentSpec['name'], string> = {
  staging: 'fintech_ai_staging',
  production: 'fintech_ai_prod',
};

/**
 * The platform database's backups: daily at 02:00 UTC, kept 30 days, to the Azure Blob container
 * `fintech-backups` under `<namespace>/platform-db-backup`, a weekly restore verification, and the
 * backup alerts (picked up by the MonitoringStack's Prometheus through `app.kubernetes.io/part-of`).
 * Secrets, created outside git in each namespace:
 *   platform-db-backup   keys host, user, password: a role that can read every table of the
 *                        database and has CREATEDB (for the verification's scratch database)
 *   backup-object-store  keys account, key: the storage account and its access key
 */
export function platformBackups(scope: Construct, env: EnvironmentSpec, labels: Record<string, string>): BackupCronJob {
  const chart = new Chart(scope, 'backups', { namespace: env.namespace, labels });
  return new BackupCronJob(chart, 'platform-db-backup', {
    image: BACKUP_IMAGE,
    source: BackupSource.postgres({
      database: PLATFORM_DATABASE[env.name],
      host: SecretKeyRef.of('platform-db-backup', 'host'),
      user: SecretKeyRef.of('platform-db-backup', 'user'),
      password: SecretKeyRef.of('platform-db-backup', 'password'),
    }),
    destination: BackupDestination.azureBlob({
      container: 'fintech-backups',
      account: SecretKeyRef.of('backup-object-store', 'account'),
      key: SecretKeyRef.of('backup-object-store', 'key'),
    }),
    alerts: { runbookBaseUrl: RUNBOOK_BASE_URL },
    // Staging: the environment's small sizing, so that a run of each CronJob fits its quota with every autoscaler at its maximum.
    resources: env.resources && {
      cpu: { request: env.resources.cpuRequest, limit: env.resources.cpuLimit },
      memory: { request: env.resources.memoryRequest, limit: env.resources.memoryLimit },
    },
  });
}
