import { Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { MonitoringStackProps, Notifier, SecretKeyRef, Severity } from '../lib';
import { EnvironmentSpec } from './environments';

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

/**
 * Monitoring of an environment (PLATFORM.md, "Monitoring"): critical alerts page through
 * PagerDuty in production, everything goes to the team's Slack channel, info by e-mail.
 * Receivers' credentials live in the Secret `alertmanager-receivers` of the environment's
 * monitoring namespace, created outside git.
 */
export function monitoringPropsFor(env: EnvironmentSpec, serviceNames: readonly string[]): Omit<MonitoringStackProps, 'services'> {
  const secret = (key: string) => SecretKeyRef.of('alertmanager-receivers', key);
  const production = env.name === 'production';
  const slack = (channel: string) => Notifier.slack({ channel, webhookUrl: secret('slack-webhook-url') });
  const channel = production ? '#fintech-alerts' : '#fintech-staging-alerts';
  return {
    environment: env.name,
    runbookBaseUrl: RUNBOOK_BASE_URL,
    routing: {
      critical: production ? [Notifier.pagerDuty({ routingKey: secret('pagerduty-routing-key') }), slack(channel)] : [slack(channel)],
      warning: [slack(channel)],
      info: [Notifier.email({
        to: 'fintech-team@fintech.internal', from: `alertmanager-${env.name}@fintech.internal`,
        smarthost: 'smtp.fintech.internal:587', username: 'alertmanager', password: secret('smtp-password'),
      })],
    },
    serviceOptions: serviceNames.includes('finance-service') ? {
      'finance-service': {
        memoryCriticalPercent: 85,
        errorAlerts: [
          { alert: 'EventStoreConnectionErrors', errorType: 'eventstore_connection', severity: Severity.WARNING, summary: 'cannot reach the EventStore' },
          { alert: 'SnapshotFailures', errorType: 'snapshot_failure', severity: Severity.CRITICAL, summary: 'event-store snapshots fail' },
        ],
      },
    } : {},
    // Pinned, so that an Operator upgrade never changes what runs without a commit here.
    prometheus: production ? { version: PROMETHEUS_VERSION } : {
      version: PROMETHEUS_VERSION,
      retention: Duration.days(7),
      storage: Size.gibibytes(20),
      resources: { cpu: { request: Cpu.millis(250), limit: Cpu.millis(500) }, memory: { request: Size.gibibytes(1), limit: Size.gibibytes(2) } },
    },
    alertmanager: { version: ALERTMANAGER_VERSION },
  };
}
