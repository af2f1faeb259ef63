import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { checkFolderPlan, checkFolderPlans, checkOutputFolders, DeliveryPlan, FolderPlan, OutputFolder, planDelivery } from './delivery';
import { NamespaceCapacity, planCapacity } from './capacity';
import { analyseSegmentation, SegmentationResult } from './segmentation';
import { describeValue, invalidArgument, invalidProp, invalidSecretArgument } from './shared/errors';
import { apiGroupOf, isKnownNamespaced } from './shared/kinds';
import { kindOf, secretKind } from './shared/secrets';
import { checkChartNamespace, checkLabels, kindOfInstance } from './shared/validation';
import { toYaml } from './shared/yaml';

/** A synthesized file: its path relative to the output folder, and its content. */
export interface OutputFile {
  /** Relative to the output folder, e.g. "production/wave-2/payments.yaml". */
  readonly path: string;
  /** The file's text. */
  readonly content: string;
  /** A manifest file's objects as JSON, as synthesized (not set on kustomization files). */
  readonly objects?: readonly any[];
}

/** What synthesis produced: the files, and the segmentation analysis it checked each folder against. */
export interface Synthesis {
  /** As {@link synthesizePlan} returns them. */
  readonly files: OutputFile[];
  /** One per folder, in the plan's order: what the folder's NetworkPolicies allow into the cardholder-data scope. */
  readonly segmentation: readonly SegmentationResult[];
  /**
   * The capacity report of every namespace with a ResourceQuota, folder by folder; synthesis fails
   * on any report's errors (a quota the workloads do not fit in), and leaves the warnings here.
   */
  readonly capacity: readonly NamespaceCapacity[];
}

/** The annotation that orders Argo CD's sync: lower waves are applied, and healthy, first. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** The folder of a wave inside an environment's folder. */
export function waveFolder(wave: number): string {
  if (!Number.isInteger(wave) || wave < 0) throw invalidArgument('waveFolder', 'wave', wave, 'must be an integer of at least 0, e.g. 2');
  return `wave-${wave}`;
}

/**
 * Synthesizes apps into files in time linear in the number of objects: the same as
 * `synthesizePlan(planDelivery(folders))`.
 */
export function synthesizeFolders(folders: readonly OutputFolder[]): OutputFile[] {
  checkOutputFolders('synthesizeFolders', 'folders', folders);
  return synthesizeChecked(planDelivery(folders), 'synthesizeFolders', 'folders').files;
}

/**
 * Writes a delivery plan as files, in time linear in the number of objects.
 *
 * `App.synth()` re-validates and re-resolves the whole app for every chart (`Chart.toJson()`),
 * which is quadratic in the number of charts. Here each app is validated once, every object of a
 * wave is given its wave as Argo CD's sync-wave annotation, and only then is each chart
 * serialized, with only its own objects.
 *
 * A folder in waves: `<folder>/wave-<n>/` holds one YAML file per chart of that wave (named after
 * the chart's id, in definition order) and a `kustomization.yaml` listing them;
 * `<folder>/kustomization.yaml` lists the wave folders. Flux orders the same folders with one
 * Kustomization per wave and `dependsOn`. A folder without waves holds one file per chart and a
 * `kustomization.yaml`.
 */
export function synthesizePlan(plan: DeliveryPlan): OutputFile[] {
  checkPlan('synthesizePlan', 'plan', plan);
  return synthesizeChecked(plan, 'synthesizePlan', 'plan.folders').files;
}

/**
 * Writes a delivery plan as files, as {@link synthesizePlan} does, and also returns the
 * segmentation analysis of each folder that synthesis checked, so a report uses the same result.
 */
export function synthesize(plan: DeliveryPlan): Synthesis {
  checkPlan('synthesize', 'plan', plan);
  return synthesizeChecked(plan, 'synthesize', 'plan.folders');
}

/**
 * No object is emitted by two folders: each folder is applied (and pruned) by its own GitOps
 * Application or Kustomization, which would overwrite, then delete, the other's object.
 */
function checkFoldersApart(plan: DeliveryPlan, files: readonly OutputFile[], fn: string, arg: string): void {
  const owner = new Map<string, number>();
  plan.folders.forEach(({ folder }, i) => {
    const objects = objectsOf(files.filter((file) => file.path.startsWith(`${folder}/`)));
    for (const object of objects) {
      const where = object.metadata?.namespace ? ` in namespace ${object.metadata.namespace}` : '';
      const key = `${object.kind} ${object.metadata?.name}${where} (${object.apiVersion})`;
      const first = owner.get(key);
      if (first !== undefined && first !== i) {
        throw invalidArgument(fn, `${arg}[${i}].app`, plan.folders[i].app, `emits ${key}, which ${arg}[${first}] ('${plan.folders[first].folder}') emits too: `
          + 'each folder is applied and pruned on its own, so one would overwrite and then delete the other\'s object; give each environment its own namespace and names');
      }
      owner.set(key, i);
    }
  });
}

/** A plan as `planDelivery` makes it. */
function checkPlan(fn: string, arg: string, plan: unknown): void {
  const folders = (plan as Partial<DeliveryPlan> | undefined)?.folders;
  if (plan === null || typeof plan !== 'object' || !Array.isArray(folders)) {
    const hint = Array.isArray(plan) ? '; synthesizeFolders takes a list of { folder, app }' : '';
    throw invalidArgument(fn, arg, plan, `must be a delivery plan, planDelivery(folders), not ${kindOf(plan)}${hint}`);
  }
  if (folders.length === 0) throw invalidArgument(fn, `${arg}.folders`, folders, 'must list at least one folder: planDelivery(folders)');
  folders.forEach((folder, i) => checkFolderPlan(fn, `${arg}.folders[${i}]`, folder));
  checkFolderPlans(fn, `${arg}.folders`, folders);
}

/** Synthesizes a checked plan; errors name `fn` and the folders as `arg[i]`. */
function synthesizeChecked(plan: DeliveryPlan, fn: string, arg: string): Synthesis {
  plan.folders.forEach((folder, i) => checkCharts(folder, fn, `${arg}[${i}]`));
  for (const folder of plan.folders) {
    for (const { wave, charts } of folder.waves ?? []) {
      for (const chart of charts) ownObjects(chart).forEach((o) => o.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(wave)));
    }
  }
  const files: OutputFile[] = [];
  const segmentation: SegmentationResult[] = [];
  const capacity: NamespaceCapacity[] = [];
  const errors: string[] = [];
  for (const { folder, charts, waves, scopeEntrances } of plan.folders) {
    const start = files.length;
    const emitted = new Map<string, string>();
    const add = (filePath: string, chart: Chart) => {
      const file = chartFile(filePath, chart);
      ownObjects(chart).forEach((o, i) => errors.push(...collision(emitted, folder, o.node.path, file.objects![i])));
      files.push(file);
    };
    if (waves === undefined) {
      charts.forEach((chart) => add(`${folder}/${chart.node.id}.yaml`, chart));
      files.push({ path: `${folder}/kustomization.yaml`, content: kustomization(charts.map((chart) => `${chart.node.id}.yaml`)) });
    } else {
      for (const { wave, charts: inWave } of waves) {
        const names = inWave.map((chart) => `${chart.node.id}.yaml`);
        inWave.forEach((chart, i) => add(`${folder}/${waveFolder(wave)}/${names[i]}`, chart));
        files.push({ path: `${folder}/${waveFolder(wave)}/kustomization.yaml`, content: kustomization(names) });
      }
      files.push({ path: `${folder}/kustomization.yaml`, content: kustomization(waves.map((w) => waveFolder(w.wave))) });
    }
    if (errors.length === 0) {
      const objects = objectsOf(files.slice(start));
      const analysis = analyseSegmentation(folder, objects, scopeEntrances);
      segmentation.push(analysis);
      errors.push(...analysis.violations.map((v) => `network segmentation of the cardholder-data scope: ${v}`));
      const reports = planCapacity(objects);
      capacity.push(...reports);
      errors.push(...reports.flatMap((report) => report.errors.map((e) => `capacity of folder '${folder}': ${e}`)));
    }
  }
  if (errors.length > 0) throw new Error(`Synthesis failed:\n  ${errors.join('\n  ')}`);
  checkFoldersApart(plan, files, fn, arg);
  return { files, segmentation, capacity };
}

/**
 * Two objects of one kind, namespace and name in one folder: the API server keeps only one of
 * them, so whichever GitOps applies last silently wins.
 */
function collision(emitted: Map<string, string>, folder: string, constructPath: string, object: any): string[] {
  const group = apiGroupOf(String(object.apiVersion)) || 'core';
  const where = object.metadata?.namespace ? `${object.metadata.namespace}/` : '';
  const key = `${object.kind}.${group} ${where}${object.metadata?.name}`;
  const first = emitted.get(key);
  if (first === undefined) {
    emitted.set(key, constructPath);
    return [];
  }
  return [`${folder}: '${constructPath}' emits ${key}, which '${first}' emits too; each object needs its own name (change the construct's name)`];
}

/** Runs every construct's validations once and throws one error listing all problems. */
export function validateApp(app: App): void {
  if (!(app instanceof App)) throw invalidArgument('validateApp', 'app', app, `must be an App, not ${kindOfInstance(app, App, 'cdk8s')}`);
  const errors = app.node.findAll().flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) {
    throw new Error(`Validation failed:\n  ${errors.join('\n  ')}`);
  }
}

/**
 * The app is valid, its charts' file names are unique (also where case does not count, as on
 * macOS and Windows) and none is a kustomization file, every namespaced object has a namespace,
 * and it has something to apply.
 */
function checkCharts({ app, charts }: FolderPlan, fn: string, arg: string): void {
  validateApp(app);
  const ids = new Map<string, Chart>();
  for (const chart of charts) {
    const id = chart.node.id.toLowerCase();
    const other = ids.get(id);
    if (other !== undefined) {
      const same = other.node.id === chart.node.id ? `has the id '${other.node.id}'` : `('${other.node.path}') has the id '${other.node.id}', the same file name where case does not count (macOS, Windows)`;
      throw invalidArgument(fn, `${arg}.app`, app, `chart '${chart.node.path}': another chart of this app ${same}; file names must be unique: give each chart its own id`);
    }
    const secret = secretKind(chart.node.id);
    if (secret) {
      throw invalidSecretArgument(fn, `${arg}.app`, chart.node.id, `has a chart whose id looks like a credential (${secret}): the id names the chart's file in the repository; give the chart a plain id`);
    }
    if (id === 'kustomization') {
      throw invalidArgument(fn, `${arg}.app`, app, `chart '${chart.node.path}': its file would be ${chart.node.id}.yaml, the name of the folder's own kustomization file; give the chart another id`);
    }
    ids.set(id, chart);
    checkChartMetadata(chart);
  }
  if (!charts.some((chart) => ownObjects(chart).length > 0)) {
    throw invalidArgument(fn, `${arg}.app`, app, 'has no objects; a GitOps sync with pruning would apply the empty folder by '
      + 'deleting everything it applied before. Add the charts, or leave the folder out');
  }
}

/**
 * A Chart's namespace and labels, which cdk8s copies onto its objects unchecked, are ones the API
 * server accepts; and a namespaced object without a namespace would go wherever the tool that
 * applies it points (with kubectl, the "default" namespace), outside its environment's quota and policies.
 */
function checkChartMetadata(chart: Chart): void {
  checkChartNamespace(chart);
  checkLabels(chart, 'labels', chart.labels);
  for (const object of ownObjects(chart)) {
    if (object.metadata.namespace === undefined && isKnownNamespaced(apiGroupOf(object.apiGroup), object.kind)) {
      throw invalidProp(chart, 'namespace', undefined, `must be set: ${object.kind} '${object.node.path}' lives in a namespace and names none, `
        + `so it would be applied wherever the tool applying it points (kubectl: the "default" namespace); e.g. new Chart(app, '${chart.node.id}', { namespace: 'payments' })`);
    }
  }
}

/** The chart's own objects, not those of nested charts. */
function ownObjects(chart: Chart): ApiObject[] {
  return chart.node.findAll().filter((c: IConstruct): c is ApiObject => c instanceof ApiObject && Chart.of(c) === chart);
}

/** The chart's own objects as multi-document YAML. */
function chartFile(filePath: string, chart: Chart): OutputFile {
  const apiObjects = ownObjects(chart);
  const objects = apiObjects.map((o) => o.toJson());
  return { path: filePath, content: objects.map(toYaml).join('---\n'), objects };
}

function kustomization(resources: readonly string[]): string {
  return toYaml({ apiVersion: 'kustomize.config.k8s.io/v1beta1', kind: 'Kustomization', resources });
}

/**
 * Replaces `outdir` with exactly these files, atomically: everything is written to a sibling
 * temporary folder first, so a failure before the final rename leaves `outdir` as it was, and a
 * failed rename puts the previous folder back. `outdir` is refused when replacing it would lose
 * anything but earlier output: a folder holding the working directory, or files other than YAML.
 */
export function writeOutput(files: readonly OutputFile[], outdir: string): void {
  checkFiles('writeOutput', files, { nonEmpty: true, manifests: true });
  const target = checkOutdir('writeOutput', outdir);
  const staging = `${path.dirname(target)}/.${path.basename(target)}-staging-${process.pid}`;
  const previous = `${path.dirname(target)}/.${path.basename(target)}-previous-${process.pid}`;
  const fail = (arg: string, value: unknown, e: unknown): Error =>
    invalidArgument('writeOutput', arg, value, `could not be written (${(e as Error).message}); '${outdir}' was left as it was`);
  createFolder(path.dirname(target), (e) => fail('outdir', outdir, e));
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    files.forEach((file, i) => {
      const filePath = path.join(staging, file.path);
      try {
        fs.mkdirSync(path.dirname(filePath), { recursive: true });
        fs.writeFileSync(filePath, file.content);
      } catch (e) {
        throw fail(`files[${i}].path`, file.path, e);
      }
    });
    const hadPrevious = fs.existsSync(target);
    try {
      if (hadPrevious) fs.renameSync(target, previous);
    } catch (e) {
      throw fail('outdir', outdir, e);
    }
    try {
      fs.renameSync(staging, target);
    } catch (e) {
      if (hadPrevious) fs.renameSync(previous, target);
      throw fail('outdir', outdir, e);
    }
    if (hadPrevious) fs.rmSync(previous, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/**
 * Output files: an array of `{ path, content }`, each path relative, inside the output and given
 * once; with `manifests`, each a YAML file whose text parses (files a synth made carry their objects).
 */
function checkFiles(fn: string, files: unknown, options: { nonEmpty?: boolean; manifests?: boolean } = {}): void {
  if (!Array.isArray(files)) {
    const synthesis = files !== null && typeof files === 'object' && Array.isArray((files as Partial<Synthesis>).files);
    throw (synthesis ? invalidSecretArgument : invalidArgument)(fn, 'files', files, synthesis
      ? `must be the array of files, not the whole synthesis: pass its files, e.g. ${fn}(synthesize(plan).files, 'dist')`
      : `must be an array of { path, content }, not ${kindOf(files)}, e.g. synthesizeFolders([{ folder: 'production', app }])`);
  }
  if (options.nonEmpty && files.length === 0) {
    throw invalidArgument(fn, 'files', files, 'must list at least one file: an empty output would make a pruning GitOps sync delete everything');
  }
  const seen = new Map<string, number>();
  files.forEach((file: Partial<OutputFile> | null, i) => {
    if (file === null || typeof file !== 'object' || Array.isArray(file)) {
      throw invalidArgument(fn, `files[${i}]`, file, `must be { path, content }, not ${kindOf(file)}`);
    }
    if (typeof file.content !== 'string') throw invalidArgument(fn, `files[${i}].content`, file.content, `must be a string, not ${kindOf(file.content)}`);
    if (file.objects !== undefined && !Array.isArray(file.objects)) {
      throw invalidSecretArgument(fn, `files[${i}].objects`, file.objects, 'must be the array of the file\'s objects as synthesized, or left out (the content is then parsed)');
    }
    const p = file.path;
    if (typeof p !== 'string' || p === '' || p.startsWith('/') || p.split('/').some((s) => s === '' || s === '.' || s === '..') || p.includes('\\')) {
      throw invalidArgument(fn, `files[${i}].path`, p, 'must be a path relative to the output folder, without "..", "." or empty segments, e.g. "production/wave-2/payments.yaml"');
    }
    const first = seen.get(p);
    if (first !== undefined) throw invalidArgument(fn, `files[${i}].path`, p, `is also the path of files[${first}]; each file needs a path of its own`);
    seen.set(p, i);
    if (options.manifests) {
      if (!/\.ya?ml$/.test(p)) throw invalidArgument(fn, `files[${i}].path`, p, 'must name a YAML file (".yaml" or ".yml"): the output folder holds manifests only');
      if (file.objects === undefined) parseManifests(fn, `files[${i}].content`, file.content);
    }
  });
  for (const [p, i] of seen) {
    const segments = p.split('/');
    for (let k = 1; k < segments.length; k++) {
      const folder = segments.slice(0, k).join('/');
      if (seen.has(folder)) {
        throw invalidArgument(fn, `files[${i}].path`, p, `is inside "${folder}", the path of files[${seen.get(folder)}]: a path cannot be both a file and a folder`);
      }
    }
  }
}

/** The objects of a manifest file's text; an error names the argument and the line, never the text. */
function parseManifests(fn: string, arg: string, content: string): any[] {
  return parseAllDocuments(content).map((document) => {
    if (document.errors.length > 0) {
      throw invalidSecretArgument(fn, arg, content, `must be valid YAML: ${document.errors[0].message.split('\n')[0].replace(/:$/, '')}`);
    }
    return document.toJSON();
  });
}

/** The output folder, resolved: a string naming a folder that holds nothing but earlier output. */
function checkOutdir(fn: string, outdir: unknown): string {
  if (typeof outdir !== 'string' || outdir.trim() === '') {
    throw invalidArgument(fn, 'outdir', outdir, `must be the path of the output folder, not ${outdir === '' ? 'empty' : kindOf(outdir)}, e.g. "dist"`);
  }
  const target = path.resolve(outdir);
  const cwd = process.cwd();
  if (target === path.parse(target).root || cwd === target || cwd.startsWith(`${target}${path.sep}`)) {
    throw invalidArgument(fn, 'outdir', outdir, `must be a folder of its own, e.g. "dist": it is replaced as a whole, and "${target}" holds the working directory`);
  }
  let existing: fs.Stats | undefined;
  try {
    existing = fs.statSync(target, { throwIfNoEntry: false });
  } catch {
    existing = undefined; // a parent is a file: reported when the folder is created
  }
  if (existing && !existing.isDirectory()) throw invalidArgument(fn, 'outdir', outdir, 'is a file; it must be a folder, or not exist yet');
  const foreign = existing ? listFiles(target).find((p) => !/\.ya?ml$/.test(p)) : undefined;
  if (foreign !== undefined) {
    throw invalidArgument(fn, 'outdir', outdir, `holds ${describeValue(foreign)}, which is not synthesized output: the folder is replaced as a whole; choose a folder of its own`);
  }
  return target;
}

/** Creates `dir` and its missing parents one by one (a recursive mkdir can loop on a special file system). */
function createFolder(dir: string, fail: (e: unknown) => Error): void {
  const missing: string[] = [];
  let at = dir;
  while (!fs.existsSync(at)) {
    missing.unshift(at);
    at = path.dirname(at);
  }
  try {
    if (!fs.statSync(at).isDirectory()) throw new Error(`"${at}" is a file, not a folder`);
    for (const folder of missing) fs.mkdirSync(folder);
  } catch (e) {
    throw fail(e);
  }
}

/** The differences between these files and what `outdir` holds: one line per differing path. */
export function compareOutput(files: readonly OutputFile[], outdir: string): string[] {
  checkFiles('compareOutput', files);
  if (typeof outdir !== 'string' || outdir === '') {
    throw invalidArgument('compareOutput', 'outdir', outdir, `must be the path of the output folder, not ${outdir === '' ? 'empty' : kindOf(outdir)}, e.g. "dist"`);
  }
  if (fs.existsSync(outdir) && !fs.statSync(outdir).isDirectory()) throw invalidArgument('compareOutput', 'outdir', outdir, 'is a file; it must be a folder, or not exist yet');
  const expected = new Map(files.map((f) => [f.path, f.content]));
  const actual = new Map(listFiles(outdir).map((p) => [p, fs.readFileSync(path.join(outdir, p), 'utf8')]));
  const differences: string[] = [];
  for (const [p, content] of expected) {
    if (!actual.has(p)) differences.push(`missing: ${p}`);
    else if (actual.get(p) !== content) differences.push(`changed: ${p}`);
  }
  for (const p of actual.keys()) {
    if (!expected.has(p)) differences.push(`not produced by synth: ${p}`);
  }
  return differences.sort();
}

function listFiles(dir: string, prefix = ''): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const relative = prefix ? `${prefix}/${entry.name}` : entry.name;
    return entry.isDirectory() ? listFiles(path.join(dir, entry.name), relative) : [relative];
  });
}

/** The Kubernetes objects in `files` (kustomization.yaml files aside). */
export function objectsOf(files: readonly OutputFile[]): any[] {
  checkFiles('objectsOf', files);
  return files.flatMap((f, i) => (path.basename(f.path) === 'kustomization.yaml' ? [] : f.objects ?? parseManifests('objectsOf', `files[${i}].content`, f.content)));
}

/** Writes one file atomically: to a temporary sibling first, then renamed into place. */
export function writeFileAtomically(filePath: string, content: string): void {
  if (typeof filePath !== 'string' || filePath === '') throw invalidArgument('writeFileAtomically', 'filePath', filePath, 'must be a file path, e.g. "reports/capacity.md"');
  if (typeof content !== 'string') throw invalidArgument('writeFileAtomically', 'content', content, `must be a string, not ${kindOf(content)}`);
  const staging = `${filePath}.staging-${process.pid}`;
  try {
    if (fs.statSync(filePath, { throwIfNoEntry: false })?.isDirectory()) throw new Error('it is a folder');
    fs.mkdirSync(path.dirname(filePath), { recursive: true });
    fs.writeFileSync(staging, content);
    fs.renameSync(staging, filePath);
  } catch (e) {
    try {
      fs.rmSync(staging, { force: true });
    } catch {
      // Nothing was staged: the folder could not be created.
    }
    throw invalidArgument('writeFileAtomically', 'filePath', filePath, `could not be written (${(e as Error).message}); the file was left as it was`);
  }
}
