import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { Alertmanager } from '../../imports/alertmanagers-monitoring.coreos.com';
import { Prometheus } from '../../imports/prometheuses-monitoring.coreos.com';
import { ContainerLimits, EnvironmentQuota, FintechEnvironment } from '../environment';
import { ResourceQuantities } from '../shared/resources';
import { checkKnownKeys, checkLabels } from '../shared/validation';
import type { StackParts } from './context';

/**
 * The stack's namespace with the guard rails of every application namespace (a
 * {@link FintechEnvironment}: Pod Security `restricted`, ResourceQuota, LimitRange, default deny),
 * its quota sized from the stack's own pods.
 */

/** The stack's namespace. */
export interface MonitoringNamespaceOptions {
  /** Labels of the Namespace object. @default - the Chart's labels are not copied; none besides Pod Security labels */
  readonly labels?: Record<string, string>;
  /** @default - the stack's pods (each replica, with room for the Operator's config-reloader sidecar) and one extra pod of each size for rollouts */
  readonly quota?: EnvironmentQuota;
  /** @default - the application namespaces' defaults, with a maximum that admits the stack's largest container */
  readonly containerLimits?: ContainerLimits;
}

/** One kind of pod of the stack: its main container's resources and how many run. */
export interface StackPods {
  readonly replicas: number;
  readonly resources: ResourceQuantities;
  /** Whether the Operator adds a config-reloader sidecar (Prometheus, Alertmanager). */
  readonly sidecar: boolean;
  /** PersistentVolumeClaims per replica. */
  readonly volumes: number;
}

/** Throws unless the options, when given and not `false`, have only known keys and valid labels. */
export function checkNamespaceOptions(scope: IConstruct, prop: string, options: MonitoringNamespaceOptions | false | undefined): void {
  if (options === undefined || options === false) return;
  checkKnownKeys(scope, prop, options, ['labels', 'quota', 'containerLimits'], '{ labels: { team: "sre" } } or false');
  if (options.labels !== undefined) checkLabels(scope, `${prop}.labels`, options.labels);
}

/** The pods the stack runs in its namespace, for the namespace's quota: the Operator's (with their config-reloader sidecar and one volume each) and kube-state-metrics. */
export function stackPods(parts: StackParts): StackPods[] {
  const operated = (o: Prometheus | Alertmanager | undefined): StackPods[] => {
    if (!o) return [];
    const spec = o.toJson().spec;
    return [{ replicas: spec.replicas, resources: spec.resources as ResourceQuantities, sidecar: true, volumes: 1 }];
  };
  return [
    ...operated(parts.prometheus),
    ...operated(parts.alertmanager),
    ...(parts.kubeStateMetrics ? [{ replicas: 1, resources: parts.kubeStateMetrics.resources, sidecar: false, volumes: 0 }] : []),
  ];
}

/** What a sidecar without its own resources gets from the LimitRange (the application namespaces' defaults). */
const SIDECAR = { cpuRequest: 100, cpuLimit: 500, memoryRequest: 128, memoryLimit: 512 };
const DEFAULT_MAX = { cpu: 2000, memory: 4096 };

/** Creates the namespace `name` with its guard rails, sized for `pods`. */
export function monitoringNamespace(scope: Construct, id: string, name: string, options: MonitoringNamespaceOptions, pods: readonly StackPods[]): FintechEnvironment {
  const largest = { cpu: DEFAULT_MAX.cpu, memory: DEFAULT_MAX.memory };
  const sum = { cpuRequest: 0, cpuLimit: 0, memoryRequest: 0, memoryLimit: 0, volumes: 0 };
  for (const pod of pods) {
    const main = {
      cpuRequest: millis(pod.resources.requests.cpu), cpuLimit: millis(pod.resources.limits.cpu),
      memoryRequest: mebibytes(pod.resources.requests.memory), memoryLimit: mebibytes(pod.resources.limits.memory),
    };
    largest.cpu = Math.max(largest.cpu, main.cpuLimit);
    largest.memory = Math.max(largest.memory, main.memoryLimit);
    // Every replica, plus one more for a rollout (a Deployment's surge; a StatefulSet replaces pods one at a time).
    const count = pod.replicas + 1;
    for (const key of ['cpuRequest', 'cpuLimit', 'memoryRequest', 'memoryLimit'] as const) {
      sum[key] += count * (main[key] + (pod.sidecar ? SIDECAR[key] : 0));
    }
    sum.volumes += pod.replicas * pod.volumes;
  }
  return new FintechEnvironment(scope, id, {
    namespace: name,
    labels: options.labels,
    quota: options.quota ?? {
      requestsCpu: Cpu.millis(roundUp(sum.cpuRequest, 100)),
      limitsCpu: Cpu.millis(roundUp(sum.cpuLimit, 100)),
      requestsMemory: Size.mebibytes(roundUp(sum.memoryRequest, 256)),
      limitsMemory: Size.mebibytes(roundUp(sum.memoryLimit, 256)),
      persistentVolumeClaims: sum.volumes,
    },
    containerLimits: options.containerLimits ?? { maxCpu: Cpu.millis(largest.cpu), maxMemory: Size.mebibytes(largest.memory) },
  });
}

/** `value` rounded up to a whole `step`, and at least one step: a stack without pods of its own still gets a valid quota. */
function roundUp(value: number, step: number): number {
  return Math.max(1, Math.ceil(value / step)) * step;
}

/** Millicores of a CPU quantity as the library writes them ("500m", "1", "1.5"). */
function millis(quantity: string): number {
  return quantity.endsWith('m') ? Number(quantity.slice(0, -1)) : Math.round(Number(quantity) * 1000);
}

/** Mebibytes of a memory quantity as the library writes them ("128Mi", "2Gi", "512Ki"). */
function mebibytes(quantity: string): number {
  const units: Record<string, number> = { Ki: 1 / 1024, Mi: 1, Gi: 1024, Ti: 1024 * 1024 };
  const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti)$/.exec(quantity);
  if (!match) throw new Error(`unexpected memory quantity ${quantity}`);
  return Number(match[1]) * units[match[2]];
}
