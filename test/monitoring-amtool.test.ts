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

/** GIVEN a stack routing critical alerts to PagerDuty and Slack, warnings to Slack, infos by e-mail. */
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
    },
  });
  return chart.toJson().find((o) => o.kind === 'AlertmanagerConfig');
}

// WHEN the emitted AlertmanagerConfig (as it will be in dist/) is rendered to the alertmanager.yml it stands for
const resource = synthesizedRouting();
const config = alertmanagerYaml(resource.spec);

describeWithAmtool('amtool', () => {
  test('check-config passes on the alertmanager.yml equivalent to the emitted AlertmanagerConfig', () => {
    expect(checkAlertmanagerConfig(config)).toMatch(/SUCCESS[\s\S]*1 inhibit rules[\s\S]*3 receivers/);
  });

  test('check-config fails on a broken configuration (the check is real)', () => {
    const broken = { ...config, route: { ...(config.route as object), receiver: 'nobody' } };
    expect(() => checkAlertmanagerConfig(broken)).toThrow(/undefined receiver "nobody"/);
  });

  test.each([
    [{ severity: 'critical', service: 'payments' }, ['fintech-test-critical']],
    [{ severity: 'warning', service: 'payments' }, ['fintech-test-warning']],
    [{ severity: 'info', service: 'payments' }, ['fintech-test-info']],
    [{ alertname: 'Watchdog' }, ['fintech-test-warning']],
  ])('routes %j to %j', (labels, receivers) => {
    expect(routeAlert(config, labels)).toEqual(receivers);
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
    expect(referencedSecrets(resource.spec)).toEqual(['alertmanager-receivers']);
  });

  test('a field the renderer does not know is an error, never dropped', () => {
    const spec = { ...resource.spec, receivers: [{ ...resource.spec.receivers[0], webhookConfigs: [{ url: 'http://x' }] }] };
    expect(() => alertmanagerYaml(spec)).toThrow('alertmanagerYaml: no translation for field(s) webhookConfigs');
  });
});
