import { compareOutput, synthesizeFolders, writeOutput } from './lib';
import { buildPlatform } from './platform';

/**
 * Synthesizes the reference platform into dist/ (or $CDK8S_OUTDIR when run by `cdk8s synth`).
 * With `--check`, writes nothing and fails when the committed output differs from a fresh synth.
 */
const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
const files = synthesizeFolders(buildPlatform());

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
