import { App, Chart, Duration } from 'cdk8s';
import { CanaryBackend, CanaryRollout } from '../../lib';
import { plainErrorMessage } from '../support/errors';

/**
 * GIVEN a CanaryRollout with one mistake WHEN it is synthesized THEN it throws a plain Error naming
 * the construct path, the prop, the value and what is valid; a mistake in a prop the rollout passes
 * on to its service names the rollout's path and the prop as given.
 */
const C = "CanaryRollout 'prod/finance-service'";
const STABLE = 'registry.fintech.internal/fintech/finance-service:1.0.0';
const CANARY = 'registry.fintech.internal/fintech/finance-service:1.1.0';

function messageOf(props: object): string {
  return plainErrorMessage(() => new CanaryRollout(new Chart(new App(), 'prod'), 'finance-service', { stableImage: STABLE, canaryImage: CANARY, port: 8080, ...props } as any));
}

describe('CanaryRollout bad input', () => {
  test.each<[string, object, string]>([
    ['a misspelt prop', { canaryImages: CANARY },
      `${C}: 'props.canaryImages' (a string of 55 characters) is invalid: is not a known option; the options are name, port, servicePort, extraPorts, replicas, rollingUpdate, sessionAffinityTimeout, autoscaling, disruptionBudget, resources, livenessProbe, readinessProbe, startupProbe, terminationGracePeriod, runAs, env, config, secretEnv, ingressFrom, egressTo, metricsScrapers, metrics, automountServiceAccountToken, ingress, verticalAutoscaling, dataClassification, owner, backend, stableImage, canaryImage, phase, steps, pause, manualApproval, analysis, runbookBaseUrl`],
    ['an image prop (the rollout takes two)', { image: CANARY },
      `${C}: 'props.image' (a string of 55 characters) is invalid: is not a known option; the options are name, port, servicePort, extraPorts, replicas, rollingUpdate, sessionAffinityTimeout, autoscaling, disruptionBudget, resources, livenessProbe, readinessProbe, startupProbe, terminationGracePeriod, runAs, env, config, secretEnv, ingressFrom, egressTo, metricsScrapers, metrics, automountServiceAccountToken, ingress, verticalAutoscaling, dataClassification, owner, backend, stableImage, canaryImage, phase, steps, pause, manualApproval, analysis, runbookBaseUrl`],
    ['a name too long for "-canary"', { name: 'f'.repeat(57) },
      `${C}: 'name' ("fffffffffffffffffffffffffffffffffffffffffffffffffffffffff") is invalid: must have at most 56 characters, so that "fffffffffffffffffffffffffffffffffffffffffffffffffffffffff-canary" is a valid name (at most 63)`],
    ['a misspelt backend', { backend: 'argo' },
      `${C}: 'backend' ("argo") is invalid: must be one of CanaryBackend.PLAIN_KUBERNETES or CanaryBackend.ARGO_ROLLOUTS ("plain-kubernetes" or "argo-rollouts")`],
    ['a fractional step', { steps: [12.5, 50, 100] },
      `${C}: 'steps[0]' (12.5) is invalid: must be an integer from 1 to 100`],
    ['steps as a string', { steps: '10,50,100' },
      `${C}: 'steps' ("10,50,100") is invalid: must be an array, not a string, e.g. [10, 30, 60, 100]`],
    ['a number as the phase', { phase: 30 },
      `${C}: 'phase' (30) is invalid: must be a CanaryPhase, not a number, e.g. CanaryPhase.percent(30)`],
    ['"48h" as the pause', { backend: CanaryBackend.ARGO_ROLLOUTS, pause: '48h' },
      `${C}: 'pause' ("48h") is invalid: must be a Duration, not a string, e.g. Duration.hours(48)`],
    ['a fractional pause', { backend: CanaryBackend.ARGO_ROLLOUTS, pause: Duration.millis(1500) },
      `${C}: 'pause' ("1500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.hours(48)`],
    ['a string as manual approval', { manualApproval: 'yes' },
      `${C}: 'manualApproval' ("yes") is invalid: must be a boolean (true or false), not a string`],
    ['a misspelt analysis option', { analysis: { windw: Duration.minutes(5) } },
      `${C}: 'analysis.windw' (a Duration) is invalid: is not a known option; the options are maxErrorRatePercent, maxP95Latency, window, interval, failureLimit, inconclusiveLimit, consecutiveErrorLimit, prometheusAddress`],
    ['"5m" as the analysis window', { analysis: { window: '5m' } },
      `${C}: 'analysis.window' ("5m") is invalid: must be a Duration, not a string, e.g. Duration.minutes(5)`],
    ['an analysis interval under 10 s', { analysis: { interval: Duration.seconds(5) } },
      `${C}: 'analysis.interval' ("5s") is invalid: must be from 10s to 1h`],
    ['a number as the P95 latency', { analysis: { maxP95Latency: 500 } },
      `${C}: 'analysis.maxP95Latency' (500) is invalid: must be a Duration, not a number, e.g. Duration.millis(500)`],
    ['a string as the error-rate threshold', { analysis: { maxErrorRatePercent: '1' } },
      `${C}: 'analysis.maxErrorRatePercent' ("1") is invalid: must be a finite number, not a string`],
    ['an address without a scheme', { backend: CanaryBackend.ARGO_ROLLOUTS, analysis: { prometheusAddress: 'prometheus-operated.monitoring.svc:9090' } },
      `${C}: 'analysis.prometheusAddress' ("prometheus-operated.monitoring.svc:9090") is invalid: must be an absolute URL starting with https:// or http://, e.g. "http://prometheus-operated.monitoring.svc:9090"`],
    ['an address with credentials', { backend: CanaryBackend.ARGO_ROLLOUTS, analysis: { prometheusAddress: 'http://admin:s3cretPassw0rd@prometheus:9090' } },
      `${C}: 'analysis.prometheusAddress' (a string of 43 characters) is invalid: must not contain credentials ("user:password@"): secret values never go into manifests; reference them from a Secret`],
    ['a webhook URL as the Prometheus address', { analysis: { prometheusAddress: 'https://hooks.slack.com/services/T0AAAAAAA/B0BBBBBBB/XXXXXXXXXXXXXXXXXXXXXXXX' } },
      `${C}: 'analysis.prometheusAddress' (a string of 77 characters) is invalid: looks like a credential (a Slack webhook URL), and secret values never go into manifests: give the address of the Prometheus that Argo Rollouts queries`],
    ['null for the analysis', { analysis: null },
      `${C}: 'analysis' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['a fractional failure limit', { backend: CanaryBackend.ARGO_ROLLOUTS, analysis: { failureLimit: 0.5 } },
      `${C}: 'analysis.failureLimit' (0.5) is invalid: must be an integer of at least 0`],
    ['a string as the CPU limit', { resources: { cpu: { limit: '1' } } },
      `${C}: 'resources.cpu.limit' ("1") is invalid: must be a Cpu, not a string, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['"30s" as the termination grace period', { terminationGracePeriod: '30s' },
      `${C}: 'terminationGracePeriod' ("30s") is invalid: must be a Duration, not a string, e.g. Duration.seconds(30)`],
  ])('rejects %s', (_, props, message) => expect(messageOf(props)).toBe(message));
});
