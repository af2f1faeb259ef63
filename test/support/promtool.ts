import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { hasTool } from './tools';

/**
 * Prometheus' promtool, run on what the library emits: `promtool check rules` on rule groups,
 * and `promtool test rules` unit tests with synthetic series.
 *
 * `hasPromtool` follows `hasTool`: false on a developer machine without promtool (the tests are
 * skipped with a visible line), an error in CI. Use `(hasPromtool ? describe : describe.skip)`.
 */
export const hasPromtool = hasTool('promtool', 'install Prometheus’ promtool (Debian: apt-get install prometheus)');

/**
 * Writes `{ groups }` to a temporary rules file and runs `promtool check rules` on it.
 * Returns promtool's output; throws with promtool's full output when the check fails.
 */
export function checkRuleGroups(groups: any[]): string {
  return withTempDir((dir) => {
    const rules = writeYaml(dir, 'rules.yaml', { groups });
    return runPromtool(['check', 'rules', '--lint-fatal', rules], dir);
  });
}

/**
 * Checks that each expression parses (and type-checks as an instant vector) by wrapping it as
 * a recording rule `check:query_<i>` in one group and running {@link checkRuleGroups}.
 */
export function checkQueries(exprs: string[]): void {
  if (exprs.length === 0) return;
  checkRuleGroups([{
    name: 'check-queries',
    rules: exprs.map((expr, i) => ({ record: `check:query_${i}`, expr })),
  }]);
}

/**
 * Runs `promtool test rules` on `groups` with `tests` (the `tests:` list of a promtool unit-test
 * file: `interval`, `input_series`, `alert_rule_test`, `promql_expr_test`). Evaluation interval
 * is 15s, as the platform's Prometheus. Returns promtool's output; throws with its full output
 * when a test fails.
 */
export function testRules(groups: any[], tests: any, evaluationInterval = '15s'): string {
  return withTempDir((dir) => {
    writeYaml(dir, 'rules.yaml', { groups });
    const testFile = writeYaml(dir, 'rules.test.yaml', {
      rule_files: ['rules.yaml'],
      evaluation_interval: evaluationInterval,
      tests,
    });
    return runPromtool(['test', 'rules', testFile], dir);
  });
}

function runPromtool(args: string[], cwd: string): string {
  // A short-lived process: Go's collector at a larger heap target costs less CPU (GOGC=400; a caller's own GOGC wins).
  const env = { ...process.env, GOGC: process.env.GOGC ?? '400' };
  const result = spawnSync('promtool', args, { cwd, env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
  if (result.error) throw new Error(`promtool ${args.join(' ')} could not run: ${result.error.message}`);
  if (result.status !== 0) {
    throw new Error(`promtool ${args.join(' ')} failed (exit ${result.status}):\n${output}`);
  }
  return output;
}

/** Writes `value` as YAML (long lines kept whole, so PromQL stays readable in failures). */
export function writeYaml(dir: string, name: string, value: unknown): string {
  const file = path.join(dir, name);
  fs.writeFileSync(file, stringify(value, { lineWidth: 0 }));
  return file;
}

/** Runs `fn` with a fresh temporary folder that is removed afterwards, whatever happens. */
export function withTempDir<T>(fn: (dir: string) => T): T {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-promtool-'));
  try {
    return fn(dir);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
