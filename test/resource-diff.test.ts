import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { stringify } from 'yaml';
import { OutputFile, synthesizeFolders } from '../lib/tools';
import {
  diffFields, diffResources, formatResourceChanges, identityLabel, readOutputFiles, resourceIdentity, shortValue,
} from '../lib/resource-diff';
import { buildPlatform, platformFiles } from '../main';
import { CANARY_RELEASES } from '../platform';
import { platformOutput } from './support/platform';

const NS = 'fintech-test';
const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';

function deployment(name: string, overrides: Record<string, any> = {}): any {
  return {
    apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS, labels: { 'app.kubernetes.io/name': name } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': name } },
      template: { spec: { containers: [{ name: 'app', image: IMAGE, env: [{ name: 'A', value: '1' }, { name: 'B', value: '2' }] }] } },
      ...overrides,
    },
  };
}
const configMap = (name: string, data: Record<string, string>, namespace = NS) =>
  ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace }, data });
const file = (filePath: string, ...objects: any[]): OutputFile => ({ path: filePath, content: objects.map((o) => stringify(o)).join('---\n') });

describe('resourceIdentity and identityLabel', () => {
  test('the API group without its version, the core group empty, cluster-scoped objects without namespace', () => {
    expect(resourceIdentity(deployment('payments'), 'production')).toEqual({
      folder: 'production', group: 'apps', kind: 'Deployment', namespace: NS, name: 'payments',
    });
    expect(identityLabel(resourceIdentity(deployment('payments'), 'production'))).toBe(`production Deployment.apps ${NS}/payments`);
    expect(identityLabel(resourceIdentity(configMap('c', {})))).toBe(`ConfigMap ${NS}/c`);
    expect(identityLabel(resourceIdentity({ apiVersion: 'v1', kind: 'Namespace', metadata: { name: NS } }))).toBe(`Namespace ${NS}`);
    expect(resourceIdentity({ apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: { name: 'n' } }).group).toBe('networking.k8s.io');
  });
});

describe('diffResources', () => {
  test('GIVEN the same objects WHEN compared THEN nothing is reported', () => {
    const files = [file('staging/a.yaml', deployment('a'), configMap('a-config', { X: '1' }))];
    expect(diffResources(files, files)).toEqual([]);
  });

  test('reports added, removed and changed objects, sorted by folder and identity, with the changed fields', () => {
    const before = [file('staging/a.yaml', deployment('a'), configMap('old', { X: '1' })), file('production/a.yaml', deployment('a'))];
    const after = [file('staging/a.yaml', deployment('a', { replicas: 3 }), configMap('new', { X: '1' })), file('production/a.yaml', deployment('a'))];
    const changes = diffResources(before, after);
    expect(changes.map((c) => [c.change, c.label])).toEqual([
      ['added', `staging ConfigMap ${NS}/new`],
      ['removed', `staging ConfigMap ${NS}/old`],
      ['changed', `staging Deployment.apps ${NS}/a`],
    ]);
    expect(changes[2].fields).toEqual([{ path: 'spec.replicas', oldValue: undefined, newValue: 3 }]);
    expect([changes[0].fileAfter, changes[1].fileBefore]).toEqual(['a.yaml', 'a.yaml']);
  });

  test('a change of namespace or kind is a removal and an addition; a new API version of the same group is a change', () => {
    const moved = configMap('c', { X: '1' }, 'other');
    const asSecret = { ...configMap('d', { X: '1' }), kind: 'Secret' };
    const hpa = (apiVersion: string) => ({ apiVersion, kind: 'HorizontalPodAutoscaler', metadata: { name: 'h', namespace: NS }, spec: {} });
    const changes = diffResources(
      [file('e/a.yaml', configMap('c', { X: '1' }), configMap('d', { X: '1' }), hpa('autoscaling/v2beta2'))],
      [file('e/a.yaml', moved, asSecret, hpa('autoscaling/v2'))]);
    expect(changes.map((c) => `${c.change} ${c.label}`)).toEqual([
      'removed e ConfigMap fintech-test/c',
      'removed e ConfigMap fintech-test/d',
      'added e ConfigMap other/c',
      'added e Secret fintech-test/d',
      'changed e HorizontalPodAutoscaler.autoscaling fintech-test/h',
    ]);
    expect(changes[4].fields).toEqual([{ path: 'apiVersion', oldValue: 'autoscaling/v2beta2', newValue: 'autoscaling/v2' }]);
  });

  test('the same object in two folders (environments) is two objects', () => {
    const changes = diffResources([file('staging/a.yaml', deployment('a'))], [file('production/a.yaml', deployment('a'))]);
    expect(changes.map((c) => `${c.change} ${c.label}`)).toEqual([`added production Deployment.apps ${NS}/a`, `removed staging Deployment.apps ${NS}/a`]);
  });

  test('an object moved to another file of its folder is changed, with no field changed when only the file differs', () => {
    const [change] = diffResources([file('staging/a.yaml', deployment('a'))], [file('staging/wave-2/a.yaml', deployment('a'))]);
    expect(change).toMatchObject({ change: 'changed', fileBefore: 'a.yaml', fileAfter: 'wave-2/a.yaml', fields: [] });
    expect(formatResourceChanges([change])).toContain(`~ staging Deployment.apps ${NS}/a  (moved from a.yaml to wave-2/a.yaml)`);
  });

  test('kustomization.yaml files are objects too, identified by their path in the folder', () => {
    const kustomization = (resources: string[]) => ({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources });
    const changes = diffResources(
      [file('staging/kustomization.yaml', kustomization(['a.yaml']))],
      [file('staging/kustomization.yaml', kustomization(['a.yaml', 'b.yaml'])), file('staging/wave-0/kustomization.yaml', kustomization([]))]);
    expect(changes.map((c) => `${c.change} ${c.label}`)).toEqual([
      'changed staging Kustomization.kustomize.config.k8s.io kustomization.yaml',
      'added staging Kustomization.kustomize.config.k8s.io wave-0/kustomization.yaml',
    ]);
    expect(changes[0].fields).toEqual([{ path: 'resources[1]', oldValue: undefined, newValue: 'b.yaml' }]);
  });

  test('ignores files that are not YAML and empty documents', () => {
    expect(diffResources([file('staging/README.md', { a: 1 })], [{ path: 'staging/a.yaml', content: '---\n' }])).toEqual([]);
  });

  test('fails on invalid YAML, naming the file', () => {
    expect(() => diffResources([{ path: 'staging/a.yaml', content: 'a: [1' }], [])).toThrow(/^diffResources: 'before\[0\]\.content' \(a string of 5 characters\) is invalid: is not valid YAML \(staging\/a\.yaml\): /);
  });

  test('keeps two documents of one identity apart instead of losing one', () => {
    const changes = diffResources([], [file('e/a.yaml', configMap('c', { X: '1' }), configMap('c', { X: '2' }))]);
    expect(changes.map((c) => c.change)).toEqual(['added', 'added']);
  });
});

describe('diffFields', () => {
  test('addresses items of lists with distinct names by name, so an insertion changes one path', () => {
    const before = deployment('a');
    const after = deployment('a');
    after.spec.template.spec.containers[0].env.unshift({ name: 'NEW', value: 'x' });
    after.spec.template.spec.containers[0].image = 'registry.fintech.internal/fintech/payments:1.5.0';
    expect(diffFields(before, after)).toEqual([
      { path: 'spec.template.spec.containers[name=app].image', oldValue: IMAGE, newValue: 'registry.fintech.internal/fintech/payments:1.5.0' },
      { path: 'spec.template.spec.containers[name=app].env[name=NEW]', oldValue: undefined, newValue: { name: 'NEW', value: 'x' } },
    ]);
  });

  test('lists without distinct names are compared by index; keys that are not identifiers are quoted', () => {
    const before = { metadata: { labels: { 'app.kubernetes.io/name': 'a' } }, spec: { ports: [{ port: 80 }, { port: 81 }] } };
    const after = { metadata: { labels: { 'app.kubernetes.io/name': 'b' } }, spec: { ports: [{ port: 80 }] } };
    expect(diffFields(before, after)).toEqual([
      { path: 'metadata.labels["app.kubernetes.io/name"]', oldValue: 'a', newValue: 'b' },
      { path: 'spec.ports[1]', oldValue: { port: 81 }, newValue: undefined },
    ]);
  });

  test('reports removed and added sub-objects whole, as they were (named lists as lists)', () => {
    const before = { spec: { template: { spec: { volumes: [{ name: 'tmp', emptyDir: {} }] } } } };
    const after = { spec: {} };
    expect(diffFields(before, after)).toEqual([
      { path: 'spec.template', oldValue: { spec: { volumes: [{ name: 'tmp', emptyDir: {} }] } }, newValue: undefined },
    ]);
  });

  test('a list that becomes a value (or a value of another type) is one change', () => {
    expect(diffFields({ a: [1] }, { a: { x: 1 } })).toEqual([{ path: 'a', oldValue: [1], newValue: { x: 1 } }]);
    expect(diffFields({ a: '1' }, { a: 1 })).toEqual([{ path: 'a', oldValue: '1', newValue: 1 }]);
  });
});

describe('formatResourceChanges', () => {
  test('one line per object and per field, values as JSON, then the counts', () => {
    const changes = diffResources(
      [file('staging/a.yaml', deployment('a'), configMap('old', { X: '1' }))],
      [file('staging/a.yaml', deployment('a', { replicas: 3 }), configMap('new', { X: '1' }))]);
    expect(formatResourceChanges(changes)).toBe([
      `+ staging ConfigMap ${NS}/new  (a.yaml)`,
      `- staging ConfigMap ${NS}/old  (a.yaml)`,
      `~ staging Deployment.apps ${NS}/a  (a.yaml)`,
      '    spec.replicas: (none) → 3',
      '',
      '1 added, 1 removed, 1 changed.',
    ].join('\n'));
  });

  test('shortens long values in the middle, and lists at most maxFieldsPerObject fields per object', () => {
    const before = configMap('c', Object.fromEntries([...Array(5).keys()].map((i) => [`K${i}`, 'x'])));
    const after = configMap('c', Object.fromEntries([...Array(5).keys()].map((i) => [`K${i}`, 'y'.repeat(100)])));
    const text = formatResourceChanges(diffResources([file('e/c.yaml', before)], [file('e/c.yaml', after)]), { maxFieldsPerObject: 2, maxValueLength: 20 });
    expect(text.split('\n').slice(0, 4)).toEqual([
      `~ e ConfigMap ${NS}/c  (c.yaml)`,
      '    data.K0: "x" → "yyyyyyyyyyyy…yyyyy"',
      '    data.K1: "x" → "yyyyyyyyyyyy…yyyyy"',
      '    … and 3 more fields',
    ]);
  });

  test('tallies the paths that changed in more than one object, list indices as [*]', () => {
    const relabel = (o: any) => ({ ...o, metadata: { ...o.metadata, annotations: { wave: '2' } } });
    const objects = [deployment('a'), deployment('b'), configMap('c', { X: '1' })];
    const text = formatResourceChanges(diffResources([file('e/a.yaml', ...objects)], [file('e/a.yaml', ...objects.map(relabel))]));
    expect(text.split('\n').slice(-2)).toEqual(['Changed fields by number of objects:', '      3  metadata.annotations']);
  });

  test('says so when nothing changed', () => {
    expect(formatResourceChanges([])).toBe('No object added, removed or changed.');
  });

  test('shortValue keeps short JSON as it is, cuts long JSON to maxLength in the middle, and marks an absent value', () => {
    expect([shortValue('abc'), shortValue({ a: 1 }), shortValue(undefined), shortValue('x'.repeat(10), 7)])
      .toEqual(['"abc"', '{"a":1}', '(none)', '"xxx…x"']);
  });
});

describe('readOutputFiles', () => {
  test('reads every file of a folder with paths relative to it, sorted; an absent folder is empty', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-diff-'));
    try {
      fs.mkdirSync(path.join(dir, 'staging', 'wave-0'), { recursive: true });
      fs.writeFileSync(path.join(dir, 'staging', 'wave-0', 'b.yaml'), 'b');
      fs.writeFileSync(path.join(dir, 'staging', 'a.yaml'), 'a');
      expect(readOutputFiles(dir)).toEqual([{ path: 'staging/a.yaml', content: 'a' }, { path: 'staging/wave-0/b.yaml', content: 'b' }]);
      expect(readOutputFiles(path.join(dir, 'absent'))).toEqual([]);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('on the reference platform', () => {
  // The environments' folders of this run's synthesis of the reference platform (support/platform.ts).
  const files = platformOutput().filter((f) => !f.path.startsWith('gitops/'));

  test('a fresh synth compared with itself changes nothing (environments and gitops/)', () => {
    const all = platformOutput();
    expect(new Set(all.map((f) => f.path.split('/')[0]))).toContain('gitops');
    expect(diffResources(all, platformFiles())).toEqual([]);
  });

  test('a promotion shows as the image and version label of finance-service only', () => {
    const promoted = synthesizeFolders(buildPlatform({ 'finance-service': { ...CANARY_RELEASES['finance-service'], canaryVersion: '2.2.0' } }));
    const changes = diffResources(files, promoted);
    expect(changes.length).toBeGreaterThan(0);
    expect(changes.every((c) => c.change === 'changed' && c.identity.name.startsWith('finance-service'))).toBe(true);
    const paths = new Set(changes.flatMap((c) => c.fields.map((f) => f.path)));
    expect(paths).toContain('spec.template.spec.containers[name=finance-service].image');
  });
});
