import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { invalidProp } from '../shared/errors';
import { checkArray, checkKnownKeys, checkNoNullOptions, checkNotFraction, checkNotSecret, checkUniqueField } from '../shared/validation';
import {
  histogramRequestRate, LabelMatchers, PromRange, promDuration, ratioOverTime, requestRate, series, serverErrorRate, serviceTargetMatchers,
  slowRequestRate,
} from '../shared/promql';
import { alertRule, AlertRule, checkSeverity, checkWindow, RecordingRule, RuleGroup, Severity } from './alert-rules';

/**
 * Service level objectives: their type, the PromQL of their indicators, the recording rules and
 * the multiwindow, multi-burn-rate alerts of the Google SRE workbook ("Alerting on SLOs").
 *
 * Everything here is a pure function of a {@link ServiceLevelObjective}. (A CanaryRollout's
 * analysis does not use these: it judges the canary by its own thresholds, `analysis`.)
 */

/** What an objective measures. */
export enum SliKind {
  /** Requests that did not fail with a 5xx, from `http_requests_total`. */
  AVAILABILITY = 'availability',
  /** Requests faster than a threshold, from `http_request_duration_seconds_bucket`. */
  LATENCY = 'latency',
}

/** Options common to every objective. */
export interface ObjectiveOptions {
  /** Percentage of good requests the service promises, in (0, 100), e.g. 99.9. */
  readonly objectivePercent: number;
  /** The period the objective is measured over, and the error budget spent in. @default Duration.days(30) */
  readonly window?: Duration;
  /** Name of the objective: the `slo` label value and part of the alert names. @default - "availability" or "latency" */
  readonly name?: string;
}

/** Options of a latency objective. */
export interface LatencyObjectiveOptions extends ObjectiveOptions {
  /**
   * Requests slower than this are bad. The latency histogram must have a bucket boundary at
   * exactly this value (`le="0.5"` for 500 ms).
   */
  readonly threshold: Duration;
}

/** A service level objective: which requests are good, which percentage must be, over which window. */
export class ServiceLevelObjective {
  /** `objectivePercent` % of requests do not fail with a 5xx, e.g. 99.9 % over 30 days. */
  public static availability(options: ObjectiveOptions): ServiceLevelObjective {
    // Never throws: the stack that uses the objective checks its options and names its own path in the error.
    const o: Partial<ObjectiveOptions> = options ?? {};
    return new ServiceLevelObjective(SliKind.AVAILABILITY, o.name ?? SliKind.AVAILABILITY, o.objectivePercent!,
      o.window ?? Duration.days(30), undefined, options);
  }

  /** `objectivePercent` % of requests are faster than `threshold`; 95 % under 500 ms is "P95 < 500 ms". */
  public static latency(options: LatencyObjectiveOptions): ServiceLevelObjective {
    const o: Partial<LatencyObjectiveOptions> = options ?? {};
    return new ServiceLevelObjective(SliKind.LATENCY, o.name ?? SliKind.LATENCY, o.objectivePercent!,
      o.window ?? Duration.days(30), o.threshold, options);
  }

  private constructor(
    public readonly kind: SliKind,
    public readonly name: string,
    public readonly objectivePercent: number,
    public readonly window: Duration,
    /** Only for latency objectives. */
    public readonly threshold?: Duration,
    /** @internal The options as given, checked by the stack that uses the objective. */
    public readonly _options?: unknown,
  ) {}
}

/** The platform's default objectives: 99.9 % availability and P95 latency under 500 ms, over 30 days. */
export function defaultObjectives(): ServiceLevelObjective[] {
  return [
    ServiceLevelObjective.availability({ objectivePercent: 99.9 }),
    ServiceLevelObjective.latency({ objectivePercent: 95, threshold: Duration.millis(500) }),
  ];
}

/**
 * One pair of burn-rate windows: alert when the error budget burns so fast that `budgetPercent`
 * % of it would be spent in `longWindow`, measured over both `longWindow` and `shortWindow`
 * (the short window makes the alert stop soon after the problem does).
 */
export interface BurnRateWindow {
  readonly longWindow: Duration;
  readonly shortWindow: Duration;
  /** Percentage of the whole error budget spent in `longWindow`, in (0, 100]. */
  readonly budgetPercent: number;
  readonly severity: Severity;
}

/**
 * The SRE workbook's windows. Page (critical): 2 % of the budget in 1 h (5 m short window, burn
 * rate 14.4 for a 30-day objective) or 5 % in 6 h (30 m, burn rate 6). Ticket (warning): 10 % in
 * 1 d (2 h, burn rate 3) or 10 % in 3 d (6 h, burn rate 1).
 */
export const DEFAULT_BURN_RATE_WINDOWS: readonly BurnRateWindow[] = [
  { longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), budgetPercent: 2, severity: Severity.CRITICAL },
  { longWindow: Duration.hours(6), shortWindow: Duration.minutes(30), budgetPercent: 5, severity: Severity.CRITICAL },
  { longWindow: Duration.days(1), shortWindow: Duration.hours(2), budgetPercent: 10, severity: Severity.WARNING },
  { longWindow: Duration.days(3), shortWindow: Duration.hours(6), budgetPercent: 10, severity: Severity.WARNING },
];

/** The recorded rate of all requests the SLI counts, over 5 minutes: `slo:sli_requests:rate5m{namespace, service, slo}`. */
export const REQUESTS_RECORD = 'slo:sli_requests:rate5m';
/** The recorded rate of bad requests, over 5 minutes: `slo:sli_bad_requests:rate5m{namespace, service, slo}`. */
export const BAD_REQUESTS_RECORD = 'slo:sli_bad_requests:rate5m';

/** The recorded SLI error ratio over `range`: `slo:sli_error:ratio_rate<range>{namespace, service, slo}`. */
export function sliErrorRecord(range: PromRange): string {
  return `slo:sli_error:ratio_rate${range}`;
}

/** The recorded objective as a ratio: `slo:objective:ratio{namespace, service, slo}`. */
export const OBJECTIVE_RECORD = 'slo:objective:ratio';

/** The fraction of requests allowed to be bad: 0.001 for 99.9 %. */
export function errorBudgetRatio(slo: ServiceLevelObjective): number {
  return round((100 - slo.objectivePercent) / 100);
}

/**
 * Bad requests per second over `range`: responses slower than the threshold, or 5xx responses
 * (0 rather than no data when no 5xx series exists at all, so a flawless service has a ratio).
 */
export function sliBadRate(slo: ServiceLevelObjective, labels: LabelMatchers, range: PromRange): string {
  return slo.kind === SliKind.LATENCY
    ? slowRequestRate(labels, slo.threshold!.toSeconds({ integral: false }), range)
    : `(${serverErrorRate(labels, range)} or vector(0))`;
}

/** All requests per second over `range`, as the SLI counts them. */
export function sliTotalRate(slo: ServiceLevelObjective, labels: LabelMatchers, range: PromRange): string {
  return slo.kind === SliKind.LATENCY ? histogramRequestRate(labels, range) : requestRate(labels, range);
}

/**
 * The fraction (0–1) of bad requests over `range`, for the requests that `labels` select,
 * straight from the services' metrics, to compare with {@link errorBudgetRatio}. (For availability this is `errorRatio` of lib/shared/promql.ts, but 0
 * instead of no data when there are no 5xx responses at all.)
 */
export function sliErrorRatio(slo: ServiceLevelObjective, labels: LabelMatchers, range: PromRange): string {
  return `${sliBadRate(slo, labels, range)} / ${sliTotalRate(slo, labels, range)}`;
}

/** How many times faster than allowed the budget burns over `range` (1 = the budget lasts exactly the window). */
export function burnRate(slo: ServiceLevelObjective, labels: LabelMatchers, range: PromRange): string {
  return `(${sliErrorRatio(slo, labels, range)}) / ${errorBudgetRatio(slo)}`;
}

/** The burn rate at which `window.budgetPercent` % of the budget is spent in `window.longWindow`: 14.4 for 2 % in 1 h of 30 d. */
export function burnRateThreshold(slo: ServiceLevelObjective, window: BurnRateWindow): number {
  return round((window.budgetPercent / 100) * (slo.window.toSeconds() / window.longWindow.toSeconds()));
}

/** The labels of an objective's recorded series. */
export function sloLabels(service: { name: string; namespace: string }, slo: ServiceLevelObjective): Record<string, string> {
  return { namespace: service.namespace, service: service.name, slo: slo.name };
}

/** The share (≤ 1, negative when overspent) of the error budget left over the objective's window, from the recorded 5-minute rates. */
export function errorBudgetRemaining(service: { name: string; namespace: string }, slo: ServiceLevelObjective): string {
  const spent = ratioOverTime(BAD_REQUESTS_RECORD, REQUESTS_RECORD, sloLabels(service, slo), promDuration(slo.window.toSeconds()));
  return `1 - (${spent}) / ${errorBudgetRatio(slo)}`;
}

/** Every range the rules record: the short and long windows, plus 5m (the dashboards' base), shortest first. */
export function recordedRanges(windows: readonly BurnRateWindow[]): PromRange[] {
  const seconds = new Set<number>([300]);
  for (const w of windows) {
    seconds.add(w.shortWindow.toSeconds());
    seconds.add(w.longWindow.toSeconds());
  }
  return [...seconds].sort((a, b) => a - b).map(promDuration);
}

/**
 * The rule group of one service's objectives. For each objective it records the 5-minute rates
 * of bad and of all requests, the error ratio over every window from them (`sum_over_time` of
 * the 5-minute rates: weighted by traffic, and one series read instead of every raw series over
 * days), and the objective itself. Then one burn-rate alert per severity, named
 * `<Objective>BudgetBurn<Severity>` (e.g. `AvailabilityBudgetBurnCritical`), firing when any of
 * that severity's window pairs burns faster than its threshold over both windows.
 */
export function sloRuleGroup(
  service: { name: string; namespace: string },
  slos: readonly ServiceLevelObjective[],
  windows: readonly BurnRateWindow[],
  runbookBaseUrl: string | undefined,
): RuleGroup {
  const ranges = recordedRanges(windows);
  const target = serviceTargetMatchers(service.namespace, service.name);
  const rules: Array<AlertRule | RecordingRule> = [];
  for (const slo of slos) {
    const labels = sloLabels(service, slo);
    rules.push({ record: BAD_REQUESTS_RECORD, expr: sliBadRate(slo, target, '5m'), labels });
    rules.push({ record: REQUESTS_RECORD, expr: sliTotalRate(slo, target, '5m'), labels });
    for (const range of ranges) {
      const expr = range === '5m'
        ? `${series(BAD_REQUESTS_RECORD, labels)} / ${series(REQUESTS_RECORD, labels)}`
        : ratioOverTime(BAD_REQUESTS_RECORD, REQUESTS_RECORD, labels, range);
      rules.push({ record: sliErrorRecord(range), expr, labels });
    }
    rules.push({ record: OBJECTIVE_RECORD, expr: `vector(${round(slo.objectivePercent / 100)})`, labels });
  }
  for (const slo of slos) {
    const labels = sloLabels(service, slo);
    for (const severity of [Severity.CRITICAL, Severity.WARNING, Severity.INFO]) {
      const pairs = windows.filter((w) => w.severity === severity);
      if (pairs.length === 0) continue;
      const budget = errorBudgetRatio(slo);
      const conditions = pairs.map((w) => {
        const factor = burnRateThreshold(slo, w);
        const over = (d: Duration) => `${series(sliErrorRecord(promDuration(d.toSeconds())), labels)} > (${factor} * ${budget})`;
        return `(${over(w.longWindow)} and ${over(w.shortWindow)})`;
      });
      const windowText = pairs
        .map((w) => `${w.budgetPercent} % of the budget in ${promDuration(w.longWindow.toSeconds())} (burn rate ${burnRateThreshold(slo, w)})`)
        .join(' or ');
      const alert = `${pascalCase(slo.name)}BudgetBurn${pascalCase(severity)}`;
      rules.push(alertRule({
        alert,
        expr: conditions.join(' or '),
        severity,
        summary: `${service.name} burns its ${slo.name} error budget too fast`,
        description: `${service.name} is spending the error budget of its ${describeObjective(slo)} objective at a rate that would use `
          + `${windowText}; the bad-request ratio is {{ $value | humanizePercentage }}.`,
        labels,
      }, runbookBaseUrl, 'SloBudgetBurn'));
    }
  }
  return { name: `${service.name}-slo`, rules };
}

/** "99.9 % availability over 30d" or "95 % of requests under 500ms over 30d". */
export function describeObjective(slo: ServiceLevelObjective): string {
  const window = promDuration(slo.window.toSeconds());
  return slo.kind === SliKind.LATENCY
    ? `${slo.objectivePercent} % of requests under ${slo.threshold!.toMilliseconds({ integral: false })}ms over ${window}`
    : `${slo.objectivePercent} % ${slo.name} over ${window}`;
}

/** Throws unless the stack's shared objectives and burn-rate windows, when given, are lists. */
export function checkObjectiveLists(scope: IConstruct, objectives: unknown, burnRateWindows: unknown): void {
  if (objectives !== undefined) checkArray(scope, 'objectives', objectives, '[ServiceLevelObjective.availability({ objectivePercent: 99.9 })]');
  if (burnRateWindows !== undefined) checkArray(scope, 'burnRateWindows', burnRateWindows, 'DEFAULT_BURN_RATE_WINDOWS');
}

/**
 * Each service's objectives, by service name: its own (`serviceOptions.<name>.objectives`), else
 * the stack's shared ones, else {@link defaultObjectives}; each checked (the shared ones also when no
 * service uses them), names unique per service.
 */
export function serviceObjectives(
  scope: IConstruct, services: ReadonlyArray<{ readonly name: string }>,
  options: Readonly<Record<string, { readonly objectives?: ServiceLevelObjective[] }>>, shared: ServiceLevelObjective[] | undefined,
  burnRateWindows: readonly BurnRateWindow[] | undefined,
): Map<string, readonly ServiceLevelObjective[]> {
  const objectives = new Map<string, readonly ServiceLevelObjective[]>();
  // The shared objectives are checked even when every service has its own: given, they must be valid.
  shared?.forEach((slo, i) => checkObjective(scope, `objectives[${i}]`, slo));
  for (const svc of services) {
    const own = options[svc.name]?.objectives;
    const prop = own ? `serviceOptions.${svc.name}.objectives` : 'objectives';
    const list = (own ?? shared ?? defaultObjectives()).map((slo, i) => checkObjective(scope, `${prop}[${i}]`, slo));
    // With the default burn-rate windows, a window too short for them is the objective's mistake (given windows are checked against the objectives).
    if (burnRateWindows === undefined) list.forEach((slo, i) => checkFitsDefaultWindows(scope, `${prop}[${i}].window`, slo.window));
    checkUniqueField(scope, prop, 'name', list.map((slo) => slo.name), 'the name tells the objectives\' rules and alerts apart');
    objectives.set(svc.name, list);
  }
  return objectives;
}

function checkFitsDefaultWindows(scope: IConstruct, prop: string, window: Duration): void {
  const longest = Math.max(...DEFAULT_BURN_RATE_WINDOWS.map((w) => w.longWindow.toSeconds()));
  if (window.toSeconds() < longest) {
    throw invalidProp(scope, prop, promDuration(window.toSeconds()),
      `must be at least ${promDuration(longest)}, the longest of the default burn-rate windows (DEFAULT_BURN_RATE_WINDOWS); give a longer window, or 'burnRateWindows' within it`);
  }
}

const SLO_NAME = /^[a-z]([-a-z0-9]*[a-z0-9])?$/;

/** Throws unless the objective is usable: a name, an objective in (0, 100), whole-second windows, a positive latency threshold. */
export function checkObjective(scope: IConstruct, prop: string, slo: ServiceLevelObjective): ServiceLevelObjective {
  if (!(slo instanceof ServiceLevelObjective)) {
    throw invalidProp(scope, prop, slo, 'must be a ServiceLevelObjective, e.g. ServiceLevelObjective.availability({ objectivePercent: 99.9 })');
  }
  const known = slo.kind === SliKind.LATENCY ? ['objectivePercent', 'window', 'name', 'threshold'] : ['objectivePercent', 'window', 'name'];
  checkKnownKeys(scope, prop, slo._options, known, slo.kind === SliKind.LATENCY
    ? 'ServiceLevelObjective.latency({ objectivePercent: 95, threshold: Duration.millis(500) })' : 'ServiceLevelObjective.availability({ objectivePercent: 99.9 })');
  checkNoNullOptions(scope, prop, slo._options, ['window', 'name']);
  if (typeof slo.name !== 'string') throw invalidProp(scope, `${prop}.name`, slo.name, 'must be a string, e.g. "availability"');
  if (!SLO_NAME.test(slo.name) || slo.name.length > 40) {
    throw invalidProp(scope, `${prop}.name`, slo.name, 'must be at most 40 lowercase letters, digits or "-", starting with a letter');
  }
  checkNotSecret(scope, `${prop}.name`, slo.name, 'an objective\'s name is a label of its series and alerts; name what it measures, e.g. "availability"');
  if (!(typeof slo.objectivePercent === 'number' && slo.objectivePercent > 0 && slo.objectivePercent < 100)) {
    throw invalidProp(scope, `${prop}.objectivePercent`, slo.objectivePercent,
      'must be a percentage strictly between 0 and 100 (100 would leave no error budget), e.g. 99.9');
  }
  checkNotFraction(scope, `${prop}.objectivePercent`, slo.objectivePercent, 99.9);
  checkWindow(scope, `${prop}.window`, slo.window);
  if (slo.kind === SliKind.LATENCY) {
    const seconds = slo.threshold instanceof Duration ? slo.threshold.toSeconds({ integral: false }) : 0;
    if (!(seconds > 0)) {
      throw invalidProp(scope, `${prop}.threshold`, slo.threshold instanceof Duration ? `${slo.threshold.toMilliseconds({ integral: false })}ms` : slo.threshold, 'must be a positive duration, e.g. Duration.millis(500)');
    }
  }
  return slo;
}

/**
 * Throws unless the burn-rate windows nest (each short window shorter than its long window,
 * every long window within every objective's window), spend a budget share in (0, 100], and
 * have known severities.
 */
export function checkBurnRateWindows(
  scope: IConstruct, prop: string, windows: readonly BurnRateWindow[], slos: readonly ServiceLevelObjective[],
): readonly BurnRateWindow[] {
  if (windows.length === 0) {
    throw invalidProp(scope, prop, [], 'must list at least one window pair, e.g. DEFAULT_BURN_RATE_WINDOWS');
  }
  windows.forEach((w, i) => {
    const at = `${prop}[${i}]`;
    checkKnownKeys(scope, at, w, ['longWindow', 'shortWindow', 'budgetPercent', 'severity'],
      "{ longWindow: Duration.hours(1), shortWindow: Duration.minutes(5), budgetPercent: 2, severity: Severity.CRITICAL }");
    const long = checkWindow(scope, `${at}.longWindow`, w.longWindow);
    const short = checkWindow(scope, `${at}.shortWindow`, w.shortWindow);
    if (short >= long) {
      throw invalidProp(scope, `${at}.shortWindow`, promDuration(short),
        `must be shorter than its long window (${promDuration(long)}); windows must nest (the workbook uses 1/12 of the long window)`);
    }
    for (const slo of slos) {
      if (long > slo.window.toSeconds()) {
        throw invalidProp(scope, `${at}.longWindow`, promDuration(long),
          `must not exceed the window of objective '${slo.name}' (${promDuration(slo.window.toSeconds())})`);
      }
    }
    if (!(typeof w.budgetPercent === 'number' && w.budgetPercent > 0 && w.budgetPercent <= 100)) {
      throw invalidProp(scope, `${at}.budgetPercent`, w.budgetPercent, 'must be a percentage of the error budget in (0, 100]');
    }
    checkSeverity(scope, `${at}.severity`, w.severity);
    const first = windows.findIndex((o) => o.longWindow.toSeconds() === long && o.shortWindow.toSeconds() === short);
    if (first < i) {
      throw invalidProp(scope, `${at}.longWindow`, promDuration(long),
        `repeats the window pair of '${prop}[${first}]' (${promDuration(long)}/${promDuration(short)}); each pair alerts once, give each only once`);
    }
  });
  return windows;
}

function round(value: number): number {
  return Number(value.toPrecision(12));
}

function pascalCase(name: string): string {
  return name.split(/[-_\s]+/).map((part) => part.charAt(0).toUpperCase() + part.slice(1)).join('');
}

/** The retention a Prometheus needs without one given: 15 days, or the longest objective window when longer (30 days by default). */
export function defaultRetention(objectives: ReadonlyMap<string, readonly ServiceLevelObjective[]>): Duration {
  const longest = longestObjective(objectives);
  return longest && longest.slo.window.toSeconds() > DEFAULT_RETENTION.toSeconds() ? longest.slo.window : DEFAULT_RETENTION;
}

const DEFAULT_RETENTION = Duration.days(15);

function longestObjective(objectives: ReadonlyMap<string, readonly ServiceLevelObjective[]>): { service: string; slo: ServiceLevelObjective } | undefined {
  let longest: { service: string; slo: ServiceLevelObjective } | undefined;
  for (const [service, list] of [...objectives].sort(([a], [b]) => a.localeCompare(b))) {
    for (const slo of list) if (!longest || slo.window.toSeconds() > longest.slo.window.toSeconds()) longest = { service, slo };
  }
  return longest;
}

/**
 * The stack's own Prometheus must keep its samples at least as long as the longest burn-rate
 * window (the alerts read rates over it, and over a shorter retention they never fire) and the
 * longest objective window (the error budget left is read over all of it).
 */
export function checkRetentionCoversWindows(
  scope: IConstruct, prop: string, retention: Duration | undefined, windows: readonly BurnRateWindow[],
  objectives: ReadonlyMap<string, readonly ServiceLevelObjective[]>,
): void {
  if (retention === undefined) return;
  const longest = Math.max(...windows.map((w) => w.longWindow.toSeconds()));
  if (retention.toSeconds() < longest) {
    throw invalidProp(scope, prop, promDuration(retention.toSeconds()),
      `must be at least ${promDuration(longest)}, the longest burn-rate window ('burnRateWindows'): the alerts read rates over it, and with less data they never fire`);
  }
  const objective = longestObjective(objectives);
  if (objective && retention.toSeconds() < objective.slo.window.toSeconds()) {
    const window = promDuration(objective.slo.window.toSeconds());
    throw invalidProp(scope, prop, promDuration(retention.toSeconds()),
      `must be at least ${window}, the window of the objective "${objective.slo.name}" of ${objective.service}: the error budget left is read over the whole window, `
      + `and with less data it reports a shorter one; leave 'retention' out (it then follows the objectives) or measure the objectives over a shorter 'window'`);
  }
}
