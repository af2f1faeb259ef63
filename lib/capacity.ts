import { NAME_LABEL } from './shared/labels';
import { formatBytes, formatCpu, isQuantity, parseCpuMillis, parseQuantity } from './shared/quantity';
import { invalidArgument, invalidSecretArgument } from './shared/errors';
import { checkArgumentArray, checkDnsLabelArgument, checkObjectsArgument } from './shared/validation';

/**
 * Capacity planning at synth time: what the objects emitted into a namespace ask of its
 * ResourceQuota, at steady state, during the largest rollout and at every autoscaler's maximum,
 * and whether each container fits the namespace's LimitRange. A ResourceQuota blocks pods
 * silently (a RollingUpdate with maxUnavailable 0 then hangs), so this fails synthesis instead.
 *
 * Two steps: `capacityInputs` reads, once, what each namespace holds from the synthesized objects
 * (so it sees every construct's output alike, as the API server will) into a typed
 * {@link NamespaceCapacityInput}; `checkCapacity` computes the report from that input alone.
 */

/** The quota-relevant resources; CPU in millicores, memory in bytes. */
export interface ResourceTotals {
  readonly 'requests.cpu': number;
  readonly 'requests.memory': number;
  readonly 'limits.cpu': number;
  readonly 'limits.memory': number;
  readonly 'pods': number;
}

export type ResourceName = keyof ResourceTotals;

export const RESOURCE_NAMES: readonly ResourceName[] = ['requests.cpu', 'requests.memory', 'limits.cpu', 'limits.memory', 'pods'];

/** What one workload uses at one point. */
export interface Consumer {
  /** `Kind/name`. */
  readonly workload: string;
  readonly pods: number;
  readonly totals: ResourceTotals;
}

/** Use at one point in time. */
export interface CapacityPoint {
  readonly used: ResourceTotals;
  /** Largest first. */
  readonly consumers: readonly Consumer[];
  /** What the point assumes, e.g. which rollout. */
  readonly scenario: string;
}

/** The capacity report of one namespace. */
export interface NamespaceCapacity {
  readonly namespace: string;
  /** The ResourceQuota's hard limits for the resources it sets. */
  readonly quota: Partial<ResourceTotals>;
  readonly steadyState: CapacityPoint;
  readonly largestRollout: CapacityPoint;
  readonly autoscalerMaxima: CapacityPoint;
  /** Problems that must fail synthesis: over quota at steady state or during a rollout, LimitRange violations. */
  readonly errors: readonly string[];
  /** Autoscaler maxima beyond the quota: the autoscaler will stop short of its maximum. */
  readonly warnings: readonly string[];
}

/** CPU and memory as Kubernetes quantities ("250m", "512Mi"). */
export interface CpuMemory {
  readonly cpu?: string | number;
  readonly memory?: string | number;
}

/** One container's requests and limits as its spec gives them; what is missing comes from the LimitRange. */
export interface ContainerCapacity {
  readonly name: string;
  readonly requests?: CpuMemory;
  readonly limits?: CpuMemory;
}

/** One pod-running workload: how many pods it runs at each point, and what one pod asks for. */
export interface WorkloadCapacity {
  /** `Kind/name`, e.g. `Deployment/payments`. */
  readonly workload: string;
  /** Workloads that roll out together share it (a canary's tracks: their service's name). */
  readonly rolloutGroup: string;
  /** Pods at steady state: the autoscaler's minimum, or the replicas. */
  readonly replicas: number;
  /** Pods a rollout adds on top of `replicas` (maxSurge, resolved). */
  readonly surge: number;
  /** Pods with the autoscaler at its maximum (`replicas` without one). */
  readonly maxReplicas: number;
  readonly containers: readonly ContainerCapacity[];
  /** Run one after the other before the containers. */
  readonly initContainers: readonly ContainerCapacity[];
}

/** The LimitRange's `Container` item: defaults given at admission, and bounds. */
export interface ContainerLimitRange {
  readonly default?: CpuMemory;
  readonly defaultRequest?: CpuMemory;
  readonly max?: CpuMemory;
  readonly min?: CpuMemory;
}

/** Everything the capacity check needs to know about one namespace. */
export interface NamespaceCapacityInput {
  readonly namespace: string;
  /** The ResourceQuota's hard limits, as quantities by resource name (`requests.cpu`, ...). */
  readonly quota: Readonly<Record<string, string | number>>;
  readonly limitRange?: ContainerLimitRange;
  readonly workloads: readonly WorkloadCapacity[];
}

interface Workload {
  readonly ref: string;
  readonly group: string;
  readonly replicas: number;
  readonly surge: number;
  readonly maxReplicas: number;
  readonly perPod: ResourceTotals;
}

const ZERO: ResourceTotals = { 'requests.cpu': 0, 'requests.memory': 0, 'limits.cpu': 0, 'limits.memory': 0, 'pods': 0 };

/** The capacity report of every namespace that has a ResourceQuota among `objects`. */
export function planCapacity(objects: readonly any[]): NamespaceCapacity[] {
  const inputs = readInputs('planCapacity', checkObjectsArgument('planCapacity', 'objects', objects, 'objectsOf(synthesizeFolders(folders))'));
  // The inputs are read from the objects: an error names the namespace's object and field.
  inputs.forEach((input) => checkCapacityInput('planCapacity', `objects (namespace ${input.namespace})`, input));
  return inputs.map(namespaceCapacity);
}

/** The capacity report of each namespace. */
export function checkCapacity(inputs: readonly NamespaceCapacityInput[]): NamespaceCapacity[] {
  checkArgumentArray('checkCapacity', 'inputs', inputs, 'capacityInputs(objects)').forEach((input, i) => {
    const given = input as Partial<NamespaceCapacityInput> | null;
    if (given === null || typeof given !== 'object' || typeof given.namespace !== 'string' || given.quota === null || typeof given.quota !== 'object'
      || !Array.isArray(given.workloads)) {
      throw invalidArgument('checkCapacity', `inputs[${i}]`, input, 'must be { namespace, quota, workloads }, as capacityInputs(objects) returns');
    }
    checkDnsLabelArgument('checkCapacity', `inputs[${i}].namespace`, given.namespace);
    checkCapacityInput('checkCapacity', `inputs[${i}]`, input as NamespaceCapacityInput);
  });
  return inputs.map(namespaceCapacity);
}

const QUANTITY_RULE = 'must be a Kubernetes quantity: a non-negative number, or a string such as "500m", "2", "512Mi" or "1Gi"';

/** Every quantity and count of one namespace's input, so that the report never works on NaN. */
function checkCapacityInput(fn: string, arg: string, input: NamespaceCapacityInput): void {
  const quantity = (path: string, value: unknown) => {
    if (value === undefined) return;
    const ok = typeof value === 'number' ? Number.isFinite(value) && value >= 0 : typeof value === 'string' && isQuantity(value.trim()) && parseQuantity(value) >= 0;
    if (!ok) throw invalidArgument(fn, `${arg}.${path}`, value, QUANTITY_RULE);
  };
  const cpuMemory = (path: string, value: unknown) => {
    if (value === undefined) return;
    if (value === null || typeof value !== 'object') throw invalidArgument(fn, `${arg}.${path}`, value, 'must be { cpu, memory }, e.g. { cpu: "250m", memory: "512Mi" }');
    known(path, value, ['cpu', 'memory']);
    quantity(`${path}.cpu`, (value as CpuMemory).cpu);
    quantity(`${path}.memory`, (value as CpuMemory).memory);
  };
  const known = (path: string, value: object, keys: readonly string[]) => {
    for (const key of Object.keys(value)) {
      if (!keys.includes(key)) {
        throw invalidSecretArgument(fn, `${arg}${path ? `.${path}` : ''}.${key}`, (value as Record<string, unknown>)[key], `is not a known field; the fields are ${keys.join(', ')}`);
      }
    }
  };
  known('', input, ['namespace', 'quota', 'limitRange', 'workloads']);
  for (const name of Object.keys(input.quota)) {
    if (!isQuotaResourceName(name)) {
      throw invalidArgument(fn, `${arg}.quota["${name}"]`, input.quota[name], 'names no ResourceQuota resource: the check adds up '
        + `${RESOURCE_NAMES.join(', ')} ("cpu" and "memory" mean requests.cpu and requests.memory)`);
    }
    quantity(`quota["${name}"]`, input.quota[name]);
  }
  if (input.limitRange !== undefined) {
    if (input.limitRange === null || typeof input.limitRange !== 'object') {
      throw invalidArgument(fn, `${arg}.limitRange`, input.limitRange, 'must be the LimitRange\'s Container item, { default, defaultRequest, max, min }');
    }
    // As the LimitRange's item reads: its type, and a ratio the check does not use, besides the four it does.
    known('limitRange', input.limitRange, ['type', 'default', 'defaultRequest', 'max', 'min', 'maxLimitRequestRatio']);
    for (const field of ['default', 'defaultRequest', 'max', 'min'] as const) cpuMemory(`limitRange.${field}`, input.limitRange[field]);
  }
  input.workloads.forEach((w, j) => {
    const at = `workloads[${j}]`;
    if (w === null || typeof w !== 'object' || typeof w.workload !== 'string' || typeof w.rolloutGroup !== 'string') {
      throw invalidArgument(fn, `${arg}.${at}`, w, "must be { workload: 'Deployment/payments', rolloutGroup, replicas, surge, maxReplicas, containers, initContainers }");
    }
    known(at, w, ['workload', 'rolloutGroup', 'replicas', 'surge', 'maxReplicas', 'containers', 'initContainers']);
    for (const count of ['replicas', 'surge', 'maxReplicas'] as const) {
      if (!Number.isInteger(w[count]) || w[count] < 0) throw invalidArgument(fn, `${arg}.${at}.${count}`, w[count], 'must be an integer of at least 0');
    }
    if (w.maxReplicas < w.replicas) {
      throw invalidArgument(fn, `${arg}.${at}.maxReplicas`, w.maxReplicas, `must be at least its replicas (${w.replicas}): the pods with the autoscaler at its maximum, or the replicas without one`);
    }
    for (const list of ['containers', 'initContainers'] as const) {
      if (!Array.isArray(w[list])) throw invalidArgument(fn, `${arg}.${at}.${list}`, w[list], "must be an array of { name, requests, limits }");
      w[list].forEach((c, k) => {
        if (c === null || typeof c !== 'object') throw invalidArgument(fn, `${arg}.${at}.${list}[${k}]`, c, 'must be { name, requests, limits }');
        known(`${at}.${list}[${k}]`, c, ['name', 'requests', 'limits']);
        if (typeof c.name !== 'string' || c.name === '') throw invalidArgument(fn, `${arg}.${at}.${list}[${k}].name`, c.name, 'must be the container\'s name, a string');
        cpuMemory(`${at}.${list}[${k}].requests`, c.requests);
        cpuMemory(`${at}.${list}[${k}].limits`, c.limits);
      });
    }
  });
}

/** Throws one error listing every capacity problem; returns the warnings. */
export function assertCapacity(reports: readonly NamespaceCapacity[]): string[] {
  checkReports('assertCapacity', reports);
  const errors = reports.flatMap((r) => r.errors);
  if (errors.length > 0) throw new Error(`Capacity check failed:\n  ${errors.join('\n  ')}`);
  return reports.flatMap((r) => r.warnings);
}

/** Reports as `planCapacity` or `checkCapacity` return them: a namespace, three points of use, errors and warnings. */
function checkReports(fn: string, reports: unknown): void {
  checkArgumentArray<unknown>(fn, 'reports', reports, 'planCapacity(objects)').forEach((report, i) => checkReport(fn, `reports[${i}]`, report));
}

function checkReport(fn: string, arg: string, report: unknown): void {
  const r = report as Partial<NamespaceCapacity> | null;
  const point = (p: unknown) => p !== null && typeof p === 'object' && (p as CapacityPoint).used !== null && typeof (p as CapacityPoint).used === 'object';
  if (r === null || typeof r !== 'object' || typeof r.namespace !== 'string' || r.quota === null || typeof r.quota !== 'object'
    || !point(r.steadyState) || !point(r.largestRollout) || !point(r.autoscalerMaxima) || !Array.isArray(r.errors) || !Array.isArray(r.warnings)) {
    throw invalidArgument(fn, arg, report, 'must be one report of planCapacity(objects)');
  }
}

function namespaceCapacity(input: NamespaceCapacityInput): NamespaceCapacity {
  const { namespace } = input;
  const quota = quotaLimits(input.quota);
  const errors: string[] = [];
  const workloads = input.workloads.map((w): Workload => ({
    ref: w.workload, group: w.rolloutGroup, replicas: w.replicas, surge: w.surge, maxReplicas: w.maxReplicas,
    perPod: podTotals(w, input.limitRange, errors),
  }));

  const steadyState = point(workloads.map((w) => consumer(w, w.replicas)), 'each workload at its replicas (autoscaler minimum)');
  const largestRollout = largestRolloutPoint(workloads, quota);
  const autoscalerMaxima = point(workloads.map((w) => consumer(w, w.maxReplicas)), 'every autoscaler at its maximum');

  const where = `namespace '${namespace}'`;
  errors.push(...overQuota(steadyState, quota).map((r) => overQuotaMessage(where, 'at steady state', r, steadyState, quota)));
  errors.push(...overQuota(largestRollout, quota).map((r) => overQuotaMessage(where, `during ${largestRollout.scenario}`, r, largestRollout, quota)));
  const warnings = overQuota(autoscalerMaxima, quota)
    .map((r) => overQuotaMessage(where, 'with every autoscaler at its maximum', r, autoscalerMaxima, quota));
  return { namespace, quota, steadyState, largestRollout, autoscalerMaxima, errors, warnings };
}

/** A ResourceQuota's `cpu` and `memory` are its `requests.cpu` and `requests.memory`; given both, the lower one binds. */
const QUOTA_ALIASES: Readonly<Record<string, ResourceName>> = { 'cpu': 'requests.cpu', 'memory': 'requests.memory' };

function quotaLimits(hard: Readonly<Record<string, string | number>>): Partial<ResourceTotals> {
  const quota: Partial<Record<ResourceName, number>> = {};
  for (const [key, value] of Object.entries(hard)) {
    const name = QUOTA_ALIASES[key] ?? key as ResourceName;
    if (!RESOURCE_NAMES.includes(name) || value === undefined) continue;
    const limit = name.endsWith('.cpu') ? parseCpuMillis(value) : parseQuantity(value);
    quota[name] = Math.min(limit, quota[name] ?? Infinity);
  }
  return quota;
}

/**
 * A ResourceQuota resource name the API server accepts: a standard one, or a qualified one
 * (`count/deployments.apps`, `<class>.storageclass.storage.k8s.io/requests.storage`, an extended resource).
 */
function isQuotaResourceName(name: string): boolean {
  return QUOTA_RESOURCES.has(name) || name.includes('/') || /^(requests\.|limits\.)?hugepages-[0-9]/.test(name);
}

const QUOTA_RESOURCES = new Set([
  ...RESOURCE_NAMES, 'cpu', 'memory', 'ephemeral-storage', 'requests.ephemeral-storage', 'limits.ephemeral-storage', 'requests.storage',
  'persistentvolumeclaims', 'services', 'services.loadbalancers', 'services.nodeports', 'secrets', 'configmaps', 'replicationcontrollers', 'resourcequotas',
]);

/**
 * What each namespace with a ResourceQuota holds, read from synthesized objects: every
 * pod-running object with its replicas at steady state (an autoscaler's minimum), its rollout
 * surge and its autoscaled maximum.
 */
export function capacityInputs(objects: readonly any[]): NamespaceCapacityInput[] {
  return readInputs('capacityInputs', checkObjectsArgument('capacityInputs', 'objects', objects, 'objectsOf(synthesizeFolders(folders))'));
}

function readInputs(fn: string, objects: readonly any[]): NamespaceCapacityInput[] {
  checkCapacityObjects(fn, objects);
  return objects.filter((o) => o.kind === 'ResourceQuota').map((quota): NamespaceCapacityInput => {
    const inNamespace = objects.filter((o) => o.metadata?.namespace === quota.metadata.namespace);
    return {
      namespace: quota.metadata.namespace,
      quota: quota.spec?.hard ?? {},
      limitRange: inNamespace.find((o) => o.kind === 'LimitRange')?.spec?.limits?.find((l: any) => l.type === 'Container'),
      workloads: workloadsIn(inNamespace),
    };
  });
}

/** Where each kind the capacity check reads keeps what it reads: its pod spec, or its quota's namespace. */
const READ_FIELDS: Readonly<Record<string, readonly string[]>> = {
  ResourceQuota: ['metadata.namespace'],
  HorizontalPodAutoscaler: ['spec.scaleTargetRef.kind', 'spec.scaleTargetRef.name'],
  Deployment: ['metadata.name', 'spec.template.spec.containers'],
  StatefulSet: ['metadata.name', 'spec.template.spec.containers'],
  CronJob: ['metadata.name', 'spec.jobTemplate.spec.template.spec.containers'],
  Job: ['metadata.name', 'spec.template.spec.containers'],
  Rollout: ['metadata.name', 'spec'],
  Prometheus: ['metadata.name', 'spec'],
  Alertmanager: ['metadata.name', 'spec'],
};

/** The objects hold what the capacity check reads, so that a hand-made or truncated object is named rather than crashing the check. */
function checkCapacityObjects(fn: string, objects: readonly any[]): void {
  objects.forEach((object, i) => {
    for (const field of READ_FIELDS[object.kind] ?? []) {
      const value = field.split('.').reduce((at: any, key) => (at !== null && typeof at === 'object' ? at[key] : undefined), object);
      if (value === undefined || value === null) {
        throw invalidArgument(fn, `objects[${i}].${field}`, value, `must be set: the capacity check reads it from the ${object.kind}${object.metadata?.name ? ` '${object.metadata.name}'` : ''}`);
      }
    }
    if (object.kind === 'Rollout' && object.spec.template === undefined) {
      const name = object.spec.workloadRef?.name;
      if (!objects.some((o) => o.kind === 'Deployment' && o.metadata?.name === name && o.metadata?.namespace === object.metadata?.namespace)) {
        throw invalidSecretArgument(fn, `objects[${i}].spec`, object.spec, `must have a template, or a workloadRef naming a Deployment among the objects: the capacity check reads the pods of Rollout '${object.metadata.name}' from it`);
      }
    }
  });
}

function workloadsIn(objects: readonly any[]): WorkloadCapacity[] {
  const autoscalers = new Map(objects.filter((o) => o.kind === 'HorizontalPodAutoscaler')
    .map((h) => [`${h.spec.scaleTargetRef.kind}/${h.spec.scaleTargetRef.name}`, h.spec]));
  const deployments = new Map(objects.filter((o) => o.kind === 'Deployment').map((d) => [d.metadata.name, d]));
  // A Deployment that an Argo Rollout uses as its workloadRef only lends its template: Argo scales it to 0.
  const lentTemplates = new Set(objects.filter((o) => o.kind === 'Rollout' && o.spec.workloadRef).map((r) => r.spec.workloadRef.name));
  const workloads: WorkloadCapacity[] = [];
  const add = (object: any, podSpec: any, replicas: number, surge: number, maxReplicas = replicas) => {
    const workload = `${object.kind}/${object.metadata.name}`;
    const containers = (list: any[] | undefined): ContainerCapacity[] => (list ?? []).map((c) => ({
      name: c.name, requests: cpuMemoryOf(c.resources?.requests), limits: cpuMemoryOf(c.resources?.limits),
    }));
    workloads.push({
      workload, rolloutGroup: object.metadata.labels?.[NAME_LABEL] ?? workload, replicas, surge, maxReplicas,
      containers: containers(podSpec.containers), initContainers: containers(podSpec.initContainers),
    });
  };
  for (const o of objects) {
    const hpa = autoscalers.get(`${o.kind}/${o.metadata?.name}`);
    const replicas = hpa?.minReplicas ?? o.spec?.replicas ?? 1;
    switch (o.kind) {
      case 'Deployment':
        if (!lentTemplates.has(o.metadata.name)) add(o, o.spec.template.spec, replicas, surgeOf(o.spec.strategy, replicas), hpa?.maxReplicas);
        break;
      case 'Rollout': {
        const template = o.spec.template ?? deployments.get(o.spec.workloadRef?.name)?.spec.template;
        add(o, template.spec, replicas, percentOf(o.spec.strategy?.canary?.maxSurge ?? '25%', replicas), hpa?.maxReplicas);
        break;
      }
      case 'StatefulSet':
        add(o, o.spec.template.spec, replicas, 0, hpa?.maxReplicas);
        break;
      case 'CronJob':
        // A suspended CronJob (a restore template) runs only when someone creates a Job from it.
        if (!o.spec.suspend) add(o, o.spec.jobTemplate.spec.template.spec, o.spec.jobTemplate.spec.parallelism ?? 1, 0);
        break;
      case 'Job':
        add(o, o.spec.template.spec, o.spec.parallelism ?? 1, 0);
        break;
      case 'Prometheus':
      case 'Alertmanager':
        add(o, { containers: [{ name: o.kind.toLowerCase(), resources: o.spec.resources }] }, o.spec.replicas ?? 1, 0);
        break;
    }
  }
  return workloads;
}

/** The CPU and memory of a container's requests or limits (not its storage). */
function cpuMemoryOf(values: any): CpuMemory | undefined {
  return values === undefined ? undefined : { cpu: values.cpu, memory: values.memory };
}

/** Pods a RollingUpdate adds on top of the replicas: maxSurge, 25 % when unset, rounded up as Kubernetes does. */
function surgeOf(strategy: any, replicas: number): number {
  if (strategy?.type === 'Recreate') return 0;
  return percentOf(strategy?.rollingUpdate?.maxSurge ?? '25%', replicas);
}

function percentOf(value: number | string, replicas: number): number {
  return typeof value === 'number' ? value : Math.ceil((parseFloat(value) / 100) * replicas);
}

/**
 * One pod's requests and limits: the sum over containers, or the largest init container when
 * that is more (init containers run before, not beside, the others). A container without its
 * own values gets the LimitRange defaults, as admission would give it.
 */
function podTotals(w: WorkloadCapacity, limitRange: ContainerLimitRange | undefined, errors: string[]): ResourceTotals {
  const containerTotals = (c: ContainerCapacity) => {
    const value = (kind: 'requests' | 'limits', resource: 'cpu' | 'memory') => {
      const given = c[kind]?.[resource]
        ?? (kind === 'requests' ? c.limits?.[resource] ?? limitRange?.defaultRequest?.[resource] : limitRange?.default?.[resource]);
      if (given === undefined) return 0;
      return resource === 'cpu' ? parseCpuMillis(given) : parseQuantity(given);
    };
    const totals = {
      'requests.cpu': value('requests', 'cpu'), 'requests.memory': value('requests', 'memory'),
      'limits.cpu': value('limits', 'cpu'), 'limits.memory': value('limits', 'memory'), 'pods': 0,
    };
    errors.push(...limitRangeViolations(`${w.workload} container '${c.name}'`, totals, limitRange));
    return totals;
  };
  const main = w.containers.map(containerTotals).reduce(addTotals, ZERO);
  const init = w.initContainers.map(containerTotals)
    .reduce((a: ResourceTotals, b: ResourceTotals) => maxTotals(a, b), ZERO);
  return { ...maxTotals(main, init), pods: 1 };
}

function limitRangeViolations(what: string, totals: ResourceTotals, limitRange: ContainerLimitRange | undefined): string[] {
  if (!limitRange) return [];
  const problems: string[] = [];
  for (const resource of ['cpu', 'memory'] as const) {
    const show = resource === 'cpu' ? formatCpu : formatBytes;
    const parse = resource === 'cpu' ? parseCpuMillis : parseQuantity;
    const max = limitRange.max?.[resource] === undefined ? undefined : parse(limitRange.max[resource]);
    const min = limitRange.min?.[resource] === undefined ? undefined : parse(limitRange.min[resource]);
    const limit = totals[`limits.${resource}`];
    const request = totals[`requests.${resource}`];
    if (max !== undefined && limit > max) {
      problems.push(`${what}: ${resource} limit ${show(limit)} is above the LimitRange maximum ${show(max)}`);
    }
    if (min !== undefined && request < min) {
      problems.push(`${what}: ${resource} request ${show(request)} is below the LimitRange minimum ${show(min)}`);
    }
  }
  return problems;
}

/** Steady state plus the rollout that needs the most on top: all workloads of one service (a canary's tracks) surging at once. */
function largestRolloutPoint(workloads: readonly Workload[], quota: Partial<ResourceTotals>): CapacityPoint {
  const groups = [...new Set(workloads.filter((w) => w.surge > 0).map((w) => w.group))];
  const candidates = groups.map((group) => point(
    workloads.map((w) => consumer(w, w.replicas + (w.group === group ? w.surge : 0))),
    `the rollout of ${group} (${workloads.filter((w) => w.group === group).map((w) => `${w.ref} +${w.surge}`).join(', ')})`));
  if (candidates.length === 0) return point(workloads.map((w) => consumer(w, w.replicas)), 'no rolling update');
  // The largest rollout is the one that comes closest to (or goes furthest over) any quota.
  const pressure = (p: CapacityPoint) => Math.max(0, ...RESOURCE_NAMES.filter((r) => quota[r]).map((r) => p.used[r] / quota[r]!));
  return candidates.reduce((a, b) => (pressure(b) > pressure(a) ? b : a));
}

function consumer(w: Workload, pods: number): Consumer {
  return { workload: w.ref, pods, totals: scale(w.perPod, pods) };
}

function point(consumers: Consumer[], scenario: string): CapacityPoint {
  const used = consumers.map((c) => c.totals).reduce(addTotals, ZERO);
  const sorted = [...consumers].sort((a, b) => b.totals['requests.memory'] - a.totals['requests.memory'] || a.workload.localeCompare(b.workload));
  return { used, consumers: sorted, scenario };
}

function overQuota(p: CapacityPoint, quota: Partial<ResourceTotals>): ResourceName[] {
  return RESOURCE_NAMES.filter((r) => quota[r] !== undefined && p.used[r] > quota[r]!);
}

function overQuotaMessage(where: string, when: string, resource: ResourceName, p: CapacityPoint, quota: Partial<ResourceTotals>): string {
  const largest = [...p.consumers].sort((a, b) => b.totals[resource] - a.totals[resource]).slice(0, 3)
    .map((c) => `${c.workload} ${formatResource(resource, c.totals[resource])} (${c.pods} pods)`).join(', ');
  return `${where} ${when}: ${resource} ${formatResource(resource, p.used[resource])} exceeds the quota ${formatResource(resource, quota[resource]!)}; `
    + `largest consumers: ${largest}`;
}

/** A figure as Kubernetes writes it. */
export function formatResource(resource: ResourceName, value: number): string {
  if (!RESOURCE_NAMES.includes(resource)) throw invalidArgument('formatResource', 'resource', resource, `must be one of ${RESOURCE_NAMES.join(', ')}`);
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidArgument('formatResource', 'value', value, 'must be a finite number (millicores for CPU, bytes for memory, a count of pods)');
  if (resource.endsWith('.cpu')) return formatCpu(value);
  if (resource.endsWith('.memory')) return formatBytes(value);
  return String(value);
}

/** The committed capacity report: a table per namespace, then the warnings. */
export function capacityMarkdown(reports: readonly NamespaceCapacity[]): string {
  checkReports('capacityMarkdown', reports);
  const warnings = reports.flatMap((r) => r.warnings);
  return [
    '# Capacity',
    '',
    'Generated by `npm run synth` from the objects in dist/ (do not edit). Used / ResourceQuota at three points:',
    'steady state (every workload at its replicas or autoscaler minimum, one run of each CronJob), the largest',
    'rollout (steady state plus the surge of the one service whose rollout needs the most; a canary\'s tracks',
    'together), and every autoscaler at its maximum.',
    '',
    ...reports.flatMap((r) => [capacityTable(r), '']),
    '## Warnings',
    '',
    ...(warnings.length ? warnings.map((w) => `- ${w}`) : ['None: every autoscaler can reach its maximum within the quota.']),
    '',
  ].join('\n');
}

/** A Markdown table of one namespace: used / quota at the three points. */
export function capacityTable(report: NamespaceCapacity): string {
  checkReport('capacityTable', 'report', report);
  const cell = (p: CapacityPoint, r: ResourceName) => {
    const used = formatResource(r, p.used[r]);
    const quota = report.quota[r];
    if (quota === undefined) return used;
    return `${used} / ${formatResource(r, quota)} (${Math.round((p.used[r] / quota) * 100)} %)`;
  };
  const rows = RESOURCE_NAMES.map((r) =>
    `| ${r} | ${cell(report.steadyState, r)} | ${cell(report.largestRollout, r)} | ${cell(report.autoscalerMaxima, r)} |`);
  return [
    `| ${report.namespace} | steady state | largest rollout | autoscaler maxima |`,
    '|---|---|---|---|',
    ...rows,
    '',
    `Largest rollout: ${report.largestRollout.scenario}.`,
  ].join('\n');
}

function scale(t: ResourceTotals, n: number): ResourceTotals {
  return mapTotals(t, t, (a) => a * n);
}

function addTotals(a: ResourceTotals, b: ResourceTotals): ResourceTotals {
  return mapTotals(a, b, (x, y) => x + y);
}

function maxTotals(a: ResourceTotals, b: ResourceTotals): ResourceTotals {
  return mapTotals(a, b, Math.max);
}

function mapTotals(a: ResourceTotals, b: ResourceTotals, f: (x: number, y: number) => number): ResourceTotals {
  return {
    'requests.cpu': f(a['requests.cpu'], b['requests.cpu']),
    'requests.memory': f(a['requests.memory'], b['requests.memory']),
    'limits.cpu': f(a['limits.cpu'], b['limits.cpu']),
    'limits.memory': f(a['limits.memory'], b['limits.memory']),
    'pods': f(a.pods, b.pods),
  };
}
