/**
 * How Argo Rollouts judges an AnalysisTemplate metric, so a test can ask what a rollout does
 * with a given Prometheus result instead of comparing condition strings.
 *
 * The rules follow Argo Rollouts' documentation and source:
 * - docs/features/analysis.md ("Failure Conditions and Failure Limit", "Inconclusive Runs",
 *   "Handling Metric Results": NaN, infinity, empty array) and the AnalysisRun's outcome:
 *   Successful continues the rollout, Failed aborts it, Inconclusive pauses it.
 * - utils/evaluate/evaluate.go (`EvaluateResult`): with both conditions, a measurement that
 *   meets neither is Inconclusive; with only `successCondition`, missing it is Failed; with
 *   only `failureCondition`, not meeting it is Successful; with none, Successful; a condition
 *   that fails to compile or run (e.g. `result[0]` of an empty vector) makes the measurement
 *   Error.
 * - metricproviders/prometheus/prometheus.go: a vector result is passed as a list of floats
 *   (empty when the query returns no series), a scalar as one float.
 * - analysis/analysis.go (`assessMetricFailureInconclusiveOrError`): the metric is Failed when
 *   failed measurements exceed `failureLimit` (default 0), Inconclusive when inconclusive ones
 *   exceed `inconclusiveLimit` (default 0), Error when consecutive errors exceed
 *   `consecutiveErrorLimit` (default 4), the later check winning. A completed Failed, Error or
 *   Inconclusive metric ends the AnalysisRun, whose phase is the worst of its metrics; the
 *   Rollout aborts on Failed and Error.
 *
 * Argo evaluates conditions with expr-lang/expr (Go). No maintained JavaScript port of it
 * exists on npm, so `evaluateCondition` below implements the part of expr's language the
 * conditions use (numbers, `true`/`false`, `result`, indexing, `len`, `isNaN`, `isInf`,
 * comparisons, `!`/`not`, `&&`/`and`, `||`/`or`, parentheses) with expr's semantics: Go float
 * comparisons (any comparison with NaN is false), short-circuit logic, a runtime error for an
 * index out of range, and an error unless the condition yields a boolean. Anything outside
 * that part throws `UnsupportedCondition` instead of guessing, so a new condition cannot be
 * judged silently wrong.
 */

export type MeasurementPhase = 'Successful' | 'Failed' | 'Inconclusive' | 'Error';
export type MetricPhase = MeasurementPhase | 'Running';
/** What the Rollout does with a completed AnalysisRun of that phase. */
export type RolloutAction = 'continue' | 'abort' | 'pause';

/** The fields of an AnalysisTemplate metric that decide its phase. */
export interface ArgoMetric {
  readonly successCondition?: string;
  readonly failureCondition?: string;
  readonly failureLimit?: number;
  readonly inconclusiveLimit?: number;
  readonly consecutiveErrorLimit?: number;
}

/** A Prometheus result as Argo's provider hands it over: a vector's values, or a scalar. */
export type PrometheusResult = number[] | number;

/** The condition uses syntax this helper does not implement: extend the helper, do not guess. */
export class UnsupportedCondition extends Error {}

/** A compile or run error of the condition in expr, which Argo records as an Error measurement. */
class ExprError extends Error {}

const DEFAULT_CONSECUTIVE_ERROR_LIMIT = 4;

/** The phase Argo gives one measurement of `metric` whose query returned `result`. */
export function measurementPhase(metric: ArgoMetric, result: PrometheusResult): MeasurementPhase {
  let success = false;
  let failure = false;
  try {
    if (metric.successCondition) success = evaluateCondition(metric.successCondition, result);
    if (metric.failureCondition) failure = evaluateCondition(metric.failureCondition, result);
  } catch (error) {
    if (error instanceof ExprError) return 'Error';
    throw error;
  }
  if (!metric.successCondition && !metric.failureCondition) return 'Successful';
  if (metric.successCondition && !metric.failureCondition) failure = !success;
  if (!metric.successCondition && metric.failureCondition) success = !failure;
  if (failure) return 'Failed';
  return success ? 'Successful' : 'Inconclusive';
}

/** The metric's phase after `measurements` (oldest first), for a metric that runs until stopped (no `count`). */
export function metricPhase(metric: ArgoMetric, measurements: MeasurementPhase[]): MetricPhase {
  const failed = measurements.filter((p) => p === 'Failed').length;
  const inconclusive = measurements.filter((p) => p === 'Inconclusive').length;
  let consecutiveErrors = 0;
  for (const phase of measurements) consecutiveErrors = phase === 'Error' ? consecutiveErrors + 1 : 0;
  let phase: MetricPhase = 'Running';
  if (failed > (metric.failureLimit ?? 0)) phase = 'Failed';
  if (inconclusive > (metric.inconclusiveLimit ?? 0)) phase = 'Inconclusive';
  if (consecutiveErrors > (metric.consecutiveErrorLimit ?? DEFAULT_CONSECUTIVE_ERROR_LIMIT)) phase = 'Error';
  return phase;
}

/** What the Rollout does once a metric reaches `phase`; a running metric lets the steps go on. */
export function rolloutAction(phase: MetricPhase): RolloutAction {
  switch (phase) {
    case 'Failed':
    case 'Error':
      return 'abort';
    case 'Inconclusive':
      return 'pause';
    default:
      return 'continue';
  }
}

// ---------------------------------------------------------------------------------------------
// The expr subset.

type Value = number | boolean | number[] | null;
type Token = { kind: 'number'; value: number } | { kind: 'name'; value: string } | { kind: 'op'; value: string };

/** Evaluates an Argo condition against `result`, as expr would; throws ExprError where expr fails. */
export function evaluateCondition(condition: string, result: PrometheusResult): boolean {
  const parser = new Parser(tokenize(condition), result);
  const value = parser.parse();
  if (typeof value !== 'boolean') throw new ExprError(`expected bool, but got ${describe(value)}`);
  return value;
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = [];
  const pattern = /\s*(?:(\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)|([A-Za-z_][A-Za-z0-9_]*)|(&&|\|\||==|!=|<=|>=|[<>!()[\],-]))/y;
  let index = 0;
  while (index < source.length) {
    if (/^\s*$/.test(source.slice(index))) break;
    pattern.lastIndex = index;
    const match = pattern.exec(source);
    if (!match) throw new UnsupportedCondition(`cannot read ${JSON.stringify(source.slice(index))} in ${JSON.stringify(source)}`);
    if (match[1] !== undefined) tokens.push({ kind: 'number', value: Number(match[1]) });
    else if (match[2] !== undefined) tokens.push({ kind: 'name', value: match[2] });
    else tokens.push({ kind: 'op', value: match[3] });
    index = pattern.lastIndex;
  }
  return tokens;
}

/**
 * Recursive descent in expr's precedence: `||`/`or` < `&&`/`and` < comparisons < unary
 * `!`/`not`/`-` < indexing and calls. Each method evaluates lazily so `&&` and `||`
 * short-circuit as in expr (`len(result) > 0 && result[0] > 1` never indexes an empty vector).
 */
class Parser {
  private position = 0;

  constructor(private readonly tokens: Token[], private readonly result: PrometheusResult) {}

  parse(): Value {
    const value = this.or()();
    if (this.position < this.tokens.length) throw new UnsupportedCondition(`unexpected ${JSON.stringify(this.tokens[this.position].value)}`);
    return value;
  }

  private or(): () => Value {
    let left = this.and();
    while (this.accept('||', 'or')) {
      const [l, r] = [left, this.and()];
      left = () => (truthy(l()) ? true : truthy(r()));
    }
    return left;
  }

  private and(): () => Value {
    let left = this.comparison();
    while (this.accept('&&', 'and')) {
      const [l, r] = [left, this.comparison()];
      left = () => (truthy(l()) ? truthy(r()) : false);
    }
    return left;
  }

  private comparison(): () => Value {
    const left = this.unary();
    const op = this.accept('==', '!=', '<', '<=', '>', '>=');
    if (!op) return left;
    const right = this.unary();
    return () => compare(op, left(), right());
  }

  private unary(): () => Value {
    if (this.accept('!', 'not')) {
      const operand = this.unary();
      return () => !truthy(operand());
    }
    if (this.accept('-')) {
      const operand = this.unary();
      return () => -number(operand());
    }
    return this.postfix();
  }

  private postfix(): () => Value {
    let value = this.primary();
    while (this.accept('[')) {
      const [target, index] = [value, this.or()];
      this.expect(']');
      value = () => indexOf(target(), index());
    }
    return value;
  }

  private primary(): () => Value {
    const token = this.tokens[this.position++];
    if (!token) throw new UnsupportedCondition('unexpected end of condition');
    if (token.kind === 'number') return () => token.value;
    if (token.kind === 'op' && token.value === '(') {
      const inner = this.or();
      this.expect(')');
      return inner;
    }
    if (token.kind === 'name') {
      if (token.value === 'true') return () => true;
      if (token.value === 'false') return () => false;
      if (token.value === 'result') return () => this.result;
      if (this.accept('(')) {
        const argument = this.or();
        this.expect(')');
        return call(token.value, argument);
      }
    }
    throw new UnsupportedCondition(`unsupported ${JSON.stringify(token.value)}`);
  }

  private accept(...ops: string[]): string | undefined {
    const token = this.tokens[this.position];
    if (token && token.kind !== 'number' && ops.includes(token.value)) {
      this.position++;
      return token.value;
    }
    return undefined;
  }

  private expect(op: string): void {
    if (!this.accept(op)) throw new UnsupportedCondition(`expected ${JSON.stringify(op)}`);
  }
}

function call(name: string, argument: () => Value): () => Value {
  switch (name) {
    case 'len':
      return () => {
        const value = argument();
        if (!Array.isArray(value)) throw new ExprError(`invalid argument for len (type ${describe(value)})`);
        return value.length;
      };
    case 'isNaN':
      return () => Number.isNaN(float(argument(), name));
    case 'isInf':
      return () => {
        const value = float(argument(), name);
        return value === Infinity || value === -Infinity;
      };
    default:
      throw new UnsupportedCondition(`unsupported function ${JSON.stringify(name)}`);
  }
}

function indexOf(target: Value, index: Value): Value {
  if (!Array.isArray(target)) throw new ExprError(`cannot index ${describe(target)}`);
  const i = number(index);
  if (!Number.isInteger(i)) throw new ExprError(`non-integer index ${i}`);
  // expr counts a negative index from the end, and fails outside the array.
  const at = i < 0 ? target.length + i : i;
  if (at < 0 || at >= target.length) throw new ExprError(`index out of range: ${i} (array length is ${target.length})`);
  return target[at];
}

/** Go's comparison of two numbers: false whenever one is NaN (except `!=`). */
function compare(op: string, left: Value, right: Value): boolean {
  if (op === '==' || op === '!=') {
    if (typeof left !== typeof right || Array.isArray(left) || Array.isArray(right)) {
      if (Array.isArray(left) || Array.isArray(right)) throw new UnsupportedCondition('comparing lists');
      return op === '!=';
    }
    return op === '==' ? left === right : left !== right;
  }
  const [a, b] = [number(left), number(right)];
  switch (op) {
    case '<': return a < b;
    case '<=': return a <= b;
    case '>': return a > b;
    default: return a >= b;
  }
}

function truthy(value: Value): boolean {
  if (typeof value !== 'boolean') throw new ExprError(`mismatched type ${describe(value)} in a logical operation`);
  return value;
}

function number(value: Value): number {
  if (typeof value !== 'number') throw new ExprError(`invalid operation on ${describe(value)}`);
  return value;
}

/** isNaN and isInf take a float64: a list (`isNaN(result)` on a vector) does not type-check. */
function float(value: Value, fn: string): number {
  if (typeof value !== 'number') throw new ExprError(`cannot use ${describe(value)} as argument (type float64) to call ${fn}`);
  return value;
}

function describe(value: Value): string {
  if (Array.isArray(value)) return '[]float64';
  if (value === null) return 'nil';
  return typeof value === 'number' ? 'float64' : 'bool';
}
