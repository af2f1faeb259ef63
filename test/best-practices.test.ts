import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { CHECKS, checkObjects, podTemplates } from './support/policy-checks';

/**
 * The checks of kube-score, Polaris and the Pod Security Standard "restricted" (none of which can
 * be installed here), re-implemented in test/support/policy-checks.ts, on every document of every
 * dist/<environment>/*.yaml. A failure lists every finding as { check, object, message }; the
 * check id names the tool's own check (see the header of policy-checks.ts).
 */
const DIST = path.join(__dirname, '..', 'dist');
// dist/gitops holds the Argo CD and Flux objects, which run no pods.
const ENVIRONMENTS = fs.readdirSync(DIST).filter((name) => name !== 'gitops' && fs.statSync(path.join(DIST, name)).isDirectory()).sort();

function manifestsOf(env: string): { file: string; objects: any[]; errors: string[] }[] {
  const dir = path.join(DIST, env);
  const yamlFiles = (fs.readdirSync(dir, { recursive: true }) as string[])
    .filter((f) => /\.ya?ml$/.test(f) && path.basename(f) !== 'kustomization.yaml').sort();
  return yamlFiles.map((file) => {
    const documents = parseAllDocuments(fs.readFileSync(path.join(dir, file), 'utf8'));
    const list = Array.isArray(documents) ? documents : [documents];
    return {
      file,
      objects: list.map((d) => d.toJSON()).filter((o) => o !== null && o !== undefined),
      errors: list.flatMap((d) => d.errors.map((e) => `${file}: ${e.message}`)),
    };
  });
}

test('dist/ has environments to check', () => {
  expect(ENVIRONMENTS.length).toBeGreaterThan(0);
});

test('check ids are unique', () => {
  const ids = CHECKS.map((c) => c.id);
  expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
});

describe.each(ENVIRONMENTS)('dist/%s', (env) => {
  const manifests = manifestsOf(env);
  const objects = manifests.flatMap((m) => m.objects);

  test('every file parses and every document is a Kubernetes object', () => {
    expect(manifests.length).toBeGreaterThan(0);
    expect(manifests.flatMap((m) => m.errors)).toEqual([]);
    expect(objects.filter((o) => typeof o?.apiVersion !== 'string' || typeof o?.kind !== 'string' || !o?.metadata?.name)).toEqual([]);
    // Guards against a vacuous pass: the pod checks must have pods to look at.
    expect(podTemplates(objects).length).toBeGreaterThan(0);
  });

  test('passes every Pod Security "restricted", kube-score, Polaris, secret and RBAC check', () => {
    expect(checkObjects(objects)).toEqual([]);
  });
});
