import { checkScopeEntrances, ScopeEntrance } from './segmentation';
import { App, Chart } from 'cdk8s';
import { Construct, IConstruct } from 'constructs';
import { invalidArgument, invalidProp, invalidSecretArgument } from './shared/errors';
import { kindOf, secretKind } from './shared/secrets';
import { kindOfInstance } from './shared/validation';

/**
 * The order GitOps applies an environment in, derived from the constructs: first what
 * everything else lives in (namespace, quota, policies), then data and backups, then the
 * services, each after the services it calls, so the gateway comes last.
 */
export enum DeliveryTier {
  /** Namespace, quota, limits, default-deny policy. */
  FOUNDATION = 0,
  /** Databases, backups and what stores data. */
  DATA = 1,
  /** Services; a service comes after those it calls. */
  SERVICES = 2,
}

/** A construct that has a place in the delivery order. */
export interface IDeliverable extends IConstruct {
  readonly deliveryTier: DeliveryTier;
  /** Constructs that must be applied before this one (e.g. the services it calls). */
  deliveryDependencies(): IConstruct[];
}

function isDeliverable(c: IConstruct): c is IDeliverable {
  return typeof (c as Partial<IDeliverable>).deliveryDependencies === 'function' && (c as IDeliverable).deliveryTier !== undefined;
}

/**
 * The wave of each chart: the highest wave of the deliverables in it, where a deliverable's
 * wave is its tier's, or one more than the highest wave among its dependencies. Charts
 * without a deliverable go with the services. A dependency cycle (two services calling each
 * other) is cut where it is found, so it cannot loop.
 */
export function deliveryWaves(charts: readonly Chart[]): Map<Chart, number> {
  if (!Array.isArray(charts) || !charts.every((chart) => chart instanceof Chart)) {
    const bad = Array.isArray(charts) ? charts.findIndex((chart) => !(chart instanceof Chart)) : -1;
    throw invalidArgument('deliveryWaves', bad === -1 ? 'charts' : `charts[${bad}]`, bad === -1 ? charts : charts[bad],
      `must be ${bad === -1 ? 'an array of Charts' : 'a Chart'}, not ${kindOf(bad === -1 ? charts : charts[bad])}, e.g. app.node.findAll().filter((c) => c instanceof Chart)`);
  }
  const waves = new Map<IDeliverable, number>();
  const inProgress = new Set<IDeliverable>();
  const waveOf = (d: IDeliverable): number => {
    const known = waves.get(d);
    if (known !== undefined) return known;
    checkDeliverable(d);
    inProgress.add(d);
    const after = d.deliveryDependencies().filter(isDeliverable).filter((dep) => !inProgress.has(dep)).map((dep) => waveOf(dep) + 1);
    inProgress.delete(d);
    const wave = Math.max(d.deliveryTier, ...after);
    waves.set(d, wave);
    return wave;
  };
  return new Map(charts.map((chart) => {
    const deliverables = chart.node.findAll().filter(isDeliverable);
    return [chart, deliverables.length ? Math.max(...deliverables.map(waveOf)) : DeliveryTier.SERVICES];
  }));
}

/** One output folder: an App rendered into its own folder (one folder per environment). */
export interface OutputFolder {
  readonly folder: string;
  readonly app: App;
  /** Lay the folder out in delivery waves. `false`: one file per chart in the folder itself. @default true */
  readonly waves?: boolean;
  /**
   * Connections into the cardholder-data scope that are allowed on purpose, with their reasons.
   * Synthesis fails when the folder's NetworkPolicies allow one that is not listed here.
   * @default - none: no connection into a `DataClassification.CARDHOLDER` service may come from outside the scope
   */
  readonly scopeEntrances?: readonly ScopeEntrance[];
}

/** The charts applied together in one wave. */
export interface WavePlan {
  readonly wave: number;
  /** In definition order. */
  readonly charts: readonly Chart[];
}

/** How one folder is delivered. */
export interface FolderPlan {
  readonly folder: string;
  readonly app: App;
  /** Every chart of the app, in definition order. */
  readonly charts: readonly Chart[];
  /** The charts by wave, lowest first; `undefined` for a folder applied in one go (`waves: false`). */
  readonly waves?: readonly WavePlan[];
  /** See {@link OutputFolder.scopeEntrances}. */
  readonly scopeEntrances?: readonly ScopeEntrance[];
}

/** The delivery plan of the output: every folder, and in each the waves of its charts. */
export interface DeliveryPlan {
  readonly folders: readonly FolderPlan[];
}

/**
 * The delivery plan of these folders, computed once: what the folder writer lays out
 * (`synthesizePlan`), what carries Argo CD's sync-wave annotation, and what GitOps applies
 * wave by wave (`wavesOf`).
 */
export function planDelivery(folders: readonly OutputFolder[]): DeliveryPlan {
  checkOutputFolders('planDelivery', 'folders', folders);
  return {
    folders: folders.map(({ folder, app, waves: inWaves, scopeEntrances }) => {
      const charts = app.node.findAll().filter((c): c is Chart => c instanceof Chart);
      if (inWaves === false) return { folder, app, charts, scopeEntrances };
      const waveOfChart = deliveryWaves(charts);
      const numbers = [...new Set(waveOfChart.values())].sort((a, b) => a - b);
      const waves = numbers.map((wave) => ({ wave, charts: charts.filter((chart) => waveOfChart.get(chart) === wave) }));
      return { folder, app, charts, waves, scopeEntrances };
    }),
  };
}

/** A folder's wave numbers, lowest first (empty for a folder without waves). */
export function wavesOf(folder: FolderPlan): number[] {
  checkFolderPlan('wavesOf', 'folder', folder);
  return (folder.waves ?? []).map((w) => w.wave);
}

const DELIVERY_TIERS = Object.values(DeliveryTier).filter((v): v is DeliveryTier => typeof v === 'number');

/** A deliverable's tier is one of {@link DeliveryTier}, and its dependencies are constructs. */
function checkDeliverable(d: IDeliverable): void {
  if (!DELIVERY_TIERS.includes(d.deliveryTier)) {
    throw invalidProp(d, 'deliveryTier', d.deliveryTier, 'must be DeliveryTier.FOUNDATION, DeliveryTier.DATA or DeliveryTier.SERVICES (0, 1 or 2)');
  }
  const dependencies: unknown = d.deliveryDependencies();
  if (!Array.isArray(dependencies)) {
    throw invalidProp(d, 'deliveryDependencies()', dependencies, `must return an array of constructs, not ${kindOf(dependencies)}; [] for none`);
  }
  dependencies.forEach((dependency, i) => {
    if (!(dependency instanceof Construct)) {
      throw invalidProp(d, `deliveryDependencies()[${i}]`, dependency,
        `must be a construct (e.g. the FintechService it calls), not ${kindOf(dependency)}: a name cannot order the delivery`);
    }
  });
}

const OUTPUT_FOLDER_OPTIONS = ['folder', 'app', 'waves', 'scopeEntrances'];
const FOLDER_EXAMPLE = "[{ folder: 'production', app }]";

/**
 * The output folders a consumer passes to `planDelivery` or `synthesizeFolders`: a non-empty
 * array of `{ folder, app }`, each folder a relative path of its own and each App in one folder only.
 * @internal
 */
export function checkOutputFolders(fn: string, arg: string, folders: unknown): void {
  if (!Array.isArray(folders)) {
    const hint = folders instanceof App ? `; put the App in a folder: [{ folder: 'production', app }]` : `, e.g. ${FOLDER_EXAMPLE}`;
    throw invalidArgument(fn, arg, folders, `must be an array of { folder, app }, not ${kindOf(folders)}${hint}`);
  }
  if (folders.length === 0) {
    throw invalidArgument(fn, arg, folders, `must list at least one { folder, app }, e.g. ${FOLDER_EXAMPLE}`);
  }
  folders.forEach((entry: unknown, i) => {
    const at = `${arg}[${i}]`;
    const prototype = entry !== null && typeof entry === 'object' ? Object.getPrototypeOf(entry) : undefined;
    if (prototype !== Object.prototype && prototype !== null) {
      throw invalidArgument(fn, at, entry, `must be { folder, app }, not ${kindOf(entry)}, e.g. { folder: 'production', app }`);
    }
    for (const key of Object.keys(entry as object)) {
      if (!OUTPUT_FOLDER_OPTIONS.includes(key)) {
        throw invalidSecretArgument(fn, `${at}.${key}`, (entry as Record<string, unknown>)[key], `is not a known option; the options are ${OUTPUT_FOLDER_OPTIONS.join(', ')}`);
      }
    }
    const { waves, scopeEntrances } = entry as OutputFolder;
    if (waves !== undefined && typeof waves !== 'boolean') {
      throw invalidArgument(fn, `${at}.waves`, waves, `must be a boolean (true or false), not ${kindOf(waves)}`);
    }
    if (scopeEntrances !== undefined) checkScopeEntrances(fn, `${at}.scopeEntrances`, scopeEntrances);
  });
  checkFolderPlans(fn, arg, folders);
}

/**
 * Each folder's name and App, and that no two share either.
 * @internal
 */
export function checkFolderPlans(fn: string, arg: string, folders: readonly unknown[]): void {
  folders.forEach((entry, i) => {
    const { folder, app } = entry as OutputFolder;
    checkFolderName(fn, `${arg}[${i}].folder`, folder);
    if (!(app instanceof App)) throw invalidArgument(fn, `${arg}[${i}].app`, app, `must be an App, not ${kindOfInstance(app, App, 'cdk8s')}`);
    const first = folders.findIndex((other) => (other as OutputFolder).folder === folder);
    if (first < i) {
      throw invalidArgument(fn, `${arg}[${i}].folder`, folder, `is also the folder of ${arg}[${first}]; each App needs a folder of its own`);
    }
    const outer = folders.findIndex((other) => {
      const name = (other as OutputFolder).folder;
      return typeof name === 'string' && (folder.startsWith(`${name}/`) || name.startsWith(`${folder}/`));
    });
    if (outer !== -1 && outer < i) {
      throw invalidArgument(fn, `${arg}[${i}].folder`, folder, `must not be inside, or contain, the folder of ${arg}[${outer}] ('${(folders[outer] as OutputFolder).folder}'): each folder's kustomization would take in the other's files`);
    }
    const sameApp = folders.findIndex((other) => (other as OutputFolder).app === app);
    if (sameApp < i) {
      throw invalidArgument(fn, `${arg}[${i}].app`, app,
        `is also the App of ${arg}[${sameApp}] ('${(folders[sameApp] as OutputFolder).folder}'); each folder needs an App of its own, or both would apply the same objects`);
    }
  });
}

/** A folder inside the output: "production", or "envs/production"; no "..", "." or empty segment. */
function checkFolderName(fn: string, arg: string, folder: unknown): void {
  const rule = 'must be a folder inside the output: letters, digits, "-", "_" and "." in segments separated by "/", without "..", "." or empty segments, e.g. "production"';
  if (typeof folder !== 'string') throw invalidArgument(fn, arg, folder, `must be a string, not ${kindOf(folder)}, e.g. "production"`);
  const secret = secretKind(folder);
  if (secret) throw invalidSecretArgument(fn, arg, folder, `looks like a credential (${secret}): the folder's name is a path in the repository; name the environment, e.g. "production"`);
  if (!folder.split('/').every((segment) => /^[A-Za-z0-9_.-]+$/.test(segment) && segment !== '.' && segment !== '..')) {
    throw invalidArgument(fn, arg, folder, rule);
  }
}

/**
 * One folder of a delivery plan, as `planDelivery(folders).folders[i]`.
 * @internal
 */
export function checkFolderPlan(fn: string, arg: string, folder: unknown): FolderPlan {
  const plan = folder as Partial<FolderPlan> | undefined;
  if (plan === null || typeof plan !== 'object' || Array.isArray(plan) || typeof plan.folder !== 'string' || !(plan.app instanceof App)
    || !Array.isArray(plan.charts)) {
    throw invalidArgument(fn, arg, folder, `must be one folder of a delivery plan (planDelivery(folders).folders[i]), not ${kindOf(folder)}`);
  }
  checkPlanCurrent(fn, arg, plan as FolderPlan);
  return plan as FolderPlan;
}

/**
 * A folder's plan lists exactly the App's charts, as they are now, and puts each in one wave, in
 * ascending order: a chart added after `planDelivery` (or left out of a hand-made plan) would be
 * missing from the output, and a pruning GitOps sync would delete its objects.
 */
function checkPlanCurrent(fn: string, arg: string, plan: FolderPlan): void {
  const charts = plan.app.node.findAll().filter((c): c is Chart => c instanceof Chart);
  plan.charts.forEach((chart, i) => {
    if (!(chart instanceof Chart) || chart.node.root !== plan.app) {
      throw invalidArgument(fn, `${arg}.charts[${i}]`, chart instanceof Chart ? chart.node.path : chart,
        `must be a Chart of the folder's App, not ${chart instanceof Chart ? 'one of another App' : kindOf(chart)}: plan the folder with planDelivery(folders)`);
    }
  });
  const missing = charts.find((chart) => !plan.charts.includes(chart));
  if (missing !== undefined) {
    throw invalidArgument(fn, `${arg}.charts`, plan.charts.map((chart) => chart.node.path),
      `does not include chart '${missing.node.path}' of the folder's App, which was added after planDelivery(folders): its objects would be left out, and a pruning GitOps sync would delete them; plan the delivery once the App is complete`);
  }
  if (plan.waves === undefined) return;
  if (!Array.isArray(plan.waves)) throw invalidArgument(fn, `${arg}.waves`, plan.waves, `must be an array of { wave, charts }, not ${kindOf(plan.waves)}: planDelivery(folders)`);
  const placed = new Map<Chart, number>();
  plan.waves.forEach((entry: Partial<WavePlan> | null, i) => {
    const at = `${arg}.waves[${i}]`;
    if (entry === null || typeof entry !== 'object' || !Array.isArray(entry.charts)) {
      throw invalidArgument(fn, at, entry, `must be { wave, charts }, not ${kindOf(entry)}: planDelivery(folders)`);
    }
    const previous = i > 0 ? plan.waves![i - 1].wave : -1;
    if (!Number.isInteger(entry.wave) || entry.wave! <= previous) {
      throw invalidArgument(fn, `${at}.wave`, entry.wave, i === 0 ? 'must be an integer of at least 0'
        : `must be an integer above ${previous} (${arg}.waves[${i - 1}].wave): the waves are listed lowest first`);
    }
    entry.charts.forEach((chart, j) => {
      if (!plan.charts.includes(chart) || placed.has(chart)) {
        throw invalidArgument(fn, `${at}.charts[${j}]`, chart instanceof Chart ? chart.node.path : chart, placed.has(chart)
          ? `is also in ${arg}.waves[${placed.get(chart)}]; each chart is applied in one wave` : `must be one of ${arg}.charts`);
      }
      placed.set(chart, i);
    });
  });
  const unplaced = plan.charts.find((chart) => !placed.has(chart));
  if (unplaced !== undefined) {
    throw invalidArgument(fn, `${arg}.waves`, plan.waves.map((w) => w.wave),
      `put chart '${unplaced.node.path}' in no wave: its objects would be left out; plan the folder with planDelivery(folders)`);
  }
}
