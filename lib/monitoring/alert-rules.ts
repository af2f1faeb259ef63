import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { PrometheusRuleSpecGroups, PrometheusRuleSpecGroupsRulesExpr } from '../../imports/prometheusrules-monitoring.coreos.com';
import { invalidProp } from '../shared/errors';
import { checkNotSecret, checkUrl } from '../shared/validation';
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

/** The severities Alertmanager routes by, most urgent first ({@link Severity.NONE} is not one). */
export const SEVERITIES: readonly Severity[] = [Severity.CRITICAL, Severity.WARNING, Severity.INFO];

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

/** The resolved per-service alerting settings (see `ServiceMonitoringOptions`). */
export interface ServiceAlertSettings {
  readonly highErrorRatePerSecond: number;
  readonly memoryWarningPercent: number;
  readonly memoryCriticalPercent?: number;
  readonly cpuWarningPercent: number;
  readonly requestVolumeFactor: number;
  readonly errorAlerts: readonly ErrorCounterAlert[];
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

/**
 * The dead man's switch: an alert that always fires, so that its heartbeat stops reaching the
 * receiver outside the cluster when Prometheus, the rule evaluation, the path to Alertmanager or
 * Alertmanager itself fails.
 */
export function watchdogRule(runbookBaseUrl: string | undefined): AlertRule {
  return alertRule({
    alert: WATCHDOG_ALERT,
    expr: 'vector(1)',
    severity: Severity.NONE,
    summary: 'The alerting pipeline works (always firing)',
    description: 'Fires at every rule evaluation and is sent to the heartbeat receiver only. When the heartbeat stops, '
      + 'Prometheus stopped evaluating rules or Alertmanager stopped notifying: no other alert can be trusted.',
  }, runbookBaseUrl);
}

/** The stack's own components, as their Services are scraped. */
export interface PipelineComponents {
  /** The namespace of the stack's Services. */
  readonly namespace: string;
  /** The Prometheus' Service; its metrics say whether rules evaluate and alerts are sent. */
  readonly prometheusService: string;
  /** The Alertmanager's Service. @default - the stack has no Alertmanager of its own */
  readonly alertmanagerService?: string;
  /** Further Services of the stack whose scrapes must succeed, e.g. kube-state-metrics. @default - none */
  readonly otherServices?: readonly string[];
}

/**
 * Alerts on the monitoring pipeline itself, with kube-prometheus' expressions and thresholds:
 * a configuration reload that failed (Prometheus, Alertmanager), rule evaluations that fail,
 * alerts that Prometheus cannot deliver (queue filling up, send errors, dropped alerts),
 * notifications that Alertmanager cannot deliver, and a scrape of the stack's own components
 * that fails.
 */
export function pipelineAlertRules(components: PipelineComponents, runbookBaseUrl: string | undefined): AlertRule[] {
  const { namespace } = components;
  const sel = (svc: string) => `{namespace=${JSON.stringify(namespace)}, service=${JSON.stringify(svc)}}`;
  const p = sel(components.prometheusService);
  const rule = (r: AlertSpec): AlertRule => alertRule(r, runbookBaseUrl);
  const rules: AlertRule[] = [
    rule({
      alert: 'PrometheusBadConfig',
      expr: `max_over_time(prometheus_config_last_reload_successful${p}[5m]) == 0`,
      for: Duration.minutes(10),
      severity: Severity.CRITICAL,
      summary: 'Prometheus failed to reload its configuration',
      description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} runs on its previous configuration: new scrape targets and rules are not loaded.',
    }),
    rule({
      alert: 'PrometheusRuleFailures',
      expr: `increase(prometheus_rule_evaluation_failures_total${p}[5m]) > 0`,
      for: Duration.minutes(15),
      severity: Severity.CRITICAL,
      summary: 'Prometheus fails to evaluate rules',
      description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} failed {{ $value | humanize }} rule evaluations in the last 5 minutes; '
        + 'alerts of the failing group {{ $labels.rule_group }} cannot fire.',
    }),
    rule({
      alert: 'PrometheusNotificationQueueRunningFull',
      expr: `predict_linear(prometheus_notifications_queue_length${p}[5m], 60 * 30) > min_over_time(prometheus_notifications_queue_capacity${p}[5m])`,
      for: Duration.minutes(15),
      severity: Severity.WARNING,
      summary: 'The alert queue of Prometheus is about to be full',
      description: 'The alert notification queue of Prometheus {{ $labels.namespace }}/{{ $labels.pod }} is predicted to reach its capacity within 30 minutes; then alerts are dropped.',
    }),
    rule({
      alert: 'PrometheusErrorSendingAlerts',
      expr: `(rate(prometheus_notifications_errors_total${p}[5m]) / rate(prometheus_notifications_sent_total${p}[5m])) * 100 > 1`,
      for: Duration.minutes(15),
      severity: Severity.WARNING,
      summary: 'Prometheus fails to send alerts to Alertmanager',
      description: '{{ $value | humanize }} % of the alerts Prometheus {{ $labels.namespace }}/{{ $labels.pod }} sent to {{ $labels.alertmanager }} failed.',
    }),
    rule({
      alert: 'PrometheusDroppingAlerts',
      expr: `increase(prometheus_notifications_dropped_total${p}[5m]) > 0`,
      for: Duration.minutes(5),
      severity: Severity.CRITICAL,
      summary: 'Prometheus drops alerts',
      description: 'Prometheus {{ $labels.namespace }}/{{ $labels.pod }} dropped {{ $value | humanize }} alerts in the last 5 minutes without delivering them to any Alertmanager.',
    }),
  ];
  if (components.alertmanagerService !== undefined) {
    const a = sel(components.alertmanagerService);
    rules.push(
      rule({
        alert: 'AlertmanagerFailedReload',
        expr: `max_over_time(alertmanager_config_last_reload_successful${a}[5m]) == 0`,
        for: Duration.minutes(10),
        severity: Severity.CRITICAL,
        summary: 'Alertmanager failed to reload its configuration',
        description: 'Alertmanager {{ $labels.namespace }}/{{ $labels.pod }} runs on its previous configuration: changed routes and receivers are not in effect.',
      }),
      rule({
        alert: 'AlertmanagerFailedToSendAlerts',
        expr: `rate(alertmanager_notifications_failed_total${a}[5m]) / ignoring (reason) group_left rate(alertmanager_notifications_total${a}[5m]) > 0.01`,
        for: Duration.minutes(5),
        severity: Severity.WARNING,
        summary: 'Alertmanager fails to deliver notifications to {{ $labels.integration }}',
        description: 'Alertmanager {{ $labels.namespace }}/{{ $labels.pod }} failed to send {{ $value | humanizePercentage }} of its notifications to {{ $labels.integration }}.',
      }),
    );
  }
  const own = [components.prometheusService, ...(components.alertmanagerService === undefined ? [] : [components.alertmanagerService]),
    ...(components.otherServices ?? [])];
  rules.push(rule({
    alert: 'MonitoringTargetDown',
    expr: `up{namespace=${JSON.stringify(namespace)}, service=~${JSON.stringify(own.map(escapeRegex).join('|'))}} == 0`,
    for: Duration.minutes(10),
    severity: Severity.WARNING,
    summary: 'Prometheus cannot scrape {{ $labels.service }}',
    description: 'The scrape of {{ $labels.namespace }}/{{ $labels.pod }} (Service {{ $labels.service }}) fails: the monitoring pipeline does not see this component.',
  }));
  return rules;
}

function escapeRegex(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

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
  if (!SEVERITIES.includes(severity as Severity)) {
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
