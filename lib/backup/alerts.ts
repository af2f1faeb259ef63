import { KUBE_METRICS, selector } from '../shared/promql';

/**
 * PromQL for the backup alerts, from kube-state-metrics' CronJob and Job metrics (names from
 * `KUBE_METRICS`, so the kube-state-metrics ServiceMonitor keeps them).
 */
const { cronJobCreated, cronJobLastSuccessfulTime, jobOwner, jobStartTime, jobStatusFailed } = KUBE_METRICS;

/** A CronJob, by namespace and name. */
export interface CronJobRef {
  readonly namespace: string;
  readonly name: string;
}

/**
 * Fires when the CronJob's last successful run is older than `maxAgeSeconds`, or when it has
 * never succeeded and was created longer ago than that (kube-state-metrics has no
 * last-successful-time series until the first success).
 */
export function lastSuccessTooOld(cronJob: CronJobRef, maxAgeSeconds: number): string {
  const labels = selector({ namespace: cronJob.namespace, cronjob: cronJob.name });
  const lastSuccess = `max by (namespace, cronjob) (${cronJobLastSuccessfulTime}${labels})`;
  const created = `max by (namespace, cronjob) (${cronJobCreated}${labels})`;
  return `(time() - ${lastSuccess} > ${maxAgeSeconds})`
    + ` or ((time() - ${created} > ${maxAgeSeconds}) unless on (namespace, cronjob) ${lastSuccess})`;
}

/**
 * Fires when a Job of the CronJob (scheduled or created by hand with `kubectl create job --from`)
 * failed and started after the CronJob's last success: a later successful run resolves it, and
 * so does the failed Job's removal (history limit or TTL).
 */
export function latestRunFailed(cronJob: CronJobRef): string {
  const ns = selector({ namespace: cronJob.namespace });
  const owner = selector({ namespace: cronJob.namespace, owner_kind: 'CronJob', owner_name: cronJob.name });
  const failedStart = 'max by (namespace, owner_name) ('
    + `(${jobStartTime}${ns} and on (namespace, job_name) (${jobStatusFailed}${ns} > 0))`
    + ` * on (namespace, job_name) group_left (owner_name) max by (namespace, job_name, owner_name) (${jobOwner}${owner}))`;
  const lastSuccess = 'max by (namespace, owner_name) (label_replace('
    + `${cronJobLastSuccessfulTime}${selector({ namespace: cronJob.namespace, cronjob: cronJob.name })}, "owner_name", "$1", "cronjob", "(.+)"))`;
  return `(${failedStart} > on (namespace, owner_name) ${lastSuccess}) or (${failedStart} unless on (namespace, owner_name) ${lastSuccess})`;
}

