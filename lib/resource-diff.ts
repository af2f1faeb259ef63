import * as fs from 'fs';
import * as path from 'path';
import diff from 'microdiff';
import { parseAllDocuments } from 'yaml';
import { invalidArgument, invalidSecretArgument } from './shared/errors';
import { kindOf } from './shared/secrets';
import { checkArgumentArray, checkNameArgument } from './shared/validation';
import { OutputFile } from './synth';

/**
 * What identifies a Kubernetes object in synthesized output: two objects with the same identity
 * are the same object in the cluster, whatever file they are in and whatever their API version.
 * A change of kind, namespace or name is therefore a removal plus an addition.
 */
export interface ResourceIdentity {
  /** The output folder (the environment), e.g. `production`; empty for objects outside any folder. */
  readonly folder: string;
  /** The API group, e.g. `apps` for `apps/v1`; empty for the core group (`v1`). */
  readonly group: string;
  readonly kind: string;
  /** Empty for cluster-scoped objects. */
  readonly namespace: string;
  readonly name: string;
}

/** One field that differs between the committed and the new version of an object. */
export interface FieldChange {
  /**
   * Where the field is, as a JSON path: `spec.replicas`, `metadata.labels["app.kubernetes.io/name"]`,
   * `spec.ports[0].port`. Lists whose items all have a distinct `name` (containers, env, volumes,
   * ports...) are addressed by name, `containers[name=app].env[name=LOG_LEVEL].value`, so inserting
   * an item does not show every later item as changed.
   */
  readonly path: string;
  /** The value before; `undefined` when the field was added. */
  readonly oldValue?: unknown;
  /** The value after; `undefined` when the field was removed. */
  readonly newValue?: unknown;
}

/** How one object differs between two versions of the output. */
export interface ResourceChange {
  readonly change: 'added' | 'removed' | 'changed';
  readonly identity: ResourceIdentity;
  /** The identity as one line, e.g. `production Deployment.apps fintech-production/payments`. */
  readonly label: string;
  /** The file the object was in, relative to its folder (`payments.yaml`); `undefined` when added. */
  readonly fileBefore?: string;
  /** The file the object is in now; `undefined` when removed. */
  readonly fileAfter?: string;
  /** The fields that differ, in document order; empty unless `change` is `changed`. */
  readonly fields: readonly FieldChange[];
}

/** The identity of a parsed Kubernetes object found in `folder`. */
export function resourceIdentity(object: any, folder = ''): ResourceIdentity {
  if (object === null || typeof object !== 'object' || Array.isArray(object)) {
    throw invalidArgument('resourceIdentity', 'object', object, `must be a parsed Kubernetes object ({ apiVersion, kind, metadata }), not ${kindOf(object)}`);
  }
  if (typeof folder !== 'string') throw invalidArgument('resourceIdentity', 'folder', folder, `must be a string, not ${kindOf(folder)}, e.g. "production"`);
  checkNameArgument('resourceIdentity', 'folder', folder, '"production"', { allowEmpty: true });
  const apiVersion = String(object?.apiVersion ?? '');
  return {
    folder,
    group: apiVersion.includes('/') ? apiVersion.slice(0, apiVersion.lastIndexOf('/')) : '',
    kind: String(object?.kind ?? ''),
    namespace: String(object?.metadata?.namespace ?? ''),
    name: String(object?.metadata?.name ?? ''),
  };
}

/**
 * The identity as one line in kubectl's terms: `[folder ]Kind[.group] [namespace/]name`, e.g.
 * `production Deployment.apps fintech-production/payments` or `Namespace fintech-production`.
 */
export function identityLabel(id: ResourceIdentity): string {
  if (id === null || typeof id !== 'object') throw invalidArgument('identityLabel', 'id', id, `must be a ResourceIdentity (resourceIdentity(object)), not ${kindOf(id)}`);
  if (typeof id.kind !== 'string' || id.kind === '') {
    throw invalidArgument('identityLabel', 'id', id, 'must be a ResourceIdentity, as resourceIdentity(object) returns it: { folder, group, kind, namespace, name }');
  }
  const kind = id.group ? `${id.kind}.${id.group}` : id.kind;
  const name = id.namespace ? `${id.namespace}/${id.name}` : id.name;
  return [id.folder, kind, name].filter((part) => part !== '').join(' ');
}

/**
 * The objects that differ between two versions of the synthesized output (e.g. the committed
 * `dist/` and a fresh synth): added, removed and changed ones, sorted by folder and identity; for
 * changed objects, every differing field with its old and new value. Objects are matched by
 * {@link ResourceIdentity}, so moving an object to another file or changing its API version shows
 * as a change of that object, not as a removal and an addition. Every `*.yaml` file is read,
 * `kustomization.yaml` included (identified by its path in the folder), so a file added to or
 * removed from a folder shows as a change of its Kustomization. Objects identical in both
 * versions are left out.
 *
 * @throws when a file is not valid YAML, naming the file.
 */
export function diffResources(before: readonly OutputFile[], after: readonly OutputFile[]): ResourceChange[] {
  checkArgumentArray('diffResources', 'before', before, "readOutputFiles('dist')");
  checkArgumentArray('diffResources', 'after', after, 'synthesizeFolders(folders)');
  checkOutputFileList('diffResources', 'before', before);
  checkOutputFileList('diffResources', 'after', after);
  const old = indexObjects(before, 'before');
  const current = indexObjects(after, 'after');
  const changes: ResourceChange[] = [];
  for (const [key, was] of old) {
    const now = current.get(key);
    if (now === undefined) {
      changes.push({ change: 'removed', identity: was.identity, label: identityLabel(was.identity), fileBefore: was.file, fields: [] });
      continue;
    }
    const fields = diffFields(was.object, now.object);
    if (fields.length > 0 || was.file !== now.file) {
      changes.push({ change: 'changed', identity: was.identity, label: identityLabel(was.identity), fileBefore: was.file, fileAfter: now.file, fields });
    }
  }
  for (const [key, now] of current) {
    if (!old.has(key)) changes.push({ change: 'added', identity: now.identity, label: identityLabel(now.identity), fileAfter: now.file, fields: [] });
  }
  return changes.sort((a, b) => compareIdentity(a.identity, b.identity));
}

/**
 * The fields that differ between two versions of one object, as JSON paths with old and new values
 * (see {@link FieldChange.path} for how lists are addressed). Added or removed sub-objects are
 * reported whole, at their own path.
 */
export function diffFields(before: unknown, after: unknown): FieldChange[] {
  const original = new WeakMap<object, unknown>();
  const a = normalize(before, original, { argument: 'before', path: [], ancestors: new Set() });
  const b = normalize(after, original, { argument: 'after', path: [], ancestors: new Set() });
  const restore = (value: unknown) => denormalize(value, original);
  return diff({ root: a }, { root: b }).map((d) => ({
    path: formatPath(d.path.slice(1)),
    oldValue: d.type === 'CREATE' ? undefined : restore(d.oldValue),
    newValue: d.type === 'REMOVE' ? undefined : restore(d.value),
  }));
}

/** Options of {@link formatResourceChanges}. */
export interface ResourceChangeFormatOptions {
  /**
   * Longer values (as JSON) are cut in the middle, keeping their start and end (an image's tag).
   * @default 60
   */
  readonly maxValueLength?: number;
  /**
   * At most this many fields are listed per changed object, then a count of the rest.
   * @default 20
   */
  readonly maxFieldsPerObject?: number;
}

/**
 * The changes as text for a code review: one line per object (`+` added, `-` removed, `~` changed,
 * with its file), and under each changed object one line per field, `path: old → new`, with long
 * values cut in the middle to `maxValueLength`; then a summary line and, when some field changed in
 * more than one object, the ten most frequently changed paths with their object counts (list
 * indices shown as `[*]`). An empty
 * list gives `No object added, removed or changed.`
 */
export function formatResourceChanges(changes: readonly ResourceChange[], options: ResourceChangeFormatOptions = {}): string {
  checkArgumentArray('formatResourceChanges', 'changes', changes, 'diffResources(before, after)');
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw invalidArgument('formatResourceChanges', 'options', options, `must be an object, not ${kindOf(options)}, e.g. { maxValueLength: 80 }`);
  }
  for (const name of Object.keys(options)) {
    if (name !== 'maxValueLength' && name !== 'maxFieldsPerObject') {
      throw invalidArgument('formatResourceChanges', `options.${name}`, (options as Record<string, unknown>)[name], 'is not a known option; the options are maxValueLength, maxFieldsPerObject');
    }
    const value = (options as Record<string, unknown>)[name];
    if (value !== undefined && !(Number.isInteger(value) && (value as number) >= (name === 'maxValueLength' ? 8 : 1))) {
      throw invalidArgument('formatResourceChanges', `options.${name}`, value, `must be an integer of at least ${name === 'maxValueLength' ? 8 : 1}`);
    }
  }
  changes.forEach((change: Partial<ResourceChange> | null, i) => {
    if (change === null || typeof change !== 'object' || !['added', 'removed', 'changed'].includes(change.change as string)
      || change.identity === null || typeof change.identity !== 'object' || typeof change.label !== 'string' || !Array.isArray(change.fields)) {
      throw invalidArgument('formatResourceChanges', `changes[${i}]`, change, 'must be one change of diffResources(before, after): { change, identity, label, fields }');
    }
  });
  const maxValueLength = options.maxValueLength ?? 60;
  const maxFields = options.maxFieldsPerObject ?? 20;
  if (changes.length === 0) return 'No object added, removed or changed.';
  const lines: string[] = [];
  for (const change of changes) {
    const mark = change.change === 'added' ? '+' : change.change === 'removed' ? '-' : '~';
    const file = fileNote(change);
    lines.push(file === change.identity.name ? `${mark} ${change.label}` : `${mark} ${change.label}  (${file})`);
    for (const field of change.fields.slice(0, maxFields)) {
      lines.push(`    ${field.path}: ${shortValue(field.oldValue, maxValueLength)} → ${shortValue(field.newValue, maxValueLength)}`);
    }
    if (change.fields.length > maxFields) lines.push(`    … and ${change.fields.length - maxFields} more fields`);
  }
  const count = (kind: ResourceChange['change']) => changes.filter((c) => c.change === kind).length;
  lines.push('', `${count('added')} added, ${count('removed')} removed, ${count('changed')} changed.`);
  const tally = pathTally(changes);
  if (tally.length > 1 || (tally.length === 1 && tally[0][1] > 1)) {
    lines.push('Changed fields by number of objects:');
    for (const [fieldPath, objects] of tally.slice(0, 10)) lines.push(`  ${String(objects).padStart(5)}  ${fieldPath}`);
    if (tally.length > 10) lines.push(`  … and ${tally.length - 10} more paths`);
  }
  return lines.join('\n');
}

/**
 * A value as short JSON for one line of text: `(none)` for `undefined`; JSON longer than
 * `maxLength` is cut in the middle, keeping its start and end (`"registry.example/team/im…:1.4.2"`).
 */
export function shortValue(value: unknown, maxLength = 60): string {
  if (value === undefined) return '(none)';
  const text = JSON.stringify(value) ?? String(value);
  if (text.length <= maxLength) return text;
  const tail = Math.floor((maxLength - 1) / 3);
  return `${text.slice(0, maxLength - 1 - tail)}…${text.slice(text.length - tail)}`;
}

/** How many changed objects each field path changed in, most frequent first; list indices read `[*]`. */
function pathTally(changes: readonly ResourceChange[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const change of changes) {
    const paths = new Set(change.fields.map((f) => f.path.replace(/\[\d+\]/g, '[*]')));
    for (const fieldPath of paths) counts.set(fieldPath, (counts.get(fieldPath) ?? 0) + 1);
  }
  return [...counts].sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

/**
 * Every file under `dir`, as {@link OutputFile}s with paths relative to it (`production/a.yaml`),
 * sorted: what a committed output folder holds, to compare with a fresh synth. An absent folder
 * gives an empty list.
 */
export function readOutputFiles(dir: string): OutputFile[] {
  if (typeof dir !== 'string' || dir === '') throw invalidArgument('readOutputFiles', 'dir', dir, `must be the path of an output folder, not ${dir === '' ? 'empty' : kindOf(dir)}, e.g. "dist"`);
  if (!fs.existsSync(dir)) return [];
  if (!fs.statSync(dir).isDirectory()) throw invalidArgument('readOutputFiles', 'dir', dir, 'is a file; it must be an output folder, e.g. "dist"');
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    // parentPath from Node 20.12; `path` before (deprecated since).
    .map((entry) => path.join(entry.parentPath ?? (entry as any).path, entry.name))
    .map((full) => ({ path: path.relative(dir, full).split(path.sep).join('/'), content: fs.readFileSync(full, 'utf8') }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
}

// ---------------------------------------------------------------------------------------------

/** Each item of an argument is an output file: `{ path, content }` with strings. */
function checkOutputFileList(fn: string, arg: string, files: readonly unknown[]): void {
  files.forEach((file, i) => {
    const given = file as Partial<OutputFile> | null;
    if (given === null || typeof given !== 'object' || Array.isArray(given)) throw invalidArgument(fn, `${arg}[${i}]`, file, `must be { path, content }, not ${kindOf(file)}`);
    if (typeof given.path !== 'string') throw invalidArgument(fn, `${arg}[${i}].path`, given.path, `must be a string, not ${kindOf(given.path)}`);
    if (given.path === '') throw invalidArgument(fn, `${arg}[${i}].path`, given.path, 'must be the path of the file in the output, e.g. "production/0000-services.k8s.yaml"');
    if (typeof given.content !== 'string') throw invalidArgument(fn, `${arg}[${i}].content`, given.content, `must be a string, not ${kindOf(given.content)}`);
    if (given.objects !== undefined && !Array.isArray(given.objects)) {
      throw invalidArgument(fn, `${arg}[${i}].objects`, given.objects, `must be the parsed objects of the file's content (an array), or left out, not ${kindOf(given.objects)}`);
    }
  });
}

interface Located {
  readonly identity: ResourceIdentity;
  readonly file: string;
  readonly object: unknown;
}

function indexObjects(files: readonly OutputFile[], arg: string): Map<string, Located> {
  const index = new Map<string, Located>();
  for (const [i, file] of files.entries()) {
    if (!/\.ya?ml$/.test(file.path)) continue;
    const slash = file.path.indexOf('/');
    const folder = slash < 0 ? '' : file.path.slice(0, slash);
    const name = slash < 0 ? file.path : file.path.slice(slash + 1);
    for (const document of parseAllDocuments(file.content)) {
      if (document.errors.length > 0) {
        throw invalidSecretArgument('diffResources', `${arg}[${i}].content`, file.content, `is not valid YAML (${file.path}): ${document.errors[0].message.split('\n')[0].replace(/:$/, '')}`);
      }
      const object = document.toJSON();
      if (object === null || typeof object !== 'object') continue;
      let identity = resourceIdentity(object, folder);
      if (identity.name === '' && identity.kind === 'Kustomization') identity = { ...identity, name };
      // Two documents of one identity cannot both be applied; keep both visible rather than lose one.
      let key = identityKey(identity);
      for (let n = 2; index.has(key); n++) key = `${identityKey(identity)}#${n}`;
      index.set(key, { identity, file: name, object });
    }
  }
  return index;
}

function identityKey(id: ResourceIdentity): string {
  return [id.folder, id.group, id.kind, id.namespace, id.name].join('\u0000');
}

function compareIdentity(a: ResourceIdentity, b: ResourceIdentity): number {
  const x = identityKey(a);
  const y = identityKey(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Marks the key of a list item addressed by name; no key of a Kubernetes object contains NUL. */
const NAMED = '\u0000';

/**
 * A copy in which lists of uniquely named objects become objects keyed by `NAMED + name`, so
 * the diff matches their items by name; `original` maps each copy back to what it was made from.
 */
/** Where `normalize` is inside the argument: to refuse an object that contains itself, by its path. */
interface Walk {
  readonly argument: string;
  readonly path: readonly (string | number)[];
  readonly ancestors: Set<object>;
}

function normalize(value: unknown, original: WeakMap<object, unknown>, walk: Walk): unknown {
  if (value === null || typeof value !== 'object') return value;
  if (walk.ancestors.has(value)) {
    throw invalidArgument('diffFields', walk.argument, value,
      `contains itself at ${formatPath(walk.path)}; pass plain data, as parsed from YAML or JSON`);
  }
  walk.ancestors.add(value);
  const at = (key: string | number): Walk => ({ ...walk, path: [...walk.path, key] });
  let copy: object;
  if (Array.isArray(value)) {
    const names = value.map((item) => (item !== null && typeof item === 'object' && typeof item.name === 'string' ? item.name : undefined));
    const byName = value.length > 0 && names.every((n) => n !== undefined) && new Set(names).size === names.length;
    copy = byName
      ? Object.fromEntries(value.map((item, i) => [NAMED + names[i], normalize(item, original, at(NAMED + names[i]))]))
      : value.map((item, i) => normalize(item, original, at(i)));
  } else {
    copy = Object.fromEntries(Object.entries(value).map(([k, v]) => [k, normalize(v, original, at(k))]));
  }
  walk.ancestors.delete(value);
  original.set(copy, value);
  return copy;
}

function denormalize(value: unknown, original: WeakMap<object, unknown>): unknown {
  return value !== null && typeof value === 'object' && original.has(value) ? original.get(value) : value;
}

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

function formatPath(segments: readonly (string | number)[]): string {
  let out = '';
  for (const segment of segments) {
    if (typeof segment === 'number') out += `[${segment}]`;
    else if (segment.startsWith(NAMED)) out += `[name=${segment.slice(NAMED.length)}]`;
    else if (IDENTIFIER.test(segment)) out += out === '' ? segment : `.${segment}`;
    else out += `[${JSON.stringify(segment)}]`;
  }
  return out === '' ? '(the whole object)' : out;
}

function fileNote(change: ResourceChange): string {
  if (change.fileBefore !== undefined && change.fileAfter !== undefined && change.fileBefore !== change.fileAfter) {
    return `moved from ${change.fileBefore} to ${change.fileAfter}`;
  }
  return change.fileAfter ?? change.fileBefore ?? '';
}
