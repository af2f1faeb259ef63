import { App, Chart, Duration } from 'cdk8s';
import { FintechService, SecretKeyRef } from '../lib';
import { MonitoringStack } from '../lib/monitoring-stack';
import { Severity } from '../lib/monitoring/alert-rules';
import { Notifier } from '../lib/monitoring/alertmanager-config';
import { dashboardQueries } from '../lib/monitoring/dashboards';
import { burnRate, errorBudgetRemaining, ServiceLevelObjective, sliErrorRatio } from '../lib/monitoring/slo';
import { checkQueries, checkRuleGroups, hasPromtool, testRules } from './support/promtool';

const NS = 'fintech-test';
const describeWithPromtool = hasPromtool ? describe : describe.skip;

/** GIVEN a stack watching `payments` (defaults) and `ledger` (finance-service's extra alerts). */
function stack(): MonitoringStack {
  const app = new App();
  const services = new Chart(app, 'services', { namespace: NS });
  const payments = new FintechService(services, 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
  const ledger = new FintechService(services, 'ledger', { image: 'registry.fintech.internal/fintech/ledger:2.0.0', port: 3014 });
  const slack = Notifier.slack({ channel: '#alerts', webhookUrl: SecretKeyRef.of('alertmanager-receivers', 'slack-webhook-url') });
  return new MonitoringStack(new Chart(app, 'monitoring', { namespace: 'monitoring' }), 'fintech-test', {
    services: [payments, ledger],
    runbookBaseUrl: 'https://runbooks.example.com/alerts',
    routing: {
      critical: [slack], warning: [slack],
      deadMansSwitch: Notifier.webhook({ url: SecretKeyRef.of('alertmanager-receivers', 'heartbeat-url') }),
    },
    serviceOptions: {
      ledger: {
        memoryCriticalPercent: 85,
        errorAlerts: [{ alert: 'SnapshotFailures', errorType: 'snapshot_failure', severity: Severity.CRITICAL, summary: 'event-store snapshots fail' }],
        objectives: [
          ServiceLevelObjective.availability({ objectivePercent: 99.9 }),
          ServiceLevelObjective.latency({ objectivePercent: 99, threshold: Duration.seconds(1) }),
        ],
      },
    },
  });
}

const theStack = stack();
const groupsOf = (rule: { toJson(): any }): any[] => rule.toJson().spec.groups;
const paymentsGroups = groupsOf(theStack.serviceRules.get('payments')!);
const ledgerGroups = groupsOf(theStack.serviceRules.get('ledger')!);
const workloadGroups = groupsOf(theStack.workloadRules[0]);
const pipelineGroups = groupsOf(theStack.pipelineRules!);

const sloGroup = (groups: any[]) => groups.find((g) => g.name.endsWith('-slo'));
const payments = { namespace: NS, service: 'payments' };
const sel = (labels: Record<string, string>) => `{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;

describeWithPromtool('promtool check rules', () => {
  test.each([
    ['payments-alerts', paymentsGroups],
    ['ledger-alerts', ledgerGroups],
    ['fintech-test-workloads', workloadGroups],
    ['fintech-test-pipeline', pipelineGroups],
  ])('%s passes', (_, groups) => {
    expect(checkRuleGroups(groups)).toMatch(/SUCCESS: \d+ rules found/);
  });

  test('fails on a rule that does not parse (the check is real)', () => {
    expect(() => checkRuleGroups([{ name: 'broken', rules: [{ alert: 'Broken', expr: 'sum(rate(x[5m])' }] }]))
      .toThrow(/could not parse expression/);
  });

  test('every dashboard query parses', () => {
    const queries = theStack.dashboardDefinitions.flatMap(dashboardQueries);
    expect(queries.length).toBeGreaterThan(30);
    expect(() => checkQueries(queries)).not.toThrow();
  });

  test('the SLO functions a canary analysis reuses produce valid PromQL', () => {
    const canary = { ...payments, track: 'canary' };
    const slos = [
      ServiceLevelObjective.availability({ objectivePercent: 99.9 }),
      ServiceLevelObjective.latency({ objectivePercent: 95, threshold: Duration.millis(500) }),
      ServiceLevelObjective.latency({ objectivePercent: 99, threshold: Duration.seconds(2) }),
    ];
    expect(() => checkQueries(slos.flatMap((slo) => [
      sliErrorRatio(slo, canary, '5m'), burnRate(slo, canary, '1h'), errorBudgetRemaining({ name: 'payments', namespace: NS }, slo),
    ]))).not.toThrow();
  });
});

describeWithPromtool('promtool test rules', () => {
  const http = (labels: Record<string, string>, values: string) => ({ series: `http_requests_total${sel({ ...payments, ...labels })}`, values });

  test('HighErrorRate fires after 2 minutes above 0.1 errors/s, and not below', () => {
    expect(testRules(paymentsGroups, [
      {
        interval: '1m',
        input_series: [http({ code: '500' }, '0+60x20'), http({ code: '200' }, '0+600x20')],
        alert_rule_test: [
          { eval_time: '2m', alertname: 'HighErrorRate', exp_alerts: [] },
          {
            eval_time: '10m',
            alertname: 'HighErrorRate',
            exp_alerts: [{
              exp_labels: { severity: 'critical', namespace: NS, service: 'payments' },
              exp_annotations: {
                summary: 'payments answers with 5xx errors',
                description: 'payments in fintech-test returned 1 server errors (5xx) per second over the last 5 minutes (threshold 0.1/s).',
                runbook_url: 'https://runbooks.example.com/alerts/high-error-rate',
              },
            }],
          },
        ],
      },
      {
        interval: '1m',
        input_series: [http({ code: '500' }, '0+3x20'), http({ code: '200' }, '0+600x20')],
        alert_rule_test: [{ eval_time: '15m', alertname: 'HighErrorRate', exp_alerts: [] }],
      },
    ])).toMatch(/SUCCESS/);
  });

  test('ServiceDown fires for a target down a minute, and when no target exists at all; not while up', () => {
    const up = (value: string) => ({ series: `up${sel({ ...payments, pod: 'payments-7d4b9-x2x7k', job: 'payments', instance: '10.1.2.3:8080' })}`, values: value });
    const annotations = (description: string) => ({
      summary: 'payments is down', description, runbook_url: 'https://runbooks.example.com/alerts/service-down',
    });
    expect(testRules(paymentsGroups, [
      {
        interval: '15s',
        input_series: [up('1x4 0x20')],
        alert_rule_test: [
          { eval_time: '1m', alertname: 'ServiceDown', exp_alerts: [] },
          {
            eval_time: '3m',
            alertname: 'ServiceDown',
            exp_alerts: [{
              exp_labels: { severity: 'critical', ...payments, pod: 'payments-7d4b9-x2x7k', job: 'payments', instance: '10.1.2.3:8080' },
              exp_annotations: annotations('Prometheus cannot scrape payments in fintech-test (pod payments-7d4b9-x2x7k).'),
            }],
          },
        ],
      },
      {
        interval: '15s',
        input_series: [{ series: `up${sel({ namespace: NS, service: 'ledger' })}`, values: '1x20' }],
        alert_rule_test: [{
          eval_time: '3m',
          alertname: 'ServiceDown',
          exp_alerts: [{ exp_labels: { severity: 'critical', ...payments }, exp_annotations: annotations('Prometheus cannot scrape payments in fintech-test: no target exists at all.') }],
        }],
      },
      {
        interval: '15s',
        input_series: [up('1x20')],
        alert_rule_test: [{ eval_time: '4m', alertname: 'ServiceDown', exp_alerts: [] }],
      },
    ])).toMatch(/SUCCESS/);
  });

  test('AvailabilityBudgetBurnCritical pages at 2 % errors (burn rate 19.6 > 14.4), not at 0.5 %, and stops once the errors stop', () => {
    const traffic = (errorsPerMinute: string) => [http({ code: '200' }, '0+600x110'), http({ code: '503' }, errorsPerMinute)];
    const burn = (ratio: string) => ({
      exp_labels: { severity: 'critical', ...payments, slo: 'availability' },
      exp_annotations: {
        summary: 'payments burns its availability error budget too fast',
        description: 'payments is spending the error budget of its 99.9 % availability over 30d objective at a rate that would use '
          + `2 % of the budget in 1h (burn rate 14.4) or 5 % of the budget in 6h (burn rate 6); the bad-request ratio is ${ratio}.`,
        runbook_url: 'https://runbooks.example.com/alerts/slo-budget-burn',
      },
    });
    expect(testRules([sloGroup(paymentsGroups)], [
      {
        interval: '1m',
        input_series: traffic('0+12x110'),
        alert_rule_test: [{ eval_time: '70m', alertname: 'AvailabilityBudgetBurnCritical', exp_alerts: [burn('1.961%')] }],
      },
      {
        interval: '1m',
        input_series: traffic('0+3x110'),
        alert_rule_test: [{ eval_time: '70m', alertname: 'AvailabilityBudgetBurnCritical', exp_alerts: [] }],
      },
      {
        // 5 % errors for an hour, then none: the short windows end the page within the next 30 minutes.
        interval: '1m',
        input_series: traffic('0+30x60 1800x50'),
        alert_rule_test: [
          { eval_time: '60m', alertname: 'AvailabilityBudgetBurnCritical', exp_alerts: [burn('4.762%')] },
          { eval_time: '100m', alertname: 'AvailabilityBudgetBurnCritical', exp_alerts: [] },
        ],
      },
    ])).toMatch(/SUCCESS/);
  });

  test('LatencyBudgetBurnCritical pages when 20 % of requests exceed 1 s against a 99 % objective (burn rate 20), not at 0.5 %; the bucket "1.0" counts as "1"', () => {
    const bucket = (le: string, values: string) => ({
      series: `http_request_duration_seconds_bucket${sel({ namespace: NS, service: 'ledger', le })}`, values,
    });
    const slow = [bucket('0.5', '0+400x100'), bucket('1.0', '0+480x100'), bucket('+Inf', '0+600x100')];
    const fast = [bucket('0.5', '0+500x100'), bucket('1.0', '0+597x100'), bucket('+Inf', '0+600x100')];
    const exp = { severity: 'critical', namespace: NS, service: 'ledger', slo: 'latency' };
    const result = (series: any[], alerts: any[]) => ({
      interval: '1m', input_series: series, alert_rule_test: [{ eval_time: '70m', alertname: 'LatencyBudgetBurnCritical', exp_alerts: alerts }],
    });
    expect(testRules([sloGroup(ledgerGroups)], [
      result(slow, [{
        exp_labels: exp,
        exp_annotations: {
          summary: 'ledger burns its latency error budget too fast',
          description: 'ledger is spending the error budget of its 99 % of requests under 1000ms over 30d objective at a rate that would use '
            + '2 % of the budget in 1h (burn rate 14.4) or 5 % of the budget in 6h (burn rate 6); the bad-request ratio is 20%.',
          runbook_url: 'https://runbooks.example.com/alerts/slo-budget-burn',
        },
      }]),
      result(fast, []),
    ])).toMatch(/SUCCESS/);
  });

  test('PodCrashLooping, SnapshotFailures and KubeDeploymentRolloutStuck fire on their kube-state-metrics and application series', () => {
    const container = { namespace: NS, container: 'ledger', pod: 'ledger-5f6c7-abcde' };
    expect(testRules([...ledgerGroups, ...workloadGroups], [{
      interval: '1m',
      input_series: [
        { series: `kube_pod_container_status_waiting_reason${sel({ ...container, reason: 'CrashLoopBackOff' })}`, values: '1x20' },
        { series: `errors_total${sel({ namespace: NS, service: 'ledger', error_type: 'snapshot_failure' })}`, values: '0 0 1 2 3 4 5 6' },
        { series: `errors_total${sel({ namespace: NS, service: 'ledger', error_type: 'validation' })}`, values: '0+5x10' },
        { series: `kube_deployment_status_condition${sel({ namespace: NS, deployment: 'ledger', condition: 'Progressing', status: 'false' })}`, values: '1x30' },
      ],
      alert_rule_test: [
        {
          eval_time: '7m',
          alertname: 'PodCrashLooping',
          exp_alerts: [{
            exp_labels: { severity: 'critical', namespace: NS, service: 'ledger', container: 'ledger', pod: 'ledger-5f6c7-abcde', reason: 'CrashLoopBackOff' },
            exp_annotations: {
              summary: 'ledger is crash looping',
              description: 'Container ledger of pod ledger-5f6c7-abcde has been in CrashLoopBackOff for 5 minutes.',
              runbook_url: 'https://runbooks.example.com/alerts/pod-crash-looping',
            },
          }],
        },
        {
          eval_time: '5m',
          alertname: 'SnapshotFailures',
          exp_alerts: [{
            exp_labels: { severity: 'critical', namespace: NS, service: 'ledger' },
            exp_annotations: {
              summary: 'ledger: event-store snapshots fail',
              description: 'ledger counted 4 errors of type snapshot_failure in the last 5m.',
              runbook_url: 'https://runbooks.example.com/alerts/snapshot-failures',
            },
          }],
        },
        {
          eval_time: '20m',
          alertname: 'KubeDeploymentRolloutStuck',
          exp_alerts: [{
            exp_labels: { severity: 'warning', namespace: NS, service: 'ledger', deployment: 'ledger', condition: 'Progressing', status: 'false' },
            exp_annotations: {
              summary: 'Rollout of ledger is stuck',
              description: 'The rollout of Deployment fintech-test/ledger has not progressed within its progress deadline.',
              runbook_url: 'https://runbooks.example.com/alerts/kube-deployment-rollout-stuck',
            },
          }],
        },
      ],
    }])).toMatch(/SUCCESS/);
  });

  test('a wrong expectation fails (the unit tests are real)', () => {
    expect(() => testRules(paymentsGroups, [{
      interval: '1m',
      input_series: [http({ code: '500' }, '0+60x20')],
      alert_rule_test: [{ eval_time: '10m', alertname: 'HighErrorRate', exp_alerts: [] }],
    }])).toThrow(/FAILED/);
  });
});

describeWithPromtool('promtool test rules: the pipeline watching itself', () => {
  const target = (service: string, pod: string, instance: string) => ({ namespace: 'monitoring', service, pod, job: service, instance });
  const prom = target('prometheus-fintech-test', 'prometheus-fintech-test-0', '10.0.0.1:9090');
  const am = target('alertmanager-fintech-test', 'alertmanager-fintech-test-0', '10.0.0.2:9093');
  const runbook = (page: string) => `https://runbooks.example.com/alerts/${page}`;
  type Case = {
    alert: string; failing: Array<[string, Record<string, string>, string]>; healthy: Array<[string, Record<string, string>, string]>;
    at: string; before: string; labels: Record<string, string>; summary: string; description: string; runbook: string;
  };
  const cases: Case[] = [
    {
      alert: 'PrometheusBadConfig',
      failing: [['prometheus_config_last_reload_successful', prom, '1x3 0x40']],
      healthy: [['prometheus_config_last_reload_successful', prom, '0x3 1x40']],
      before: '8m', at: '20m', labels: { severity: 'critical', ...prom },
      summary: 'Prometheus failed to reload its configuration',
      description: 'Prometheus monitoring/prometheus-fintech-test-0 runs on its previous configuration: new scrape targets and rules are not loaded.',
      runbook: runbook('prometheus-bad-config'),
    },
    {
      alert: 'PrometheusRuleFailures',
      failing: [['prometheus_rule_evaluation_failures_total', { ...prom, rule_group: 'payments.yaml;payments-alerts' }, '0+1x40']],
      healthy: [['prometheus_rule_evaluation_failures_total', { ...prom, rule_group: 'payments.yaml;payments-alerts' }, '0x40']],
      before: '10m', at: '20m', labels: { severity: 'critical', ...prom, rule_group: 'payments.yaml;payments-alerts' },
      summary: 'Prometheus fails to evaluate rules',
      description: 'Prometheus monitoring/prometheus-fintech-test-0 failed 5 rule evaluations in the last 5 minutes; alerts of the failing group payments.yaml;payments-alerts cannot fire.',
      runbook: runbook('prometheus-rule-failures'),
    },
    {
      alert: 'PrometheusNotificationQueueRunningFull',
      // Filling by 30 a minute: full 30 minutes after 3⅓ minutes (capacity 1000), firing 15 minutes later while the queue is not yet full.
      failing: [['prometheus_notifications_queue_length', prom, '0+30x40'], ['prometheus_notifications_queue_capacity', prom, '1000x40']],
      healthy: [['prometheus_notifications_queue_length', prom, '500+1x40'], ['prometheus_notifications_queue_capacity', prom, '1000x40']],
      before: '10m', at: '25m', labels: { severity: 'warning', ...prom },
      summary: 'The alert queue of Prometheus is about to be full',
      description: 'The alert notification queue of Prometheus monitoring/prometheus-fintech-test-0 is predicted to reach its capacity within 30 minutes; then alerts are dropped.',
      runbook: runbook('prometheus-notification-queue-running-full'),
    },
    {
      alert: 'PrometheusErrorSendingAlerts',
      failing: [['prometheus_notifications_errors_total', { ...prom, alertmanager: 'http://10.0.0.2:9093/api/v2/alerts' }, '0+5x40'],
        ['prometheus_notifications_sent_total', { ...prom, alertmanager: 'http://10.0.0.2:9093/api/v2/alerts' }, '0+100x40']],
      healthy: [['prometheus_notifications_errors_total', { ...prom, alertmanager: 'http://10.0.0.2:9093/api/v2/alerts' }, '0x40'],
        ['prometheus_notifications_sent_total', { ...prom, alertmanager: 'http://10.0.0.2:9093/api/v2/alerts' }, '0+100x40']],
      before: '10m', at: '20m', labels: { severity: 'warning', ...prom, alertmanager: 'http://10.0.0.2:9093/api/v2/alerts' },
      summary: 'Prometheus fails to send alerts to Alertmanager',
      description: '5 % of the alerts Prometheus monitoring/prometheus-fintech-test-0 sent to http://10.0.0.2:9093/api/v2/alerts failed.',
      runbook: runbook('prometheus-error-sending-alerts'),
    },
    {
      alert: 'PrometheusDroppingAlerts',
      failing: [['prometheus_notifications_dropped_total', prom, '0+1x40']],
      healthy: [['prometheus_notifications_dropped_total', prom, '7x40']],
      before: '3m', at: '20m', labels: { severity: 'critical', ...prom },
      summary: 'Prometheus drops alerts',
      description: 'Prometheus monitoring/prometheus-fintech-test-0 dropped 5 alerts in the last 5 minutes without delivering them to any Alertmanager.',
      runbook: runbook('prometheus-dropping-alerts'),
    },
    {
      alert: 'AlertmanagerFailedReload',
      failing: [['alertmanager_config_last_reload_successful', am, '1x3 0x40']],
      healthy: [['alertmanager_config_last_reload_successful', am, '0x3 1x40']],
      before: '8m', at: '20m', labels: { severity: 'critical', ...am },
      summary: 'Alertmanager failed to reload its configuration',
      description: 'Alertmanager monitoring/alertmanager-fintech-test-0 runs on its previous configuration: changed routes and receivers are not in effect.',
      runbook: runbook('alertmanager-failed-reload'),
    },
    {
      alert: 'AlertmanagerFailedToSendAlerts',
      failing: [['alertmanager_notifications_failed_total', { ...am, integration: 'webhook', reason: 'serverError' }, '0+1x40'],
        ['alertmanager_notifications_total', { ...am, integration: 'webhook' }, '0+10x40']],
      healthy: [['alertmanager_notifications_failed_total', { ...am, integration: 'webhook', reason: 'serverError' }, '0x40'],
        ['alertmanager_notifications_total', { ...am, integration: 'webhook' }, '0+10x40']],
      before: '4m', at: '20m', labels: { severity: 'warning', ...am, integration: 'webhook', reason: 'serverError' },
      summary: 'Alertmanager fails to deliver notifications to webhook',
      description: 'Alertmanager monitoring/alertmanager-fintech-test-0 failed to send 10% of its notifications to webhook.',
      runbook: runbook('alertmanager-failed-to-send-alerts'),
    },
    {
      alert: 'MonitoringTargetDown',
      failing: [['up', am, '1x3 0x40'], ['up', prom, '1x40']],
      healthy: [['up', am, '1x40'], ['up', prom, '1x40'], ['up', target('grafana', 'grafana-0', '10.0.0.3:3000'), '0x40']],
      before: '10m', at: '20m', labels: { severity: 'warning', ...am },
      summary: 'Prometheus cannot scrape alertmanager-fintech-test',
      description: 'The scrape of monitoring/alertmanager-fintech-test-0 (Service alertmanager-fintech-test) fails: the monitoring pipeline does not see this component.',
      runbook: runbook('monitoring-target-down'),
    },
  ];

  test.each(cases.map((c) => [c.alert, c]))('%s fires on the failing series, not before its hold time, and never on healthy ones', (_, c) => {
    const series = (list: Case['failing']) => list.map(([metric, labels, values]) => ({ series: `${metric}${sel(labels)}`, values }));
    expect(testRules(pipelineGroups, [
      {
        interval: '1m',
        input_series: series(c.failing),
        alert_rule_test: [
          { eval_time: c.before, alertname: c.alert, exp_alerts: [] },
          {
            eval_time: c.at,
            alertname: c.alert,
            exp_alerts: [{ exp_labels: c.labels, exp_annotations: { summary: c.summary, description: c.description, runbook_url: c.runbook } }],
          },
        ],
      },
      { interval: '1m', input_series: series(c.healthy), alert_rule_test: [{ eval_time: c.at, alertname: c.alert, exp_alerts: [] }] },
    ])).toMatch(/SUCCESS/);
  });

  test('the Watchdog fires always, with severity none, and without any input', () => {
    expect(testRules(pipelineGroups, [{
      interval: '1m',
      input_series: [],
      alert_rule_test: [{
        eval_time: '1m',
        alertname: 'Watchdog',
        exp_alerts: [{
          exp_labels: { severity: 'none' },
          exp_annotations: {
            summary: 'The alerting pipeline works (always firing)',
            description: 'Fires at every rule evaluation and is sent to the heartbeat receiver only. When the heartbeat stops, '
              + 'Prometheus stopped evaluating rules or Alertmanager stopped notifying: no other alert can be trusted.',
            runbook_url: runbook('watchdog'),
          },
        }],
      }],
    }])).toMatch(/SUCCESS/);
  });

  test('a pipeline alert that should fire but does not fails the test (the check is real)', () => {
    expect(() => testRules(pipelineGroups, [{
      interval: '1m',
      input_series: [{ series: `up${sel(am)}`, values: '1x40' }],
      alert_rule_test: [{ eval_time: '20m', alertname: 'MonitoringTargetDown', exp_alerts: [{ exp_labels: { severity: 'warning', ...am } }] }],
    }])).toThrow(/FAILED/);
  });
});
