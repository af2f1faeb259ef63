import { Duration } from 'cdk8s';
import { PrometheusRule } from '../../imports/prometheusrules-monitoring.coreos.com';
import { ServiceMonitor } from '../../imports/servicemonitors-monitoring.coreos.com';
import { checkedDuration } from '../shared/duration';
import { alertRule, AlertRule, AlertSpec, Severity, WATCHDOG_ALERT } from './alert-rules';
import { MonitoringScope, StackParts, stackLabels } from './context';
import { ruleObject } from './prometheus-rules';

/**
 * The monitoring pipeline watching itself: the stack's Prometheus scrapes itself and the stack's
 * Alertmanager, alerts when either fails, and (with a dead man's switch) sends an always-firing
 * Watchdog whose heartbeat stops when the pipeline does.
 */

/**
 * The pipeline's PrometheusRule (its alerts with the stack's own Prometheus, the Watchdog with a
 * dead man's switch) and ServiceMonitor (with the stack's own Prometheus), in the first service
 * namespace; each undefined when there is nothing to put in it.
 */
export function watchPipeline(
  stack: MonitoringScope, parts: StackParts, deadMansSwitch: boolean,
): { rules?: PrometheusRule; monitor?: ServiceMonitor } {
  const rules: AlertRule[] = [
    ...(deadMansSwitch ? [watchdogRule(stack.runbookBaseUrl)] : []),
    ...(parts.prometheus ? pipelineAlertRules({
      namespace: stack.namespace,
      prometheusService: `prometheus-${stack.name}`,
      alertmanagerService: parts.alertmanager ? `alertmanager-${stack.name}` : undefined,
      otherServices: parts.kubeStateMetrics ? [`kube-state-metrics-${stack.name}`] : [],
    }, stack.runbookBaseUrl) : []),
  ];
  const name = `${stack.name}-pipeline`;
  return {
    rules: rules.length > 0 ? ruleObject(stack, 'PipelineRules', name, stack.serviceNamespaces[0], [{ name, rules }]) : undefined,
    monitor: parts.prometheus ? new ServiceMonitor(stack, 'PipelineMonitor', {
      metadata: { name, namespace: stack.serviceNamespaces[0], labels: stackLabels(stack, 'prometheus') },
      spec: {
        selector: {
          matchLabels: { 'app.kubernetes.io/instance': stack.name, 'app.kubernetes.io/component': 'monitoring' },
          matchExpressions: [{ key: 'app.kubernetes.io/name', operator: 'In', values: parts.alertmanager ? ['alertmanager', 'prometheus'] : ['prometheus'] }],
        },
        namespaceSelector: { matchNames: [stack.namespace] },
        endpoints: [{ port: 'web', interval: checkedDuration(stack, 'scrapeInterval', stack.scrapeInterval) }],
      },
    }) : undefined,
  };
}

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
