import { App, Chart } from 'cdk8s';
import { stringify } from 'yaml';
import { FintechService, SecretKeyRef } from '../lib';
import { MonitoringStack } from '../lib/monitoring-stack';
import {
  ALERTMANAGER_SECRETS_DIR, alertmanagerYaml, Notifier, PAGERDUTY_DESCRIPTION, referencedSecrets, SLACK_TEXT, SLACK_TITLE,
} from '../lib/monitoring/alertmanager-config';
import { checkAlertmanagerConfig, hasAmtool, renderTemplate, routeAlert } from './support/amtool';

const describeWithAmtool = hasAmtool ? describe : describe.skip;
const secret = (key: string) => SecretKeyRef.of('alertmanager-receivers', key);

/** GIVEN a stack routing critical alerts to PagerDuty and Slack, warnings to Slack, infos by e-mail, the Watchdog to a heartbeat webhook. */
function synthesizedRouting(): any {
  const app = new App();
  const services = new Chart(app, 'services', { namespace: 'fintech-test' });
  const payments = new FintechService(services, 'payments', { image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080 });
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  new MonitoringStack(chart, 'fintech-test', {
    services: [payments],
    routing: {
      critical: [Notifier.pagerDuty({ routingKey: secret('pagerduty-routing-key') }), Notifier.slack({ channel: '#fintech-alerts', webhookUrl: secret('slack-webhook-url') })],
      warning: [Notifier.slack({ channel: '#fintech-alerts', webhookUrl: secret('slack-webhook-url') })],
      info: [Notifier.email({
        to: 'fintech-team@fintech.internal', from: 'alertmanager@fintech.internal', smarthost: 'smtp.fintech.internal:587',
        username: 'alertmanager', password: secret('smtp-password'),
      })],
      deadMansSwitch: Notifier.webhook({ url: secret('heartbeat-url'), sendResolved: false }),
    },
  });
  return chart.toJson().find((o) => o.kind === 'AlertmanagerConfig');
}

// WHEN the emitted AlertmanagerConfig (as it will be in dist/) is rendered to the alertmanager.yml it stands for
const resource = synthesizedRouting();
const config = alertmanagerYaml(resource.spec);

describeWithAmtool('amtool', () => {
  test('check-config passes on the alertmanager.yml equivalent to the emitted AlertmanagerConfig', () => {
    expect(checkAlertmanagerConfig(config)).toMatch(/SUCCESS[\s\S]*1 inhibit rules[\s\S]*4 receivers/);
  });

  test('check-config fails on a broken configuration (the check is real)', () => {
    const broken = { ...config, route: { ...(config.route as object), receiver: 'nobody' } };
    expect(() => checkAlertmanagerConfig(broken)).toThrow(/undefined receiver "nobody"/);
  });

  test.each([
    [{ severity: 'critical', service: 'payments' }, ['fintech-test-critical']],
    [{ severity: 'warning', service: 'payments' }, ['fintech-test-warning']],
    [{ severity: 'info', service: 'payments' }, ['fintech-test-info']],
    [{ alertname: 'Watchdog', severity: 'none' }, ['fintech-test-heartbeat']],
    [{ alertname: 'Watchdog', severity: 'none', environment: 'production', prometheus: 'monitoring/fintech-test' }, ['fintech-test-heartbeat']],
    [{ alertname: 'Watchdog', severity: 'critical' }, ['fintech-test-critical']],
    [{ alertname: 'PrometheusRuleFailures', severity: 'critical', namespace: 'monitoring', service: 'prometheus-fintech-test' }, ['fintech-test-critical']],
    [{ alertname: 'SomethingElse', severity: 'none' }, ['fintech-test-warning']],
  ])('routes %j to %j', (labels, receivers) => {
    expect(routeAlert(config, labels)).toEqual(receivers);
  });

  test('the heartbeat receiver gets only the Watchdog, every minute, without waiting for other alerts of a group', () => {
    const routes = (config.route as any).routes;
    expect(routes[0]).toEqual({
      receiver: 'fintech-test-heartbeat', matchers: ['alertname="Watchdog"', 'severity="none"'], group_wait: '0s', group_interval: '1m', repeat_interval: '1m',
    });
    const heartbeat = (config.receivers as any[]).find((r) => r.name === 'fintech-test-heartbeat');
    expect(heartbeat).toEqual({ name: 'fintech-test-heartbeat', webhook_configs: [{ url_file: `${ALERTMANAGER_SECRETS_DIR}/alertmanager-receivers/heartbeat-url`, send_resolved: false }] });
    for (const labels of [{ severity: 'critical' }, { severity: 'warning' }, { severity: 'info' }, { alertname: 'Watchdog' }] as Array<Record<string, string>>) {
      expect(routeAlert(config, labels)).not.toContain('fintech-test-heartbeat');
    }
  });

  test('no inhibit rule can silence the Watchdog (severity none is never a target)', () => {
    const inhibit = config.inhibit_rules as Array<{ target_matchers: string[] }>;
    expect(inhibit.map((r) => r.target_matchers)).toEqual([['severity=~"warning|info"']]);
    expect(inhibit.every((r) => r.target_matchers.some((m) => /^severity=~"(.*)"$/.test(m) && !new RegExp(`^(?:${/^severity=~"(.*)"$/.exec(m)![1]})$`).test('none')))).toBe(true);
  });

  test.each([['Slack title', SLACK_TITLE], ['Slack text', SLACK_TEXT], ['PagerDuty description', PAGERDUTY_DESCRIPTION]])(
    'the %s template renders', (_, template) => {
      expect(() => renderTemplate(template)).not.toThrow();
    });

  test('a broken template fails to render (the check is real)', () => {
    expect(() => renderTemplate('{{ .Status | toUpper }')).toThrow(/unexpected "}"/);
  });
});

describe('Alertmanager configuration secrets', () => {
  test('credentials are read from the mounted Secrets\' files; the config holds no credential', () => {
    const text = stringify(config);
    expect(text).toContain(`routing_key_file: ${ALERTMANAGER_SECRETS_DIR}/alertmanager-receivers/pagerduty-routing-key`);
    expect(text).toContain(`api_url_file: ${ALERTMANAGER_SECRETS_DIR}/alertmanager-receivers/slack-webhook-url`);
    expect(text).toContain(`auth_password_file: ${ALERTMANAGER_SECRETS_DIR}/alertmanager-receivers/smtp-password`);
    expect(text).not.toMatch(/^\s*(routing_key|api_url|auth_password|service_key):/m);
    expect(text).toContain(`url_file: ${ALERTMANAGER_SECRETS_DIR}/alertmanager-receivers/heartbeat-url`);
    expect(text).not.toMatch(/^\s*url:/m);
    expect(referencedSecrets(resource.spec)).toEqual(['alertmanager-receivers']);
  });

  test('a field the renderer does not know is an error, never dropped', () => {
    const spec = { ...resource.spec, receivers: [{ ...resource.spec.receivers[0], opsgenieConfigs: [{ apiKey: { name: 'x', key: 'y' } }] }] };
    expect(() => alertmanagerYaml(spec)).toThrow('alertmanagerYaml: no translation for field(s) opsgenieConfigs');
  });
});
