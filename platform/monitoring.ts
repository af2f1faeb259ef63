import { MonitoringStackProps, Notifier, SecretKeyRef } from '../lib';
import { EnvironmentSpec } from './environments';
import type { ServiceSpec } from './services';

export const PROMETHEUS_VERSION = 'v3.5.0';
export const ALERTMANAGER_VERSION = 'v0.28.1';

/** The platform team's runbooks: every alert of the platform links `<RUNBOOK_BASE_URL>/<alert-name-in-kebab-case>`. */
export const RUNBOOK_BASE_URL = 'https://runbooks.fintech.internal/alerts';

/**
 * The namespace of an environment's monitoring stack: one per environment, so that two
 * environments in one cluster never share (and fight over) a Namespace, its quota or its policies.
 */
export function monitoringNamespaceOf(env: EnvironmentSpec): string {
  return `${env.namespace}-monitoring`;
}

/** The name of an environment's MonitoringStack (its Prometheus is `prometheus-<name>`). */
export function monitoringStackNameOf(env: EnvironmentSpec): string {
  return `fintech-${env.name}`;
}

/**
 * Monitoring of an environment (PLATFORM.md, "Monitoring"): critical alerts page through
 * PagerDuty in production, everything goes to the team's Slack channel, info by e-mail.
 * A dead man's switch posts the always-firing Watchdog every minute to a heartbeat service
 * outside the cluster, which alarms when the heartbeats stop. Receivers' credentials (and the
 * heartbeat URL) live in the Secret `alertmanager-receivers` of the environment's monitoring
 * namespace, created outside git.
 */
export function monitoringPropsFor(env: EnvironmentSpec, services: readonly ServiceSpec[]): Omit<MonitoringStackProps, 'services'> {
  const secret = (key: string) => SecretKeyRef.of('alertmanager-receivers', key);
  const slack = (channel: string) => Notifier.slack({ channel, webhookUrl: secret('slack-webhook-url') });
  const channel = env.alerts.slackChannel;
  return {
    environment: env.name,
    runbookBaseUrl: RUNBOOK_BASE_URL,
    routing: {
      critical: env.alerts.pageOnCritical ? [Notifier.pagerDuty({ routingKey: secret('pagerduty-routing-key') }), slack(channel)] : [slack(channel)],
      warning: [slack(channel)],
      info: [Notifier.email({
        to: 'fintech-team@fintech.internal', from: `alertmanager-${env.name}@fintech.internal`,
        smarthost: 'smtp.fintech.internal:587', username: 'alertmanager', password: secret('smtp-password'),
      })],
      deadMansSwitch: Notifier.webhook({ url: secret('heartbeat-url'), sendResolved: false }),
    },
    serviceOptions: Object.fromEntries(services.flatMap((s) => (s.monitoring ? [[s.name, s.monitoring]] : []))),
    // Pinned, so that an Operator upgrade never changes what runs without a commit here.
    prometheus: { version: PROMETHEUS_VERSION, ...env.prometheus },
    alertmanager: { version: ALERTMANAGER_VERSION },
  };
}
