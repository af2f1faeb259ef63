import { execFileSync } from 'child_process';

/**
 * Whether a system tool the tests need is on PATH. Missing on a developer's machine: the tests
 * that need it are skipped with a visible line naming what to install. Missing in CI
 * (`CI=true`, where `.ci/run` installs it): an error, never a silent skip.
 */
export function hasTool(command: string, install: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' });
    return true;
  } catch {
    if (process.env.CI === 'true') {
      throw new Error(`'${command}' is required in CI and is missing: ${install} (.ci/run should have installed it)`);
    }
    process.stdout.write(`SKIPPED: tests that need '${command}' did not run; ${install}\n`);
    return false;
  }
}
