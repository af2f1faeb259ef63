import * as fs from 'fs';
import * as path from 'path';
import { CanaryPhase } from './lib';
import {
  assertCapacity, capacityMarkdown, capacityTable, compareOutput, objectsOf, OutputFile, planCapacity, synthesizeFolders,
  writeFileAtomically, writeOutput,
} from './lib/tools';
import { buildGitOps, buildPlatform, CanaryReleases, GitOpsSettings } from './platform';

/**
 * Releases being rolled out, by service. Promote or roll back by moving `phase` along
 * 10 → 30 → 60 → 100 (or back): a one-line, reviewable commit that Argo CD or Flux applies.
 * After 100, set the service's `version` in platform/services.ts to the canary's and remove
 * the entry. finance-service 2.1.0 is at 100 %: all ten pods run it.
 */
export const CANARY_RELEASES: CanaryReleases = {
  'finance-service': { canaryVersion: '2.1.0', phase: CanaryPhase.percent(100) },
};

/** How Argo CD and Flux apply dist/ (dist/gitops/): production changes wait for an operator's sync in Argo CD. */
export const GITOPS: GitOpsSettings = {
  repoUrl: 'https://git.fintech.example.com/platform/cdk8s-fintech.git',
  revision: 'main',
  manualSync: ['production'],
};

/** The capacity report, committed beside dist/ (not applied: outside the environment folders). */
export const CAPACITY_REPORT = 'reports/capacity.md';

/** The reference platform's files: one folder per environment, and dist/gitops/. */
export function platformFiles(): OutputFile[] {
  const environments = buildPlatform(CANARY_RELEASES);
  return synthesizeFolders([...environments, buildGitOps(environments, GITOPS)]);
}

/**
 * Synthesizes the reference platform into dist/ (or $CDK8S_OUTDIR when run by `cdk8s synth`)
 * and its capacity report, after checking that every environment fits its quota.
 * With `--check`, writes nothing and fails when the committed output differs from a fresh synth.
 */
function main(): void {
  const outdir = process.env.CDK8S_OUTDIR ?? 'dist';
  const files = platformFiles();
  const capacity = planCapacity(objectsOf(files));
  const warnings = assertCapacity(capacity);
  const report = capacityMarkdown(capacity);

  if (process.argv.includes('--check')) {
    const differences = compareOutput(files, outdir);
    const committedReport = fs.existsSync(CAPACITY_REPORT) ? fs.readFileSync(CAPACITY_REPORT, 'utf8') : undefined;
    if (committedReport !== report) differences.push(`changed: ${CAPACITY_REPORT}`);
    if (differences.length > 0) {
      console.error(`${outdir}/ is stale; run \`npm run synth\` and commit the result:\n  ${differences.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`${outdir}/ and ${CAPACITY_REPORT} are up to date (${files.length} files).`);
    return;
  }
  writeOutput(files, outdir);
  writeFileAtomically(CAPACITY_REPORT, report);
  console.log(capacity.map(capacityTable).join('\n\n'));
  for (const warning of warnings) console.warn(`WARNING: ${warning}`);
}

// Run only as the app itself (node build/main.js, ts-node main.ts): other bundles that import
// CANARY_RELEASES (scripts, benchmarks) would otherwise see `require.main === module` and synthesize.
if (/^main\.[jt]s$/.test(path.basename(process.argv[1] ?? ''))) {
  try {
    main();
  } catch (error) {
    // Nothing was written: a failed synthesis leaves dist/ as it was.
    console.error((error as Error).message);
    process.exit(1);
  }
}
