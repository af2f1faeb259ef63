import { Cron, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { CronSchedule, humanSeconds, parseCron } from './backup/cron';
import { dnsEgressRule } from './network-policy';
import { invalidProp } from './shared/errors';
import { containerSecurityContext, podSecurityContext } from './shared/security';
import { checkBoolean, checkCron, checkDuration, checkKnownKeys, checkNoNullOptions, checkNotSecret, checkOneOf, checkRequired, checkString, checkTimeZone } from './shared/validation';

/** Options of a change freeze that starts on a cron schedule, e.g. every month's closing. */
export interface RecurringFreezeOptions {
  /** When the freeze starts, in `timeZone` (e.g. `Cron.schedule({ minute: '0', hour: '0', day: '1' })`: midnight on the 1st). */
  readonly schedule: Cron;
  /** How long it lasts: a whole number of minutes, shorter than the time between two starts. */
  readonly duration: Duration;
  /** Why syncs are frozen (shown by Argo CD as the window's description). */
  readonly reason: string;
  /** The IANA time zone the schedule is read in, e.g. "Europe/London". @default "UTC" */
  readonly timeZone?: string;
  /**
   * An operator may still sync by hand during the freeze (Argo CD's `manualSync`): the
   * emergency override. Automated syncs stay denied.
   * @default false
   */
  readonly manualSync?: boolean;
}

/** Options of a change freeze that happens once. */
export interface OneOffFreezeOptions {
  /** The first frozen minute: a `Date`, or an ISO 8601 string with a time zone ("2026-12-24T00:00:00Z", "2026-12-24T00:00+01:00"). */
  readonly start: Date | string;
  /** When the freeze ends (exclusive), the same way; after `start`, less than a year later. */
  readonly end: Date | string;
  /** Why syncs are frozen (shown by Argo CD as the window's description). */
  readonly reason: string;
  /** The IANA time zone the rendered cron schedules are written in (the instants do not change). @default "UTC" */
  readonly timeZone?: string;
  /** An operator may still sync by hand during the freeze (Argo CD's `manualSync`). @default false */
  readonly manualSync?: boolean;
}

/** Whether a {@link ChangeFreeze} repeats. */
export enum ChangeFreezeKind {
  RECURRING = 'recurring',
  ONE_OFF = 'one-off',
}

/**
 * A period during which the GitOps controllers do not apply changes to an environment.
 * Argo CD: a `deny` sync window on the environment's AppProject. Flux, which has no sync
 * windows: its documented equivalent, suspending the environment's Kustomizations (`flux
 * suspend kustomization`) when the freeze starts and resuming them when it ends, run by two
 * CronJobs per freeze. The resume schedule is computed: a freeze must end on days a cron
 * schedule can name (a freeze from the 30th for three days cannot: months differ in length).
 * In a time zone with daylight saving time, a freeze that spans a change lasts its duration in
 * Argo CD but ends at the same wall-clock time in Flux, an hour apart; UTC has no such change.
 */
export class ChangeFreeze {
  /** A freeze that starts on a cron schedule and lasts `duration` each time. */
  public static recurring(options: RecurringFreezeOptions): ChangeFreeze {
    return new ChangeFreeze(ChangeFreezeKind.RECURRING, options);
  }

  /**
   * A freeze that happens once. Argo CD's sync windows and CronJobs have no year, so it is
   * rendered as a cron schedule naming the day and month, which would come back every year:
   * synthesis fails once the freeze has ended (remove it) and when it is a year or more ahead
   * (the same date would freeze syncs this year first).
   */
  public static oneOff(options: OneOffFreezeOptions): ChangeFreeze {
    return new ChangeFreeze(ChangeFreezeKind.ONE_OFF, options);
  }

  private constructor(
    /** Recurring or one-off. */
    public readonly kind: ChangeFreezeKind,
    /** The options as given; checked when an environment uses the freeze. */
    public readonly options: RecurringFreezeOptions | OneOffFreezeOptions,
  ) {}
}

/** A freeze checked and reduced to what both controllers take: cron schedules in one time zone and a length. */
export interface ResolvedFreeze {
  readonly kind: ChangeFreezeKind;
  /** When it starts: 5 cron fields in `timeZone`. */
  readonly schedule: string;
  /** When it ends (Flux resumes): 5 cron fields in `timeZone`, running exactly one `duration` after each start. */
  readonly endSchedule: string;
  readonly durationMinutes: number;
  readonly timeZone: string;
  readonly manualSync: boolean;
  readonly reason: string;
  /** The frozen intervals, in wall-clock minutes of one 400-year Gregorian cycle, for overlap checks. */
  readonly intervals: ReadonlyArray<readonly [number, number]>;
}

const RECURRING_KEYS = ['schedule', 'duration', 'reason', 'timeZone', 'manualSync'];
const ONE_OFF_KEYS = ['start', 'end', 'reason', 'timeZone', 'manualSync'];
const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/;
const MINUTES_PER_DAY = 24 * 60;
const DAYS_PER_CYCLE = 146097;
const CYCLE_MINUTES = DAYS_PER_CYCLE * MINUTES_PER_DAY;
const MAX_STARTS_PER_DAY = 24;

/**
 * Checks `freeze` (reported at `prop` of `scope`) and resolves it. `now` decides whether a
 * one-off freeze is still ahead.
 */
export function resolveFreeze(scope: IConstruct, prop: string, freeze: ChangeFreeze, now: Date): ResolvedFreeze {
  if (!(freeze instanceof ChangeFreeze)) {
    throw invalidProp(scope, prop, freeze, "must be a ChangeFreeze, e.g. ChangeFreeze.recurring({ schedule, duration, reason })");
  }
  checkOneOf(scope, `${prop}.kind`, freeze.kind, Object.values(ChangeFreezeKind),
    'ChangeFreeze.recurring({ ... }) or ChangeFreeze.oneOff({ ... }): made by its factories, not with new');
  const recurring = freeze.kind === ChangeFreezeKind.RECURRING;
  checkKnownKeys(scope, prop, freeze.options, recurring ? RECURRING_KEYS : ONE_OFF_KEYS);
  checkNoNullOptions(scope, prop, freeze.options, ['timeZone', 'manualSync']);
  const reason = checkString(scope, `${prop}.reason`, freeze.options.reason, { example: '"Month-end closing"' });
  if (reason.trim() === '') throw invalidProp(scope, `${prop}.reason`, reason, 'must say why syncs are frozen, not be blank, e.g. "Month-end closing"');
  if (/[\r\n]/.test(reason)) throw invalidProp(scope, `${prop}.reason`, reason, 'must be one line');
  checkNotSecret(scope, `${prop}.reason`, reason, 'the reason is written into the manifests; say why the freeze holds, e.g. "Month-end closing"');
  const timeZone = checkTimeZone(scope, `${prop}.timeZone`, freeze.options.timeZone ?? 'UTC');
  const manualSync = freeze.options.manualSync === undefined ? false : checkBoolean(scope, `${prop}.manualSync`, freeze.options.manualSync);
  const common = { kind: freeze.kind, timeZone, manualSync, reason };
  return recurring
    ? { ...common, ...resolveRecurring(scope, prop, freeze.options as RecurringFreezeOptions) }
    : { ...common, ...resolveOneOff(scope, prop, freeze.options as OneOffFreezeOptions, timeZone, now) };
}

function resolveRecurring(scope: IConstruct, prop: string, options: RecurringFreezeOptions) {
  checkRequired(scope, `${prop}.schedule`, options.schedule, 'a Cron', "Cron.schedule({ minute: '0', hour: '0', day: '1' })");
  const checked = checkCron(scope, `${prop}.schedule`, options.schedule);
  const parsed = parseCron(checked.expression);
  if (parsed.minutes.length * parsed.hours.length > MAX_STARTS_PER_DAY) {
    throw invalidProp(scope, `${prop}.schedule`, checked.expression, `must start at most ${MAX_STARTS_PER_DAY} times a day`);
  }
  const durationMinutes = checkMinutes(scope, `${prop}.duration`, options.duration);
  const shortest = checked.intervals.shortestSeconds;
  if (durationMinutes * 60 >= shortest) {
    throw invalidProp(scope, `${prop}.duration`, humanSeconds(durationMinutes * 60),
      `must be shorter than the shortest time between two starts of "${checked.expression}" (${humanSeconds(shortest)}), or the freeze never ends`);
  }
  const starts = runMinutes(parsed);
  const ends = starts.map((s) => s + durationMinutes);
  const endSchedule = exactSchedule(ends);
  if (!endSchedule) {
    throw invalidProp(scope, `${prop}.duration`, humanSeconds(durationMinutes * 60),
      `ends on calendar days no cron schedule names exactly (months differ in length and February in leap years), so Flux could not resume on time; `
      + `choose a start and duration whose end falls on fixed days, e.g. a freeze that starts on the 1st`);
  }
  return { schedule: checked.expression, endSchedule, durationMinutes, intervals: starts.map((s) => [s, s + durationMinutes] as const) };
}

function resolveOneOff(scope: IConstruct, prop: string, options: OneOffFreezeOptions, timeZone: string, now: Date) {
  const start = checkInstant(scope, `${prop}.start`, options.start);
  const end = checkInstant(scope, `${prop}.end`, options.end);
  const durationMinutes = (end.getTime() - start.getTime()) / 60000;
  if (durationMinutes <= 0) throw invalidProp(scope, `${prop}.end`, options.end, `must be after 'start' (${JSON.stringify(start.toISOString())})`);
  if (durationMinutes >= 365 * MINUTES_PER_DAY) throw invalidProp(scope, `${prop}.end`, options.end, 'must be less than 365 days after \'start\'');
  if (end.getTime() <= now.getTime()) {
    throw invalidProp(scope, `${prop}.end`, options.end,
      `has passed (checked at ${now.toISOString()}): the rendered schedule has no year and would freeze the same dates every year; remove the freeze`);
  }
  const local = wallClock(start, timeZone);
  const localEnd = wallClock(end, timeZone);
  // The same dates one repetition earlier (four years for 29 February) must be over, or they would be frozen first.
  const yearsBack = local.month === 2 && local.day === 29 ? 4 : 1;
  const previousEnd = Date.UTC(local.year - yearsBack, local.month - 1, local.day, local.hour, local.minute) + durationMinutes * 60000;
  if (previousEnd > wallClockMs(now, timeZone)) {
    throw invalidProp(scope, `${prop}.start`, options.start,
      `is too far ahead (checked at ${now.toISOString()}): the rendered schedule has no year, so the same dates ${local.year - yearsBack} would be frozen first; `
      + 'give a freeze that starts within a year, less its length');
  }
  const position = cycleMinute(local.year, local.month, local.day) + local.hour * 60 + local.minute;
  return {
    schedule: `${local.minute} ${local.hour} ${local.day} ${local.month} *`,
    endSchedule: `${localEnd.minute} ${localEnd.hour} ${localEnd.day} ${localEnd.month} *`,
    durationMinutes,
    intervals: [[position, position + durationMinutes] as const],
  };
}

/** Throws when two freezes of one environment overlap: Flux would resume when the first one ends although the second still holds. */
export function checkNoOverlap(scope: IConstruct, prop: string, freezes: readonly ResolvedFreeze[]): void {
  const all = freezes.flatMap((f, index) => f.intervals.flatMap(([s, e]) => {
    const first = [s % CYCLE_MINUTES, s % CYCLE_MINUTES + (e - s), index] as const;
    // An interval running past the end of the cycle also covers its beginning.
    return first[1] > CYCLE_MINUTES ? [first, [first[0] - CYCLE_MINUTES, first[1] - CYCLE_MINUTES, index] as const] : [first];
  })).sort((a, b) => a[0] - b[0]);
  let latest: readonly [number, number, number] | undefined;
  for (const interval of all) {
    if (latest && interval[0] < latest[1] && interval[2] !== latest[2]) {
      const [a, b] = [latest[2], interval[2]].sort((x, y) => x - y);
      throw invalidProp(scope, `${prop}[${b}]`, freezes[b].schedule,
        `overlaps ${prop}[${a}] ("${freezes[a].schedule}"): Flux would resume when one ends while the other still holds; merge them into one freeze`);
    }
    if (!latest || interval[1] > latest[1]) latest = interval;
  }
}

function checkMinutes(scope: IConstruct, prop: string, duration: Duration): number {
  checkRequired(scope, prop, duration, 'a Duration', 'Duration.hours(72)');
  const seconds = checkDuration(scope, prop, duration, { example: 'e.g. Duration.hours(72)', minSeconds: 60 });
  if (seconds % 60 !== 0) throw invalidProp(scope, prop, humanSeconds(seconds), 'must be a whole number of minutes, e.g. Duration.hours(72)');
  return seconds / 60;
}

function checkInstant(scope: IConstruct, prop: string, value: Date | string): Date {
  const expected = 'must be a Date or an ISO 8601 date and time with a time zone, e.g. "2026-12-24T00:00:00Z" or "2026-12-24T00:00+01:00"';
  let date: Date;
  if (value instanceof Date) {
    date = value;
  } else if (typeof value === 'string' && ISO_INSTANT.test(value) && isCalendarDate(value)) {
    date = new Date(value);
  } else {
    throw invalidProp(scope, prop, value, expected);
  }
  if (Number.isNaN(date.getTime())) throw invalidProp(scope, prop, value, expected);
  if (date.getTime() % 60000 !== 0) throw invalidProp(scope, prop, value, 'must be a whole minute (cron schedules have no seconds)');
  return date;
}

/** JavaScript rolls "2026-02-30" over into March; a date must exist as written. */
function isCalendarDate(value: string): boolean {
  const [year, month, day, hour, minute] = value.match(/^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})/)!.slice(1).map(Number);
  const days = new Date(Date.UTC(year, month, 0)).getUTCDate();
  return month >= 1 && month <= 12 && day >= 1 && day <= days && hour <= 23 && minute <= 59;
}

interface WallClock {
  readonly year: number;
  readonly month: number;
  readonly day: number;
  readonly hour: number;
  readonly minute: number;
}

function wallClock(date: Date, timeZone: string): WallClock {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
  }).formatToParts(date);
  const part = (type: string) => Number(parts.find((p) => p.type === type)!.value);
  return { year: part('year'), month: part('month'), day: part('day'), hour: part('hour'), minute: part('minute') };
}

/** The wall-clock time in `timeZone` as if it were UTC, in milliseconds. */
function wallClockMs(date: Date, timeZone: string): number {
  const w = wallClock(date, timeZone);
  return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute);
}

/** Minutes from the start of the 400-year cycle (2000-01-01, the calendar repeats every 400 years) to a day. */
function cycleMinute(year: number, month: number, day: number): number {
  const days = (Date.UTC(year, month - 1, day) - Date.UTC(2000, 0, 1)) / 86400000;
  return (((days % DAYS_PER_CYCLE) + DAYS_PER_CYCLE) % DAYS_PER_CYCLE) * MINUTES_PER_DAY;
}

/** Every run of a schedule in one 400-year cycle, in wall-clock minutes from 2000-01-01, ascending. */
function runMinutes(schedule: CronSchedule): number[] {
  const times = schedule.hours.flatMap((h) => schedule.minutes.map((m) => h * 60 + m));
  const runs: number[] = [];
  forEachDay((day, month, dayOfMonth, dayOfWeek) => {
    const domMatch = schedule.daysOfMonth.has(dayOfMonth);
    const dowMatch = schedule.daysOfWeek.has(dayOfWeek);
    const matches = schedule.dayOfMonthIsStar || schedule.dayOfWeekIsStar ? domMatch && dowMatch : domMatch || dowMatch;
    if (matches && schedule.months.has(month)) times.forEach((t) => runs.push(day * MINUTES_PER_DAY + t));
  });
  return runs;
}

function forEachDay(visit: (day: number, month: number, dayOfMonth: number, dayOfWeek: number) => void): void {
  let day = 0;
  let weekday = 6; // 2000-01-01 was a Saturday
  for (let year = 2000; year < 2400; year++) {
    for (let month = 1; month <= 12; month++) {
      const length = new Date(Date.UTC(year, month, 0)).getUTCDate();
      for (let dom = 1; dom <= length; dom++) {
        visit(day, month, dom, weekday);
        day++;
        weekday = (weekday + 1) % 7;
      }
    }
  }
}

/**
 * A cron schedule that runs at exactly these minutes of the cycle (wrapping past its end), or
 * undefined: one naming the days of the month and months, or one naming the weekdays and months.
 */
function exactSchedule(minutes: readonly number[]): string | undefined {
  const wrapped = [...new Set(minutes.map((m) => m % CYCLE_MINUTES))].sort((a, b) => a - b);
  const times = new Set(wrapped.map((m) => m % MINUTES_PER_DAY));
  const days = new Set(wrapped.map((m) => Math.floor(m / MINUTES_PER_DAY)));
  const doms = new Set<number>();
  const months = new Set<number>();
  const dows = new Set<number>();
  forEachDay((day, month, dom, dow) => {
    if (!days.has(day)) return;
    doms.add(dom);
    months.add(month);
    dows.add(dow);
  });
  const list = (values: Set<number>, all: number) => (values.size === all ? '*' : [...values].sort((a, b) => a - b).join(','));
  const timeFields = [...times].map((t) => [t % 60, Math.floor(t / 60)]);
  const minuteSet = new Set(timeFields.map(([m]) => m));
  const hourSet = new Set(timeFields.map(([, h]) => h));
  if (minuteSet.size * hourSet.size !== times.size) return undefined; // not a product of minutes and hours
  const head = `${list(minuteSet, 60)} ${list(hourSet, 24)}`;
  const candidates = [`${head} ${list(doms, 31)} ${list(months, 12)} *`, `${head} * ${list(months, 12)} ${list(dows, 7)}`];
  return candidates.find((candidate) => {
    const runs = runMinutes(parseCron(candidate));
    return runs.length === wrapped.length && runs.every((m, i) => m === wrapped[i]);
  });
}

/** What {@link createFluxFreeze} needs to know of one environment. */
export interface FluxFreezeProps {
  /** The prefix of every object's name, e.g. "fintech-production-freeze". */
  readonly name: string;
  /** The Flux namespace, where the Kustomizations and these objects live. */
  readonly namespace: string;
  /** The environment's Kustomizations, in dependency order: suspended and resumed together. */
  readonly kustomizations: readonly string[];
  readonly freezes: readonly ResolvedFreeze[];
  /** The pinned flux CLI image. */
  readonly image: string;
  /** Where the Kubernetes API server is, for the pods' egress (ports 443 and 6443). */
  readonly apiServerCidrs: readonly string[];
}

/** The objects that suspend and resume an environment's Kustomizations for its freezes. */
export interface FluxFreeze {
  readonly serviceAccount: k8s.KubeServiceAccount;
  /** Allows `get` and `patch` of the environment's Kustomizations, by name, and nothing else. */
  readonly role: k8s.KubeRole;
  readonly roleBinding: k8s.KubeRoleBinding;
  readonly networkPolicy: k8s.KubeNetworkPolicy;
  /** Per freeze: the CronJob that suspends at its start and the one that resumes at its end. */
  readonly cronJobs: ReadonlyArray<{ readonly suspend: k8s.KubeCronJob; readonly resume: k8s.KubeCronJob }>;
}

const SERVICE_ACCOUNT_DIR = '/var/run/secrets/kubernetes.io/serviceaccount';
/** Kubernetes' shortest allowed projected token lifetime; a job runs for a few seconds. */
const TOKEN_SECONDS = 600;
const JOB_DEADLINE_SECONDS = 300;

/**
 * Flux's documented way to stop applying changes: `flux suspend kustomization` at the start of
 * each freeze and `flux resume kustomization` at its end, each run by a CronJob in the Flux
 * namespace, in the freeze's time zone, with a ServiceAccount that may only get and patch
 * these Kustomizations. The pods mount a short-lived projected token instead of the automounted one.
 */
export function createFluxFreeze(scope: Construct, props: FluxFreezeProps): FluxFreeze {
  const { name, namespace } = props;
  const labels = { 'app.kubernetes.io/name': name, 'app.kubernetes.io/component': 'change-freeze', 'app.kubernetes.io/managed-by': 'cdk8s-fintech' };
  const metadata = { name, namespace, labels };
  const serviceAccount = new k8s.KubeServiceAccount(scope, `${name}-service-account`, { metadata, automountServiceAccountToken: false });
  const role = new k8s.KubeRole(scope, `${name}-role`, {
    metadata,
    rules: [{ apiGroups: ['kustomize.toolkit.fluxcd.io'], resources: ['kustomizations'], resourceNames: [...props.kustomizations], verbs: ['get', 'patch'] }],
  });
  const roleBinding = new k8s.KubeRoleBinding(scope, `${name}-role-binding`, {
    metadata,
    roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name },
    subjects: [{ kind: 'ServiceAccount', name, namespace }],
  });
  const networkPolicy = new k8s.KubeNetworkPolicy(scope, `${name}-network-policy`, {
    metadata,
    spec: {
      podSelector: { matchLabels: { 'app.kubernetes.io/name': name } },
      policyTypes: ['Ingress', 'Egress'],
      egress: [dnsEgressRule(), {
        to: props.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })),
        ports: [443, 6443].map((port) => ({ protocol: 'TCP', port: k8s.IntOrString.fromNumber(port) })),
      }],
    },
  });
  const cronJob = (id: string, jobName: string, schedule: string, timeZone: string, args: string[], deadlineSeconds: number) =>
    new k8s.KubeCronJob(scope, id, {
      metadata: { name: jobName, namespace, labels },
      spec: {
        schedule,
        timeZone,
        concurrencyPolicy: 'Forbid',
        startingDeadlineSeconds: deadlineSeconds,
        successfulJobsHistoryLimit: 1,
        failedJobsHistoryLimit: 3,
        jobTemplate: {
          metadata: { labels },
          spec: {
            backoffLimit: 3,
            activeDeadlineSeconds: JOB_DEADLINE_SECONDS,
            template: {
              metadata: { labels },
              spec: {
                serviceAccountName: name,
                automountServiceAccountToken: false,
                restartPolicy: 'Never',
                securityContext: podSecurityContext({ user: 65534, group: 65534 }),
                containers: [{
                  name: 'flux',
                  image: props.image,
                  imagePullPolicy: 'Always',
                  command: ['flux'],
                  args: [...args, ...props.kustomizations, `--namespace=${namespace}`, '--cache-dir=/tmp/.kube/cache'],
                  env: [{ name: 'HOME', value: '/tmp' }],
                  securityContext: containerSecurityContext({ user: 65534, group: 65534 }),
                  resources: {
                    requests: { 'cpu': k8s.Quantity.fromString('50m'), 'memory': k8s.Quantity.fromString('64Mi'), 'ephemeral-storage': k8s.Quantity.fromString('16Mi') },
                    limits: { 'cpu': k8s.Quantity.fromString('200m'), 'memory': k8s.Quantity.fromString('128Mi'), 'ephemeral-storage': k8s.Quantity.fromString('64Mi') },
                  },
                  volumeMounts: [{ name: 'tmp', mountPath: '/tmp' }, { name: 'token', mountPath: SERVICE_ACCOUNT_DIR, readOnly: true }],
                }],
                volumes: [
                  { name: 'tmp', emptyDir: { sizeLimit: k8s.Quantity.fromString('64Mi') } },
                  {
                    name: 'token',
                    projected: {
                      sources: [
                        { serviceAccountToken: { path: 'token', expirationSeconds: TOKEN_SECONDS } },
                        { configMap: { name: 'kube-root-ca.crt', items: [{ key: 'ca.crt', path: 'ca.crt' }] } },
                        { downwardApi: { items: [{ path: 'namespace', fieldRef: { fieldPath: 'metadata.namespace' } }] } },
                      ],
                    },
                  },
                ],
              },
            },
          },
        },
      },
    });
  const cronJobs = props.freezes.map((freeze, i) => ({
    // A late suspend still helps while the freeze lasts; a late resume must not run into the next freeze.
    suspend: cronJob(`${name}-${i}-suspend`, `${name}-${i}-suspend`, freeze.schedule, freeze.timeZone, ['suspend', 'kustomization'],
      Math.min(freeze.durationMinutes * 60, 86400)),
    resume: cronJob(`${name}-${i}-resume`, `${name}-${i}-resume`, freeze.endSchedule, freeze.timeZone, ['resume', 'kustomization', '--wait=false'],
      Math.min(gapAfterSeconds(freeze), 86400)),
  }));
  return { serviceAccount, role, roleBinding, networkPolicy, cronJobs };
}

/** The shortest time from the end of one run of a freeze to its next start. */
function gapAfterSeconds(freeze: ResolvedFreeze): number {
  const { intervals } = freeze;
  if (intervals.length < 2) return Number.MAX_SAFE_INTEGER;
  let gap = intervals[0][0] + CYCLE_MINUTES - intervals[intervals.length - 1][1];
  for (let i = 1; i < intervals.length; i++) gap = Math.min(gap, intervals[i][0] - intervals[i - 1][1]);
  return gap * 60;
}
