import { CanaryPhase, compareOutput, synthesizeFolders, writeOutput } from './lib';
import { buildPlatform, CanaryReleases } from './platform';

/**
 * Releases being rolled out, by service. Promote or roll back by moving `phase` along
 * 10 → 30 → 60 → 100 (or back): a one-line, reviewable commit that Argo CD or Flux applies.
 * After 100, set the service's `version` in platform/services.ts to the canary's and remove
 * the entry. finance-service 2.1.0 is at 100 %: all ten pods run it.
 */
export const CANARY_RELEASES: CanaryReleases = {
  'finance-service': { canaryVersion: '2.1.0', phase: CanaryPhase.percent(100) },
};

/**
 * Synthesizes the reference platform into dist/ (or $CDK8S_OUTDIR when run by `cdk8s synth`).
 * With `--check`, writes nothing and fails when the committed output differs from a fresh synth.
 */
function main(): void {
  const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
  const files = synthesizeFolders(buildPlatform(CANARY_RELEASES));
  if (process.argv.includes('--check')) {
    const differences = compareOutput(files, outdir);
    if (differences.length > 0) {
      console.error(`${outdir}/ is stale; run \`npm run synth\` and commit the result:\n  ${differences.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`${outdir}/ is up to date (${files.length} files).`);
  } else {
    writeOutput(files, outdir);
  }
}

if (require.main === module) main();
