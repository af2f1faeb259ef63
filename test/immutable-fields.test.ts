import * as fs from 'fs';
import * as path from 'path';
import { objectsOf, OutputFile } from '../lib/tools';
import { readOutputFiles } from '../lib/resource-diff';
import { platformFiles } from '../main';
import { immutableFieldChanges } from './support/immutable-fields';

const NS = 'fintech-test';
const clone = <T>(o: T): T => structuredClone(o);
const meta = (name = 'x') => ({ name, namespace: NS });
const selector = (name: string) => ({ matchLabels: { 'app.kubernetes.io/name': name } });
const podTemplate = (image = 'registry.fintech.internal/fintech/x:1.0.0') => ({
  metadata: { labels: { 'app.kubernetes.io/name': 'x' } }, spec: { containers: [{ name: 'app', image }] },
});

/** One object of each kind that has immutable fields, as a first version (each test changes one field). */
const objects = {
  deployment: { apiVersion: 'apps/v1', kind: 'Deployment', metadata: meta(), spec: { replicas: 2, selector: selector('x'), template: podTemplate() } },
  daemonSet: { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: meta(), spec: { selector: selector('x'), template: podTemplate() } },
  replicaSet: { apiVersion: 'apps/v1', kind: 'ReplicaSet', metadata: meta(), spec: { selector: selector('x'), template: podTemplate() } },
  statefulSet: {
    apiVersion: 'apps/v1', kind: 'StatefulSet', metadata: meta(),
    spec: {
      selector: selector('x'), serviceName: 'x-headless', podManagementPolicy: 'OrderedReady', template: podTemplate(),
      volumeClaimTemplates: [{ metadata: { name: 'data' }, spec: { accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } } }],
    },
  },
  job: { apiVersion: 'batch/v1', kind: 'Job', metadata: meta(), spec: { backoffLimit: 2, selector: selector('x'), template: podTemplate() } },
  rollout: { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: meta(), spec: { selector: selector('x'), replicas: 3 } },
  service: { apiVersion: 'v1', kind: 'Service', metadata: meta(), spec: { type: 'ClusterIP', clusterIP: '10.0.0.10', clusterIPs: ['10.0.0.10'], ports: [{ port: 80 }] } },
  headless: { apiVersion: 'v1', kind: 'Service', metadata: meta('headless'), spec: { clusterIP: 'None', ports: [{ port: 80 }] } },
  external: { apiVersion: 'v1', kind: 'Service', metadata: meta('external'), spec: { type: 'ExternalName', externalName: 'db.example.com' } },
  pvc: {
    apiVersion: 'v1', kind: 'PersistentVolumeClaim', metadata: meta(),
    spec: { storageClassName: 'fast', accessModes: ['ReadWriteOnce'], resources: { requests: { storage: '10Gi' } } },
  },
  immutableConfigMap: { apiVersion: 'v1', kind: 'ConfigMap', metadata: meta(), immutable: true, data: { A: '1' } },
  immutableSecret: { apiVersion: 'v1', kind: 'Secret', metadata: meta(), immutable: true, data: { a: 'MQ==' } },
};
type Fixture = keyof typeof objects;

/** The messages for the fixture `name` after `edit` changed a copy of it. */
function afterEdit(name: Fixture, edit: (o: any) => void): string[] {
  const before = objects[name];
  const after = clone(before) as any;
  edit(after);
  return immutableFieldChanges([before], [after]);
}

describe('immutableFieldChanges: each rule fires', () => {
  test.each([
    ['deployment', 'Deployment.apps', 'spec.selector'],
    ['daemonSet', 'DaemonSet.apps', 'spec.selector'],
    ['replicaSet', 'ReplicaSet.apps', 'spec.selector'],
    ['statefulSet', 'StatefulSet.apps', 'spec.selector'],
    ['job', 'Job.batch', 'spec.selector'],
    ['rollout', 'Rollout.argoproj.io', 'spec.selector'],
  ] as [Fixture, string, string][])('%s: a new selector label', (name, kind, field) => {
    expect(afterEdit(name, (o) => { o.spec.selector.matchLabels.version = '2'; })).toEqual([
      `${kind} ${NS}/x: ${field} is immutable ({"matchLabels":{"app.kubernetes.io/name":"x"}} → {"matchLabels":{"app.kubernetes.io/name":"x","version":"2"}}); `
      + 'the sync would fail: keep the old value, or delete and recreate the object',
    ]);
  });

  test.each([
    ['spec.serviceName', (o: any) => { o.spec.serviceName = 'x'; }],
    ['spec.volumeClaimTemplates', (o: any) => { o.spec.volumeClaimTemplates[0].spec.resources.requests.storage = '20Gi'; }],
    ['spec.podManagementPolicy', (o: any) => { o.spec.podManagementPolicy = 'Parallel'; }],
  ])('StatefulSet: %s', (field, edit) => {
    expect(afterEdit('statefulSet', edit)).toEqual([expect.stringMatching(new RegExp(`^StatefulSet.apps ${NS}/x: ${field.replace('.', '\\.')} is immutable \\(`))]);
  });

  test('Job: any change to spec.template, e.g. a new image', () => {
    expect(afterEdit('job', (o) => { o.spec.template.spec.containers[0].image = 'registry.fintech.internal/fintech/x:1.0.1'; }))
      .toEqual([expect.stringMatching(/^Job\.batch fintech-test\/x: spec\.template is immutable \(\{"metadata".*\); the sync would fail/)]);
  });

  test.each([
    ['spec.clusterIP', (o: any) => { o.spec.clusterIP = '10.0.0.11'; }],
    ['spec.clusterIPs', (o: any) => { o.spec.clusterIPs = ['10.0.0.11']; }],
  ])('Service: %s changed to another address', (field, edit) => {
    expect(afterEdit('service', edit)).toEqual([expect.stringMatching(new RegExp(`^Service ${NS}/x: ${field.replace('.', '\\.')} is immutable \\(`))]);
  });

  test('Service: a clusterIP set where there was none (the allocated one would differ)', () => {
    const before = clone(objects.service) as any;
    delete before.spec.clusterIP;
    delete before.spec.clusterIPs;
    expect(immutableFieldChanges([before], [objects.service])).toEqual([
      `Service ${NS}/x: spec.clusterIP is immutable ((none) → "10.0.0.10"); the sync would fail: keep the old value, or delete and recreate the object`,
      `Service ${NS}/x: spec.clusterIPs is immutable ((none) → ["10.0.0.10"]); the sync would fail: keep the old value, or delete and recreate the object`,
    ]);
  });

  test('Service: a headless Service that loses clusterIP: None', () => {
    expect(afterEdit('headless', (o) => { delete o.spec.clusterIP; })).toEqual([
      `Service ${NS}/headless: spec.clusterIP is immutable ("None" → (none)); the sync would fail: keep the old value, or delete and recreate the object`,
    ]);
  });

  test('Service: type to and from ExternalName', () => {
    expect(afterEdit('external', (o) => { o.spec = { type: 'ClusterIP', ports: [{ port: 80 }] }; })).toEqual([
      `Service ${NS}/external: spec.type cannot change to or from ExternalName in place ("ExternalName" → "ClusterIP"); delete and recreate the Service`,
    ]);
    const toExternal = { ...clone(objects.headless), spec: { type: 'ExternalName', externalName: 'db.example.com' } };
    expect(immutableFieldChanges([objects.headless], [toExternal])).toEqual([
      `Service ${NS}/headless: spec.type cannot change to or from ExternalName in place ((none) → "ExternalName"); delete and recreate the Service`,
      `Service ${NS}/headless: spec.clusterIP is immutable ("None" → (none)); the sync would fail: keep the old value, or delete and recreate the object`,
    ]);
  });

  test.each([
    ['spec.storageClassName', (o: any) => { o.spec.storageClassName = 'slow'; }],
    ['spec.accessModes', (o: any) => { o.spec.accessModes = ['ReadWriteMany']; }],
    ['spec.volumeMode', (o: any) => { o.spec.volumeMode = 'Block'; }],
  ])('PersistentVolumeClaim: %s', (field, edit) => {
    expect(afterEdit('pvc', edit)).toEqual([expect.stringMatching(new RegExp(`^PersistentVolumeClaim ${NS}/x: ${field.replace('.', '\\.')} is immutable \\(`))]);
  });

  test.each([
    ['immutableConfigMap', 'ConfigMap', 'data', (o: any) => { o.data.A = '2'; }],
    ['immutableConfigMap', 'ConfigMap', 'immutable', (o: any) => { o.immutable = false; }],
    ['immutableSecret', 'Secret', 'data', (o: any) => { o.data.b = 'Mg=='; }],
  ] as [Fixture, string, string, (o: any) => void][])('%s with immutable: true: %s.%s', (name, kind, field, edit) => {
    expect(afterEdit(name, edit)).toEqual([expect.stringMatching(new RegExp(`^${kind} ${NS}/x: ${field} is immutable \\(`))]);
  });
});

describe('immutableFieldChanges: what is allowed', () => {
  test.each([
    ['deployment', 'replicas and the pod template', (o: any) => { o.spec.replicas = 5; o.spec.template.spec.containers[0].image = 'x:2'; }],
    ['deployment', 'labels and annotations, and the API version', (o: any) => { o.metadata.labels = { team: 'fintech' }; o.apiVersion = 'apps/v1beta2'; }],
    ['statefulSet', 'the pod template and replicas', (o: any) => { o.spec.template.spec.containers[0].image = 'x:2'; o.spec.replicas = 3; }],
    ['job', 'backoffLimit', (o: any) => { o.spec.backoffLimit = 5; }],
    ['rollout', 'replicas', (o: any) => { o.spec.replicas = 6; }],
    ['service', 'ports', (o: any) => { o.spec.ports = [{ port: 8080 }]; }],
    ['service', 'clusterIP left out (the allocated address is kept)', (o: any) => { delete o.spec.clusterIP; delete o.spec.clusterIPs; }],
    ['service', 'type ClusterIP to NodePort', (o: any) => { o.spec.type = 'NodePort'; }],
    ['pvc', 'a larger storage request', (o: any) => { o.spec.resources.requests.storage = '20Gi'; }],
    ['immutableConfigMap', 'labels', (o: any) => { o.metadata.labels = { a: 'b' }; }],
  ] as [Fixture, string, (o: any) => void][])('%s: %s', (name, _, edit) => {
    expect(afterEdit(name, edit)).toEqual([]);
  });

  test('the same selector with its labels in another order is the same selector', () => {
    const twoLabels = { ...clone(objects.deployment), spec: { ...objects.deployment.spec, selector: { matchLabels: { a: '1', b: '2' } } } };
    const reordered = { ...clone(objects.deployment), spec: { ...objects.deployment.spec, selector: { matchLabels: { b: '2', a: '1' } } } };
    expect(immutableFieldChanges([twoLabels], [reordered])).toEqual([]);
  });

  test('a mutable ConfigMap or Secret may change its data, and become immutable', () => {
    const mutable = { ...clone(objects.immutableConfigMap), immutable: undefined };
    expect(immutableFieldChanges([mutable], [{ ...mutable, data: { A: '2' } }])).toEqual([]);
    expect(immutableFieldChanges([mutable], [objects.immutableConfigMap])).toEqual([]);
  });

  test('a change of namespace or kind is a removal plus an addition, not an in-place change', () => {
    const movedNamespace = { ...clone(objects.deployment), metadata: { name: 'x', namespace: 'elsewhere' }, spec: { ...objects.deployment.spec, selector: selector('y') } };
    const asStatefulSet = { ...clone(objects.deployment), kind: 'StatefulSet', spec: { ...objects.deployment.spec, selector: selector('y') } };
    expect(immutableFieldChanges([objects.deployment], [movedNamespace, asStatefulSet])).toEqual([]);
  });

  test('objects only on one side, other kinds, and documents that are not objects are ignored', () => {
    const netpol = { apiVersion: 'networking.k8s.io/v1', kind: 'NetworkPolicy', metadata: meta(), spec: { podSelector: selector('x') } };
    const changedNetpol = { ...netpol, spec: { podSelector: selector('y') } };
    expect(immutableFieldChanges([objects.deployment, netpol, null], [objects.job, changedNetpol, 'text'])).toEqual([]);
  });

  test('a renamed object is a new object: its selector may differ', () => {
    const renamed = { ...clone(objects.deployment), metadata: meta('y'), spec: { ...objects.deployment.spec, selector: selector('y') } };
    expect(immutableFieldChanges([objects.deployment], [renamed])).toEqual([]);
  });
});

describe('the committed dist/ compared with a fresh synth', () => {
  const DIST = path.join(__dirname, '..', 'dist');
  const byFolder = (files: readonly OutputFile[]) => {
    const folders = new Map<string, OutputFile[]>();
    for (const f of files) folders.set(f.path.split('/')[0], [...(folders.get(f.path.split('/')[0]) ?? []), f]);
    return folders;
  };

  if (!fs.existsSync(DIST)) {
    test.skip('SKIPPED: dist/ does not exist, so there is no committed output to compare with (run `npm run synth`)', () => undefined);
    return;
  }

  const committed = byFolder(readOutputFiles(DIST).filter((f) => /\.ya?ml$/.test(f.path)));
  const fresh = byFolder(platformFiles());

  test('changes no immutable field of an object that exists in both (else the GitOps sync fails)', () => {
    const problems = [...fresh].flatMap(([folder, files]) =>
      immutableFieldChanges(objectsOf(committed.get(folder) ?? []), objectsOf(files)).map((p) => `${folder}: ${p}`));
    expect(problems).toEqual([]);
  });

  test('the guard sees the real objects: a changed selector in the fresh synth would be reported', () => {
    const [folder, files] = [...fresh][0];
    const after = objectsOf(files).map((o) => structuredClone(o));
    const deployment = after.find((o) => o.kind === 'Deployment');
    deployment.spec.selector.matchLabels['fintech.io/renamed'] = 'yes';
    const problems = immutableFieldChanges(objectsOf(committed.get(folder) ?? []), after);
    expect(problems).toEqual([expect.stringContaining(`Deployment.apps ${deployment.metadata.namespace}/${deployment.metadata.name}: spec.selector is immutable`)]);
  });
});
