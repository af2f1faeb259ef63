import * as fs from 'fs';
import * as path from 'path';
import { validateYamlFile } from './support/schema-validator';

const REPO = path.resolve(__dirname, '..');
const DIST = path.join(REPO, 'dist');

/** Every *.yaml under dir, recursively, except kustomization.yaml (kustomize config, not a Kubernetes object). */
function manifestFiles(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) return manifestFiles(full);
      return entry.isFile() && entry.name.endsWith('.yaml') && entry.name !== 'kustomization.yaml' ? [full] : [];
    })
    .sort();
}

const files = manifestFiles(DIST).map((file) => path.relative(REPO, file));

test('dist/ contains generated manifests', () => {
  expect(files.length).toBeGreaterThan(0);
});

// test.each rejects an empty table; the test above already fails in that case.
if (files.length > 0) {
  test.each(files)('%s matches the Kubernetes 1.28 / CRD schemas', (file) => {
    expect(validateYamlFile(path.join(REPO, file))).toEqual([]);
  });
}
