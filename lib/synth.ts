import * as fs from 'fs';
import * as path from 'path';
import { ApiObject, App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';
import { parseAllDocuments } from 'yaml';
import { DeliveryPlan, FolderPlan, OutputFolder, planDelivery } from './delivery';
import { analyseSegmentation, SegmentationResult } from './segmentation';
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
}

/** The annotation that orders Argo CD's sync: lower waves are applied, and healthy, first. */
export const SYNC_WAVE_ANNOTATION = 'argocd.argoproj.io/sync-wave';

/** The folder of a wave inside an environment's folder. */
export function waveFolder(wave: number): string {
  return `wave-${wave}`;
}

/**
 * Synthesizes apps into files in time linear in the number of objects: the same as
 * `synthesizePlan(planDelivery(folders))`.
 */
export function synthesizeFolders(folders: readonly OutputFolder[]): OutputFile[] {
  return synthesizePlan(planDelivery(folders));
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
  return synthesize(plan).files;
}

/**
 * Writes a delivery plan as files, as {@link synthesizePlan} does, and also returns the
 * segmentation analysis of each folder that synthesis checked, so a report uses the same result.
 */
export function synthesize(plan: DeliveryPlan): Synthesis {
  checkFolders(plan);
  for (const folder of plan.folders) checkCharts(folder);
  for (const folder of plan.folders) {
    for (const { wave, charts } of folder.waves ?? []) {
      for (const chart of charts) ownObjects(chart).forEach((o) => o.metadata.addAnnotation(SYNC_WAVE_ANNOTATION, String(wave)));
    }
  }
  const files: OutputFile[] = [];
  const segmentation: SegmentationResult[] = [];
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
      const analysis = analyseSegmentation(folder, objectsOf(files.slice(start)), scopeEntrances);
      segmentation.push(analysis);
      errors.push(...analysis.violations.map((v) => `network segmentation of the cardholder-data scope: ${v}`));
    }
  }
  if (errors.length > 0) throw new Error(`Synthesis failed:\n  ${errors.join('\n  ')}`);
  return { files, segmentation };
}

/**
 * Two objects of one kind, namespace and name in one folder: the API server keeps only one of
 * them, so whichever GitOps applies last silently wins.
 */
function collision(emitted: Map<string, string>, folder: string, constructPath: string, object: any): string[] {
  const group = String(object.apiVersion).includes('/') ? String(object.apiVersion).split('/')[0] : 'core';
  const where = object.metadata?.namespace ? `${object.metadata.namespace}/` : '';
  const key = `${object.kind}.${group} ${where}${object.metadata?.name}`;
  const first = emitted.get(key);
  if (first === undefined) {
    emitted.set(key, constructPath);
    return [];
  }
  return [`${folder}: '${constructPath}' emits ${key}, which '${first}' emits too; each object needs its own name (change the construct's name)`];
}

/** Every folder has a name of its own. */
function checkFolders(plan: DeliveryPlan): void {
  const seen = new Set<string>();
  for (const { folder } of plan.folders) {
    if (seen.has(folder)) throw new Error(`Output folder '${folder}' is given twice; each App needs a folder of its own`);
    seen.add(folder);
  }
}

/** Runs every construct's validations once and throws one error listing all problems. */
export function validateApp(app: App): void {
  const errors = app.node.findAll().flatMap((c) => c.node.validate().map((e) => `[${c.node.path}] ${e}`));
  if (errors.length > 0) {
    throw new Error(`Validation failed:\n  ${errors.join('\n  ')}`);
  }
}

/** The app is valid, its charts' file names are unique, and it has something to apply. */
function checkCharts({ folder, app, charts }: FolderPlan): void {
  validateApp(app);
  const ids = new Set<string>();
  for (const chart of charts) {
    if (ids.has(chart.node.id)) throw new Error(`Chart '${chart.node.path}': another chart of this app has the id '${chart.node.id}'; file names must be unique`);
    ids.add(chart.node.id);
  }
  if (!charts.some((chart) => ownObjects(chart).length > 0)) {
    throw new Error(`Output folder '${folder}': its App has no objects; a GitOps sync with pruning would apply the empty folder by `
      + 'deleting everything it applied before. Add the charts, or leave the folder out');
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
 * temporary folder first, so a failure before the final rename leaves `outdir` as it was.
 */
export function writeOutput(files: readonly OutputFile[], outdir: string): void {
  const target = path.resolve(outdir);
  const staging = `${path.dirname(target)}/.${path.basename(target)}-staging-${process.pid}`;
  const previous = `${path.dirname(target)}/.${path.basename(target)}-previous-${process.pid}`;
  fs.rmSync(staging, { recursive: true, force: true });
  try {
    for (const file of files) {
      const filePath = path.join(staging, file.path);
      fs.mkdirSync(path.dirname(filePath), { recursive: true });
      fs.writeFileSync(filePath, file.content);
    }
    const hadPrevious = fs.existsSync(target);
    if (hadPrevious) fs.renameSync(target, previous);
    fs.renameSync(staging, target);
    if (hadPrevious) fs.rmSync(previous, { recursive: true, force: true });
  } finally {
    fs.rmSync(staging, { recursive: true, force: true });
  }
}

/** The differences between these files and what `outdir` holds: one line per differing path. */
export function compareOutput(files: readonly OutputFile[], outdir: string): string[] {
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
  return files
    .filter((f) => path.basename(f.path) !== 'kustomization.yaml')
    .flatMap((f) => f.objects ?? parseAllDocuments(f.content).map((d) => d.toJSON()));
}

/** Writes one file atomically: to a temporary sibling first, then renamed into place. */
export function writeFileAtomically(filePath: string, content: string): void {
  const staging = `${filePath}.staging-${process.pid}`;
  fs.mkdirSync(path.dirname(filePath), { recursive: true });
  fs.writeFileSync(staging, content);
  fs.renameSync(staging, filePath);
}
