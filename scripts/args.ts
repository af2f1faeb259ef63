/**
 * The command-line arguments of `npm run synth` / `npm run check` (main.ts), `npm run guard` and
 * `npm run diff`: each parser returns the options or throws an error that says what is wrong and
 * how the command is used. An argument a command does not know is refused, never ignored.
 */

const SYNTH_USAGE = 'usage: npm run synth (writes dist/, or $CDK8S_OUTDIR), npm run check (compares, writes nothing)';
const GUARD_USAGE = 'usage: npm run guard [-- --base <ref>]';
const DIFF_USAGE = 'usage: npm run diff [-- [--fail-on-change] [folder]]';

/** `main.ts`: `--check` or nothing; the output folder from `CDK8S_OUTDIR`, or dist. */
export function synthArgs(argv: readonly string[], env: NodeJS.ProcessEnv): { readonly check: boolean; readonly outdir: string } {
  const unknown = argv.find((arg) => arg !== '--check');
  if (unknown !== undefined) throw new Error(`synth: unexpected argument '${unknown}'; ${SYNTH_USAGE}`);
  if (env.CDK8S_OUTDIR === '') throw new Error(`synth: CDK8S_OUTDIR is set but empty; unset it for dist/, or give the output folder; ${SYNTH_USAGE}`);
  return { check: argv.includes('--check'), outdir: env.CDK8S_OUTDIR ?? 'dist' };
}

/** `scripts/guard.ts`: `--base <ref>` or `--base=<ref>` at most once; `help` when usage was asked for. */
export function guardArgs(argv: readonly string[]): { readonly base?: string; readonly help?: boolean } {
  let base: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--help' || argv[i] === '-h') return { help: true };
    const given = argv[i] === '--base' ? argv[i + 1] : argv[i].startsWith('--base=') ? argv[i].slice('--base='.length) : undefined;
    if (given === undefined && argv[i] !== '--base') throw new Error(`unexpected argument '${argv[i]}'; ${GUARD_USAGE}`);
    if (given === undefined || given === '' || given.startsWith('-')) throw new Error(`'--base' needs a commit, tag or branch, e.g. --base origin/main; ${GUARD_USAGE}`);
    if (base !== undefined) throw new Error(`'--base' is given twice ('${base}', '${given}'); give one; ${GUARD_USAGE}`);
    base = given;
    if (argv[i] === '--base') i++;
  }
  return { base };
}

/** `scripts/diff.ts`: `--fail-on-change` and at most one folder (dist by default). */
export function diffArgs(argv: readonly string[]): { readonly failOnChange: boolean; readonly outdir: string } {
  const unknown = argv.filter((a) => a.startsWith('-') && a !== '--fail-on-change');
  if (unknown.length > 0) throw new Error(`unknown option ${unknown.join(', ')}; ${DIFF_USAGE}`);
  const folders = argv.filter((a) => !a.startsWith('-'));
  if (folders.length > 1) throw new Error(`one folder to compare with, not ${folders.length} (${folders.join(', ')}); ${DIFF_USAGE}`);
  return { failOnChange: argv.includes('--fail-on-change'), outdir: folders[0] ?? 'dist' };
}

export { GUARD_USAGE };
