import { Chart } from 'cdk8s';
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
