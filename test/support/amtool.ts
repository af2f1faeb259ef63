import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { hasTool } from './tools';
import { withTempDir, writeYaml } from './promtool';

/**
 * Alertmanager's amtool, run on the configuration the library produces.
 * `hasAmtool` follows `hasTool`: use `(hasAmtool ? describe : describe.skip)`.
 */
export const hasAmtool = hasTool('amtool', 'install Alertmanager’s amtool (Debian: apt-get install prometheus-alertmanager)');

/** The installed amtool's version, e.g. [0, 25, 0]. */
function amtoolVersion(): number[] {
  const out = spawnSync('amtool', ['--version'], { encoding: 'utf8' });
  const m = /version (\d+)\.(\d+)\.(\d+)/.exec(`${out.stdout ?? ''}${out.stderr ?? ''}`);
  if (!m) throw new Error(`cannot read amtool's version from: ${out.stdout}${out.stderr}`);
  return m.slice(1).map(Number);
}

/**
 * `config` as the installed amtool can read it. Webhook receivers' `url_file` exists since
 * Alertmanager 0.26 (the platform runs a newer one); an older amtool (Debian 12 ships 0.25)
 * refuses the field, so for it each `url_file` becomes a `url` inside the file's path, which
 * checks everything else of the receiver and the whole routing tree.
 */
export function forInstalledAmtool(config: any): any {
  const [major, minor] = amtoolVersion();
  if (major > 0 || minor >= 26) return config;
  return {
    ...config,
    receivers: (config.receivers ?? []).map((r: any) => (r.webhook_configs === undefined ? r : {
      ...r,
      webhook_configs: r.webhook_configs.map(({ url_file: file, ...rest }: any) => (file === undefined ? rest
        : { ...rest, url: `https://url-file.invalid${file}` })),
    })),
  };
}

/**
 * Writes `config` (an alertmanager.yml as an object) to a temporary file and runs
 * `amtool check-config` on it. Returns amtool's output; throws with its full output on failure.
 *
 * `*_file` paths in the config (secrets mounted from Kubernetes Secrets) need not exist:
 * amtool checks the configuration, not the files.
 */
export function checkAlertmanagerConfig(config: object): string {
  return withTempDir((dir) => {
    const file = writeYaml(dir, 'alertmanager.yml', forInstalledAmtool(config));
    const result = spawnSync('amtool', ['check-config', file], { cwd: dir, encoding: 'utf8' });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    if (result.error) throw new Error(`amtool check-config could not run: ${result.error.message}`);
    if (result.status !== 0) throw new Error(`amtool check-config failed (exit ${result.status}):\n${output}`);
    return output;
  });
}

/**
 * The receivers an alert with `labels` is routed to under `config`
 * (`amtool config routes test`), in routing-tree order.
 */
export function routeAlert(config: object, labels: Record<string, string>): string[] {
  return withTempDir((dir) => {
    const file = writeYaml(dir, 'alertmanager.yml', forInstalledAmtool(config));
    const args = ['config', 'routes', 'test', `--config.file=${file}`, ...Object.entries(labels).map(([k, v]) => `${k}=${v}`)];
    const result = spawnSync('amtool', args, { cwd: dir, encoding: 'utf8' });
    const output = `${result.stdout ?? ''}${result.stderr ?? ''}`;
    if (result.error || result.status !== 0) throw new Error(`amtool ${args.join(' ')} failed:\n${output}`);
    return result.stdout.trim().split(',').map((r) => r.trim()).filter((r) => r !== '');
  });
}

/**
 * Renders a notification template with amtool's example data (`amtool template render`);
 * throws with amtool's output when the template does not parse or execute.
 */
export function renderTemplate(text: string): string {
  return withTempDir((dir) => {
    const glob = path.join(dir, 'empty.tmpl');
    fs.writeFileSync(glob, '');
    const result = spawnSync('amtool', ['template', 'render', `--template.glob=${glob}`, `--template.text=${text}`], { cwd: dir, encoding: 'utf8' });
    if (result.error || result.status !== 0) {
      throw new Error(`amtool template render failed:\n${result.stdout ?? ''}${result.stderr ?? ''}`);
    }
    return result.stdout;
  });
}
