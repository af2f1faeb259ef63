import * as fs from 'fs';
import * as path from 'path';
import { OutputFile, Synthesis } from '../../lib/tools';
import { platformSynthesis } from '../../main';

/**
 * The reference platform's files, from `platformSynthesis()` of the current source once per Jest
 * run and shared by the test files: the first file that asks synthesizes and stores the result
 * in the run's temporary folder, the others read it. Never the committed dist/.
 * A test about synthesis itself (twice the same output) calls `platformFiles()` for its second copy.
 */
export function platformOutput(): OutputFile[] {
  return sharedSynthesis().files;
}

/** The segmentation analyses the reference platform's synthesis was checked against, shared the same way. */
export function platformSegmentation(): Synthesis['segmentation'] {
  return sharedSynthesis().segmentation;
}

let memo: Synthesis | undefined;

function sharedSynthesis(): Synthesis {
  memo ??= readOrSynthesize();
  return memo;
}

function readOrSynthesize(): Synthesis {
  const runDir = process.env.CDK8S_FINTECH_TEST_RUN_DIR;
  if (runDir === undefined || !fs.existsSync(runDir)) return platformSynthesis();
  const stored = path.join(runDir, 'platform-synthesis.json');
  if (fs.existsSync(stored)) return JSON.parse(fs.readFileSync(stored, 'utf8'));
  const synthesis = platformSynthesis();
  // Written whole under a temporary name, then renamed: a reader never sees half a file.
  const partial = `${stored}.${process.pid}`;
  fs.writeFileSync(partial, JSON.stringify(synthesis));
  fs.renameSync(partial, stored);
  return synthesis;
}
