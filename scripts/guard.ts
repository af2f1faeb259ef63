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
import { guardArgs, GUARD_USAGE } from './args';
import { platformFiles } from '../main';

function run(argv: readonly string[]): number {
  const { base, help } = guardArgs(argv);
  if (help) {
    console.log(GUARD_USAGE);
    return 0;
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
