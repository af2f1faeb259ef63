/**
 * The platform's PromQL, in one place: the canary analysis, the alert rules, the SLO rules and
 * the dashboards all build their queries here, so they cannot drift apart.
 * Metric names are those the services expose (PLATFORM.md, "Monitoring").
 */

/** Metric and label names of the services' HTTP instrumentation. */
export const HTTP_METRICS = {
  requests: 'http_requests_total',
  durationBuckets: 'http_request_duration_seconds_bucket',
  /** The label carrying the HTTP status code. */
  statusLabel: 'code',
  /** Server errors: any 5xx status. */
  serverErrorPattern: '5..',
} as const;

/** Label matchers: exact values, rendered in key order so the output is deterministic. */
export type LabelMatchers = Record<string, string>;

/** A PromQL range, e.g. "5m", "1h", "30d". */
export type PromRange = string;

/** `{a="1",b="2"}`, with extra raw matchers (such as a regex) appended. */
export function selector(labels: LabelMatchers, ...extra: string[]): string {
  const matchers = Object.keys(labels).sort().map((key) => `${key}="${escapeLabelValue(labels[key])}"`);
  return `{${[...matchers, ...extra].join(',')}}`;
}

/** Requests per second over `range`, optionally broken down by labels. */
export function requestRate(labels: LabelMatchers, range: PromRange = '5m', by: readonly string[] = []): string {
  return `sum(rate(${HTTP_METRICS.requests}${selector(labels)}[${range}]))${byClause(by)}`;
}

/** Fraction (0–1) of requests that failed with a 5xx over `range`. */
export function errorRatio(labels: LabelMatchers, range: PromRange = '5m'): string {
  return `${serverErrorRate(labels, range)} / ${requestRate(labels, range)}`;
}

/** Percentage (0–100) of requests that failed with a 5xx over `range`. */
export function errorRatePercent(labels: LabelMatchers, range: PromRange = '5m'): string {
  return `${errorRatio(labels, range)} * 100`;
}

/**
 * The 5xx percentage as a measurement needs it: 0 while requests are served without any 5xx.
 * A service exports no 5xx series before its first 5xx, and `errorRatePercent` is then empty (read
 * as "no traffic"); here the errors default to 0 × the request rate, so the result is empty only
 * without request series, and NaN (0 / 0) without requests.
 */
export function measuredErrorRatePercent(labels: LabelMatchers, range: PromRange = '5m'): string {
  const requests = requestRate(labels, range);
  return `(${serverErrorRate(labels, range)} or ${requests} * 0) / ${requests} * 100`;
}

/** The `quantile` (e.g. 0.95) of request latency in seconds over `range`. */
export function latencyQuantileSeconds(labels: LabelMatchers, quantile = 0.95, range: PromRange = '5m', by: readonly string[] = []): string {
  return `histogram_quantile(${quantile}, sum(rate(${HTTP_METRICS.durationBuckets}${selector(labels)}[${range}])) by (${['le', ...by].join(', ')}))`;
}

function byClause(by: readonly string[]): string {
  return by.length ? ` by (${by.join(', ')})` : '';
}

function escapeLabelValue(value: string): string {
  return value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
}

/**
 * `expr` held above its threshold for the whole `range`: its minimum over `range`, sampled
 * every `resolution` (a subquery). Comparing this with a threshold is the query form of an
 * alert's `for: <range>`, for consumers such as an analysis that have no `for`.
 */
export function minOverTime(expr: string, range: PromRange, resolution: PromRange = '1m'): string {
  return `min_over_time((${expr})[${range}:${resolution}])`;
}

// ---------------------------------------------------------------------------------------------
// The cluster's own metrics, and the queries of the MonitoringStack (alert rules, SLOs, dashboards).

/**
 * Metric names of the cluster's own exporters that the alerts and dashboards use: cAdvisor (through
 * the kubelet) for container usage, kube-state-metrics for object state, and Prometheus' `up`.
 */
export const KUBE_METRICS = {
  up: 'up',
  cpuUsageSeconds: 'container_cpu_usage_seconds_total',
  memoryWorkingSetBytes: 'container_memory_working_set_bytes',
  resourceLimits: 'kube_pod_container_resource_limits',
  restarts: 'kube_pod_container_status_restarts_total',
  waitingReason: 'kube_pod_container_status_waiting_reason',
  deploymentSpecReplicas: 'kube_deployment_spec_replicas',
  deploymentAvailableReplicas: 'kube_deployment_status_replicas_available',
  deploymentUpdatedReplicas: 'kube_deployment_status_replicas_updated',
  deploymentCondition: 'kube_deployment_status_condition',
  hpaCurrentReplicas: 'kube_horizontalpodautoscaler_status_current_replicas',
  hpaMinReplicas: 'kube_horizontalpodautoscaler_spec_min_replicas',
  hpaMaxReplicas: 'kube_horizontalpodautoscaler_spec_max_replicas',
  pdbCurrentHealthy: 'kube_poddisruptionbudget_status_current_healthy',
  pdbDesiredHealthy: 'kube_poddisruptionbudget_status_desired_healthy',
  jobFailed: 'kube_job_failed',
  jobOwner: 'kube_job_owner',
  jobStartTime: 'kube_job_status_start_time',
  jobStatusFailed: 'kube_job_status_failed',
  cronJobCreated: 'kube_cronjob_created',
  cronJobLastSuccessfulTime: 'kube_cronjob_status_last_successful_time',
} as const;

/** The metrics the platform reads from cAdvisor (the kubelet's `/metrics/cadvisor`). */
export const CADVISOR_METRICS: readonly string[] = [KUBE_METRICS.cpuUsageSeconds, KUBE_METRICS.memoryWorkingSetBytes];

/**
 * The metrics the platform reads from kube-state-metrics: every `kube_*` name above, which every
 * rule builder (alerts, canary rollback, backups) takes its names from. The kube-state-metrics
 * ServiceMonitor keeps exactly these.
 */
export const KUBE_STATE_METRICS: readonly string[] = Object.values(KUBE_METRICS)
  .filter((name) => name.startsWith('kube_')).sort();

/** The counter of application errors by type (`errors_total{error_type=...}`, PLATFORM.md "Monitoring"). */
export const ERROR_METRICS = {
  errors: 'errors_total',
  typeLabel: 'error_type',
} as const;

/**
 * The labels that identify the series Prometheus scrapes from one service through its
 * ServiceMonitor: the target's namespace and Kubernetes Service name.
 */
export function serviceTargetMatchers(namespace: string, service: string): LabelMatchers {
  return { namespace, service };
}

/** The labels that identify one service's containers in cAdvisor and kube-state-metrics series. */
export function containerMatchers(namespace: string, container: string): LabelMatchers {
  return { namespace, container };
}

/** A PromQL duration from a whole, positive number of seconds, in the largest unit that divides it: 86400 → "1d", 90 → "90s". */
export function promDuration(seconds: number): PromRange {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new Error(`a PromQL duration needs a whole, positive number of seconds; got ${seconds}`);
  }
  const units: Array<[string, number]> = [['d', 86400], ['h', 3600], ['m', 60], ['s', 1]];
  const [unit, size] = units.find(([, s]) => seconds % s === 0)!;
  return `${seconds / size}${unit}`;
}

/** Failed requests (5xx) per second over `range`, optionally broken down by labels. */
export function serverErrorRate(labels: LabelMatchers, range: PromRange = '5m', by: readonly string[] = []): string {
  const errors = selector(labels, `${HTTP_METRICS.statusLabel}=~"${HTTP_METRICS.serverErrorPattern}"`);
  return `sum(rate(${HTTP_METRICS.requests}${errors}[${range}]))${byClause(by)}`;
}

/** Like {@link errorRatio}, per group of `by` labels (e.g. one ratio per service). */
export function errorRatioBy(labels: LabelMatchers, by: readonly string[], range: PromRange = '5m'): string {
  return `${serverErrorRate(labels, range, by)} / ${requestRate(labels, range, by)}`;
}

/** Requests per second over `range` counted by the latency histogram (its `+Inf` bucket). */
export function histogramRequestRate(labels: LabelMatchers, range: PromRange = '5m'): string {
  return `sum(rate(${HTTP_METRICS.durationBuckets}${selector(labels, 'le="+Inf"')}[${range}]))`;
}

/**
 * Requests per second slower than `thresholdSeconds` over `range`, from the latency histogram:
 * all requests (the `+Inf` bucket) minus those in the bucket `le=threshold`. The histogram must
 * have a bucket boundary at exactly the threshold. Clients print a whole number either as "1"
 * or as "1.0", so both are matched.
 */
export function slowRequestRate(labels: LabelMatchers, thresholdSeconds: number, range: PromRange = '5m'): string {
  const le = Number.isInteger(thresholdSeconds)
    ? `le=~"${thresholdSeconds}|${thresholdSeconds}\\\\.0"`
    : `le="${thresholdSeconds}"`;
  const fast = `sum(rate(${HTTP_METRICS.durationBuckets}${selector(labels, le)}[${range}]))`;
  return `(${histogramRequestRate(labels, range)} - ${fast})`;
}

/** Fraction (0–1) of requests slower than `thresholdSeconds` over `range` (see {@link slowRequestRate}). */
export function slowRequestRatio(labels: LabelMatchers, thresholdSeconds: number, range: PromRange = '5m'): string {
  return `${slowRequestRate(labels, thresholdSeconds, range)} / ${histogramRequestRate(labels, range)}`;
}

/**
 * `sum_over_time(numerator[range]) / sum_over_time(denominator[range])`: the ratio of two recorded
 * rates over a long window, weighted by traffic, at the cost of reading one series each.
 */
export function ratioOverTime(numerator: string, denominator: string, labels: LabelMatchers, range: PromRange): string {
  return `sum_over_time(${numerator}${selector(labels)}[${range}]) / sum_over_time(${denominator}${selector(labels)}[${range}])`;
}

/** Scrape targets that are down (`up == 0`). */
export function targetsDown(labels: LabelMatchers): string {
  return `${KUBE_METRICS.up}${selector(labels)} == 0`;
}

/** One series (with the equality matchers as labels) when no scrape target of `labels` exists at all. */
export function targetsAbsent(labels: LabelMatchers): string {
  return `absent(${KUBE_METRICS.up}${selector(labels)})`;
}

const CONTAINER_KEYS = ['namespace', 'pod', 'container'];

/** CPU used per container as a fraction (0–1) of its CPU limit, over `range`. */
export function cpuLimitRatio(labels: LabelMatchers, range: PromRange = '5m'): string {
  const usage = `sum by (${CONTAINER_KEYS.join(', ')}) (rate(${KUBE_METRICS.cpuUsageSeconds}${selector(labels)}[${range}]))`;
  return `${usage} / ${resourceLimit(labels, 'cpu')}`;
}

/** Memory working set per container as a fraction (0–1) of its memory limit. */
export function memoryLimitRatio(labels: LabelMatchers): string {
  const usage = `max by (${CONTAINER_KEYS.join(', ')}) (${KUBE_METRICS.memoryWorkingSetBytes}${selector(labels)})`;
  return `${usage} / ${resourceLimit(labels, 'memory')}`;
}

function resourceLimit(labels: LabelMatchers, resource: 'cpu' | 'memory'): string {
  return `max by (${CONTAINER_KEYS.join(', ')}) (${KUBE_METRICS.resourceLimits}${selector({ ...labels, resource })})`;
}

/** Container restarts over `range`, per container. */
export function containerRestarts(labels: LabelMatchers, range: PromRange = '15m'): string {
  return `increase(${KUBE_METRICS.restarts}${selector(labels)}[${range}])`;
}

/** 1 for each container that was waiting in CrashLoopBackOff at some point of `range`; `extra` are raw matchers (e.g. a pod name regex). */
export function crashLooping(labels: LabelMatchers, range: PromRange = '5m', ...extra: string[]): string {
  return `max_over_time(${KUBE_METRICS.waitingReason}${selector({ ...labels, reason: 'CrashLoopBackOff' }, ...extra)}[${range}]) >= 1`;
}

/** Application errors of one type (`errors_total{error_type=...}`) over `range`. */
export function errorsOfType(labels: LabelMatchers, errorType: string, range: PromRange = '5m'): string {
  return `sum(increase(${ERROR_METRICS.errors}${selector({ ...labels, [ERROR_METRICS.typeLabel]: errorType })}[${range}]))`;
}

/** Deployments whose rollout stopped progressing (condition Progressing=false: the progress deadline passed). */
export function deploymentRolloutStuck(labels: LabelMatchers): string {
  return `${KUBE_METRICS.deploymentCondition}${selector({ ...labels, condition: 'Progressing', status: 'false' })} != 0`;
}

/** Deployments with fewer available replicas than desired, and no rollout progress over `range`. */
export function deploymentReplicasMismatch(labels: LabelMatchers, range: PromRange = '10m'): string {
  return `(${KUBE_METRICS.deploymentSpecReplicas}${selector(labels)} > ${KUBE_METRICS.deploymentAvailableReplicas}${selector(labels)})`
    + ` and (changes(${KUBE_METRICS.deploymentUpdatedReplicas}${selector(labels)}[${range}]) == 0)`;
}

/** HorizontalPodAutoscalers running at their maximum replicas. */
export function autoscalerMaxedOut(labels: LabelMatchers): string {
  return `${KUBE_METRICS.hpaCurrentReplicas}${selector(labels)} >= ${KUBE_METRICS.hpaMaxReplicas}${selector(labels)}`;
}

/** PodDisruptionBudgets with fewer healthy pods than they require (a positive shortfall). */
export function disruptionBudgetShortfall(labels: LabelMatchers): string {
  return `(${KUBE_METRICS.pdbDesiredHealthy}${selector(labels)} - ${KUBE_METRICS.pdbCurrentHealthy}${selector(labels)}) > 0`;
}

/** Jobs that failed (their Failed condition is true). */
export function jobsFailed(labels: LabelMatchers): string {
  return `${KUBE_METRICS.jobFailed}${selector({ ...labels, condition: 'true' })} > 0`;
}

/** The average of a (recorded) series over `range`: `avg_over_time(metric{labels}[range])`. */
export function avgOverTime(metric: string, labels: LabelMatchers, range: PromRange): string {
  return `avg_over_time(${metric}${selector(labels)}[${range}])`;
}

/** A series selector for a (recorded) metric. */
export function series(metric: string, labels: LabelMatchers): string {
  return `${metric}${selector(labels)}`;
}

/** `op by (labels) (expr)`, e.g. the worst container of each service: `aggregate('max', ['container'], ...)`. */
export function aggregate(op: 'sum' | 'max' | 'min' | 'avg', by: readonly string[], expr: string): string {
  return `${op} by (${by.join(', ')}) (${expr})`;
}

/** `expr` with the label `to` set to the value of the label `from` on every series (e.g. `service` from `deployment`). */
export function copyLabel(expr: string, to: string, from: string): string {
  return `label_replace(${expr}, "${to}", "$1", "${from}", "(.*)")`;
}
