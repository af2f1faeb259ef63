import { spawnSync } from 'child_process';
import { hasTool } from './tools';
import { withTempDir, writeYaml } from './promtool';

/**
 * Alertmanager's amtool, run on the configuration the library produces.
 * `hasAmtool` follows `hasTool`: use `(hasAmtool ? describe : describe.skip)`.
 */
export const hasAmtool = hasTool('amtool', 'install Alertmanager’s amtool (Debian: apt-get install prometheus-alertmanager)');

/**
 * Writes `config` (an alertmanager.yml as an object) to a temporary file and runs
 * `amtool check-config` on it. Returns amtool's output; throws with its full output on failure.
 *
 * `*_file` paths in the config (secrets mounted from Kubernetes Secrets) need not exist:
 * amtool checks the configuration, not the files.
 */
export function checkAlertmanagerConfig(config: object): string {
  return withTempDir((dir) => {
    const file = writeYaml(dir, 'alertmanager.yml', config);
    const result = spawnSync('amtool', ['check-config', file], { cwd: dir, encoding: 'utf8' });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    if (result.error) throw new Error(`amtool check-config could not run: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`amtool check-config failed (exit ${result.status}):\n${output}`);
    return output;
  });
}
