import { Duration, Lazy, Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import {
  VerticalPodAutoscaler, VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesControlledValues,
  VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed, VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed,
  VerticalPodAutoscalerSpecUpdatePolicyUpdateMode,
} from '../imports/verticalpodautoscalers-autoscaling.k8s.io';
import { invalidProp } from './shared/errors';
import { cpuMillis, cpuQuantity, memoryMiB, memoryQuantity } from './shared/resources';
import {
  checkArray, checkCpu, checkDuration, checkInstance, checkInt32, checkInteger, checkKnownKeys, checkNoNulls, checkNumber, checkOneOf, checkPercent, checkSize,
} from './shared/validation';

/** One HPA scaling policy: change by a percentage or a number of pods per period. */
export class ScalingPolicy {
  /** At most `percent` % of the current replicas per `period`. */
  public static percent(percent: number, period: Duration): ScalingPolicy {
    return new ScalingPolicy('Percent', percent, period);
  }

  /** At most `pods` pods per `period`. */
  public static pods(pods: number, period: Duration): ScalingPolicy {
    return new ScalingPolicy('Pods', pods, period);
  }

  private constructor(
    public readonly type: 'Percent' | 'Pods',
    public readonly value: number,
    public readonly period: Duration,
  ) {}
}

/** How fast the autoscaler may move in one direction. */
export interface ScalingBehavior {
  /**
   * How long the autoscaler looks back before acting, so a short spike or dip does not flap the replicas.
   * @default - 60 seconds for scale-up, 300 seconds for scale-down
   */
  readonly stabilizationWindow?: Duration;
  /**
   * The policies limiting each step.
   * @default - scale-up: +100 % per 15 s; scale-down: −10 % per 60 s
   */
  readonly policies?: ScalingPolicy[];
  /**
   * Which policy wins when several apply: `Max` allows the larger change, `Min` the smaller.
   * @default "Max"
   */
  readonly selectPolicy?: 'Max' | 'Min';
}

/** HorizontalPodAutoscaler (autoscaling/v2) settings. */
export interface AutoscalingOptions {
  /** @default - the service's `replicas` */
  readonly minReplicas?: number;
  /** @default - 10, or `minReplicas` when that is larger */
  readonly maxReplicas?: number;
  /** Average CPU utilisation target, in percent of the request. @default 70 */
  readonly cpuUtilizationPercent?: number;
  /** Average memory utilisation target, in percent of the request. @default 80 */
  readonly memoryUtilizationPercent?: number;
  /** @default - stabilization 60 s; at most +100 % per 15 s */
  readonly scaleUp?: ScalingBehavior;
  /** @default - stabilization 300 s; at most −10 % per 60 s */
  readonly scaleDown?: ScalingBehavior;
}

const DEFAULT_SCALE_UP: Required<ScalingBehavior> = {
  stabilizationWindow: Duration.seconds(60),
  policies: [ScalingPolicy.percent(100, Duration.seconds(15))],
  selectPolicy: 'Max',
};

const DEFAULT_SCALE_DOWN: Required<ScalingBehavior> = {
  stabilizationWindow: Duration.seconds(300),
  policies: [ScalingPolicy.percent(10, Duration.seconds(60))],
  selectPolicy: 'Max',
};

const SCALING_BEHAVIOR_OPTIONS = ['stabilizationWindow', 'policies', 'selectPolicy'];

/** The rules of one direction, checked against the API server's ranges (a policy's period 1 s to 30 min, a window up to 1 hour). */
function scalingRules(scope: IConstruct, prop: string, behavior: ScalingBehavior | undefined, defaults: Required<ScalingBehavior>): k8s.HpaScalingRulesV2 {
  if (behavior !== undefined) {
    checkKnownKeys(scope, prop, behavior, SCALING_BEHAVIOR_OPTIONS, '{ stabilizationWindow: Duration.minutes(5) }');
    checkNoNulls(scope, behavior, { prefix: prop });
  }
  const policies = checkArray<ScalingPolicy>(scope, `${prop}.policies`, behavior?.policies ?? defaults.policies,
    '[ScalingPolicy.percent(10, Duration.minutes(1))]');
  if (policies.length === 0) throw invalidProp(scope, `${prop}.policies`, [], 'must hold at least one ScalingPolicy');
  return {
    stabilizationWindowSeconds: checkDuration(scope, `${prop}.stabilizationWindow`, behavior?.stabilizationWindow ?? defaults.stabilizationWindow,
      { minSeconds: 0, maxSeconds: 3600, example: 'e.g. Duration.minutes(5)' }),
    selectPolicy: checkOneOf(scope, `${prop}.selectPolicy`, behavior?.selectPolicy ?? defaults.selectPolicy, ['Max', 'Min']),
    policies: policies.map((policy, i) => {
      const at = `${prop}.policies[${i}]`;
      checkInstance(scope, at, policy, ScalingPolicy, 'ScalingPolicy.percent(10, Duration.minutes(1)) or ScalingPolicy.pods(2, Duration.minutes(1))');
      return {
        type: policy.type,
        value: checkInt32(scope, `${at}.value`, checkInteger(scope, `${at}.value`, checkNumber(scope, `${at}.value`, policy.value), 1)),
        periodSeconds: checkDuration(scope, `${at}.period`, policy.period, { maxSeconds: 1800, example: 'e.g. Duration.minutes(1)' }),
      };
    }),
  };
}

/**
 * A VerticalPodAutoscaler's bounds for the service's container. With a HorizontalPodAutoscaler
 * on the same CPU and memory metrics, the two would fight (the VPA resizes pods, which changes
 * the utilisation the HPA scales on), so the VPA then only recommends (`updateMode: Off`); it
 * applies its values itself (`Auto`) only for a service without an HPA.
 */
export interface VerticalAutoscalingOptions {
  /** @default Cpu.millis(100) */
  readonly minCpu?: Cpu;
  /** @default Size.mebibytes(50) */
  readonly minMemory?: Size;
  /** @default Cpu.units(1) */
  readonly maxCpu?: Cpu;
  /** @default Size.mebibytes(500) */
  readonly maxMemory?: Size;
}

const DEFAULT_MAX_REPLICAS = 10;
const AUTOSCALING_OPTIONS = ['minReplicas', 'maxReplicas', 'cpuUtilizationPercent', 'memoryUtilizationPercent', 'scaleUp', 'scaleDown'];
const DEFAULT_CPU_UTILIZATION_PERCENT = 70;
const DEFAULT_MEMORY_UTILIZATION_PERCENT = 80;

/** The lowest and highest number of pods; equal when nothing scales the workload. */
export interface ReplicaBounds {
  readonly min: number;
  readonly max: number;
}

/**
 * The replica bounds `autoscaling` allows (checked), from the workload's `replicas`: with
 * autoscaling off both are `replicas`.
 */
export function replicaBounds(scope: IConstruct, replicas: number, autoscaling: AutoscalingOptions | undefined): ReplicaBounds {
  if (autoscaling !== undefined) {
    checkKnownKeys(scope, 'autoscaling', autoscaling, AUTOSCALING_OPTIONS, '{ maxReplicas: 10 }');
    checkNoNulls(scope, autoscaling, { prefix: 'autoscaling' });
  }
  const count = (prop: string, value: unknown) => checkInt32(scope, prop, checkInteger(scope, prop, checkNumber(scope, prop, value), 1));
  const min = count('autoscaling.minReplicas', autoscaling?.minReplicas ?? replicas);
  const max = count('autoscaling.maxReplicas', autoscaling?.maxReplicas ?? (autoscaling ? Math.max(DEFAULT_MAX_REPLICAS, min) : replicas));
  if (min > max && autoscaling?.minReplicas === undefined) {
    throw invalidProp(scope, 'autoscaling.maxReplicas', max,
      `must be at least 'replicas' (${min}), which is the autoscaler's minimum when 'autoscaling.minReplicas' is not given`);
  }
  if (min > max) {
    throw invalidProp(scope, 'autoscaling.minReplicas', min, `must not exceed 'autoscaling.maxReplicas' (${max})`);
  }
  return { min, max };
}

/**
 * The HorizontalPodAutoscaler (id `Autoscaler`) of a workload. Bounds and target are read at
 * synth time, so that the owner can change them after construction.
 */
export function createHorizontalAutoscaler(
  scope: Construct, metadata: k8s.ObjectMeta, options: AutoscalingOptions,
  bounds: () => ReplicaBounds, target: () => k8s.CrossVersionObjectReferenceV2,
): k8s.KubeHorizontalPodAutoscalerV2 {
  return new k8s.KubeHorizontalPodAutoscalerV2(scope, 'Autoscaler', {
    metadata,
    spec: {
      scaleTargetRef: Lazy.any({ produce: target }),
      minReplicas: Lazy.any({ produce: () => bounds().min }),
      maxReplicas: Lazy.any({ produce: () => bounds().max }),
      metrics: [
        utilizationMetric('cpu', percent(scope, 'autoscaling.cpuUtilizationPercent', options.cpuUtilizationPercent ?? DEFAULT_CPU_UTILIZATION_PERCENT)),
        utilizationMetric('memory',
          percent(scope, 'autoscaling.memoryUtilizationPercent', options.memoryUtilizationPercent ?? DEFAULT_MEMORY_UTILIZATION_PERCENT)),
      ],
      behavior: {
        scaleUp: scalingRules(scope, 'autoscaling.scaleUp', options.scaleUp, DEFAULT_SCALE_UP),
        scaleDown: scalingRules(scope, 'autoscaling.scaleDown', options.scaleDown, DEFAULT_SCALE_DOWN),
      },
    },
  });
}

function percent(scope: IConstruct, prop: string, value: unknown): number {
  return checkPercent(scope, prop, checkNumber(scope, prop, value));
}

function utilizationMetric(resource: 'cpu' | 'memory', averageUtilization: number): k8s.MetricSpecV2 {
  return { type: 'Resource', resource: { name: resource, target: { type: 'Utilization', averageUtilization } } };
}

const DEFAULT_VPA_BOUNDS: Required<VerticalAutoscalingOptions> = {
  minCpu: Cpu.millis(100),
  maxCpu: Cpu.units(1),
  minMemory: Size.mebibytes(50),
  maxMemory: Size.mebibytes(500),
};

/**
 * The VerticalPodAutoscaler (id `VerticalAutoscaler`) of `target`'s container `containerName`:
 * recommendations only (`Off`) beside an HPA, `Auto` without one.
 */
export function createVerticalAutoscaler(
  scope: Construct, metadata: k8s.ObjectMeta, target: k8s.CrossVersionObjectReferenceV2, containerName: string,
  options: VerticalAutoscalingOptions, withHpa: boolean,
): VerticalPodAutoscaler {
  checkKnownKeys(scope, 'verticalAutoscaling', options, ['minCpu', 'maxCpu', 'minMemory', 'maxMemory'], '{ maxMemory: Size.gibibytes(1) }');
  const { minCpu, maxCpu, minMemory, maxMemory } = { ...DEFAULT_VPA_BOUNDS, ...definedOnly(options) };
  checkCpu(scope, 'verticalAutoscaling.minCpu', minCpu);
  checkCpu(scope, 'verticalAutoscaling.maxCpu', maxCpu);
  checkSize(scope, 'verticalAutoscaling.minMemory', minMemory);
  checkSize(scope, 'verticalAutoscaling.maxMemory', maxMemory);
  if (cpuMillis(minCpu) > cpuMillis(maxCpu) && options.minCpu === undefined) {
    throw invalidProp(scope, 'verticalAutoscaling.maxCpu', cpuQuantity(maxCpu),
      `must be at least 'verticalAutoscaling.minCpu' (${cpuQuantity(minCpu)}, its default when not given)`);
  }
  if (memoryMiB(minMemory) > memoryMiB(maxMemory) && options.minMemory === undefined) {
    throw invalidProp(scope, 'verticalAutoscaling.maxMemory', memoryQuantity(maxMemory),
      `must be at least 'verticalAutoscaling.minMemory' (${memoryQuantity(minMemory)}, its default when not given)`);
  }
  if (cpuMillis(minCpu) > cpuMillis(maxCpu)) {
    throw invalidProp(scope, 'verticalAutoscaling.minCpu', cpuQuantity(minCpu), `must not exceed 'verticalAutoscaling.maxCpu' (${cpuQuantity(maxCpu)})`);
  }
  if (memoryMiB(minMemory) > memoryMiB(maxMemory)) {
    throw invalidProp(scope, 'verticalAutoscaling.minMemory', memoryQuantity(minMemory),
      `must not exceed 'verticalAutoscaling.maxMemory' (${memoryQuantity(maxMemory)})`);
  }
  return new VerticalPodAutoscaler(scope, 'VerticalAutoscaler', {
    metadata,
    spec: {
      targetRef: target,
      updatePolicy: { updateMode: withHpa ? VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.OFF : VerticalPodAutoscalerSpecUpdatePolicyUpdateMode.AUTO },
      resourcePolicy: {
        containerPolicies: [{
          containerName,
          controlledValues: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesControlledValues.REQUESTS_AND_LIMITS,
          minAllowed: {
            cpu: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed.fromString(cpuQuantity(minCpu)),
            memory: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMinAllowed.fromString(memoryQuantity(minMemory)),
          },
          maxAllowed: {
            cpu: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed.fromString(cpuQuantity(maxCpu)),
            memory: VerticalPodAutoscalerSpecResourcePolicyContainerPoliciesMaxAllowed.fromString(memoryQuantity(maxMemory)),
          },
        }],
      },
    },
  });
}

function definedOnly<T extends object>(options: T): Partial<T> {
  return Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined)) as Partial<T>;
}
