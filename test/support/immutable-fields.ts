/**
 * A guard for GitOps: the fields that the Kubernetes API server refuses to change on an existing
 * object. A commit that changes one of them syncs as an error ("field is immutable") and the
 * object stays as it was until someone deletes it by hand, so such a change must be caught at
 * review, comparing the committed dist/ with a fresh synth.
 *
 * Objects are matched by identity (API group, kind, namespace, name; see `resourceIdentity`):
 * a change of kind or namespace is a removal plus an addition and is not reported here (GitOps
 * prunes the old object and creates the new one). A change of API version within the group is
 * the same object and is checked.
 *
 * The rules, as of Kubernetes 1.28 (and Argo Rollouts for `Rollout`):
 * - Deployment, StatefulSet, DaemonSet, ReplicaSet (apps), Rollout (argoproj.io): `spec.selector`
 * - StatefulSet: also `spec.serviceName`, `spec.volumeClaimTemplates`, `spec.podManagementPolicy`
 * - Job (batch): `spec.selector`, `spec.template`
 * - Service: `spec.clusterIP` / `spec.clusterIPs` once allocated (a new value that differs from
 *   the old; leaving it out keeps the allocated address, except that a headless Service, `None`,
 *   cannot become a normal one), and `spec.type` to or from `ExternalName`
 * - PersistentVolumeClaim: `spec.storageClassName`, `spec.accessModes`, `spec.volumeMode`,
 *   `spec.selector`, `spec.volumeName` (only the storage request may change, and only grow)
 * - ConfigMap, Secret with `immutable: true`: `data`, `binaryData` (and `stringData` for a
 *   Secret), and `immutable` itself, which cannot be turned off again
 */
import { identityLabel, resourceIdentity, shortValue } from '../../lib/resource-diff';

/**
 * The immutable-field changes between two versions of the same objects, one message per field:
 * `Deployment.apps fintech-production/payments: spec.selector is immutable ({...} → {...}); ...`.
 * Objects only in `before` or only in `after` are ignored. Empty when the change is safe to apply.
 */
export function immutableFieldChanges(before: readonly any[], after: readonly any[]): string[] {
  const previous = new Map(before.filter(isObject).map((o) => [keyOf(o), o]));
  const messages: string[] = [];
  for (const now of after.filter(isObject)) {
    const was = previous.get(keyOf(now));
    if (was === undefined) continue;
    const label = identityLabel(resourceIdentity(now));
    for (const problem of problemsOf(was, now)) messages.push(`${label}: ${problem}`);
  }
  return messages;
}

function problemsOf(was: any, now: any): string[] {
  const { group, kind } = resourceIdentity(now);
  const fields = (...paths: string[]) => paths.filter((p) => !same(get(was, p), get(now, p))).map((p) => frozen(p, get(was, p), get(now, p)));
  switch (`${kind}.${group}`) {
    case 'Deployment.apps':
    case 'DaemonSet.apps':
    case 'ReplicaSet.apps':
    case 'Rollout.argoproj.io':
      return fields('spec.selector');
    case 'StatefulSet.apps':
      return fields('spec.selector', 'spec.serviceName', 'spec.volumeClaimTemplates', 'spec.podManagementPolicy');
    case 'Job.batch':
      return fields('spec.selector', 'spec.template');
    case 'PersistentVolumeClaim.':
      return fields('spec.storageClassName', 'spec.accessModes', 'spec.volumeMode', 'spec.selector', 'spec.volumeName');
    case 'Service.':
      return serviceProblems(was, now);
    case 'ConfigMap.':
      return was.immutable === true ? fields('immutable', 'data', 'binaryData') : [];
    case 'Secret.':
      return was.immutable === true ? fields('immutable', 'data', 'binaryData', 'stringData') : [];
    default:
      return [];
  }
}

function serviceProblems(was: any, now: any): string[] {
  const problems: string[] = [];
  const externalName = (o: any) => o.spec?.type === 'ExternalName';
  if (externalName(was) !== externalName(now)) {
    problems.push(`spec.type cannot change to or from ExternalName in place (${show(was.spec?.type)} → ${show(now.spec?.type)}); delete and recreate the Service`);
  }
  for (const field of ['spec.clusterIP', 'spec.clusterIPs']) {
    const old = get(was, field);
    const updated = get(now, field);
    const headless = (value: unknown) => value === 'None' || (Array.isArray(value) && value[0] === 'None');
    const changed = updated !== undefined ? !same(old, updated) : headless(old);
    if (changed) problems.push(frozen(field, old, updated));
  }
  return problems;
}

function frozen(field: string, old: unknown, updated: unknown): string {
  return `${field} is immutable (${show(old)} → ${show(updated)}); the sync would fail: keep the old value, or delete and recreate the object`;
}

function isObject(o: any): boolean {
  return o !== null && typeof o === 'object' && typeof o.kind === 'string';
}

function keyOf(o: any): string {
  const { group, kind, namespace, name } = resourceIdentity(o);
  return [group, kind, namespace, name].join('\u0000');
}

function get(o: any, dotted: string): unknown {
  return dotted.split('.').reduce((value, key) => (value === null || value === undefined ? undefined : value[key]), o);
}

/** Deep equality for parsed JSON; object key order does not matter, list order does. */
function same(a: unknown, b: unknown): boolean {
  return canonical(a) === canonical(b);
}

function canonical(value: unknown): string {
  if (value === undefined) return 'undefined';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  return `{${Object.keys(value).sort().map((k) => `${JSON.stringify(k)}:${canonical((value as any)[k])}`).join(',')}}`;
}

function show(value: unknown): string {
  return shortValue(value, 80);
}
