/**
 * What a fresh synth would change in the committed dist/, object by object, for code review.
 *
 *   npm run diff                          # summary; exit 0 whether or not anything changed
 *   npm run diff -- --fail-on-change      # exit 1 when anything differs (objects or file text)
 *   npm run diff -- some/other/dist       # compare with another folder
 *
 * Nothing is written. Exit 2 when synthesis fails or a committed file is not valid YAML.
 */
import * as fs from 'fs';
import { compareOutput } from '../lib/tools';
import { diffResources, formatResourceChanges, readOutputFiles } from '../lib/resource-diff';
// main.ts runs its main() only when the running script is named main.js or main.ts, so importing
// it from this bundle (build/diff.js) is safe; platformFiles() is exactly what `npm run synth` writes.
import { platformFiles } from '../main';
import { diffArgs } from './args';

function run(argv: readonly string[]): number {
  const { failOnChange, outdir } = diffArgs(argv);
  if (!fs.existsSync(outdir) || !fs.statSync(outdir).isDirectory()) {
    console.error(`diff: '${outdir}' is not a folder; give the output folder to compare with (default: dist)`);
    return 2;
  }
  const committed = readOutputFiles(outdir);
  const fresh = platformFiles();
  const changes = diffResources(committed, fresh);
  // Differences diffResources cannot see: document order, formatting, non-YAML files.
  const textual = changes.length === 0 ? compareOutput(fresh, outdir) : [];

  console.log(`Fresh synth compared with ${outdir}/ (${committed.length} files committed, ${fresh.length} synthesized):\n`);
  console.log(formatResourceChanges(changes));
  if (textual.length > 0) {
    console.log(`\nNo object differs, but these files do (document order or formatting):\n  ${textual.join('\n  ')}`);
  }
  const changed = changes.length > 0 || textual.length > 0;
  if (changed) console.log('\nRun `npm run synth` and commit dist/ to apply these changes.');
  return failOnChange && changed ? 1 : 0;
}

try {
  process.exitCode = run(process.argv.slice(2));
} catch (error) {
  console.error(`diff: ${(error as Error).message}`);
  process.exitCode = 2;
}
