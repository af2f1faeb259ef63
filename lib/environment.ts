import { Chart, JsonPatch, ApiObject, Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { DeliveryTier, IDeliverable } from './delivery';
import { dnsEgressRule } from './network-policy';
import { invalidProp } from './shared/errors';
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
    const labels = checkNamespaceLabels(this, props.labels ?? {});
    const namespaced = (name: string): k8s.ObjectMeta => ({ name, namespace: this.namespaceName });

    this.namespace = new k8s.KubeNamespace(this, 'Resource', {
      metadata: { name: this.namespaceName, labels: { ...labels, ...podSecurityLabels(this.podSecurity) } },
    });
    if (Chart.of(this).namespace !== undefined) {
      ApiObject.of(this.namespace).addJsonPatch(JsonPatch.remove('/metadata/namespace'));
    }

    this.resourceQuota = new k8s.KubeResourceQuota(this, 'ResourceQuota', {
      metadata: namespaced('compute-quota'),
      spec: { hard: this.quotaLimits(props.quota) },
    });

    this.limitRange = new k8s.KubeLimitRange(this, 'LimitRange', {
      metadata: namespaced('container-defaults'),
      spec: { limits: [this.containerLimitRange(props.containerLimits ?? {})] },
    });

    this.node.addValidation({ validate: () => this.checkNamespaceUnique() });

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

  /** Two environments of one app in the same namespace would overwrite each other's quota, limits and policy. */
  private checkNamespaceUnique(): string[] {
    const first = this.node.root.node.findAll()
      .find((c): c is FintechEnvironment => c instanceof FintechEnvironment && c.namespaceName === this.namespaceName);
    if (first === undefined || first === this) return [];
    return [invalidProp(this, 'namespace', this.namespaceName,
      `is already the namespace of FintechEnvironment '${first.node.path}'; each environment needs a namespace of its own`).message];
  }

  private quotaLimits(quota: EnvironmentQuota): Record<string, k8s.Quantity> {
    checkKnownKeys(this, 'quota', quota, QUOTA_OPTIONS, '{ requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: ..., limitsMemory: ... }');
    checkNoNulls(this, quota, { prefix: 'quota', required: ['requestsCpu', 'requestsMemory', 'limitsCpu', 'limitsMemory'] });
    for (const prop of ['requestsCpu', 'limitsCpu'] as const) checkCpu(this, `quota.${prop}`, quota[prop]);
    for (const prop of ['requestsMemory', 'limitsMemory'] as const) checkSize(this, `quota.${prop}`, quota[prop]);
    if (cpuMillis(quota.limitsCpu) < cpuMillis(quota.requestsCpu)) {
      throw invalidProp(this, 'quota.limitsCpu', cpuQuantity(quota.limitsCpu), `must not be below 'quota.requestsCpu' (${cpuQuantity(quota.requestsCpu)})`);
    }
    if (memoryMiB(quota.limitsMemory) < memoryMiB(quota.requestsMemory)) {
      throw invalidProp(this, 'quota.limitsMemory', memoryQuantity(quota.limitsMemory),
        `must not be below 'quota.requestsMemory' (${memoryQuantity(quota.requestsMemory)})`);
    }
    const pvcs = checkInt32(this, 'quota.persistentVolumeClaims', checkInteger(this, 'quota.persistentVolumeClaims', quota.persistentVolumeClaims ?? 10, 0));
    return {
      'requests.cpu': k8s.Quantity.fromString(cpuQuantity(quota.requestsCpu)),
      'requests.memory': k8s.Quantity.fromString(memoryQuantity(quota.requestsMemory)),
      'limits.cpu': k8s.Quantity.fromString(cpuQuantity(quota.limitsCpu)),
      'limits.memory': k8s.Quantity.fromString(memoryQuantity(quota.limitsMemory)),
      'persistentvolumeclaims': k8s.Quantity.fromString(String(pvcs)),
    };
  }

  private containerLimitRange(limits: ContainerLimits): k8s.LimitRangeItem {
    checkKnownKeys(this, 'containerLimits', limits, LIMIT_OPTIONS, '{ maxCpu: Cpu.units(2), maxMemory: Size.gibibytes(4) }');
    for (const prop of ['defaultCpuRequest', 'defaultCpuLimit', 'maxCpu'] as const) {
      if (limits[prop] !== undefined) checkCpu(this, `containerLimits.${prop}`, limits[prop]);
    }
    for (const prop of ['defaultMemoryRequest', 'defaultMemoryLimit', 'maxMemory'] as const) {
      if (limits[prop] !== undefined) checkSize(this, `containerLimits.${prop}`, limits[prop]);
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
    const defaulted = (prop: string, highProp: string) => limits[prop as keyof ContainerLimits] === undefined
      && limits[highProp as keyof ContainerLimits] !== undefined;
    const cpuOrdered = (prop: string, low: Cpu, high: Cpu, highProp: string) => {
      if (cpuMillis(low) > cpuMillis(high) && defaulted(prop, highProp)) {
        throw invalidProp(this, `containerLimits.${highProp}`, cpuQuantity(high), `must be at least '${prop}' (${cpuQuantity(low)}, its default when not given)`);
      }
      if (cpuMillis(low) > cpuMillis(high)) {
        throw invalidProp(this, `containerLimits.${prop}`, cpuQuantity(low), `must not exceed '${highProp}' (${cpuQuantity(high)})`);
      }
    };
    const memoryOrdered = (prop: string, low: Size, high: Size, highProp: string) => {
      if (memoryMiB(low) > memoryMiB(high) && defaulted(prop, highProp)) {
        throw invalidProp(this, `containerLimits.${highProp}`, memoryQuantity(high), `must be at least '${prop}' (${memoryQuantity(low)}, its default when not given)`);
      }
      if (memoryMiB(low) > memoryMiB(high)) {
        throw invalidProp(this, `containerLimits.${prop}`, memoryQuantity(low), `must not exceed '${highProp}' (${memoryQuantity(high)})`);
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
function checkNamespaceLabels(scope: IConstruct, labels: Record<string, string>): Record<string, string> {
  checkLabels(scope, 'labels', labels);
  for (const key of Object.keys(labels)) {
    if (POD_SECURITY_LABEL.test(key)) {
      throw invalidProp(scope, 'labels', key, "is set from 'podSecurity' (e.g. podSecurity: PodSecurityLevel.BASELINE); leave Pod Security labels out of 'labels'");
    }
    if (key === 'kubernetes.io/metadata.name') {
      throw invalidProp(scope, 'labels', key, 'is set by Kubernetes to the namespace name; leave it out');
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
