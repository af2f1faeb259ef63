import type { ScopeEntrance } from './segmentation';
import { App, Chart } from 'cdk8s';
import { IConstruct } from 'constructs';

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
  const waves = new Map<IDeliverable, number>();
  const inProgress = new Set<IDeliverable>();
  const waveOf = (d: IDeliverable): number => {
    const known = waves.get(d);
    if (known !== undefined) return known;
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
  return (folder.waves ?? []).map((w) => w.wave);
}
