/**
 * Strict JSON-schema validation of Kubernetes manifests for the tests.
 *
 * Schema data lives in <repo>/schemas (copied from shared/k8s, see schemas/README.md):
 * - core kinds: the Kubernetes 1.28 definitions, looked up by `x-kubernetes-group-version-kind`;
 * - custom resources: the CRD manifests in schemas/crds, one validator per served version.
 *
 * Strict like `kubeconform -strict`: every object schema that lists `properties` and says
 * nothing about `additionalProperties` is closed, so unknown fields are errors. Lists keyed by
 * `x-kubernetes-list-map-keys` / `x-kubernetes-patch-merge-key` must not repeat a key, because
 * server-side apply (Flux, Argo CD with ServerSideApply) rejects such duplicates.
 *
 * Everything is loaded and compiled lazily and cached per apiVersion + kind. Compiling the big
 * CRDs takes seconds and every test file would do it again, so each compiled validator's code
 * (ajv's standalone code, the very code ajv runs) is also kept on disk, under a key made of
 * everything it is compiled from: ajv's version, this file, the definitions and the CRD files
 * that name the kind. A change to any of them compiles afresh.
 */
import { createHash } from 'crypto';
import * as fs from 'fs';
import * as path from 'path';
import Ajv, { _, ErrorObject, ValidateFunction } from 'ajv';
import { ValueScopeName } from 'ajv/dist/compile/codegen/scope';
import standaloneCode from 'ajv/dist/standalone';
import { parseAllDocuments } from 'yaml';

type Schema = { [keyword: string]: any };

const SCHEMA_DIR = path.resolve(__dirname, '..', '..', 'schemas');
const CRD_DIR = path.join(SCHEMA_DIR, 'crds');
const DEFINITIONS_FILE = path.join(SCHEMA_DIR, 'k8s-1.28-definitions.json');
const CACHE_DIR = path.resolve(__dirname, '..', '..', 'node_modules', '.cache', 'cdk8s-fintech-schema-validators');

/** `$id` under which the whole definitions file is registered with ajv. */
const DEFINITIONS_ID = 'k8s-1.28-definitions.json';
const OBJECT_META = 'io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta';

/** Private keyword added by the strict transform: the key fields of a list-map. */
const UNIQUE_KEYS = 'x-unique-keys';

// ---------------------------------------------------------------------------------------------
// Public API

/** Validates one manifest; returns human-readable errors, empty when it is valid. */
export function validateManifest(doc: any): string[] {
  const label = docLabel(doc);
  if (!isObject(doc) || typeof doc.apiVersion !== 'string' || typeof doc.kind !== 'string') {
    return [`${label}: not a Kubernetes object (needs string apiVersion and kind)`];
  }
  const validate = validatorFor(doc.apiVersion, doc.kind);
  if (!validate) {
    return [`${label}: no schema for apiVersion "${doc.apiVersion}" kind "${doc.kind}" (unknown or removed in Kubernetes 1.28)`];
  }
  if (validate(doc)) return [];
  return formatErrors(validate.errors ?? []).map((e) => `${label}: ${e}`);
}

/** Parses a multi-document YAML file and validates every non-empty document. */
export function validateYamlFile(file: string): string[] {
  const errors: string[] = [];
  parseAllDocuments(fs.readFileSync(file, 'utf8')).forEach((doc, i) => {
    if (doc.errors.length > 0) {
      errors.push(...doc.errors.map((e) => `${path.basename(file)} document ${i}: YAML error: ${e.message}`));
      return;
    }
    const value = doc.toJS();
    if (value !== null && value !== undefined) errors.push(...validateManifest(value));
  });
  return errors;
}

// ---------------------------------------------------------------------------------------------
// Validator lookup and cache

const validators = new Map<string, ValidateFunction | undefined>();

function validatorFor(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = gvkKey(apiVersion, kind);
  if (!validators.has(key)) validators.set(key, storedOrCompiled(apiVersion, kind));
  return validators.get(key);
}

/** The validator from the disk cache, or compiled (and then stored) when its inputs changed. */
function storedOrCompiled(apiVersion: string, kind: string): ValidateFunction | undefined {
  const file = path.join(CACHE_DIR, `${cacheKey(apiVersion, kind)}.js`);
  if (fs.existsSync(file)) return loadStandalone(fs.readFileSync(file, 'utf8'));
  const validate = compileFor(apiVersion, kind);
  if (validate) {
    fs.mkdirSync(CACHE_DIR, { recursive: true });
    // Written under a temporary name, then renamed: another worker never reads half a file.
    const partial = `${file}.${process.pid}`;
    fs.writeFileSync(partial, standaloneSource(validate));
    fs.renameSync(partial, file);
  }
  return validate;
}

let inputsDigest: string | undefined;
function cacheKey(apiVersion: string, kind: string): string {
  inputsDigest ??= createHash('sha256')
    .update(JSON.parse(fs.readFileSync(require.resolve('ajv/package.json'), 'utf8')).version).update('\0')
    .update(fs.readFileSync(__filename)).update('\0')
    .update(fs.readFileSync(DEFINITIONS_FILE))
    .digest('hex');
  const hash = createHash('sha256').update(inputsDigest).update('\0').update(apiVersion).update('\0').update(kind);
  if (!coreKinds().has(gvkKey(apiVersion, kind))) {
    const files = [...crdFileTexts()].filter(([, text]) => kindLine(kind).test(text)).sort(([a], [b]) => (a < b ? -1 : 1));
    for (const [file, text] of files) hash.update('\0').update(file).update('\0').update(text);
  }
  return hash.digest('hex').slice(0, 32);
}

/** ajv's standalone code of a compiled validator; the list-map keyword and the pattern engine are supplied by `loadStandalone`. */
function standaloneSource(validate: ValidateFunction): string {
  // ajv keeps a keyword's function as a value of its scope; standalone code needs the expression that names it.
  const keywordValues: Map<unknown, ValueScopeName> | undefined = (getAjv().scope as any)._values.keyword;
  for (const name of keywordValues?.values() ?? []) {
    if (name.value?.ref === uniqueKeys) name.value.code = _`uniqueKeys`;
  }
  return standaloneCode(getAjv(), validate);
}

function loadStandalone(source: string): ValidateFunction {
  const module = { exports: {} as any };
  // `self` is the ajv instance in compiled code; the standalone code only passes it to the keyword, which ignores it.
  new Function('require', 'module', 'exports', 'self', 'goRegExp', 'uniqueKeys', source)(require, module, module.exports, undefined, goRegExp, uniqueKeys);
  return module.exports as ValidateFunction;
}

function compileFor(apiVersion: string, kind: string): ValidateFunction | undefined {
  const key = gvkKey(apiVersion, kind);
  const definition = coreKinds().get(key);
  if (definition) return getAjv().compile({ $ref: definitionRef(definition) });
  const crdSchema = findCrdSchema(apiVersion, kind);
  return crdSchema ? getAjv().compile(strictCrdSchema(crdSchema)) : undefined;
}

function gvkKey(apiVersion: string, kind: string): string {
  return `${apiVersion}|${kind}`;
}

function definitionRef(name: string): string {
  return `${DEFINITIONS_ID}#/definitions/${name}`;
}

// ---------------------------------------------------------------------------------------------
// Core definitions

let definitionsCache: Record<string, Schema> | undefined;
function definitions(): Record<string, Schema> {
  definitionsCache ??= JSON.parse(fs.readFileSync(DEFINITIONS_FILE, 'utf8')).definitions as Record<string, Schema>;
  return definitionsCache;
}

let coreKindsCache: Map<string, string> | undefined;
/** `apiVersion|kind` -> definition name, from `x-kubernetes-group-version-kind`. */
function coreKinds(): Map<string, string> {
  if (!coreKindsCache) {
    coreKindsCache = new Map();
    for (const [name, schema] of Object.entries(definitions())) {
      for (const gvk of schema['x-kubernetes-group-version-kind'] ?? []) {
        const apiVersion = gvk.group ? `${gvk.group}/${gvk.version}` : gvk.version;
        coreKindsCache.set(gvkKey(apiVersion, gvk.kind), name);
      }
    }
  }
  return coreKindsCache;
}

// ---------------------------------------------------------------------------------------------
// CRDs

const crdSchemas = new Map<string, Schema>(); // apiVersion|kind -> openAPIV3Schema
const loadedCrdFiles = new Set<string>();
let crdTexts: Map<string, string> | undefined;

/**
 * Parsing all CRD files takes about two seconds (ApplicationSet alone is 1.4 MB), so only the
 * files that contain a `kind: <Kind>` line are parsed: `spec.names.kind` always produces one.
 * The index itself is built from the parsed documents, never from the text.
 */
function findCrdSchema(apiVersion: string, kind: string): Schema | undefined {
  for (const [file, text] of crdFileTexts()) {
    if (!loadedCrdFiles.has(file) && kindLine(kind).test(text)) {
      loadedCrdFiles.add(file);
      indexCrds(text);
    }
  }
  return crdSchemas.get(gvkKey(apiVersion, kind));
}

function crdFileTexts(): Map<string, string> {
  crdTexts ??= new Map(
    fs.readdirSync(CRD_DIR)
      .filter((f) => /\.ya?ml$/.test(f))
      .map((f) => [f, fs.readFileSync(path.join(CRD_DIR, f), 'utf8')] as const),
  );
  return crdTexts;
}

function kindLine(kind: string): RegExp {
  return new RegExp(`^\\s*["']?kind["']?\\s*:\\s*["']?${escapeRegExp(kind)}["']?\\s*,?\\s*$`, 'm');
}

function indexCrds(text: string): void {
  for (const doc of parseAllDocuments(text)) {
    const crd = doc.toJS();
    if (crd?.kind !== 'CustomResourceDefinition') continue;
    for (const version of crd.spec.versions ?? []) {
      const schema = version.schema?.openAPIV3Schema;
      if (version.served && schema) {
        crdSchemas.set(gvkKey(`${crd.spec.group}/${version.name}`, crd.spec.names.kind), schema);
      }
    }
  }
}

/** CRDs declare `metadata` as a bare object; check it against the core ObjectMeta instead. */
function strictCrdSchema(schema: Schema): Schema {
  const strict = strictSchema(schema);
  return { ...strict, properties: { ...strict.properties, metadata: { $ref: definitionRef(OBJECT_META) } } };
}

// ---------------------------------------------------------------------------------------------
// Strict transform (a non-destructive copy; the parsed files stay untouched)

/** Keywords whose value is a map of schemas / a schema or list of schemas. */
const SCHEMA_MAPS = ['properties', 'patternProperties', 'definitions'];
const SCHEMA_VALUES = ['items', 'additionalProperties', 'not'];
const SCHEMA_LISTS = ['allOf', 'anyOf', 'oneOf'];

/**
 * Copies `schema`, closing every object schema that lists `properties` and says nothing about
 * `additionalProperties`, unless it carries `x-kubernetes-preserve-unknown-fields: true`.
 * Branches of allOf/anyOf/oneOf/not stay open: there `additionalProperties: false` would only
 * see the branch's own properties and reject the rest of the object.
 */
function strictSchema(schema: Schema, inBranch = false): Schema {
  const out: Schema = { ...schema };
  for (const key of SCHEMA_MAPS) {
    if (isObject(schema[key])) out[key] = mapValues(schema[key], (s) => strictSchema(s));
  }
  for (const key of SCHEMA_VALUES) {
    const value = schema[key];
    if (Array.isArray(value)) out[key] = value.map((s) => strictSchema(s));
    else if (isObject(value)) out[key] = strictSchema(value, key === 'not');
  }
  for (const key of SCHEMA_LISTS) {
    if (Array.isArray(schema[key])) out[key] = schema[key].map((s: Schema) => strictSchema(s, true));
  }

  if (out['x-kubernetes-int-or-string'] === true && !out.anyOf && !out.oneOf) {
    delete out.type;
    out.anyOf = [{ type: 'integer' }, { type: 'string' }];
  }
  const open = out['x-kubernetes-preserve-unknown-fields'] === true;
  if (out.properties && out.additionalProperties === undefined && !open && !inBranch) {
    out.additionalProperties = false;
  }
  const keys = listMapKeys(out);
  if (keys) out[UNIQUE_KEYS] = keys;
  if (out['x-kubernetes-list-type'] === 'set') out.uniqueItems = true;
  return out;
}

/**
 * The key fields of a list-map: `x-kubernetes-list-map-keys` for `list-type: map`, otherwise
 * the older `x-kubernetes-patch-merge-key` (only when no list-type says "atomic" or "set").
 */
function listMapKeys(schema: Schema): string[] | undefined {
  const listType = schema['x-kubernetes-list-type'];
  if (listType === 'map' && Array.isArray(schema['x-kubernetes-list-map-keys'])) {
    return schema['x-kubernetes-list-map-keys'];
  }
  const mergeKey = schema['x-kubernetes-patch-merge-key'];
  return listType === undefined && typeof mergeKey === 'string' ? [mergeKey] : undefined;
}

// ---------------------------------------------------------------------------------------------
// ajv

let ajvInstance: Ajv | undefined;

function getAjv(): Ajv {
  if (!ajvInstance) {
    ajvInstance = new Ajv({
      strict: false, // x-kubernetes-* and OpenAPI-only keywords
      allErrors: true,
      validateFormats: false, // int32, int64, byte, date-time, int-or-string, ...
      validateSchema: false, // trusted upstream data; skips meta-validating 5 MB of schemas
      // ajv's code optimiser costs more than it saves here: without it the big CRDs
      // (ApplicationSet: 1.4 MB of YAML) compile several times faster.
      code: { optimize: false, regExp: goRegExp, source: true },
    });
    ajvInstance.addKeyword({ keyword: UNIQUE_KEYS, type: 'array', schemaType: 'array', validate: uniqueKeys });
    // Registered once; ajv compiles only the definitions a validator actually references.
    ajvInstance.addSchema({ $id: DEFINITIONS_ID, definitions: mapValues(definitions(), (s) => strictSchema(s)) });
  }
  return ajvInstance;
}

/**
 * CRD patterns are Go (RE2) regular expressions. JavaScript has no inline `(?i)` flag (used by
 * AlertmanagerConfig time intervals), so such a pattern is matched case-insensitively as a whole:
 * slightly more permissive than Go, never stricter.
 */
const goRegExp = Object.assign(
  (pattern: string, flags: string): RegExp =>
    pattern.includes('(?i)') ? new RegExp(pattern.split('(?i)').join(''), `${flags}i`) : new RegExp(pattern, flags),
  { code: 'goRegExp' },
);

interface KeywordContext {
  instancePath: string;
}

/** ajv `validate` keyword: no two items of a list-map may share the same key values. */
function uniqueKeys(keys: string[], data: unknown[], _schema?: unknown, cxt?: KeywordContext): boolean {
  const seen = new Map<string, number>();
  const errors: Partial<ErrorObject>[] = [];
  data.forEach((item, i) => {
    if (!isObject(item)) return;
    const id = JSON.stringify(keys.map((k) => item[k] ?? null));
    const first = seen.get(id);
    if (first === undefined) {
      seen.set(id, i);
      return;
    }
    const keyText = keys.map((k) => `${k}=${JSON.stringify(item[k])}`).join(', ');
    errors.push({
      keyword: UNIQUE_KEYS,
      instancePath: `${cxt?.instancePath ?? ''}/${i}`,
      params: { keys, duplicateOf: first },
      message: `duplicate list-map key ${keyText} (same as item [${first}])`,
    });
  });
  uniqueKeys.errors = errors;
  return errors.length === 0;
}
uniqueKeys.errors = [] as Partial<ErrorObject>[];

// ---------------------------------------------------------------------------------------------
// Error formatting

/**
 * Turns ajv errors into `<json path>: <problem>` lines. The errors of the failed branches of a
 * oneOf/anyOf (e.g. IntOrString) are folded into one line such as "must be string or integer".
 */
function formatErrors(errors: ErrorObject[]): string[] {
  const branchErrors = (c: ErrorObject): ErrorObject[] =>
    errors.filter((e) => e !== c && e.instancePath === c.instancePath && e.schemaPath.startsWith(`${c.schemaPath}/`));
  const combinators = errors.filter((e) => e.keyword === 'oneOf' || e.keyword === 'anyOf');
  const folded = new Set(combinators.flatMap(branchErrors));
  const lines = errors
    .filter((e) => !folded.has(e))
    .map((e) => (combinators.includes(e) ? formatCombinator(e, branchErrors(e)) : formatError(e)));
  return [...new Set(lines)];
}

function formatCombinator(e: ErrorObject, branches: ErrorObject[]): string {
  const at = jsonPath(e.instancePath);
  if (branches.length > 0 && branches.every((b) => b.keyword === 'type')) {
    return `${at}: must be ${branches.map((b) => b.params.type).join(' or ')}`;
  }
  const reasons = [...new Set(branches.map(formatError))];
  return `${at}: ${e.message}${reasons.length > 0 ? ` (${reasons.join('; ')})` : ''}`;
}

function formatError(e: ErrorObject): string {
  const at = jsonPath(e.instancePath);
  switch (e.keyword) {
    case 'additionalProperties':
      return `${jsonPath(e.instancePath, e.params.additionalProperty)}: unknown field "${e.params.additionalProperty}"`;
    case 'required':
      return `${jsonPath(e.instancePath, e.params.missingProperty)}: required field is missing`;
    case 'enum':
      return `${at}: must be one of ${e.params.allowedValues.map((v: unknown) => JSON.stringify(v)).join(', ')}`;
    default:
      return `${at}: ${e.message}`;
  }
}

/** `/spec/containers/0/env` -> `.spec.containers[0].env` (with an optional extra field). */
function jsonPath(instancePath: string, field?: string): string {
  const parts = instancePath.split('/').slice(1).map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (field !== undefined) parts.push(field);
  const text = parts.map((p) => (/^\d+$/.test(p) ? `[${p}]` : /^[A-Za-z_$][\w$-]*$/.test(p) ? `.${p}` : `[${JSON.stringify(p)}]`)).join('');
  return text === '' ? '.' : text;
}

// ---------------------------------------------------------------------------------------------
// Small helpers

function docLabel(doc: any): string {
  const kind = isObject(doc) && typeof doc.kind === 'string' ? doc.kind : '<no kind>';
  const name = isObject(doc) && isObject(doc.metadata) && typeof doc.metadata.name === 'string' ? doc.metadata.name : '<no name>';
  return `${kind}/${name}`;
}

function isObject(value: unknown): value is Record<string, any> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, fn(v)]));
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
