import { Chart, JsonPatch, ApiObject, Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { DeliveryTier, IDeliverable } from './delivery';
import { FintechService } from './fintech-service';
import { dnsEgressRule, peerTargetsOf } from './network-policy';
import { invalidProp } from './shared/errors';
import { parseCpuMillis, parseQuantity } from './shared/quantity';
import { cpuMillis, cpuQuantity, memoryMiB, memoryQuantity } from './shared/resources';
import {
  checkConstructId, checkCpu, checkDnsLabel, checkInt32, checkInteger, checkKnownKeys, checkLabels, checkNoNulls, checkNotGivenAsUndefined, checkOneOf, checkSize,
} from './shared/validation';

/** Pod Security Admission levels (https://kubernetes.io/docs/concepts/security/pod-security-standards/). */
export enum PodSecurityLevel {
  RESTRICTED = 'restricted',
  BASELINE = 'baseline',
  PRIVILEGED = 'privileged',
}

/** The namespace's ResourceQuota: totals over all its pods. */
export interface EnvironmentQuota {
  /** Total CPU requests of the namespace's pods; whole millicores. */
  readonly requestsCpu: Cpu;
  /** Total memory requests; whole mebibytes. */
  readonly requestsMemory: Size;
  /** Total CPU limits; at least `requestsCpu`. */
  readonly limitsCpu: Cpu;
  /** Total memory limits; at least `requestsMemory`. */
  readonly limitsMemory: Size;
  /** @default 10 */
  readonly persistentVolumeClaims?: number;
}

/** What a container without its own resources gets, and the most any container may ask for (LimitRange). */
export interface ContainerLimits {
  /** @default Cpu.millis(100) */
  readonly defaultCpuRequest?: Cpu;
  /** @default Size.mebibytes(128) */
  readonly defaultMemoryRequest?: Size;
  /** @default Cpu.millis(500) */
  readonly defaultCpuLimit?: Cpu;
  /** @default Size.mebibytes(512) */
  readonly defaultMemoryLimit?: Size;
  /** @default Cpu.units(2) */
  readonly maxCpu?: Cpu;
  /** @default Size.gibibytes(4) */
  readonly maxMemory?: Size;
}

/** Properties of a {@link FintechEnvironment}. */
export interface FintechEnvironmentProps {
  /** The namespace's name; a DNS-1123 label of its own (not "default" or "kube-*"). */
  readonly namespace: string;
  /** Labels of the Namespace object (e.g. `environment`, `team`); Pod Security labels come from `podSecurity`. @default - none besides Pod Security labels */
  readonly labels?: Record<string, string>;
  /** The namespace's ResourceQuota. */
  readonly quota: EnvironmentQuota;
  /** @default - requests 100m / 128Mi, limits 500m / 512Mi, at most 2 CPU / 4Gi per container */
  readonly containerLimits?: ContainerLimits;
  /** Pod Security Admission level enforced (and warned and audited) on the namespace. @default PodSecurityLevel.RESTRICTED */
  readonly podSecurity?: PodSecurityLevel;
}

/**
 * One environment's namespace with its guard rails: Pod Security Admission labels, a
 * ResourceQuota, a LimitRange, and a default-deny NetworkPolicy for ingress and egress that
 * allows only cluster DNS. Services then open exactly the paths they need.
 *
 * Put it in a Chart without a namespace: the Namespace object is cluster-scoped, and the
 * namespaced objects here name their namespace themselves.
 */
export class FintechEnvironment extends Construct implements IDeliverable {
  public readonly deliveryTier = DeliveryTier.FOUNDATION;
  public readonly namespaceName: string;
  public readonly podSecurity: PodSecurityLevel;
  public readonly namespace: k8s.KubeNamespace;
  public readonly resourceQuota: k8s.KubeResourceQuota;
  public readonly limitRange: k8s.KubeLimitRange;
  public readonly defaultDenyPolicy: k8s.KubeNetworkPolicy;

  constructor(scope: Construct, id: string, props: FintechEnvironmentProps) {
    super(scope, checkConstructId(scope, id, new.target.name));
    checkKnownKeys(this, 'props', props, PROPS, "{ namespace: 'fintech-production', quota: { ... } }");
    checkNoNulls(this, props, { required: ['namespace', 'quota'] });
    checkNotGivenAsUndefined(this, props, 'podSecurity', 'a PodSecurityLevel, e.g. PodSecurityLevel.RESTRICTED');
    this.namespaceName = checkNamespaceName(this, props.namespace);
    this.podSecurity = checkOneOf(this, 'podSecurity', props.podSecurity ?? PodSecurityLevel.RESTRICTED, Object.values(PodSecurityLevel),
      'PodSecurityLevel.RESTRICTED, PodSecurityLevel.BASELINE or PodSecurityLevel.PRIVILEGED ("restricted", "baseline" or "privileged")');
    const labels = checkNamespaceLabels(this, 'labels', props.labels ?? {});
    const namespaced = (name: string): k8s.ObjectMeta => ({ name, namespace: this.namespaceName });

    this.namespace = new k8s.KubeNamespace(this, 'Resource', {
      metadata: { name: this.namespaceName, labels: { ...labels, ...podSecurityLabels(this.podSecurity) } },
    });
    if (Chart.of(this).namespace !== undefined) {
      ApiObject.of(this.namespace).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }

    this.resourceQuota = new k8s.KubeResourceQuota(this, 'ResourceQuota', {
      metadata: namespaced('compute-quota'),
      spec: { hard: resourceQuotaHard(this, 'quota', props.quota) },
    });

    this.limitRange = new k8s.KubeLimitRange(this, 'LimitRange', {
      metadata: namespaced('container-defaults'),
      spec: { limits: [containerLimitRange(this, 'containerLimits', props.containerLimits ?? {})] },
    });

    this.node.addValidation({ validate: () => [...this.checkNamespaceUnique(), ...this.servicesAboveLimits()] });

    this.defaultDenyPolicy = new k8s.KubeNetworkPolicy(this, 'DefaultDeny', {
      metadata: namespaced('default-deny'),
      spec: {
        podSelector: {},
        policyTypes: ['Ingress', 'Egress'],
        egress: [dnsEgressRule()],
      },
    });
  }

  /** Everything else lives in the namespace: it comes first. */
  public deliveryDependencies(): IConstruct[] {
    return [];
  }

  /** The services of the app in this namespace whose container limits are above the LimitRange's maximum: the API server would refuse their pods. */
  private servicesAboveLimits(): string[] {
    const max = this.limitRange.toJson().spec.limits.find((l: { type: string }) => l.type === 'Container')?.max ?? {};
    return peerTargetsOf(this).filter((t): t is FintechService => t instanceof FintechService && t.namespace === this.namespaceName)
      .flatMap((service) => containerLimitProblems(this, service, max));
  }

  /** Two environments of one app in the same namespace would overwrite each other's quota, limits and policy. */
  private checkNamespaceUnique(): string[] {
    const first = this.node.root.node.findAll()
      .find((c): c is FintechEnvironment => c instanceof FintechEnvironment && c.namespaceName === this.namespaceName);
    if (first === undefined || first === this) return [];
    return [invalidProp(this, 'namespace', this.namespaceName,
      `is already the namespace of FintechEnvironment '${first.node.path}'; each environment needs a namespace of its own`).message];
  }
}

const PROPS = ['namespace', 'labels', 'quota', 'containerLimits', 'podSecurity'];
const QUOTA_OPTIONS = ['requestsCpu', 'requestsMemory', 'limitsCpu', 'limitsMemory', 'persistentVolumeClaims'];
const LIMIT_OPTIONS = ['defaultCpuRequest', 'defaultMemoryRequest', 'defaultCpuLimit', 'defaultMemoryLimit', 'maxCpu', 'maxMemory'];
const POD_SECURITY_LABEL = /^pod-security\.kubernetes\.io\//;

/** A namespace of its own: a DNS-1123 label, and not one of Kubernetes' ("default", "kube-*"), which default-deny would cut off. */
function checkNamespaceName(scope: IConstruct, namespace: string): string {
  checkDnsLabel(scope, 'namespace', namespace);
  if (namespace === 'default' || namespace.startsWith('kube-')) {
    throw invalidProp(scope, 'namespace', namespace,
      'is a namespace of Kubernetes itself ("default" and "kube-*"), where a default-deny policy and a quota would cut off system workloads; name the environment\'s own namespace, e.g. "fintech-production"');
  }
  return namespace;
}

/** The Namespace's own labels; the Pod Security labels and the name label belong to `podSecurity` and to Kubernetes. */
export function checkNamespaceLabels(scope: IConstruct, prop: string, labels: Record<string, string>): Record<string, string> {
  checkLabels(scope, prop, labels);
  for (const key of Object.keys(labels)) {
    if (POD_SECURITY_LABEL.test(key)) {
      throw invalidProp(scope, prop, key, "is set from 'podSecurity' (e.g. podSecurity: PodSecurityLevel.BASELINE); leave Pod Security labels out of 'labels'");
    }
    if (key === 'kubernetes.io/metadata.name') {
      throw invalidProp(scope, prop, key, 'is set by Kubernetes to the namespace name; leave it out');
    }
  }
  return labels;
}

function podSecurityLabels(level: PodSecurityLevel): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const mode of ['enforce', 'audit', 'warn']) {
    labels[`pod-security.kubernetes.io/${mode}`] = level;
    labels[`pod-security.kubernetes.io/${mode}-version`] = 'v1.28';
  }
  return labels;
}

/** The ResourceQuota's hard limits for `quota`, checked; errors name `scope` and `prop` (e.g. 'quota.requestsCpu'). */
export function resourceQuotaHard(scope: IConstruct, prop: string, quota: EnvironmentQuota): Record<string, k8s.Quantity> {
  checkKnownKeys(scope, prop, quota, QUOTA_OPTIONS, '{ requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: ..., limitsMemory: ... }');
  checkNoNulls(scope, quota, { prefix: prop, required: ['requestsCpu', 'requestsMemory', 'limitsCpu', 'limitsMemory'] });
  for (const field of ['requestsCpu', 'limitsCpu'] as const) checkCpu(scope, `${prop}.${field}`, quota[field]);
  for (const field of ['requestsMemory', 'limitsMemory'] as const) checkSize(scope, `${prop}.${field}`, quota[field]);
  if (cpuMillis(quota.limitsCpu) < cpuMillis(quota.requestsCpu)) {
    throw invalidProp(scope, `${prop}.limitsCpu`, cpuQuantity(quota.limitsCpu), `must not be below '${prop}.requestsCpu' (${cpuQuantity(quota.requestsCpu)})`);
  }
  if (memoryMiB(quota.limitsMemory) < memoryMiB(quota.requestsMemory)) {
    throw invalidProp(scope, `${prop}.limitsMemory`, memoryQuantity(quota.limitsMemory),
      `must not be below '${prop}.requestsMemory' (${memoryQuantity(quota.requestsMemory)})`);
  }
  const pvcs = checkInt32(scope, `${prop}.persistentVolumeClaims`, checkInteger(scope, `${prop}.persistentVolumeClaims`, quota.persistentVolumeClaims ?? 10, 0));
  return {
    'requests.cpu': k8s.Quantity.fromString(cpuQuantity(quota.requestsCpu)),
    'requests.memory': k8s.Quantity.fromString(memoryQuantity(quota.requestsMemory)),
    'limits.cpu': k8s.Quantity.fromString(cpuQuantity(quota.limitsCpu)),
    'limits.memory': k8s.Quantity.fromString(memoryQuantity(quota.limitsMemory)),
    'persistentvolumeclaims': k8s.Quantity.fromString(String(pvcs)),
  };
}

/** The LimitRange item for `limits`, checked; errors name `scope` and `prop` (e.g. 'containerLimits.maxCpu'). */
export function containerLimitRange(scope: IConstruct, prop: string, limits: ContainerLimits): k8s.LimitRangeItem {
  checkKnownKeys(scope, prop, limits, LIMIT_OPTIONS, '{ maxCpu: Cpu.units(2), maxMemory: Size.gibibytes(4) }');
  for (const field of ['defaultCpuRequest', 'defaultCpuLimit', 'maxCpu'] as const) {
    if (limits[field] !== undefined) checkCpu(scope, `${prop}.${field}`, limits[field]);
  }
  for (const field of ['defaultMemoryRequest', 'defaultMemoryLimit', 'maxMemory'] as const) {
    if (limits[field] !== undefined) checkSize(scope, `${prop}.${field}`, limits[field]);
  }
  const cpu = {
    request: limits.defaultCpuRequest ?? Cpu.millis(100),
    limit: limits.defaultCpuLimit ?? Cpu.millis(500),
    max: limits.maxCpu ?? Cpu.units(2),
  };
  const memory = {
    request: limits.defaultMemoryRequest ?? Size.mebibytes(128),
    limit: limits.defaultMemoryLimit ?? Size.mebibytes(512),
    max: limits.maxMemory ?? Size.gibibytes(4),
  };
  // When only the higher bound was given, below the lower one's default, the given one is wrong.
  const defaulted = (field: string, highField: string) => limits[field as keyof ContainerLimits] === undefined
    && limits[highField as keyof ContainerLimits] !== undefined;
  const cpuOrdered = (field: string, low: Cpu, high: Cpu, highField: string) => {
    if (cpuMillis(low) > cpuMillis(high) && defaulted(field, highField)) {
      throw invalidProp(scope, `${prop}.${highField}`, cpuQuantity(high), `must be at least '${field}' (${cpuQuantity(low)}, its default when not given)`);
    }
    if (cpuMillis(low) > cpuMillis(high)) {
      throw invalidProp(scope, `${prop}.${field}`, cpuQuantity(low), `must not exceed '${highField}' (${cpuQuantity(high)})`);
    }
  };
  const memoryOrdered = (field: string, low: Size, high: Size, highField: string) => {
    if (memoryMiB(low) > memoryMiB(high) && defaulted(field, highField)) {
      throw invalidProp(scope, `${prop}.${highField}`, memoryQuantity(high), `must be at least '${field}' (${memoryQuantity(low)}, its default when not given)`);
    }
    if (memoryMiB(low) > memoryMiB(high)) {
      throw invalidProp(scope, `${prop}.${field}`, memoryQuantity(low), `must not exceed '${highField}' (${memoryQuantity(high)})`);
    }
  };
  cpuOrdered('defaultCpuRequest', cpu.request, cpu.limit, 'defaultCpuLimit');
  cpuOrdered('defaultCpuLimit', cpu.limit, cpu.max, 'maxCpu');
  memoryOrdered('defaultMemoryRequest', memory.request, memory.limit, 'defaultMemoryLimit');
  memoryOrdered('defaultMemoryLimit', memory.limit, memory.max, 'maxMemory');
  const quantities = (c: Cpu, m: Size) => ({
    cpu: k8s.Quantity.fromString(cpuQuantity(c)),
    memory: k8s.Quantity.fromString(memoryQuantity(m)),
  });
  return {
    type: 'Container',
    defaultRequest: quantities(cpu.request, memory.request),
    default: quantities(cpu.limit, memory.limit),
    max: quantities(cpu.max, memory.max),
  };
}

/**
 * Why the container of `service` would be refused in `namespace` by a LimitRange whose `Container`
 * maximum is `max` (Kubernetes quantities): errors name the service and `resources.cpu.limit` or
 * `resources.memory.limit`, and the environment option to raise.
 */
function containerLimitProblems(environment: FintechEnvironment, service: FintechService, max: Readonly<Record<string, string>>): string[] {
  const limits = service.deployment.toJson().spec.template.spec.containers[0].resources?.limits ?? {};
  const problems: string[] = [];
  for (const [resource, option, parse] of [['cpu', 'maxCpu', parseCpuMillis], ['memory', 'maxMemory', parseQuantity]] as const) {
    if (limits[resource] === undefined || max[resource] === undefined || parse(limits[resource]) <= parse(max[resource])) continue;
    problems.push(invalidProp(service, `resources.${resource}.limit`, limits[resource], `is above the most a container may have in namespace`
      + ` '${environment.namespaceName}' (${max[resource]}, 'containerLimits.${option}' of FintechEnvironment '${environment.node.path}'):`
      + ` the API server would refuse every pod; lower the limit or raise the environment's ${option}`).message);
  }
  return problems;
}
