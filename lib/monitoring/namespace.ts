import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { Alertmanager } from '../../imports/alertmanagers-monitoring.coreos.com';
import { Prometheus } from '../../imports/prometheuses-monitoring.coreos.com';
import { checkNamespaceLabels, ContainerLimits, containerLimitRange, EnvironmentQuota, FintechEnvironment, resourceQuotaHard } from '../environment';
import { constructLabel, invalidProp } from '../shared/errors';
import { parseCpuMillis, parseQuantity } from '../shared/quantity';
import { cpuMillis, cpuQuantity, memoryMiB, memoryQuantity, ResourceQuantities } from '../shared/resources';
import { checkKnownKeys, checkLabels, checkNoNullOptions } from '../shared/validation';
import type { MonitoringScope, StackParts } from './context';

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
  checkNoNullOptions(scope, prop, options, ['labels', 'quota', 'containerLimits']);
  if (options.labels === undefined) return;
  checkLabels(scope, `${prop}.labels`, options.labels);
  for (const key of Object.keys(options.labels)) {
    if (key.startsWith('pod-security.kubernetes.io/')) {
      throw invalidProp(scope, `${prop}.labels`, key, 'is set by the stack: its namespace enforces the Pod Security level "restricted"; leave Pod Security labels out');
    }
  }
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
const MIB = 1024 * 1024;

/** Creates the namespace `name` with its guard rails, sized for `pods`; errors in `options` name the stack's prop `namespaceGuardRails.<field>`. */
export function monitoringNamespace(stack: MonitoringScope, id: string, options: MonitoringNamespaceOptions, pods: readonly StackPods[]): FintechEnvironment {
  if (stack.serviceNamespaces.includes(stack.namespace)) {
    throw invalidProp(stack, 'namespaceGuardRails', stack.namespace, "would guard a namespace of the stack's services too, with a quota sized for the stack alone; "
      + "put the stack in a namespace of its own (its Chart's namespace), or set 'namespaceGuardRails' to false");
  }
  if (stack.namespace === 'default' || stack.namespace.startsWith('kube-')) {
    throw invalidProp(stack, 'namespaceGuardRails', stack.namespace, 'would guard a namespace of Kubernetes itself ("default" and "kube-*") with a default-deny policy and '
      + "a quota that would cut off system workloads; put the stack in a namespace of its own (its Chart's namespace), or set 'namespaceGuardRails' to false");
  }
  const guarded = stack.node.root.node.findAll().find((c): c is FintechEnvironment => c instanceof FintechEnvironment && c.namespaceName === stack.namespace);
  if (guarded) {
    // Another stack's guard rails are named by that stack.
    const owner = guarded.node.scope?.constructor === stack.constructor ? guarded.node.scope : guarded;
    throw invalidProp(stack, 'namespaceGuardRails', stack.namespace, `would guard a namespace that ${constructLabel(owner)} `
      + "already guards; give the stack a namespace of its own (its Chart's namespace), or set 'namespaceGuardRails' to false");
  }
  const scope: Construct = stack;
  const name = stack.namespace;
  const largest = { cpu: DEFAULT_MAX.cpu, memory: DEFAULT_MAX.memory };
  const need = { cpuLimit: 0, memoryLimit: 0 };
  const sum = { cpuRequest: 0, cpuLimit: 0, memoryRequest: 0, memoryLimit: 0, volumes: 0 };
  const running = { cpuRequest: 0, cpuLimit: 0, memoryRequest: 0, memoryLimit: 0 };
  for (const pod of pods) {
    const main = {
      cpuRequest: parseCpuMillis(pod.resources.requests.cpu), cpuLimit: parseCpuMillis(pod.resources.limits.cpu),
      memoryRequest: parseQuantity(pod.resources.requests.memory) / MIB, memoryLimit: parseQuantity(pod.resources.limits.memory) / MIB,
    };
    largest.cpu = Math.max(largest.cpu, main.cpuLimit);
    largest.memory = Math.max(largest.memory, main.memoryLimit);
    need.cpuLimit = Math.max(need.cpuLimit, main.cpuLimit);
    need.memoryLimit = Math.max(need.memoryLimit, main.memoryLimit);
    // Every replica, plus one more for a rollout (a Deployment's surge; a StatefulSet replaces pods one at a time).
    const count = pod.replicas + 1;
    for (const key of ['cpuRequest', 'cpuLimit', 'memoryRequest', 'memoryLimit'] as const) {
      const perPod = main[key] + (pod.sidecar ? SIDECAR[key] : 0);
      sum[key] += count * perPod;
      running[key] += pod.replicas * perPod;
    }
    sum.volumes += pod.replicas * pod.volumes;
  }
  // The user's options are checked as the stack's props, so that their errors name the stack; the environment then accepts them.
  if (options.labels) checkNamespaceLabels(scope, 'namespaceGuardRails.labels', options.labels);
  if (options.quota) resourceQuotaHard(scope, 'namespaceGuardRails.quota', options.quota);
  if (options.containerLimits) containerLimitRange(scope, 'namespaceGuardRails.containerLimits', options.containerLimits);
  const environment = new FintechEnvironment(scope, id, {
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
  if (options.quota) checkQuotaFits(scope, 'namespaceGuardRails.quota', options.quota, { ...running, volumes: sum.volumes });
  if (options.containerLimits) checkLimitsFit(scope, 'namespaceGuardRails.containerLimits', options.containerLimits, need);
  return environment;
}

const WHY = "the stack's own pods (every replica, with the Operator's config-reloader sidecar) would not all be admitted";

/** A quota the user gives must admit every pod the stack runs. */
function checkQuotaFits(scope: IConstruct, prop: string, quota: EnvironmentQuota, running: Record<string, number>): void {
  const cpu = [['requestsCpu', quota.requestsCpu, running.cpuRequest], ['limitsCpu', quota.limitsCpu, running.cpuLimit]] as const;
  for (const [field, given, needed] of cpu) {
    if (cpuMillis(given) < needed) throw invalidProp(scope, `${prop}.${field}`, cpuQuantity(given), `must be at least ${needed}m: ${WHY}`);
  }
  const memory = [['requestsMemory', quota.requestsMemory, running.memoryRequest], ['limitsMemory', quota.limitsMemory, running.memoryLimit]] as const;
  for (const [field, given, needed] of memory) {
    if (memoryMiB(given) < needed) throw invalidProp(scope, `${prop}.${field}`, memoryQuantity(given), `must be at least ${memoryQuantity(Size.mebibytes(needed))}: ${WHY}`);
  }
  if ((quota.persistentVolumeClaims ?? 10) < running.volumes) {
    throw invalidProp(scope, `${prop}.persistentVolumeClaims`, quota.persistentVolumeClaims ?? 10, `must be at least ${running.volumes}: one claim per Prometheus and Alertmanager replica`);
  }
}

/** Container maxima the user gives must admit the stack's largest container. */
function checkLimitsFit(scope: IConstruct, prop: string, limits: ContainerLimits, need: { cpuLimit: number; memoryLimit: number }): void {
  if (limits.maxCpu !== undefined && cpuMillis(limits.maxCpu) < need.cpuLimit) {
    throw invalidProp(scope, `${prop}.maxCpu`, cpuQuantity(limits.maxCpu), `must be at least ${need.cpuLimit}m, the CPU limit of the stack's largest container, or its pods would be refused`);
  }
  if (limits.maxMemory !== undefined && memoryMiB(limits.maxMemory) < need.memoryLimit) {
    throw invalidProp(scope, `${prop}.maxMemory`, memoryQuantity(limits.maxMemory), `must be at least ${memoryQuantity(Size.mebibytes(need.memoryLimit))}, the memory limit of the stack's largest container, or its pods would be refused`);
  }
}

/** `value` rounded up to a whole `step`, and at least one step: a stack without pods of its own still gets a valid quota. */
function roundUp(value: number, step: number): number {
  return Math.max(1, Math.ceil(value / step)) * step;
}
