import { Size, SizeRoundingBehavior } from 'cdk8s';
import { ContainerResources, Cpu, k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { invalidProp } from './errors';
import { checkCpu, checkKnownKeys, checkSize } from './validation';

/** Quantities in one place: typed `Cpu` and `Size` in, Kubernetes quantity strings out. */

/** CPU in millicores, for comparisons (`Cpu.millis(600)` → 600, `Cpu.units(1.5)` → 1500). */
export function cpuMillis(cpu: Cpu): number {
  const amount = cpu.amount;
  return amount.endsWith('m') ? Number(amount.slice(0, -1)) : Number(amount) * 1000;
}

/** `Cpu.millis(1500)` → "1500m", `Cpu.units(2)` → "2". */
export function cpuQuantity(cpu: Cpu): string {
  return cpu.amount;
}

/** Whole mebibytes, shown as Gi when the size is a whole number of gibibytes: "512Mi", "1536Mi", "3Gi". */
export function memoryQuantity(size: Size): string {
  const mebibytes = memoryMiB(size);
  return mebibytes % 1024 === 0 ? `${mebibytes / 1024}Gi` : `${mebibytes}Mi`;
}

export function memoryMiB(size: Size): number {
  return size.toMebibytes({ rounding: SizeRoundingBehavior.FLOOR });
}

/** Requests and limits a container gets when its props leave them out. */
export interface ResourceDefaults {
  readonly cpuRequest: Cpu;
  readonly cpuLimit: Cpu;
  readonly memoryRequest: Size;
  readonly memoryLimit: Size;
  /** With `ephemeralLimit`: also set ephemeral storage. */
  readonly ephemeralRequest?: Size;
  readonly ephemeralLimit?: Size;
}

/** Validated requests and limits, as Kubernetes quantity strings by resource name. */
export interface ResourceQuantities {
  readonly requests: Record<string, string>;
  readonly limits: Record<string, string>;
}

/**
 * A container's requests and limits: what `given` sets, the defaults for the rest. Each request
 * must be positive and at most its limit; the error names `<prop>.<resource>.request`.
 */
export function checkedResources(scope: IConstruct, prop: string, given: ContainerResources, defaults: ResourceDefaults): ResourceQuantities {
  checkKnownKeys(scope, prop, given, ['cpu', 'memory', 'ephemeralStorage'], '{ cpu: { request: Cpu.millis(250), limit: Cpu.millis(500) } }');
  for (const key of ['cpu', 'memory', 'ephemeralStorage'] as const) {
    const pair = given[key];
    if (pair === undefined) continue;
    checkKnownKeys(scope, `${prop}.${key}`, pair, ['request', 'limit'],
      key === 'cpu' ? '{ request: Cpu.millis(250), limit: Cpu.millis(500) }' : '{ request: Size.mebibytes(512), limit: Size.gibibytes(1) }');
    for (const end of ['request', 'limit'] as const) {
      const amount: unknown = pair[end];
      if (amount === undefined) continue;
      if (key === 'cpu') checkCpu(scope, `${prop}.${key}.${end}`, amount as Cpu);
      else checkSize(scope, `${prop}.${key}.${end}`, amount as Size);
    }
  }
  const requests: Record<string, string> = {};
  const limits: Record<string, string> = {};
  const pair = (resource: string, key: string, request: number, limit: number, shown: [string, string]) => {
    if (!(request > 0)) throw invalidProp(scope, `${prop}.${key}.request`, shown[0], 'must be greater than 0');
    // Only a limit was given, below the default request: the limit is what to change.
    const limitOnly = given[key as keyof ContainerResources]?.limit !== undefined && given[key as keyof ContainerResources]?.request === undefined;
    if (request > limit && limitOnly) {
      throw invalidProp(scope, `${prop}.${key}.limit`, shown[1], `must be at least the request (${shown[0]}, the default when '${prop}.${key}.request' is not given)`);
    }
    if (request > limit) throw invalidProp(scope, `${prop}.${key}.request`, shown[0], `must not exceed the limit (${shown[1]})`);
    [requests[resource], limits[resource]] = shown;
  };
  const cpu = [given.cpu?.request ?? defaults.cpuRequest, given.cpu?.limit ?? defaults.cpuLimit];
  pair('cpu', 'cpu', cpuMillis(cpu[0]), cpuMillis(cpu[1]), [cpuQuantity(cpu[0]), cpuQuantity(cpu[1])]);
  const memory = [given.memory?.request ?? defaults.memoryRequest, given.memory?.limit ?? defaults.memoryLimit];
  pair('memory', 'memory', memoryMiB(memory[0]), memoryMiB(memory[1]), [memoryQuantity(memory[0]), memoryQuantity(memory[1])]);
  const ephemeralRequest = given.ephemeralStorage?.request ?? defaults.ephemeralRequest;
  const ephemeralLimit = given.ephemeralStorage?.limit ?? defaults.ephemeralLimit;
  if (ephemeralRequest && ephemeralLimit) {
    pair('ephemeral-storage', 'ephemeralStorage', memoryMiB(ephemeralRequest), memoryMiB(ephemeralLimit),
      [memoryQuantity(ephemeralRequest), memoryQuantity(ephemeralLimit)]);
  }
  return { requests, limits };
}

/** The same quantities as a core `ResourceRequirements`. */
export function kubeResources(quantities: ResourceQuantities): k8s.ResourceRequirements {
  const toKube = (record: Record<string, string>) =>
    Object.fromEntries(Object.entries(record).map(([name, value]) => [name, k8s.Quantity.fromString(value)]));
  return { requests: toKube(quantities.requests), limits: toKube(quantities.limits) };
}
