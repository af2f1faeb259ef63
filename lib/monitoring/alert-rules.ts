import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { PrometheusRuleSpecGroups, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrules-monitoring.coreos.com';
import { checkWholeSeconds } from '../shared/duration';
import { invalidProp } from '../shared/errors';
import { checkBaseUrl, checkNotFraction, checkNotSecret, checkString, checkUrl } from '../shared/validation';
import {
  autoscalerMaxedOut, avgOverTime, containerMatchers, containerRestarts, copyLabel, cpuLimitRatio, crashLooping,
  deploymentReplicasMismatch, deploymentRolloutStuck, disruptionBudgetShortfall, errorsOfType, jobsFailed, memoryLimitRatio,
  promDuration, requestRate, series, serverErrorRate, serviceTargetMatchers, targetsAbsent, targetsDown,
} from '../shared/promql';

/**
 * How urgent an alert is; Alertmanager routes on it (critical: page, warning: chat, info: e-mail).
 * The values are the `severity` label.
 */
export enum Severity {
  CRITICAL = 'critical',
  WARNING = 'warning',
  INFO = 'info',
  /**
   * Not a problem: the always-firing Watchdog, which only the dead man's switch route receives
   * (kube-prometheus' convention). Never inhibited, never routed by severity.
   */
  NONE = 'none',
}

/** A severity Alertmanager routes by: any but {@link Severity.NONE}, the Watchdog's. */
export type RoutedSeverity = Exclude<Severity, Severity.NONE>;

/** The severities Alertmanager routes by, most urgent first ({@link Severity.NONE} is not one). */
export const SEVERITIES: readonly RoutedSeverity[] = [Severity.CRITICAL, Severity.WARNING, Severity.INFO];

/** An alerting rule before rendering. Every alert has a severity, a summary, a description and a runbook. */
export interface AlertRule {
  /** The alert's name (`alertname`), in PascalCase. */
  readonly alert: string;
  readonly expr: string;
  /** How long the condition must hold before the alert fires. @default - fires at the first evaluation */
  readonly for?: Duration;
  readonly severity: Severity;
  /** One line; may use `{{ $labels.x }}` and `{{ $value }}`. */
  readonly summary: string;
  /** What is wrong and what it affects; may use templates like `summary`. */
  readonly description: string;
  /** The alert's runbook (annotation `runbook_url`). @default - no runbook annotation */
  readonly runbookUrl?: string;
  /** Labels besides `severity`, e.g. `namespace` and `service`. @default - none */
  readonly labels?: Record<string, string>;
}

/** An alert as its author writes it: the runbook link is added by {@link alertRule}. */
export type AlertSpec = Omit<AlertRule, 'runbookUrl'>;

/**
 * The one way every construct builds an alert: the spec, and its runbook at
 * `<runbookBaseUrl>/<alert-name-in-kebab-case>` when a base URL is configured (none: no
 * runbook annotation, so the output never links a page the user did not configure). Alerts
 * that share one runbook name it as `page` (an alert name, e.g. "SloBudgetBurn").
 */
export function alertRule(spec: AlertSpec, runbookBaseUrl: string | undefined, page: string = spec.alert): AlertRule {
  return runbookBaseUrl === undefined ? { ...spec } : { ...spec, runbookUrl: runbookUrl(runbookBaseUrl, page) };
}

/** A recording rule: `expr` stored as the series `record` with `labels`. */
export interface RecordingRule {
  readonly record: string;
  readonly expr: string;
  /** @default - none */
  readonly labels?: Record<string, string>;
}

/** Rules evaluated together, in order (recording rules before the alerts that read them). */
export interface RuleGroup {
  readonly name: string;
  readonly rules: ReadonlyArray<AlertRule | RecordingRule>;
}

/** An alert on the application's error counter `errors_total{error_type="..."}`. */
export interface ErrorCounterAlert {
  /** The alert's name, PascalCase, e.g. "SnapshotFailures". */
  readonly alert: string;
  /** The value of the `error_type` label that counts these errors, e.g. "snapshot_failure". */
  readonly errorType: string;
  readonly severity: Severity;
  /** One line saying what fails, e.g. "event-store snapshots fail". */
  readonly summary: string;
  /** The errors are counted over this window. @default Duration.minutes(5) */
  readonly window?: Duration;
  /** The alert fires when more errors than this occur in `window`. @default 0 */
  readonly threshold?: number;
  /** @default Duration.minutes(1) */
  readonly for?: Duration;
}

/** A service's alerting thresholds, beyond what every service gets. */
export interface ServiceAlertOptions {
  /** HighErrorRate fires above this many 5xx responses per second (PLATFORM.md: 0.1). @default 0.1 */
  readonly highErrorRatePerSecond?: number;
  /** HighMemoryUsage (warning) above this share of the memory limit. @default 80 */
  readonly memoryWarningPercent?: number;
  /** MemoryNearLimit (critical) above this share of the memory limit (PLATFORM.md: 85 for finance-service). @default - no critical memory alert */
  readonly memoryCriticalPercent?: number;
  /** HighCPUUsage (warning) above this share of the CPU limit. @default 80 */
  readonly cpuWarningPercent?: number;
  /** HighRequestVolume (info) when the 5-minute request rate exceeds this multiple of the last day's average. @default 3 */
  readonly requestVolumeFactor?: number;
  /** Alerts on the service's `errors_total{error_type=...}` counter (e.g. EventStore connection errors). @default - none */
  readonly errorAlerts?: ErrorCounterAlert[];
}

/** The resolved per-service alerting settings (see `ServiceAlertOptions`). */
export interface ServiceAlertSettings {
  readonly highErrorRatePerSecond: number;
  readonly memoryWarningPercent: number;
  readonly memoryCriticalPercent?: number;
  readonly cpuWarningPercent: number;
  readonly requestVolumeFactor: number;
  readonly errorAlerts: readonly ErrorCounterAlert[];
}

/**
 * A service's alerting settings: the options with their defaults, each checked (percentages in
 * (0, 100], positive rates, a critical memory alert above the warning one, well-formed error alerts).
 */
export function serviceAlertSettings(scope: IConstruct, prop: string, options: ServiceAlertOptions): ServiceAlertSettings {
  const percent = (field: string, value: number) => {
    if (!(typeof value === 'number' && value > 0 && value <= 100)) throw invalidProp(scope, `${prop}.${field}`, value, 'must be a percentage in (0, 100]');
    return checkNotFraction(scope, `${prop}.${field}`, value, 80);
  };
  const positive = (field: string, value: number) => {
    if (!(typeof value === 'number' && value > 0 && Number.isFinite(value))) throw invalidProp(scope, `${prop}.${field}`, value, 'must be a positive number');
    return value;
  };
  const settings: ServiceAlertSettings = {
    highErrorRatePerSecond: positive('highErrorRatePerSecond', options.highErrorRatePerSecond ?? 0.1),
    memoryWarningPercent: percent('memoryWarningPercent', options.memoryWarningPercent ?? 80),
    memoryCriticalPercent: options.memoryCriticalPercent === undefined ? undefined : percent('memoryCriticalPercent', options.memoryCriticalPercent),
    cpuWarningPercent: percent('cpuWarningPercent', options.cpuWarningPercent ?? 80),
    requestVolumeFactor: positive('requestVolumeFactor', options.requestVolumeFactor ?? 3),
    errorAlerts: options.errorAlerts ?? [],
  };
  if (settings.memoryCriticalPercent !== undefined && settings.memoryCriticalPercent <= settings.memoryWarningPercent) {
    throw invalidProp(scope, `${prop}.memoryCriticalPercent`, settings.memoryCriticalPercent,
      `must be above 'memoryWarningPercent' (${settings.memoryWarningPercent})`);
  }
  settings.errorAlerts.forEach((a, i) => checkErrorCounterAlert(scope, `${prop}.errorAlerts[${i}]`, a));
  // The platform's alert names of this service (those the settings turn on), which an error alert must not take.
  const platform = serviceAlertRules({ name: 'service', namespace: 'namespace' }, { ...settings, errorAlerts: [] }, undefined)
    .filter(isAlertRule).map((r) => r.alert);
  settings.errorAlerts.forEach((a, i) => {
    const first = settings.errorAlerts.findIndex((o) => o.alert === a.alert);
    if (platform.includes(a.alert) || first < i) {
      throw invalidProp(scope, `${prop}.errorAlerts[${i}].alert`, a.alert, first < i
        ? `is also the name of '${prop}.errorAlerts[${first}]'; alert names must be unique in the service's rule group`
        : `is the name of a platform alert of the service (${platform.join(', ')}); alert names must be unique in the service's rule group`);
    }
  });
  return settings;
}

/** Throws unless an error-counter alert has a PascalCase name, a severity, a one-line summary, whole-second windows, an error_type label value and a threshold of at least 0. */
export function checkErrorCounterAlert(scope: IConstruct, prop: string, a: ErrorCounterAlert): ErrorCounterAlert {
  if (!ALERT_NAME.test(checkString(scope, `${prop}.alert`, a.alert, { example: '"SnapshotFailures"' }))) {
    throw invalidProp(scope, `${prop}.alert`, a.alert, 'must be an alert name in PascalCase: a capital letter, then letters and digits');
  }
  checkNotSecret(scope, `${prop}.alert`, a.alert, 'an alert name is sent with every notification; name what fails, e.g. "SnapshotFailures"');
  checkSeverity(scope, `${prop}.severity`, a.severity);
  if (/[\r\n]/.test(checkString(scope, `${prop}.summary`, a.summary, { example: '"EventStore snapshots are failing"' }))) {
    throw invalidProp(scope, `${prop}.summary`, a.summary, 'must be one line');
  }
  checkNotSecret(scope, `${prop}.summary`, a.summary, 'a summary is sent with every notification; say what fails, without credentials');
  if (a.window !== undefined) checkWindow(scope, `${prop}.window`, a.window);
  if (a.for !== undefined) checkWindow(scope, `${prop}.for`, a.for);
  if (!/^[a-z][a-z0-9_]*$/.test(checkString(scope, `${prop}.errorType`, a.errorType, { example: '"snapshot_failure"' }))) {
    throw invalidProp(scope, `${prop}.errorType`, a.errorType, 'must be an error_type label value: lowercase letters, digits and "_", e.g. "snapshot_failure"');
  }
  checkNotSecret(scope, `${prop}.errorType`, a.errorType, 'the error_type value is written into the alert rule; give the label value the service counts its errors by');
  if (a.threshold !== undefined && !(typeof a.threshold === 'number' && Number.isFinite(a.threshold) && a.threshold >= 0)) throw invalidProp(scope, `${prop}.threshold`, a.threshold, 'must be a number of errors, at least 0');
  return a;
}

/** A window must be a whole, positive number of seconds: PromQL ranges have no fractions. Returns its seconds. */
export function checkWindow(scope: IConstruct, prop: string, window: Duration): number {
  return checkWholeSeconds(scope, prop, window, 'e.g. Duration.minutes(5): PromQL ranges have no fractions');
}

/** The recorded request rate of each service over 5 minutes: `service:http_requests:rate5m{namespace, service}`. */
export const SERVICE_REQUESTS_RECORD = 'service:http_requests:rate5m';

/** Where runbooks live: `<baseUrl>/<alert-name-in-kebab-case>` (`HighCPUUsage` → `high-cpu-usage`). */
export function runbookUrl(baseUrl: string, alert: string): string {
  return `${baseUrl.replace(/\/+$/, '')}/${kebabCase(alert)}`;
}

/** Throws unless `url` is undefined or an http(s) URL; returns it without trailing slashes. */
export function checkRunbookBaseUrl(scope: IConstruct, prop: string, url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  if (typeof url === 'string' && HTTP_URL.test(url)) {
    checkUrl(scope, prop, url);
    checkNotSecret(scope, prop, url, 'runbook links are shown in every notification; give the address of the runbooks');
    checkBaseUrl(scope, prop, url, { example: 'https://runbooks.example.com/alerts' });
  }
  if (typeof url !== 'string' || !HTTP_URL.test(url)) {
    throw invalidProp(scope, prop, url, 'must be an http(s) URL under which each alert has its runbook, e.g. "https://runbooks.example.com/alerts"');
  }
  return url.replace(/\/+$/, '');
}

/**
 * The platform's alerts for one service (PLATFORM.md, "Monitoring"): HighErrorRate, ServiceDown,
 * HighMemoryUsage, HighCPUUsage, PodRestarts, PodCrashLooping, HighRequestVolume, the optional
 * critical memory alert, and the service's error-counter alerts. Each carries the labels
 * `namespace` and `service`, which Alertmanager groups and inhibits by. First comes the recorded
 * 5-minute request rate, which HighRequestVolume compares with its own average over a day (one
 * series read, instead of every raw series over a day at each evaluation).
 */
export function serviceAlertRules(
  service: { name: string; namespace: string }, settings: ServiceAlertSettings, runbookBaseUrl: string | undefined,
): Array<AlertRule | RecordingRule> {
  const target = serviceTargetMatchers(service.namespace, service.name);
  const containers = containerMatchers(service.namespace, service.name);
  const labels = { namespace: service.namespace, service: service.name };
  const rule = (r: Omit<AlertSpec, 'labels'>): AlertRule => alertRule({ ...r, labels }, runbookBaseUrl);
  const name = service.name;

  const requests = series(SERVICE_REQUESTS_RECORD, labels);

  const rules: Array<AlertRule | RecordingRule> = [
    { record: SERVICE_REQUESTS_RECORD, expr: requestRate(target, '5m'), labels },
    rule({
      alert: 'HighErrorRate',
      expr: `${serverErrorRate(target, '5m')} > ${settings.highErrorRatePerSecond}`,
      for: Duration.minutes(2),
      severity: Severity.CRITICAL,
      summary: `${name} answers with 5xx errors`,
      description: `${name} in ${service.namespace} returned {{ $value | humanize }} server errors (5xx) per second over the last 5 minutes `
        + `(threshold ${settings.highErrorRatePerSecond}/s).`,
    }),
    rule({
      alert: 'ServiceDown',
      expr: `${targetsDown(target)} or ${targetsAbsent(target)}`,
      for: Duration.minutes(1),
      severity: Severity.CRITICAL,
      summary: `${name} is down`,
      description: `Prometheus cannot scrape ${name} in ${service.namespace}{{ if $labels.pod }} (pod {{ $labels.pod }}){{ else }}: no target exists at all{{ end }}.`,
    }),
    rule({
      alert: 'HighMemoryUsage',
      expr: `${memoryLimitRatio(containers)} > ${settings.memoryWarningPercent / 100}`,
      for: Duration.minutes(5),
      severity: Severity.WARNING,
      summary: `${name} uses more than ${settings.memoryWarningPercent} % of its memory limit`,
      description: `Pod {{ $labels.pod }} of ${name} uses {{ $value | humanizePercentage }} of its memory limit; `
        + 'at the limit it is OOM-killed.',
    }),
    ...(settings.memoryCriticalPercent === undefined ? [] : [rule({
      alert: 'MemoryNearLimit',
      expr: `${memoryLimitRatio(containers)} > ${settings.memoryCriticalPercent / 100}`,
      for: Duration.minutes(5),
      severity: Severity.CRITICAL,
      summary: `${name} uses more than ${settings.memoryCriticalPercent} % of its memory limit`,
      description: `Pod {{ $labels.pod }} of ${name} uses {{ $value | humanizePercentage }} of its memory limit and is about to be OOM-killed.`,
    })]),
    rule({
      alert: 'HighCPUUsage',
      expr: `${cpuLimitRatio(containers, '5m')} > ${settings.cpuWarningPercent / 100}`,
      for: Duration.minutes(5),
      severity: Severity.WARNING,
      summary: `${name} uses more than ${settings.cpuWarningPercent} % of its CPU limit`,
      description: `Pod {{ $labels.pod }} of ${name} uses {{ $value | humanizePercentage }} of its CPU limit and is being throttled.`,
    }),
    rule({
      alert: 'PodRestarts',
      expr: `${containerRestarts(containers, '15m')} > 0`,
      severity: Severity.WARNING,
      summary: `${name} restarted in the last 15 minutes`,
      description: 'Container {{ $labels.container }} of pod {{ $labels.pod }} restarted {{ $value | humanize }} times in the last 15 minutes.',
    }),
    rule({
      alert: 'PodCrashLooping',
      expr: crashLooping(containers, '5m'),
      for: Duration.minutes(5),
      severity: Severity.CRITICAL,
      summary: `${name} is crash looping`,
      description: 'Container {{ $labels.container }} of pod {{ $labels.pod }} has been in CrashLoopBackOff for 5 minutes.',
    }),
    rule({
      alert: 'HighRequestVolume',
      expr: `(${requests} > ${settings.requestVolumeFactor} * ${avgOverTime(SERVICE_REQUESTS_RECORD, labels, '1d')}) and (${requests} > 1)`,
      for: Duration.minutes(10),
      severity: Severity.INFO,
      summary: `${name} receives unusually many requests`,
      description: `${name} serves {{ $value | humanize }} requests per second, more than ${settings.requestVolumeFactor} times its average of the last day.`,
    }),
    ...settings.errorAlerts.map((a) => rule({
      alert: a.alert,
      expr: `${errorsOfType(target, a.errorType, promDuration((a.window ?? Duration.minutes(5)).toSeconds()))} > ${a.threshold ?? 0}`,
      for: a.for ?? Duration.minutes(1),
      severity: a.severity,
      summary: `${name}: ${a.summary}`,
      description: `${name} counted {{ $value | humanize }} errors of type ${a.errorType} in the last `
        + `${promDuration((a.window ?? Duration.minutes(5)).toSeconds())}.`,
    })),
  ];
  return rules;
}

/**
 * The standard workload alerts for one namespace, from kube-state-metrics (the names and
 * thresholds of kube-prometheus): a rollout that stopped progressing, fewer available replicas
 * than desired, an autoscaler at its maximum, a disruption budget without enough healthy pods,
 * and a failed Job. The object's name becomes the `service` label, since every object of a
 * FintechService is named after it.
 */
export function workloadAlertRules(namespace: string, runbookBaseUrl: string | undefined): AlertRule[] {
  const ns = { namespace };
  const rule = (r: Omit<AlertSpec, 'labels' | 'severity'> & { from: string }): AlertRule => alertRule({
    alert: r.alert,
    expr: copyLabel(r.expr, 'service', r.from),
    for: r.for,
    severity: Severity.WARNING,
    summary: r.summary,
    description: r.description,
    labels: { namespace },
  }, runbookBaseUrl);
  return [
    rule({
      alert: 'KubeDeploymentRolloutStuck',
      for: Duration.minutes(15),
      from: 'deployment',
      expr: deploymentRolloutStuck(ns),
      summary: 'Rollout of {{ $labels.deployment }} is stuck',
      description: 'The rollout of Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has not progressed within its progress deadline.',
    }),
    rule({
      alert: 'KubeDeploymentReplicasMismatch',
      for: Duration.minutes(15),
      from: 'deployment',
      expr: deploymentReplicasMismatch(ns, '10m'),
      summary: '{{ $labels.deployment }} has fewer available replicas than desired',
      description: 'Deployment {{ $labels.namespace }}/{{ $labels.deployment }} has not matched its desired number of replicas for 15 minutes.',
    }),
    rule({
      alert: 'KubeHpaMaxedOut',
      for: Duration.minutes(15),
      from: 'horizontalpodautoscaler',
      expr: autoscalerMaxedOut(ns),
      summary: 'Autoscaler {{ $labels.horizontalpodautoscaler }} runs at its maximum',
      description: 'HorizontalPodAutoscaler {{ $labels.namespace }}/{{ $labels.horizontalpodautoscaler }} has run at its maximum replicas for 15 minutes; raise the maximum or the capacity.',
    }),
    rule({
      alert: 'KubePdbNotEnoughHealthyPods',
      for: Duration.minutes(15),
      from: 'poddisruptionbudget',
      expr: disruptionBudgetShortfall(ns),
      summary: 'Disruption budget {{ $labels.poddisruptionbudget }} lacks healthy pods',
      description: 'PodDisruptionBudget {{ $labels.namespace }}/{{ $labels.poddisruptionbudget }} has {{ $value }} fewer healthy pods than it requires; node drains are blocked.',
    }),
    rule({
      alert: 'KubeJobFailed',
      from: 'job_name',
      expr: jobsFailed(ns),
      summary: 'Job {{ $labels.job_name }} failed',
      description: 'Job {{ $labels.namespace }}/{{ $labels.job_name }} failed to complete; remove it once the cause is fixed to clear the alert.',
    }),
  ];
}

/** The always-firing alert of the dead man's switch. */
export const WATCHDOG_ALERT = 'Watchdog';

/** Whether a rule is an alert (as opposed to a recording rule). */
export function isAlertRule(rule: AlertRule | RecordingRule): rule is AlertRule {
  return 'alert' in rule;
}

/** A group in the PrometheusRule CRD's form (`for` and ranges as PromQL durations). */
export function renderRuleGroup(group: RuleGroup): PrometheusRuleSpecGroups {
  return {
    name: group.name,
    rules: group.rules.map((rule) => (isAlertRule(rule)
      ? {
        alert: rule.alert,
        expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr),
        for: rule.for ? promDuration(rule.for.toSeconds()) : undefined,
        labels: { ...rule.labels, severity: rule.severity },
        annotations: {
          summary: rule.summary,
          description: rule.description,
          ...(rule.runbookUrl === undefined ? {} : { runbook_url: rule.runbookUrl }),
        },
      }
      : { record: rule.record, expr: PrometheusRuleSpecGroupsRulesExpr.fromString(rule.expr), labels: rule.labels })),
  };
}

const ALERT_NAME = /^[A-Z][A-Za-z0-9]*$/;
const HTTP_URL = /^https?:\/\/[^\s]+$/;

/** Throws unless `severity` is one of {@link SEVERITIES} (it may come from untyped configuration). */
export function checkSeverity(scope: IConstruct, prop: string, severity: unknown): Severity {
  if (!SEVERITIES.includes(severity as RoutedSeverity)) {
    throw invalidProp(scope, prop, severity, `must be one of ${SEVERITIES.join(', ')} (Severity.CRITICAL, Severity.WARNING, Severity.INFO)`);
  }
  return severity as Severity;
}

/** Throws unless every alert of the group has a PascalCase name, a known severity, an http(s) runbook URL if any, and a name unique in the group. */
export function checkRuleGroup(scope: IConstruct, prop: string, group: RuleGroup): RuleGroup {
  const seen = new Set<string>();
  group.rules.forEach((rule, i) => {
    if (!isAlertRule(rule)) return;
    if (!ALERT_NAME.test(rule.alert)) {
      throw invalidProp(scope, `${prop}.rules[${i}].alert`, rule.alert, 'must be an alert name in PascalCase: a capital letter, then letters and digits');
    }
    if (seen.has(rule.alert)) {
      throw invalidProp(scope, `${prop}.rules[${i}].alert`, rule.alert, `appears twice in rule group '${group.name}'; alert names must be unique in a group`);
    }
    seen.add(rule.alert);
    if (!(rule.severity === Severity.NONE && rule.alert === WATCHDOG_ALERT)) checkSeverity(scope, `${prop}.rules[${i}].severity`, rule.severity);
    if (rule.runbookUrl !== undefined && !HTTP_URL.test(rule.runbookUrl)) {
      throw invalidProp(scope, `${prop}.rules[${i}].runbookUrl`, rule.runbookUrl, 'must be an http(s) URL');
    }
  });
  return group;
}

function kebabCase(name: string): string {
  return name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').replace(/([A-Z])([A-Z][a-z])/g, '$1-$2').toLowerCase();
}
