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
    routing: { critical: [slack], warning: [slack] },
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

const sloGroup = (groups: any[]) => groups.find((g) => g.name.endsWith('-slo'));
const payments = { namespace: NS, service: 'payments' };
const sel = (labels: Record<string, string>) => `{${Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',')}}`;

describeWithPromtool('promtool check rules', () => {
  test.each([
    ['payments-alerts', paymentsGroups],
    ['ledger-alerts', ledgerGroups],
    ['fintech-test-workloads', workloadGroups],
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
