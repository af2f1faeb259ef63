import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { PrometheusRuleSpecGroupsRules } from '../../imports/prometheusrules-monitoring.coreos.com';
import { alertRule, AlertRule, renderRuleGroup, Severity } from '../monitoring/alert-rules';
import { KUBE_METRICS, selector } from '../shared/promql';
import { humanSeconds } from './cron';
import { invalidProp } from '../shared/errors';

/**
 * PromQL for the backup alerts, from kube-state-metrics' CronJob and Job metrics (names from
 * `KUBE_METRICS`, so the kube-state-metrics ServiceMonitor keeps them).
 */
const { cronJobCreated, cronJobLastSuccessfulTime, jobOwner, jobStartTime, jobStatusFailed } = KUBE_METRICS;

/** How long the failure alerts hold before they fire. */
const FAILURE_HOLD = Duration.minutes(5);
/** The least time a failed Job must be kept for its failure alert: the hold, plus scraping and evaluation (at most a minute each), with room. */
const MIN_FAILED_JOB_SECONDS = 15 * 60;

/**
 * The failure alerts read the failed Job through kube-state-metrics: a Job deleted by its TTL or
 * the history limit before the alert has held for {@link FAILURE_HOLD} never alerts at all.
 */
export function checkFailuresVisible(scope: IConstruct, ttlSecondsAfterFinished: number, failedJobsHistoryLimit: number): void {
  if (failedJobsHistoryLimit < 1) {
    throw invalidProp(scope, 'failedJobsHistoryLimit', failedJobsHistoryLimit, "must be at least 1 with 'alerts': a failed Job deleted at once never raises "
      + "its failure alert; set 'alerts' to false to do without them");
  }
  if (ttlSecondsAfterFinished < MIN_FAILED_JOB_SECONDS) {
    throw invalidProp(scope, 'ttlAfterFinished', humanSeconds(ttlSecondsAfterFinished), `must be at least ${humanSeconds(MIN_FAILED_JOB_SECONDS)} with 'alerts': `
      + `a failed Job deleted before its failure alert has held for ${humanSeconds(FAILURE_HOLD.toSeconds())} (and been scraped and evaluated) never alerts; `
      + "set 'alerts' to false to do without them");
  }
}

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


/** What the alerts of one backup speak of. */
export interface BackupAlertSubject {
  readonly namespace: string;
  /** The backup CronJob's name; the verification and pruning CronJobs add "-verify" and "-prune". */
  readonly name: string;
  /** The source's kind, e.g. "postgres". */
  readonly kind: string;
  readonly schedule: string;
  readonly timeZone: string;
  readonly retentionDays: number;
  /** How old the last successful backup may get. */
  readonly missingAfterSeconds: number;
  /** How old the last successful verification may get; undefined without a verification. */
  readonly verificationMissingAfterSeconds?: number;
  /** Whether pruning runs in its own CronJob. */
  readonly pruneJob: boolean;
}

/** The backup's alert rules: missing, failed, verification failed or missing, pruning failed. */
export function backupAlertRules(subject: BackupAlertSubject, runbookBaseUrl: string | undefined): PrometheusRuleSpecGroupsRules[] {
  const { namespace, name, kind, missingAfterSeconds: missingAfter, verificationMissingAfterSeconds: verificationMissingAfter } = subject;
  const backup = { namespace, name };
  const what = `${kind} backup ${name} in namespace ${namespace}`;
  const rule = (alert: string, expr: string, holdFor: Duration, severity: Severity, summary: string, description: string) => alertRule({
    alert,
    expr,
    for: holdFor,
    severity,
    summary,
    description,
    labels: { cronjob: alert.startsWith('Restore') ? `${name}-verify` : alert.startsWith('BackupPruning') ? `${name}-prune` : name },
  }, runbookBaseUrl);
  const rules: AlertRule[] = [
    rule('BackupMissing', lastSuccessTooOld(backup, missingAfter), Duration.minutes(10), Severity.CRITICAL,
      `No successful ${kind} backup of ${name} for ${humanSeconds(missingAfter)}`,
      `The ${what} has not succeeded for more than ${humanSeconds(missingAfter)} (schedule "${subject.schedule}" ${subject.timeZone}):`
      + ` the newest restorable backup is getting old. Check the CronJob ${name} (suspended? failing? not scheduled?).`),
    rule('BackupJobFailed', latestRunFailed(backup), FAILURE_HOLD, Severity.WARNING,
      `The latest ${kind} backup of ${name} failed`,
      `A Job of CronJob ${name} in namespace ${namespace} failed after the last successful backup.`
      + ' Read its logs (kubectl logs job/<job>); nothing incomplete was uploaded under a final name.'),
  ];
  if (verificationMissingAfter !== undefined) {
    const verify = { namespace, name: `${name}-verify` };
    rules.push(
      rule('RestoreVerificationFailed', latestRunFailed(verify), FAILURE_HOLD, Severity.CRITICAL,
        `Restore verification of ${name} failed: the newest backup may not be restorable`,
        `A Job of CronJob ${name}-verify in namespace ${namespace} failed: the newest backup could not be downloaded,`
        + ' did not match its checksum, could not be restored, or failed the sanity checks. Read its logs.'),
      rule('RestoreVerificationMissing', lastSuccessTooOld(verify, verificationMissingAfter), Duration.minutes(10), Severity.WARNING,
        `No successful restore verification of ${name} for ${humanSeconds(verificationMissingAfter)}`,
        `CronJob ${name}-verify in namespace ${namespace} has not succeeded for more than ${humanSeconds(verificationMissingAfter)}.`),
    );
  }
  if (subject.pruneJob) {
    const prune = { namespace, name: `${name}-prune` };
    rules.push(rule('BackupPruningFailed', latestRunFailed(prune), FAILURE_HOLD, Severity.WARNING,
      `Pruning of the ${kind} backups of ${name} failed`,
      `A Job of CronJob ${name}-prune in namespace ${namespace} failed: backups older than ${subject.retentionDays} days`
      + ' may be kept longer than the retention allows. Read its logs.'));
  }
  return renderRuleGroup({ name: `backup-${name}`, rules }).rules!;
}
