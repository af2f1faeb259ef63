import { App, Chart } from 'cdk8s';
import { FintechService, MonitoringStack, Notifier, SecretKeyRef } from '../../lib';

/** Notifiers reading the Secret `alertmanager-receivers`, each with its options overridable (also wrongly, as a JavaScript caller would). */
export const receiver = (key: string) => SecretKeyRef.of('alertmanager-receivers', key);
export const slack = (o: object = {}) => Notifier.slack({ channel: '#alerts', webhookUrl: receiver('slack-url'), ...o } as any);
export const pagerDuty = (o: object = {}) => Notifier.pagerDuty({ routingKey: receiver('routing-key'), ...o } as any);
export const email = (o: object = {}) => Notifier.email({ to: 'oncall@fintech.internal', from: 'am@fintech.internal', smarthost: 'smtp.fintech.internal:587', ...o } as any);
export const webhook = (o: object = {}) => Notifier.webhook({ url: receiver('heartbeat-url'), ...o } as any);
/** Routing with a pager for critical alerts and Slack for warnings, plus `o`. */
export const routing = (o: object = {}) => ({ critical: [pagerDuty()], warning: [slack()], ...o });

/**
 * A MonitoringStack 'monitoring/mon' watching one service 'prod/payments' (namespace fintech-prod),
 * routed to PagerDuty and Slack, with `props` over those: for the red-team tables, which then
 * synthesize the chart or the whole app.
 */
export function oneServiceStack(props: object): { app: App; chart: Chart } {
  const app = new App();
  const service = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-prod' }), 'payments', {
    image: 'registry.fintech.internal/fintech/payments:1.4.2', port: 8080,
  });
  const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
  new MonitoringStack(chart, 'mon', { services: [service], routing: routing(), ...props } as any);
  return { app, chart };
}
