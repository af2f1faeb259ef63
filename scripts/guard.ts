/**
 * The release guard: a fresh synth compared with the output of the previous release in git,
 * failing when an object that exists in both changes a field the API server refuses to change.
 *
 *   npm run guard                      # base: merge-base with main, or on main the release before the last dist/ change
 *   npm run guard -- --base <ref>      # compare with any commit, tag or branch
 *
 * Exit 1 on an immutable-field change not listed in immutable-changes.yaml; exit 2 when the
 * comparison cannot be made (no git history, an unknown or unfetched base, synthesis fails).
 */
import { checkRelease, formatReleaseGuard } from '../lib/release-guard';
import { platformFiles } from '../main';

const USAGE = 'usage: npm run guard [-- --base <ref>]';

function run(argv: readonly string[]): number {
  let base: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const given = argv[i] === '--base' ? argv[i + 1] : argv[i].startsWith('--base=') ? argv[i].slice('--base='.length) : undefined;
    if (argv[i] === '--help' || argv[i] === '-h') {
      console.log(USAGE);
      return 0;
    }
    if (given === undefined && argv[i] !== '--base') {
      console.error(`guard: unexpected argument '${argv[i]}'; ${USAGE}`);
      return 2;
    }
    if (given === undefined || given === '' || given.startsWith('-')) {
      console.error(`guard: '--base' needs a commit, tag or branch, e.g. --base origin/main; ${USAGE}`);
      return 2;
    }
    if (base !== undefined) {
      console.error(`guard: '--base' is given twice ('${base}', '${given}'); give one; ${USAGE}`);
      return 2;
    }
    base = given;
    if (argv[i] === '--base') i++;
  }
  const { text, ok } = formatReleaseGuard(checkRelease(platformFiles(), { base }));
  (ok ? console.log : console.error)(text);
  return ok ? 0 : 1;
}

try {
  process.exitCode = run(process.argv.slice(2));
} catch (error) {
  console.error(`guard: ${(error as Error).message}`);
  process.exitCode = 2;
}
