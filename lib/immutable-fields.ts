/**
 * A guard for GitOps: the fields that the Kubernetes API server refuses to change on an existing
 * object. A commit that changes one of them syncs as an error ("field is immutable") and the
 * object stays as it was until someone deletes it by hand, so such a change must be caught before
 * it is merged, comparing the new output with the previous release (see `checkRelease`).
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
 *   `spec.selector`, `spec.volumeName`; the storage request may only grow
 * - ConfigMap, Secret with `immutable: true`: `data`, `binaryData` (and `stringData` for a
 *   Secret), and `immutable` itself, which cannot be turned off again
 *
 * A CronJob has no immutable field: its `jobTemplate` (selector included) applies to the Jobs it
 * creates from then on, and a Job that runs keeps its own.
 */
import { parseQuantity } from './shared/quantity';
import { identityLabel, ResourceIdentity, resourceIdentity, shortValue } from './resource-diff';

/** A change of an immutable field of an object that exists in both versions. */
export interface ImmutableFieldChange {
  /** The object (its folder is the environment, when the comparison was per folder). */
  readonly identity: ResourceIdentity;
  /** The field, as a dotted path: `spec.selector`, `spec.resources.requests.storage`. */
  readonly field: string;
  /** One line naming the object, the field, the old and new values and what to do. */
  readonly message: string;
}

/**
 * The immutable-field changes between two versions of the same objects, one per field, with
 * messages such as `Deployment.apps fintech-production/payments: spec.selector is immutable
 * ({...} → {...}); ...` (prefixed with `folder` when given). Objects only in `before` or only in
 * `after` are ignored. Empty when the change is safe to apply.
 */
export function immutableFieldChanges(before: readonly any[], after: readonly any[], folder = ''): ImmutableFieldChange[] {
  const previous = new Map(before.filter(isObject).map((o) => [keyOf(o), o]));
  const changes: ImmutableFieldChange[] = [];
  for (const now of after.filter(isObject)) {
    const was = previous.get(keyOf(now));
    if (was === undefined) continue;
    const identity = resourceIdentity(now, folder);
    for (const { field, problem } of problemsOf(was, now)) changes.push({ identity, field, message: `${identityLabel(identity)}: ${problem}` });
  }
  return changes;
}

interface Problem {
  readonly field: string;
  readonly problem: string;
}

function problemsOf(was: any, now: any): Problem[] {
  const { group, kind } = resourceIdentity(now);
  const fields = (...paths: string[]) => paths.filter((p) => !same(get(was, p), get(now, p)))
    .map((p) => ({ field: p, problem: frozen(p, get(was, p), get(now, p)) }));
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
      return [...fields('spec.storageClassName', 'spec.accessModes', 'spec.volumeMode', 'spec.selector', 'spec.volumeName'), ...storageShrink(was, now)];
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

/** A claim's storage request may grow (where its StorageClass allows expansion), never shrink. */
function storageShrink(was: any, now: any): Problem[] {
  const field = 'spec.resources.requests.storage';
  const old = get(was, field);
  const updated = get(now, field);
  const quantity = (value: unknown) => (typeof value === 'string' || typeof value === 'number' ? parseQuantity(value) : undefined);
  const [before, after] = [quantity(old), quantity(updated)];
  if (before === undefined || after === undefined || after >= before) return [];
  return [{ field, problem: `${field} cannot shrink (${show(old)} → ${show(updated)}); the sync would fail: keep at least the old size` }];
}

function serviceProblems(was: any, now: any): Problem[] {
  const problems: Problem[] = [];
  const externalName = (o: any) => o.spec?.type === 'ExternalName';
  if (externalName(was) !== externalName(now)) {
    problems.push({
      field: 'spec.type',
      problem: `spec.type cannot change to or from ExternalName in place (${show(was.spec?.type)} → ${show(now.spec?.type)}); delete and recreate the Service`,
    });
  }
  for (const field of ['spec.clusterIP', 'spec.clusterIPs']) {
    const old = get(was, field);
    const updated = get(now, field);
    const headless = (value: unknown) => value === 'None' || (Array.isArray(value) && value[0] === 'None');
    const changed = updated !== undefined ? !same(old, updated) : headless(old);
    if (changed) problems.push({ field, problem: frozen(field, old, updated) });
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
