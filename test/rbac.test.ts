import { Construct } from 'constructs';
import { createWorkloadIdentity } from '../lib/rbac';
import { NAMESPACE, newChart, only, synth } from './support/fixtures';
import { validateManifest } from './support/schema-validator';

function identity(configMaps: string[], secrets: string[], automountServiceAccountToken = false) {
  const chart = newChart();
  const scope = new Construct(chart, 'worker');
  const created = createWorkloadIdentity(scope, {
    metadata: { name: 'worker', labels: { 'app.kubernetes.io/name': 'worker' } },
    namespace: NAMESPACE, automountServiceAccountToken, configMaps, secrets,
  });
  return { created, objects: synth(chart) };
}

describe('createWorkloadIdentity', () => {
  test('a workload that reads nothing gets its own ServiceAccount and no Role', () => {
    const { created, objects } = identity([], []);
    expect(objects.map((o) => o.kind)).toEqual(['ServiceAccount']);
    expect(created.role).toBeUndefined();
    expect(created.roleBinding).toBeUndefined();
    expect(only(objects, 'ServiceAccount')).toMatchObject({ metadata: { name: 'worker' }, automountServiceAccountToken: false });
  });

  test('the token is mounted only when asked for', () => {
    expect(only(identity([], [], true).objects, 'ServiceAccount').automountServiceAccountToken).toBe(true);
  });

  test('the Role allows reading exactly the named ConfigMaps and Secrets (each Secret once, sorted), nothing else', () => {
    const { objects } = identity(['worker-config'], ['db', 'api-keys', 'db']);
    expect(only(objects, 'Role').rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['worker-config'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['api-keys', 'db'], verbs: ['get', 'list', 'watch'] },
    ]);
  });

  test('a workload that reads only Secrets gets no ConfigMap rule', () => {
    expect(only(identity([], ['db']).objects, 'Role').rules.map((r: any) => r.resources)).toEqual([['secrets']]);
  });

  test("the binding grants the Role to the workload's ServiceAccount in its namespace", () => {
    const { objects } = identity(['worker-config'], []);
    expect(only(objects, 'RoleBinding')).toMatchObject({
      roleRef: { apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: only(objects, 'Role').metadata.name },
      subjects: [{ kind: 'ServiceAccount', name: only(objects, 'ServiceAccount').metadata.name, namespace: NAMESPACE }],
    });
  });

  test('every object is valid against the Kubernetes 1.28 schema', () => {
    const { objects } = identity(['worker-config'], ['db']);
    expect(objects.map((o) => o.kind).sort()).toEqual(['Role', 'RoleBinding', 'ServiceAccount']);
    expect(objects.flatMap((o) => validateManifest(o))).toEqual([]);
  });
});
