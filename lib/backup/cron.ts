/**
 * A small parser for the 5-field cron syntax Kubernetes accepts for a CronJob's `schedule`
 * (robfig/cron v3 `ParseStandard`, which the API server validates with), and the intervals
 * between runs that the backup constructs need: the shortest (a run must end before the next one
 * starts) and the longest (how old the last success may be before a backup counts as missing).
 *
 * Supported, as in Kubernetes: numbers, `*` (and `?`), ranges `a-b`, steps `*\/n`, `a-b/n` and
 * `a/n` (= `a-max/n`), lists `a,b-c`, month names `jan`–`dec` and weekday names `sun`–`sat`
 * (any case). Day of week is 0–6 (7 is refused, as Kubernetes refuses it). When both day of month
 * and day of week are restricted, a day matches when either matches (classic cron); when either
 * is `*`, both must match. Macros (`@daily`) and `TZ=` prefixes are refused: give five fields and
 * the CronJob's `timeZone`.
 */

/** One field's bounds and names. */
interface FieldSpec {
  readonly name: string;
  readonly min: number;
  readonly max: number;
  readonly names?: readonly string[];
}

const FIELDS: readonly FieldSpec[] = [
  { name: 'minute', min: 0, max: 59 },
  { name: 'hour', min: 0, max: 23 },
  { name: 'day of month', min: 1, max: 31 },
  { name: 'month', min: 1, max: 12, names: ['jan', 'feb', 'mar', 'apr', 'may', 'jun', 'jul', 'aug', 'sep', 'oct', 'nov', 'dec'] },
  { name: 'day of week', min: 0, max: 6, names: ['sun', 'mon', 'tue', 'wed', 'thu', 'fri', 'sat'] },
];

/** A parsed schedule: the values of each field, and whether day of month / day of week were `*`. */
export interface CronSchedule {
  readonly expression: string;
  readonly minutes: readonly number[];
  readonly hours: readonly number[];
  readonly daysOfMonth: ReadonlySet<number>;
  readonly months: ReadonlySet<number>;
  readonly daysOfWeek: ReadonlySet<number>;
  readonly dayOfMonthIsStar: boolean;
  readonly dayOfWeekIsStar: boolean;
}

/** Thrown for an expression Kubernetes would refuse; the message says which field and why. */
export class CronSyntaxError extends Error {}

/** Parses a 5-field cron expression; throws {@link CronSyntaxError} naming the bad field. */
export function parseCron(expression: string): CronSchedule {
  if (typeof expression !== 'string') throw new CronSyntaxError('is not a string');
  const fields = expression.trim().split(/\s+/);
  if (fields[0].startsWith('@')) throw new CronSyntaxError(`the macro "${fields[0]}" is not accepted, give the 5 fields it stands for`);
  if (/^(CRON_)?TZ=/.test(fields[0])) throw new CronSyntaxError(`the time zone prefix "${fields[0]}" is not accepted, give the time zone as the CronJob's timeZone`);
  if (fields.length !== 5 || expression.trim() === '') {
    const count = expression.trim() === '' ? 0 : fields.length;
    throw new CronSyntaxError(`has ${count} field${count === 1 ? '' : 's'}, expected 5`);
  }
  const parsed = fields.map((field, i) => parseField(field, FIELDS[i]));
  return {
    expression: fields.join(' '),
    minutes: [...parsed[0].values].sort((a, b) => a - b),
    hours: [...parsed[1].values].sort((a, b) => a - b),
    daysOfMonth: parsed[2].values,
    months: parsed[3].values,
    daysOfWeek: parsed[4].values,
    dayOfMonthIsStar: parsed[2].star,
    dayOfWeekIsStar: parsed[4].star,
  };
}

function parseField(field: string, spec: FieldSpec): { values: Set<number>; star: boolean } {
  const values = new Set<number>();
  let star = false;
  for (const part of field.split(',')) {
    const fail = (why: string) => new CronSyntaxError(`${spec.name} field "${field}": ${why}`);
    const [range, stepText, ...extraSlash] = part.split('/');
    if (extraSlash.length > 0 || range === '') throw fail(`"${part}" is not a value, range or step`);
    const bounds = range.split('-');
    if (bounds.length > 2) throw fail(`"${range}" is not a range a-b`);
    let start: number;
    let end: number;
    let partStar = false;
    if (range === '*' || range === '?') {
      [start, end, partStar] = [spec.min, spec.max, true];
    } else {
      start = parseValue(bounds[0], spec, fail);
      end = bounds.length === 2 ? parseValue(bounds[1], spec, fail) : start;
    }
    let step = 1;
    if (stepText !== undefined) {
      if (!/^\d+$/.test(stepText) || Number(stepText) < 1) throw fail(`step "${stepText}" must be a positive integer`);
      step = Number(stepText);
      if (!partStar && bounds.length === 1) end = spec.max; // "a/n" means "a-max/n"
      if (step > 1) partStar = false;
    }
    if (start < spec.min) throw fail(`${start} is below the minimum ${spec.min}`);
    if (end > spec.max) throw fail(`${end} is above the maximum ${spec.max}`);
    if (start > end) throw fail(`range ${start}-${end} runs backwards`);
    for (let v = start; v <= end; v += step) values.add(v);
    star = star || partStar;
  }
  return { values, star };
}

function parseValue(text: string, spec: FieldSpec, fail: (why: string) => Error): number {
  const named = spec.names?.indexOf(text.toLowerCase()) ?? -1;
  if (named >= 0) return named + spec.min;
  if (!/^\d+$/.test(text)) {
    const names = spec.names ? ` or a name (${spec.names[0]}-${spec.names[spec.names.length - 1]})` : '';
    throw fail(`"${text}" is not a number${names}`);
  }
  return Number(text);
}

/** Shortest and longest time between two consecutive runs, in seconds of wall-clock time. */
export interface CronIntervals {
  readonly shortestSeconds: number;
  readonly longestSeconds: number;
}

const MINUTES_PER_DAY = 24 * 60;
/** The Gregorian calendar repeats, weekdays included, every 400 years (146097 days, a multiple of 7). */
const CYCLE_YEARS = 400;
const DAYS_PER_CYCLE = 146097;

const intervalCache = new Map<string, CronIntervals | undefined>();

/**
 * The shortest and longest gaps between consecutive runs, over a full 400-year Gregorian cycle
 * (so "29 2 *" and weekday/day-of-month combinations are exact). Wall-clock time: a daylight
 * saving change in the CronJob's time zone can shorten or lengthen one interval by an hour.
 * Undefined when the schedule never runs (e.g. "0 0 31 2 *").
 */
export function cronIntervals(schedule: CronSchedule): CronIntervals | undefined {
  if (intervalCache.has(schedule.expression)) return intervalCache.get(schedule.expression);
  const result = computeIntervals(schedule);
  intervalCache.set(schedule.expression, result);
  return result;
}

function computeIntervals(schedule: CronSchedule): CronIntervals | undefined {
  const times = schedule.hours.flatMap((h) => schedule.minutes.map((m) => h * 60 + m)); // minutes of the day, sorted
  // Every month, on chosen weekdays only (or every day): the run days repeat each week, and the
  // cycle is a whole number of weeks, so one week gives the same gaps as the whole cycle.
  const weekly = schedule.months.size === 12 && schedule.dayOfMonthIsStar;
  const days = weekly ? weekRunDays(schedule) : runDays(schedule);
  const cycleDays = weekly ? 7 : DAYS_PER_CYCLE;
  if (days.length === 0) return undefined;
  let shortest = Number.MAX_SAFE_INTEGER;
  let longest = 0;
  for (let i = 1; i < times.length; i++) {
    shortest = Math.min(shortest, times[i] - times[i - 1]);
    longest = Math.max(longest, times[i] - times[i - 1]);
  }
  for (let i = 0; i < days.length; i++) {
    // From the last run of a day to the first run of the next run day (wrapping around the cycle).
    const next = i + 1 < days.length ? days[i + 1] : days[0] + cycleDays;
    const gap = (next - days[i]) * MINUTES_PER_DAY - times[times.length - 1] + times[0];
    shortest = Math.min(shortest, gap);
    longest = Math.max(longest, gap);
  }
  return { shortestSeconds: shortest * 60, longestSeconds: longest * 60 };
}

/** Day numbers (0 = 2000-01-01) of the days in the first week on which the schedule runs, for a schedule that runs by weekday alone. */
function weekRunDays(schedule: CronSchedule): number[] {
  const days: number[] = [];
  for (let day = 0; day < 7; day++) if (schedule.daysOfWeek.has((6 + day) % 7)) days.push(day); // 2000-01-01 was a Saturday
  return days;
}

/** Day numbers (0 = 2000-01-01) of the days in one 400-year cycle on which the schedule runs. */
function runDays(schedule: CronSchedule): number[] {
  const days: number[] = [];
  let day = 0;
  let weekday = 6; // 2000-01-01 was a Saturday
  for (let year = 2000; year < 2000 + CYCLE_YEARS; year++) {
    for (let month = 1; month <= 12; month++) {
      const length = daysInMonth(year, month);
      for (let dom = 1; dom <= length; dom++) {
        if (schedule.months.has(month) && dayMatches(schedule, dom, weekday)) days.push(day);
        day++;
        weekday = (weekday + 1) % 7;
      }
    }
  }
  return days;
}

function dayMatches(schedule: CronSchedule, dayOfMonth: number, dayOfWeek: number): boolean {
  const domMatch = schedule.daysOfMonth.has(dayOfMonth);
  const dowMatch = schedule.daysOfWeek.has(dayOfWeek);
  return schedule.dayOfMonthIsStar || schedule.dayOfWeekIsStar ? domMatch && dowMatch : domMatch || dowMatch;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** "36h", "90m", "7d", "2d12h": a duration in seconds, for messages and alert descriptions. */
export function humanSeconds(seconds: number): string {
  const units: Array<[string, number]> = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  let rest = Math.round(seconds);
  const parts: string[] = [];
  for (const [unit, size] of units) {
    if (rest >= size) {
      parts.push(`${Math.floor(rest / size)}${unit}`);
      rest %= size;
    }
  }
  return parts.length ? parts.join('') : '0s';
}
