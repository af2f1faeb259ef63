import { Chart, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import {
  AnalysisTemplate, AnalysisTemplateSpecMetrics, AnalysisTemplateSpecMetricsConsecutiveErrorLimit, AnalysisTemplateSpecMetricsFailureLimit,
  AnalysisTemplateSpecMetricsInconclusiveLimit,
} from '../imports/analysistemplates-argoproj.io';
import { PrometheusRule } from '../imports/prometheusrules-monitoring.coreos.com';
import { Rollout, RolloutSpecStrategyCanarySteps, RolloutSpecStrategyCanaryStepsPauseDuration } from '../imports/rollouts-argoproj.io';
import { FINTECH_SERVICE_PROPS, FintechService, FintechServiceProps } from './fintech-service';
import { checkWholeSeconds, goDuration } from './shared/duration';
import { constructLabel, invalidProp, reportErrorsAs } from './shared/errors';
import { kindOf } from './shared/secrets';
import { COMPONENT_LABEL, imageVersion, serviceLabels } from './shared/labels';
import { alertRule, checkRunbookBaseUrl, renderRuleGroup, RuleGroup, Severity } from './monitoring/alert-rules';
import {
  crashLooping, errorRatePercent, latencyQuantileSeconds, measuredErrorRatePercent, minOverTime,
} from './shared/promql';
import {
  checkArray, checkBoolean, checkConstructId, checkDnsLabel, checkDuration, checkInstance, checkInt32, checkInteger, checkKnownKeys, checkNoNullOptions,
  checkNoNulls, checkNotSecret, checkNumber, checkOneOf, checkRecord, checkUrl, checkWorkloadImage,
} from './shared/validation';

/** Which controller moves the canary forward. */
export enum CanaryBackend {
  /**
   * Argo Rollouts: a `Rollout` steps through the weights by itself, pausing between steps, and
   * aborts (rolls back) on its own when the analysis fails. Needs the Argo Rollouts controller.
   */
  ARGO_ROLLOUTS = 'argo-rollouts',
  /**
   * Plain Kubernetes: a stable and a canary Deployment behind one Service, sized to the current
   * phase; the phase is changed in git, and alerts say when to roll back. Needs no controller.
   */
  PLAIN_KUBERNETES = 'plain-kubernetes',
}

/** A canary phase: the share of traffic (and pods) the canary gets. */
export class CanaryPhase {
  /** `percent` % of the traffic on the canary; 100 completes the rollout. */
  public static percent(percent: number): CanaryPhase {
    return new CanaryPhase(percent);
  }

  private constructor(public readonly percent: number) {}
}

/** The analysis that gates promotion: thresholds on the canary's error rate and latency. */
export interface CanaryAnalysisOptions {
  /** Canary 5xx error rate, in percent, above which the canary is rolled back. @default 1 */
  readonly maxErrorRatePercent?: number;
  /** Canary P95 latency above which promotion waits for manual review. @default Duration.millis(500) */
  readonly maxP95Latency?: Duration;
  /** How long a threshold must be exceeded before it counts. @default Duration.minutes(5) */
  readonly window?: Duration;
  /** How often the analysis measures (Argo Rollouts). @default Duration.minutes(1) */
  readonly interval?: Duration;
  /**
   * Failed error-rate measurements tolerated before the rollout aborts (Argo Rollouts). Each
   * measurement already holds for the whole window, so one is enough.
   * @default 0
   */
  readonly failureLimit?: number;
  /**
   * Inconclusive measurements (a P95 above the threshold, or no canary traffic to measure)
   * tolerated before the rollout pauses for review (Argo Rollouts).
   * @default 0
   */
  readonly inconclusiveLimit?: number;
  /**
   * Measurements in a row that fail to run (Prometheus unreachable, a query error) before the
   * analysis errors, which aborts the rollout (Argo Rollouts): a canary that cannot be measured
   * is rolled back rather than left running unobserved. Argo Rollouts retries an errored
   * measurement every 10 seconds, so the default tolerates an outage shorter than the window
   * (a Prometheus restart).
   * @default - the window in 10-second retries: 30 for 5 minutes
   */
  readonly consecutiveErrorLimit?: number;
  /** The Prometheus that Argo Rollouts queries (Argo Rollouts backend only). @default "http://prometheus-operated.monitoring.svc:9090" */
  readonly prometheusAddress?: string;
}

/** Properties of a {@link CanaryRollout}: a FintechService's, with two releases instead of one image. */
export interface CanaryRolloutProps extends Omit<FintechServiceProps, 'image' | 'trackLabels'> {
  /** The controller that moves the canary forward. @default CanaryBackend.PLAIN_KUBERNETES */
  readonly backend?: CanaryBackend;
  /** The release in production now (pinned image). */
  readonly stableImage: string;
  /** The release being rolled out (pinned image). @default - none: the stable release runs alone */
  readonly canaryImage?: string;
  /**
   * Where the plain-Kubernetes rollout stands; one of `steps`. Changing it in git promotes or
   * rolls back. Argo Rollouts moves through the steps itself and takes no phase.
   * @default - the first step, while a canary image is given
   */
  readonly phase?: CanaryPhase;
  /** Traffic percentages, strictly increasing, ending at 100, with at least one step before 100. @default [10, 30, 60, 100] */
  readonly steps?: number[];
  /** How long Argo Rollouts holds each step before the next (Argo Rollouts only): a whole, positive number of seconds. @default Duration.hours(48) */
  readonly pause?: Duration;
  /** Argo Rollouts waits for a manual promotion at each step instead of a timed pause. @default false */
  readonly manualApproval?: boolean;
  /** @default - 1 % errors, P95 500 ms, over 5 minutes, measured every minute */
  readonly analysis?: CanaryAnalysisOptions;
  /**
   * Where the runbooks of the plain-Kubernetes rollback alerts live: each alert links
   * `<runbookBaseUrl>/<alert-name-in-kebab-case>` (`.../canary-rollback-required`, `.../canary-latency-high`).
   * Plain-Kubernetes backend only: with Argo Rollouts the analysis aborts the rollout and raises no alert.
   * @default - no `runbook_url` annotation
   */
  readonly runbookBaseUrl?: string;
}

/** How many pods each track gets, and the real canary share that results. */
export interface ReplicaSplit {
  readonly stable: number;
  readonly canary: number;
  /** `canary / (stable + canary)`, in percent, rounded to 0.1. */
  readonly canaryPercent: number;
}

/**
 * The split nearest to `percent` that keeps at least one stable and one canary pod before
 * 100 %: 10 % of 10 → 9 + 1; 10 % of 3 → 2 + 1 (33.3 %).
 * @returns undefined when `total` is too small for two tracks
 */
export function splitReplicas(total: number, percent: number): ReplicaSplit | undefined {
  if (percent >= 100) return { stable: 0, canary: total, canaryPercent: 100 };
  if (total < 2) return undefined;
  const canary = Math.min(total - 1, Math.max(1, Math.round((total * percent) / 100)));
  return { stable: total - canary, canary, canaryPercent: Math.round((canary / total) * 1000) / 10 };
}

/** The checked props of a {@link CanaryRollout} and their resolved defaults. */
interface CanarySettings {
  readonly name: string;
  readonly stableImage: string;
  readonly backend: CanaryBackend;
  readonly steps: readonly number[];
  readonly pause: Duration;
  readonly canaryImage?: string;
  readonly phase?: CanaryPhase;
  readonly inProgress: boolean;
  readonly analysis: CanaryAnalysisOptions;
  readonly maxErrorRatePercent: number;
  readonly maxP95LatencySeconds: number;
  readonly windowSeconds: number;
  /** The window as a Prometheus duration. */
  readonly window: string;
  /** The interval as a Prometheus duration. */
  readonly interval: string;
}

const DEFAULT_STEPS = [10, 30, 60, 100];
const CANARY_PROPS = ['backend', 'stableImage', 'canaryImage', 'phase', 'steps', 'pause', 'manualApproval', 'analysis', 'runbookBaseUrl'];
const ANALYSIS_OPTIONS = [
  'maxErrorRatePercent', 'maxP95Latency', 'window', 'interval', 'failureLimit', 'inconclusiveLimit', 'consecutiveErrorLimit', 'prometheusAddress',
];
/** The longest suffix added to the service's name for an object whose name is a DNS-1123 label: the track Services and the canary Deployment. */
const TRACK_SUFFIX = '-canary';
/** The analysis options that only Argo Rollouts' AnalysisTemplates use. */
const ARGO_ANALYSIS_OPTIONS = ['interval', 'failureLimit', 'inconclusiveLimit', 'consecutiveErrorLimit', 'prometheusAddress'] as const;
const TRACK = 'track';
const TRAFFIC_WEIGHT_ANNOTATION = 'fintech.io/traffic-weight-percent';
/** Argo Rollouts retries a measurement that errored after this long, whatever the metric's interval. */
const ERROR_RETRY_SECONDS = 10;

/**
 * Phased delivery of a FintechService: 10 → 30 → 60 → 100 % of the traffic on the new release,
 * with rollback when the canary's error rate exceeds 1 % for 5 minutes, and manual review
 * when its P95 latency exceeds 500 ms.
 *
 * Both backends share the service's objects (`service`: Service, autoscaler, disruption
 * budget, network policy, ServiceMonitor, RBAC), which select every track. The analysis and
 * the alerts measure the canary with the same PromQL builders and thresholds; the analysis
 * holds each query for the window, and counts a canary that has served no 5xx yet as 0 %
 * errors, not as unmeasured.
 *
 * - Argo Rollouts: a `Rollout` whose `workloadRef` points at the service's Deployment (the
 *   pod template stays in one place, and Argo scales the Deployment down progressively), with
 *   stable and canary Services, the autoscaler retargeted at the Rollout, and two
 *   AnalysisTemplates.
 * - Plain Kubernetes: the service's Deployment is the stable track, a second Deployment
 *   `<name>-canary` the canary track, sized by `splitReplicas`; a PrometheusRule fires
 *   `CanaryRollbackRequired`.
 *
 * Put it in a Chart with a namespace: the analysis and the alerts select the canary's metrics by it.
 */
export class CanaryRollout extends Construct {
  public readonly backend: CanaryBackend;
  public readonly steps: readonly number[];
  /** How long Argo Rollouts holds each step (unless `manualApproval`). */
  public readonly pause: Duration;
  public readonly stableImage: string;
  public readonly canaryImage?: string;
  /** The phase in force (plain Kubernetes), or undefined. */
  public readonly phase?: CanaryPhase;
  /** True while a canary runs beside the stable release (plain Kubernetes). */
  public readonly inProgress: boolean;
  /** Pods per track and the real canary share (plain Kubernetes, while in progress). */
  public readonly split?: ReplicaSplit;
  /** The canary's 5xx error rate over the window, in percent: the alerts' query (the analysis holds it for the window, with no 5xx counted as 0). */
  public readonly errorRateQuery: string;
  /** The canary's P95 latency over the window, in seconds. */
  public readonly latencyQuery: string;
  public readonly maxErrorRatePercent: number;
  /** In seconds. */
  public readonly maxP95LatencySeconds: number;

  /** The service's shared objects; its Deployment is the stable track (plain) or the Rollout's workload (Argo). */
  public readonly service: FintechService;
  /** Plain Kubernetes, while in progress. */
  public readonly canaryDeployment?: k8s.KubeDeployment;
  /** Plain Kubernetes. */
  public readonly rollbackAlerts?: PrometheusRule;
  /** Argo Rollouts. */
  public readonly rollout?: Rollout;
  public readonly stableService?: k8s.KubeService;
  public readonly canaryService?: k8s.KubeService;
  /** Argo Rollouts: the error-rate and latency analyses. */
  public readonly analysisTemplates: AnalysisTemplate[];

  constructor(scope: Construct, id: string, props: CanaryRolloutProps) {
    checkConstructId(scope, id, 'CanaryRollout');
    super(scope, id);
    const settings = this.checkProps(id, props);
    ({
      stableImage: this.stableImage, backend: this.backend, steps: this.steps, pause: this.pause, canaryImage: this.canaryImage, phase: this.phase,
      inProgress: this.inProgress, maxErrorRatePercent: this.maxErrorRatePercent, maxP95LatencySeconds: this.maxP95LatencySeconds,
    } = settings);
    const { name, analysis, window, interval, windowSeconds } = settings;
    this.errorRateQuery = errorRatePercent(this.canarySeries(name), window);
    this.latencyQuery = latencyQuantileSeconds(this.canarySeries(name), 0.95, window);
    this.service = this.createFintechService(name, props);
    this.node.addValidation({ validate: () => this.chartWithoutNamespace() });

    if (this.backend === CanaryBackend.ARGO_ROLLOUTS) {
      this.stableService = this.createTrackService('StableService', 'stable');
      this.canaryService = this.createTrackService('CanaryService', 'canary');
      this.analysisTemplates = this.createAnalysisTemplates(analysis, window, interval, windowSeconds);
      this.rollout = this.createRollout(props, this.stableService, this.canaryService, this.analysisTemplates);
    } else {
      this.analysisTemplates = [];
      this.split = this.inProgress ? this.splitTracks() : undefined;
      if (this.split) this.canaryDeployment = this.createCanaryDeployment(this.split);
      this.rollbackAlerts = this.createRollbackAlerts(window, checkRunbookBaseUrl(this, 'runbookBaseUrl', props.runbookBaseUrl));
    }
  }

  /** Checks the props and resolves their defaults, in the order the errors are reported. */
  private checkProps(id: string, props: CanaryRolloutProps): CanarySettings {
    checkKnownKeys(this, 'props', props, [...FINTECH_SERVICE_PROPS.filter((p) => p !== 'image' && p !== 'trackLabels'), ...CANARY_PROPS],
      "{ stableImage: 'registry/fintech/payments:1.4.2', port: 8080 }");
    const stableImage = checkWorkloadImage(this, 'stableImage', props.stableImage);
    checkNoNulls(this, props);
    // Without 'name', the id names every object: a mistake in it is reported as the id's.
    const name = checkDnsLabel(this, props.name === undefined ? 'id' : 'name', props.name ?? id, { suffix: TRACK_SUFFIX, startsWithLetter: true });
    const backend = checkOneOf(this, 'backend', props.backend ?? CanaryBackend.PLAIN_KUBERNETES, Object.values(CanaryBackend),
      'CanaryBackend.PLAIN_KUBERNETES or CanaryBackend.ARGO_ROLLOUTS ("plain-kubernetes" or "argo-rollouts")');
    const steps = this.checkSteps(checkArray<number>(this, 'steps', props.steps ?? DEFAULT_STEPS, '[10, 30, 60, 100]'));
    const pause = props.pause ?? Duration.hours(48);
    checkDuration(this, 'pause', pause, { example: 'e.g. Duration.hours(48)' });
    if (props.manualApproval !== undefined) checkBoolean(this, 'manualApproval', props.manualApproval);
    if (props.manualApproval && backend === CanaryBackend.PLAIN_KUBERNETES) {
      throw invalidProp(this, 'manualApproval', props.manualApproval,
        'applies to the Argo Rollouts backend only: the plain-Kubernetes rollout moves only when its phase is changed in git');
    }
    if (props.metrics === false) {
      throw invalidProp(this, 'metrics', false, "must not be false: the canary's analysis and rollback alerts measure its error rate and latency"
        + ' from the service\'s metrics, and without them nothing would detect a bad release');
    }
    if (props.metrics !== undefined) {
      checkRecord(this, 'metrics', props.metrics, "{ path: '/metrics' }");
      checkNoNullOptions(this, 'metrics', props.metrics, ['path', 'port', 'interval', 'podTargetLabels']);
    }
    const canaryImage = props.canaryImage === undefined ? undefined : checkWorkloadImage(this, 'canaryImage', props.canaryImage);
    const phase = this.checkPhase(props, backend, canaryImage, steps);
    const inProgress = canaryImage !== undefined && (backend === CanaryBackend.ARGO_ROLLOUTS || phase!.percent < 100);
    if (inProgress && canaryImage === stableImage) {
      throw invalidProp(this, 'canaryImage', canaryImage, "must differ from 'stableImage' while a rollout is in progress");
    }

    const analysis = props.analysis ?? {};
    checkKnownKeys(this, 'analysis', analysis, ANALYSIS_OPTIONS, '{ maxErrorRatePercent: 1, window: Duration.minutes(5) }');
    checkNoNullOptions(this, 'analysis', analysis, ANALYSIS_OPTIONS);
    const maxErrorRatePercent = this.checkRange('analysis.maxErrorRatePercent',
      checkNumber(this, 'analysis.maxErrorRatePercent', analysis.maxErrorRatePercent ?? 1), 0, 50, '%');
    const maxP95Latency = checkInstance(this, 'analysis.maxP95Latency', analysis.maxP95Latency ?? Duration.millis(500), Duration, 'Duration.millis(500)');
    const maxP95LatencySeconds = this.checkRange('analysis.maxP95Latency', maxP95Latency.toMilliseconds({ integral: false }) / 1000, 0, 60, 's');
    const windowSeconds = checkDuration(this, 'analysis.window', analysis.window ?? Duration.minutes(5),
      { minSeconds: 60, maxSeconds: 3600, example: 'e.g. Duration.minutes(5)' });
    const intervalSeconds = checkDuration(this, 'analysis.interval', analysis.interval ?? Duration.minutes(1),
      { minSeconds: 10, maxSeconds: 3600, example: 'e.g. Duration.minutes(1)' });
    const interval = goDuration(Duration.seconds(intervalSeconds));
    if (intervalSeconds > windowSeconds) {
      throw invalidProp(this, 'analysis.interval', interval,
        `must not exceed 'analysis.window' (${goDuration(Duration.seconds(windowSeconds))}): each measurement covers one window, so a longer interval leaves time unmeasured`);
    }
    for (const limit of ['failureLimit', 'inconclusiveLimit', 'consecutiveErrorLimit'] as const) {
      if (analysis[limit] !== undefined) checkInt32(this, `analysis.${limit}`, checkInteger(this, `analysis.${limit}`, checkNumber(this, `analysis.${limit}`, analysis[limit]), 0));
    }
    if (analysis.prometheusAddress !== undefined) {
      checkUrl(this, 'analysis.prometheusAddress', analysis.prometheusAddress, { example: 'http://prometheus-operated.monitoring.svc:9090' });
      checkNotSecret(this, 'analysis.prometheusAddress', analysis.prometheusAddress, 'give the address of the Prometheus that Argo Rollouts queries');
    }
    if (backend === CanaryBackend.PLAIN_KUBERNETES) {
      const argoOnly: Array<[string, unknown]> = [['pause', props.pause], ...ARGO_ANALYSIS_OPTIONS.map((o): [string, unknown] => [`analysis.${o}`, analysis[o]])];
      const given = argoOnly.find(([, value]) => value !== undefined);
      if (given) {
        throw invalidProp(this, given[0], given[1] instanceof Duration ? goDuration(given[1]) : given[1], 'applies to the Argo Rollouts backend only (backend: CanaryBackend.ARGO_ROLLOUTS):'
          + ' the plain-Kubernetes rollout moves only when its phase is changed in git, and its rollback alerts use the window alone');
      }
    } else if (props.runbookBaseUrl !== undefined) {
      throw invalidProp(this, 'runbookBaseUrl', props.runbookBaseUrl, 'applies to the plain-Kubernetes backend only, whose rollback alerts link runbooks;'
        + ' with Argo Rollouts the analysis aborts the rollout itself and raises no alert');
    }
    return {
      name, stableImage, backend, steps, pause, canaryImage, phase, inProgress, analysis, maxErrorRatePercent, maxP95LatencySeconds,
      windowSeconds, window: goDuration(Duration.seconds(windowSeconds)), interval,
    };
  }

  /**
   * The service whose objects every track shares. Plain Kubernetes: its Deployment is the stable
   * track, which runs the stable release until the phase reaches 100 %, then the new one.
   */
  private createFintechService(name: string, props: CanaryRolloutProps): FintechService {
    const workloadImage = this.backend === CanaryBackend.ARGO_ROLLOUTS || !this.inProgress
      ? this.canaryImage ?? this.stableImage
      : this.stableImage;
    const serviceProps: Record<string, unknown> = { ...props };
    CANARY_PROPS.forEach((key) => delete serviceProps[key]);
    const given = props.metrics === false ? undefined : props.metrics?.podTargetLabels;
    const podTargetLabels = Array.isArray(given) ? [...new Set([...given, TRACK, 'version'])] : given ?? [TRACK, 'version'];
    const servicePath = `${this.node.path}/Service`;
    const imageProp = workloadImage === this.stableImage ? 'stableImage' : 'canaryImage';
    let service: FintechService;
    try {
      service = new FintechService(this, 'Service', {
        ...serviceProps as Omit<FintechServiceProps, 'image'>,
        name,
        image: workloadImage,
        trackLabels: this.backend === CanaryBackend.PLAIN_KUBERNETES ? { [TRACK]: 'stable' } : undefined,
        metrics: props.metrics === false ? false : { ...props.metrics, podTargetLabels },
      });
    } catch (e) {
      throw this.asOwnError(e, servicePath, imageProp);
    }
    // Its checks at synth time (names, peers, routes) are about this rollout's props too.
    reportErrorsAs(service, this, { image: imageProp, ...(props.name === undefined ? { name: 'id' } : {}) });
    return service;
  }

  /**
   * An error about a prop this rollout passed on to its service (or one of the service's
   * constructs) names this rollout and the prop as the user gave it: the service is an
   * implementation detail.
   */
  private asOwnError(e: unknown, servicePath: string, imageProp: string): unknown {
    if (!(e instanceof Error) || e.constructor !== Error) return e;
    const escaped = servicePath.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const match = new RegExp(`^[A-Za-z0-9_$]+ '${escaped}(/[^']*)?': '([^']*)'`).exec(e.message);
    if (!match) return e;
    const prop = match[2] === 'image' || match[2].startsWith('image.') ? imageProp + match[2].slice('image'.length) : match[2];
    return new Error(`${constructLabel(this)}: '${prop}'${e.message.slice(match[0].length)}`);
  }

  /**
   * The analysis and the rollback alerts select the canary's series by namespace: in a Chart without
   * one, where the pods run is decided only when the objects are applied, and the queries would
   * look for them in "default".
   */
  private chartWithoutNamespace(): string[] {
    const chart = Chart.of(this);
    if (chart.namespace !== undefined) return [];
    return [invalidProp(this, 'namespace', undefined, `is not set on the Chart '${chart.node.path}': the canary's analysis and rollback alerts select`
      + " its metrics by namespace; give the Chart a namespace, e.g. new Chart(app, id, { namespace: 'payments' })").message];
  }

  /** The canary's series: the namespace keeps two environments apart in a Prometheus that scrapes both. */
  private canarySeries(service: string): Record<string, string> {
    return { namespace: Chart.of(this).namespace ?? 'default', service, [TRACK]: 'canary' };
  }

  private checkSteps(steps: readonly number[]): number[] {
    // Argo Rollouts' setWeight is an integer.
    steps.forEach((step, i) => checkInteger(this, `steps[${i}]`, checkNumber(this, `steps[${i}]`, step), 1, 100));
    const valid = steps.length > 0
      && steps.every((step, i) => step > 0 && step <= 100 && (i === 0 || step > steps[i - 1]))
      && steps[steps.length - 1] === 100;
    if (!valid) {
      throw invalidProp(this, 'steps', steps, 'must be strictly increasing percentages in (0, 100], ending at 100, e.g. [10, 30, 60, 100]');
    }
    if (steps.length === 1) {
      throw invalidProp(this, 'steps', steps, 'must hold at least one step below 100 before it, e.g. [10, 30, 60, 100]:'
        + ' a single step sends all the traffic to the new release at once, with nothing measured first');
    }
    return [...steps];
  }

  private checkPhase(
    props: CanaryRolloutProps, backend: CanaryBackend, canaryImage: string | undefined, steps: readonly number[],
  ): CanaryPhase | undefined {
    if (props.phase !== undefined) checkInstance(this, 'phase', props.phase, CanaryPhase, 'CanaryPhase.percent(30)');
    if (props.phase !== undefined && (typeof props.phase.percent !== 'number' || Number.isNaN(props.phase.percent))) {
      throw invalidProp(this, 'phase', props.phase.percent, `must be CanaryPhase.percent() of a number, not ${kindOf(props.phase.percent)}, e.g. CanaryPhase.percent(30)`);
    }
    if (backend === CanaryBackend.ARGO_ROLLOUTS) {
      if (props.phase) {
        throw invalidProp(this, 'phase', props.phase.percent,
          'applies to the plain-Kubernetes backend only: Argo Rollouts moves through the steps itself (promote or abort with kubectl argo rollouts)');
      }
      return undefined;
    }
    if (canaryImage === undefined) {
      if (props.phase) throw invalidProp(this, 'phase', props.phase.percent, "needs a 'canaryImage' to roll out");
      return undefined;
    }
    const phase = props.phase ?? CanaryPhase.percent(steps[0]);
    if (!steps.includes(phase.percent)) {
      throw invalidProp(this, 'phase', phase.percent, `must be one of the steps [${steps.join(', ')}]`);
    }
    return phase;
  }

  private checkRange(prop: string, value: number, above: number, atMost: number, unit: string): number {
    if (!(value > above && value <= atMost)) {
      throw invalidProp(this, prop, `${value}${unit}`, `must be greater than ${above}${unit} and at most ${atMost}${unit}`);
    }
    return value;
  }

  /** Plain Kubernetes: sizes both tracks and moves the stable track's autoscaler bounds down by the canary's pods. */
  private splitTracks(): ReplicaSplit {
    const total = this.service.minReplicas;
    const split = splitReplicas(total, this.phase!.percent);
    if (!split) {
      throw invalidProp(this, 'replicas', total, 'must be at least 2 during a rollout: one stable and one canary pod');
    }
    const max = this.service.autoscaler ? this.service.maxReplicas - split.canary : split.stable;
    this.service.setReplicaBounds(split.stable, max, { podsOnOtherTracks: split.canary });
    this.service.addDeploymentAnnotation(TRAFFIC_WEIGHT_ANNOTATION, String(100 - split.canaryPercent));
    return split;
  }

  private createCanaryDeployment(split: ReplicaSplit): k8s.KubeDeployment {
    const name = `${this.service.name}-canary`;
    const canaryLabels = { [TRACK]: 'canary' };
    return new k8s.KubeDeployment(this, 'CanaryDeployment', {
      metadata: {
        name,
        labels: { ...serviceLabels(this.service.name, imageVersion(this.canaryImage!)), ...this.service.classificationLabels, ...canaryLabels },
        annotations: { ...this.service.secretReloadAnnotations, [TRAFFIC_WEIGHT_ANNOTATION]: String(split.canaryPercent) },
      },
      spec: {
        replicas: split.canary,
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        selector: { matchLabels: { ...this.service.selectorLabels, ...canaryLabels } },
        strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: k8s.IntOrString.fromNumber(1), maxUnavailable: k8s.IntOrString.fromNumber(0) } },
        template: this.service.podTemplate(this.canaryImage!, canaryLabels),
      },
    });
  }

  private createRollbackAlerts(window: string, runbookBaseUrl: string | undefined): PrometheusRule {
    const name = this.service.name;
    const rollback = this.rollbackProcedure();
    const alert = (alertName: string, reason: string, expr: string, severity: Severity, summary: string, description: string) => alertRule({
      alert: alertName,
      expr,
      for: Duration.parse(`PT${window.toUpperCase()}`),
      severity,
      summary,
      description: `${description} ${rollback}`,
      labels: { service: name, track: 'canary', reason },
    }, runbookBaseUrl);
    const canaryPods = `pod=~"${name}-canary-.*"`;
    const group: RuleGroup = {
      name: `${name}-canary`,
      rules: [
        alert('CanaryRollbackRequired', 'error-rate', `${this.errorRateQuery} > ${this.maxErrorRatePercent}`, Severity.CRITICAL,
          `${name} canary error rate above ${this.maxErrorRatePercent} %`,
          `The canary of ${name} has served more than ${this.maxErrorRatePercent} % 5xx responses for ${window}.`),
        alert('CanaryRollbackRequired', 'crash-loop', crashLooping({ namespace: this.service.namespace }, window, canaryPods),
          Severity.CRITICAL, `${name} canary is crash looping`, `A canary pod of ${name} is in CrashLoopBackOff.`),
        alert('CanaryLatencyHigh', 'latency', `${this.latencyQuery} > ${this.maxP95LatencySeconds}`, Severity.WARNING,
          `${name} canary P95 latency above ${this.maxP95LatencySeconds * 1000} ms`,
          `The canary of ${name} has answered slower than ${this.maxP95LatencySeconds * 1000} ms at P95 for ${window}: review before promoting.`),
      ],
    };
    return new PrometheusRule(this, 'RollbackAlerts', {
      metadata: { name: `${name}-canary`, labels: this.objectLabels() },
      spec: { groups: [renderRuleGroup(group)] },
    });
  }

  /** How on-call rolls the plain-Kubernetes canary back, in terms of this construct's configuration. */
  private rollbackProcedure(): string {
    const subject = `CanaryRollout ${this.service.name} (namespace ${this.service.namespace})`;
    const stableOnly = `remove its canaryImage to run only the stable release ${imageVersion(this.stableImage)}`;
    if (!this.phase) return `Roll back: ${subject} has no canaryImage; set its stableImage to the release to run.`;
    const earlier = this.steps.filter((step) => step < this.phase!.percent);
    const steps = earlier.length === 0 ? '' : `set its phase from ${this.phase.percent} % back to an earlier step `
      + `(${earlier.length === 1 ? earlier[0] : `${earlier.slice(0, -1).join(', ')} or ${earlier[earlier.length - 1]}`} %), or `;
    return `Roll back ${subject}: ${steps}${stableOnly}, and deploy that change.`;
  }

  /** The labels of the objects this construct adds beside the service's: the release's version, the service's classification. */
  private objectLabels(): Record<string, string> {
    return { ...serviceLabels(this.service.name, imageVersion(this.canaryImage ?? this.stableImage)), ...this.service.classificationLabels };
  }

  /** Labels of the objects only the Argo backend has; not `microservice`, so the ServiceMonitor ignores its Services. */
  private argoObjectLabels(): Record<string, string> {
    return { ...this.objectLabels(), [COMPONENT_LABEL]: 'canary-track' };
  }

  /** A Service Argo Rollouts points at one track by adding the ReplicaSet's hash to its selector. */
  private createTrackService(id: string, track: string): k8s.KubeService {
    return new k8s.KubeService(this, id, {
      metadata: { name: `${this.service.name}-${track}`, labels: this.argoObjectLabels() },
      spec: { type: 'ClusterIP', selector: this.service.selectorLabels, ports: this.service.servicePorts },
    });
  }

  /**
   * Each query is held for the window (`minOverTime`), as an alert's `for` would: the analysis has
   * no `for`. How Argo Rollouts reads each measurement (its documented rules, checked in the tests):
   * - error rate: above the threshold is Failed (abort), at or below is Successful;
   * - latency: at or below the threshold is Successful, above is Inconclusive (pause for review):
   *   the `false` failure condition is needed, since without one a missed success condition
   *   counts as Failed;
   * - no canary traffic (an empty result, or NaN from 0/0) meets neither condition of either
   *   metric: Inconclusive, so the rollout pauses rather than aborting or promoting unmeasured.
   *   The first measurement waits one window, so a canary that has just started is not judged
   *   on too little traffic.
   */
  private createAnalysisTemplates(analysis: CanaryAnalysisOptions, window: string, interval: string, windowSeconds: number): AnalysisTemplate[] {
    const name = this.service.name;
    const prometheus = analysis.prometheusAddress ?? 'http://prometheus-operated.monitoring.svc:9090';
    const template = (id: string, metric: AnalysisTemplateSpecMetrics) => new AnalysisTemplate(this, id, {
      metadata: { name: `${name}-${metric.name}`, labels: this.argoObjectLabels() },
      spec: { args: [{ name: 'service-name' }], metrics: [metric] },
    });
    const limits = {
      inconclusiveLimit: AnalysisTemplateSpecMetricsInconclusiveLimit.fromNumber(
        checkInteger(this, 'analysis.inconclusiveLimit', analysis.inconclusiveLimit ?? 0, 0)),
      consecutiveErrorLimit: AnalysisTemplateSpecMetricsConsecutiveErrorLimit.fromNumber(checkInteger(this, 'analysis.consecutiveErrorLimit',
        analysis.consecutiveErrorLimit ?? Math.ceil(windowSeconds / ERROR_RETRY_SECONDS), 0)),
    };
    const measured = 'len(result) > 0';
    // The templates take the service as an argument, which Argo Rollouts fills in.
    const canary = this.canarySeries('{{args.service-name}}');
    return [
      template('ErrorRateAnalysis', {
        name: 'error-rate',
        interval,
        initialDelay: window,
        successCondition: `${measured} && result[0] <= ${this.maxErrorRatePercent}`,
        failureCondition: `${measured} && result[0] > ${this.maxErrorRatePercent}`,
        failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(checkInteger(this, 'analysis.failureLimit', analysis.failureLimit ?? 0, 0)),
        ...limits,
        provider: { prometheus: { address: prometheus, query: minOverTime(measuredErrorRatePercent(canary, window), window, interval) } },
      }),
      template('LatencyAnalysis', {
        name: 'latency',
        interval,
        initialDelay: window,
        successCondition: `${measured} && result[0] <= ${this.maxP95LatencySeconds}`,
        failureCondition: 'false',
        failureLimit: AnalysisTemplateSpecMetricsFailureLimit.fromNumber(0),
        ...limits,
        provider: { prometheus: { address: prometheus, query: minOverTime(latencyQuantileSeconds(canary, 0.95, window), window, interval) } },
      }),
    ];
  }

  private createRollout(props: CanaryRolloutProps, stable: k8s.KubeService, canary: k8s.KubeService, templates: AnalysisTemplate[]): Rollout {
    const name = this.service.name;
    const pause = goDuration(Duration.seconds(checkWholeSeconds(this, 'pause', this.pause, 'e.g. Duration.hours(48)')));
    const steps: RolloutSpecStrategyCanarySteps[] = this.steps.flatMap((weight, i) => [
      { setWeight: weight },
      ...(i < this.steps.length - 1
        ? [{ pause: props.manualApproval ? {} : { duration: RolloutSpecStrategyCanaryStepsPauseDuration.fromString(pause) } }]
        : []),
    ]);

    const autoscaler = this.service.autoscaler;
    const rollout = new Rollout(this, 'Resource', {
      metadata: { name, labels: this.objectLabels() },
      spec: {
        replicas: autoscaler ? undefined : this.service.replicas,
        selector: { matchLabels: this.service.selectorLabels },
        workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name, scaleDown: 'progressively' },
        revisionHistoryLimit: 10,
        progressDeadlineSeconds: 600,
        strategy: {
          canary: {
            stableService: stable.name,
            canaryService: canary.name,
            stableMetadata: { labels: { [TRACK]: 'stable' } },
            canaryMetadata: { labels: { [TRACK]: 'canary' } },
            antiAffinity: { preferredDuringSchedulingIgnoredDuringExecution: { weight: 100 } },
            analysis: {
              templates: templates.map((t) => ({ templateName: t.name })),
              startingStep: 1,
              args: [{ name: 'service-name', value: name }],
            },
            steps,
          },
        },
      },
    });
    // The Rollout owns the pods: the autoscaler scales it, and the Deployment only lends its template.
    this.service.delegateScaling({ apiVersion: rollout.apiVersion, kind: rollout.kind, name });
    return rollout;
  }
}
