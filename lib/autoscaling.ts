import { Duration, Size } from 'cdk8s';
import { Cpu, k8s } from 'cdk8s-plus-28';

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

  /** @internal */
  public _toKube(): k8s.HpaScalingPolicyV2 {
    return { type: this.type, value: this.value, periodSeconds: this.period.toSeconds() };
  }
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

export const DEFAULT_SCALE_UP: Required<ScalingBehavior> = {
  stabilizationWindow: Duration.seconds(60),
  policies: [ScalingPolicy.percent(100, Duration.seconds(15))],
  selectPolicy: 'Max',
};

export const DEFAULT_SCALE_DOWN: Required<ScalingBehavior> = {
  stabilizationWindow: Duration.seconds(300),
  policies: [ScalingPolicy.percent(10, Duration.seconds(60))],
  selectPolicy: 'Max',
};

export function scalingRules(behavior: ScalingBehavior | undefined, defaults: Required<ScalingBehavior>): k8s.HpaScalingRulesV2 {
  return {
    stabilizationWindowSeconds: (behavior?.stabilizationWindow ?? defaults.stabilizationWindow).toSeconds(),
    selectPolicy: behavior?.selectPolicy ?? defaults.selectPolicy,
    policies: (behavior?.policies ?? defaults.policies).map((p) => p._toKube()),
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
