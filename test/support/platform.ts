import * as fs from 'fs';
import * as path from 'path';
import { OutputFile } from '../../lib/tools';
import { platformFiles } from '../../main';

/**
 * The reference platform's files (`platformFiles()`), synthesized from the current source once per
 * Jest run and shared by the test files: the first file that asks synthesizes and stores the
 * result in the run's temporary folder, the others read it. Never the committed dist/.
 * A test about synthesis itself (twice the same output) calls `platformFiles()` for its second copy.
 */
export function platformOutput(): OutputFile[] {
  memo ??= readOrSynthesize();
  return memo;
}

let memo: OutputFile[] | undefined;

function readOrSynthesize(): OutputFile[] {
  const runDir = process.env.CDK8S_FINTECH_TEST_RUN_DIR;
  if (runDir === undefined || !fs.existsSync(runDir)) return platformFiles();
  const stored = path.join(runDir, 'platform-files.json');
  if (fs.existsSync(stored)) return JSON.parse(fs.readFileSync(stored, 'utf8'));
  const files = platformFiles();
  // Written whole under a temporary name, then renamed: a reader never sees half a file.
  const partial = `${stored}.${process.pid}`;
  fs.writeFileSync(partial, JSON.stringify(files));
  fs.renameSync(partial, stored);
  return files;
}
