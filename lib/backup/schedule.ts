import { Cron, Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalidProp } from '../shared/errors';
import { checkCron, checkDuration, checkInstance, checkInteger, checkNoClockChange } from '../shared/validation';
import { CronIntervals, humanSeconds } from './cron';

/**
 * The timing checks of the backup CronJobs: schedules, time zone, retention, and the rule that a
 * run (started late by up to the starting deadline) ends before the next one starts.
 */

/** A CronJob's timing, resolved and checked. */
export interface JobTiming {
  readonly schedule: string;
  readonly suspend: boolean;
  readonly startingDeadlineSeconds: number;
  readonly activeDeadlineSeconds: number;
  readonly backoffLimit: number;
}

/** The timing props of the backup CronJob, as given. */
export interface BackupTimingProps {
  readonly schedule?: Cron;
  readonly ttlAfterFinished?: Duration;
  readonly startingDeadline?: Duration;
  readonly activeDeadline?: Duration;
}

/** The backup CronJob's timing, with its defaults resolved and checked. */
export interface BackupTiming {
  readonly schedule: string;
  readonly intervals: CronIntervals;
  readonly ttlSecondsAfterFinished: number;
  readonly startingDeadlineSeconds: number;
  readonly activeDeadlineSeconds: number;
}

/**
 * The backup CronJob's schedule and deadlines with their defaults (daily at 02:00; finished Jobs
 * kept 3 days; up to 30 minutes late; at most 3 hours), checked, including that a run ends
 * before the next one starts.
 */
export function resolveBackupTiming(scope: IConstruct, props: BackupTimingProps, timeZone: string): BackupTiming {
  const ttlSecondsAfterFinished = checkInteger(scope, 'ttlAfterFinished',
    checkDuration(scope, 'ttlAfterFinished', props.ttlAfterFinished ?? Duration.days(3), { minSeconds: 0, example: 'e.g. Duration.days(3)' }), 0);
  const startingDeadlineSeconds = checkDuration(scope, 'startingDeadline', props.startingDeadline ?? Duration.minutes(30), { minSeconds: 10, example: 'e.g. Duration.minutes(30)' });
  const activeDeadlineSeconds = checkDuration(scope, 'activeDeadline', props.activeDeadline ?? Duration.hours(3), { example: 'e.g. Duration.hours(3)' });
  const [schedule, intervals] = checkSchedule(scope, 'schedule', props.schedule, DEFAULT_BACKUP_SCHEDULE, timeZone);
  checkNoOverlap(scope, 'schedule', 'activeDeadline', schedule, intervals, startingDeadlineSeconds, activeDeadlineSeconds);
  return { schedule, intervals, ttlSecondsAfterFinished, startingDeadlineSeconds, activeDeadlineSeconds };
}

/** The backups' default schedule: daily at 02:00. */
export const DEFAULT_BACKUP_SCHEDULE = (): Cron => Cron.schedule({ minute: '0', hour: '2' });
/** The restore verification's default schedule: weekly, Sunday 04:00. */
export const DEFAULT_VERIFICATION_SCHEDULE = (): Cron => Cron.schedule({ minute: '0', hour: '4', weekDay: '0' });
/** The pruning CronJob's default schedule: daily at 05:00. */
export const DEFAULT_PRUNE_SCHEDULE = (): Cron => Cron.schedule({ minute: '0', hour: '5' });

/** The schedule as 5 space-separated fields, and the shortest and longest time between two runs. */
export function checkSchedule(scope: IConstruct, prop: string, given: Cron | undefined, fallback: () => Cron, timeZone: string): [string, CronIntervals] {
  const cron = given ?? fallback();
  checkInstance(scope, prop, cron, Cron, "Cron.schedule({ minute: '0', hour: '2' }) for \"0 2 * * *\"");
  const { expression, intervals } = checkCron(scope, prop, cron);
  checkNoClockChange(scope, prop, expression, timeZone, given === undefined);
  return [expression, intervals];
}

/** A run may start up to `startingDeadline` late and then last `activeDeadline`: together they must end before the next run. */
export function checkNoOverlap(
  scope: IConstruct, scheduleProp: string, deadlineProp: string, schedule: string, intervals: CronIntervals,
  startingDeadlineSeconds: number, activeDeadlineSeconds: number,
): void {
  const latestEnd = startingDeadlineSeconds + activeDeadlineSeconds;
  if (latestEnd > intervals.shortestSeconds) {
    throw invalidProp(scope, deadlineProp, humanSeconds(activeDeadlineSeconds),
      `overlaps the next run: a run may start up to 'startingDeadline' (${humanSeconds(startingDeadlineSeconds)}) late and then last`
      + ` ${humanSeconds(activeDeadlineSeconds)}, until ${humanSeconds(latestEnd)} after its scheduled time, but '${scheduleProp}' ("${schedule}")`
      + ` runs as often as every ${humanSeconds(intervals.shortestSeconds)}; shorten the deadlines or run less often`);
  }
}

/** The retention in whole days. */
export function checkRetention(scope: IConstruct, retention: Duration): number {
  checkInstance(scope, 'retention', retention, Duration, 'Duration.days(30)');
  const seconds = retention.toSeconds({ integral: false });
  if (!(seconds >= 86400) || seconds % 86400 !== 0) {
    throw invalidProp(scope, 'retention', retention.toHumanString(), 'must be a whole number of days, at least 1, e.g. Duration.days(30)');
  }
  return seconds / 86400;
}

/**
 * How old a CronJob's last success may get before it counts as missing: `factor` × the longest
 * interval, which must leave room for a late start and a full run.
 */
export function missingThreshold(
  scope: IConstruct, prop: string, factor: number, intervals: CronIntervals, startingDeadlineSeconds: number, activeDeadlineSeconds: number,
): number {
  const threshold = Math.ceil(factor * intervals.longestSeconds);
  const needed = intervals.longestSeconds + startingDeadlineSeconds + activeDeadlineSeconds;
  if (!(factor >= 1) || threshold < needed) {
    throw invalidProp(scope, prop, factor,
      `must be at least 1 and leave room for a late start and a full run: ${humanSeconds(intervals.longestSeconds)} between runs`
      + ` + ${humanSeconds(startingDeadlineSeconds)} starting deadline + ${humanSeconds(activeDeadlineSeconds)} active deadline`
      + ` = ${humanSeconds(needed)}, but ${factor} × ${humanSeconds(intervals.longestSeconds)} is ${humanSeconds(threshold)}`);
  }
  return threshold;
}
