import { App, Chart, Duration } from 'cdk8s';
import { CanaryBackend, CanaryPhase, CanaryRollout, CanaryRolloutProps } from '../lib';
import { splitReplicas } from '../lib/canary-rollout';
import { checkQueries, checkRuleGroups, hasPromtool, testRules } from './support/promtool';
import { validateManifest } from './support/schema-validator';
import {
  ArgoMetric, measurementPhase, MeasurementPhase, metricPhase, PrometheusResult, RolloutAction, rolloutAction, UnsupportedCondition,
} from './support/argo-analysis';
import { kinds, only } from './support/fixtures';

const STABLE = 'registry.fintech.internal/fintech/finance-service:2.0.0';
const CANARY = 'registry.fintech.internal/fintech/finance-service:2.1.0';
const PATH = "CanaryRollout 'prod/finance-service'";

/** finance-service's production shape: 10 replicas, autoscaler up to 25, at least 7 available. */
function financeProps(overrides: Partial<CanaryRolloutProps> = {}): CanaryRolloutProps {
  return {
    stableImage: STABLE,
    canaryImage: CANARY,
    port: 3014,
    servicePort: 80,
    replicas: 10,
    autoscaling: { maxReplicas: 25 },
    disruptionBudget: { minAvailable: 7 },
    ...overrides,
  };
}

function synthCanary(overrides: Partial<CanaryRolloutProps> = {}) {
  const chart = new Chart(new App(), 'prod', { namespace: 'fintech-production' });
  const canary = new CanaryRollout(chart, 'finance-service', financeProps(overrides));
  return { canary, objects: chart.toJson() };
}

const plainAt = (percent: number, overrides: Partial<CanaryRolloutProps> = {}) =>
  synthCanary({ backend: CanaryBackend.PLAIN_KUBERNETES, phase: CanaryPhase.percent(percent), ...overrides });
const argo = (overrides: Partial<CanaryRolloutProps> = {}) => synthCanary({ backend: CanaryBackend.ARGO_ROLLOUTS, ...overrides });

/** Every label of a matchLabels selector is on the pod. */
const selects = (matchLabels: Record<string, string>, podLabels: Record<string, string>) =>
  Object.entries(matchLabels).every(([key, value]) => podLabels[key] === value);

describe('splitReplicas', () => {
  test.each([
    [10, 10, 9, 1, 10], [10, 30, 7, 3, 30], [10, 60, 4, 6, 60], [10, 100, 0, 10, 100],
    [3, 10, 2, 1, 33.3], [3, 60, 1, 2, 66.7], [2, 10, 1, 1, 50], [2, 60, 1, 1, 50], [4, 30, 3, 1, 25], [7, 30, 5, 2, 28.6],
  ])('%i replicas at %i %% → %i stable + %i canary (%f %%)', (total, percent, stable, canary, canaryPercent) => {
    expect(splitReplicas(total, percent)).toEqual({ stable, canary, canaryPercent });
  });

  test('cannot keep two tracks with one replica', () => {
    expect(splitReplicas(1, 10)).toBeUndefined();
  });
});

describe('CanaryRollout on plain Kubernetes', () => {
  test.each([10, 30, 60, 100])('snapshot at %i %%', (percent) => {
    expect(plainAt(percent).objects).toMatchSnapshot();
  });

  test.each([[10, 9, 1], [30, 7, 3], [60, 4, 6]])('at %i %% runs %i stable and %i canary pods, and says so', (percent, stable, canary) => {
    const { objects, canary: rollout } = plainAt(percent);
    const hpa = only(objects, 'HorizontalPodAutoscaler');
    expect(hpa.spec.scaleTargetRef.name).toBe('finance-service');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([stable, 25 - canary]);
    const canaryDeployment = only(objects, 'Deployment', 'finance-service-canary');
    expect(canaryDeployment.spec.replicas).toBe(canary);
    expect(canaryDeployment.metadata.annotations['fintech.io/traffic-weight-percent']).toBe(String(percent));
    expect(only(objects, 'Deployment', 'finance-service').metadata.annotations['fintech.io/traffic-weight-percent']).toBe(String(100 - percent));
    expect(rollout.split).toEqual({ stable, canary, canaryPercent: percent });
  });

  test('reports the real percentage when the replicas cannot meet the phase exactly', () => {
    const { objects, canary } = plainAt(10, { replicas: 3, disruptionBudget: { maxUnavailable: 1 } });
    expect(canary.split).toEqual({ stable: 2, canary: 1, canaryPercent: 33.3 });
    expect(only(objects, 'Deployment', 'finance-service-canary').metadata.annotations['fintech.io/traffic-weight-percent']).toBe('33.3');
  });

  test('splits fixed replicas when autoscaling is off', () => {
    const { objects, canary } = plainAt(30, { autoscaling: false });
    expect(only(objects, 'Deployment', 'finance-service').spec.replicas).toBe(7);
    expect(only(objects, 'Deployment', 'finance-service-canary').spec.replicas).toBe(3);
    expect([canary.service.minReplicas, canary.service.maxReplicas]).toEqual([7, 7]);
  });

  test('the service\'s replica bounds are the ones its autoscaler renders, after the split', () => {
    const { objects, canary } = plainAt(30);
    const hpa = only(objects, 'HorizontalPodAutoscaler');
    expect([canary.service.minReplicas, canary.service.maxReplicas]).toEqual([hpa.spec.minReplicas, hpa.spec.maxReplicas]);
    expect([canary.service.minReplicas, canary.service.maxReplicas]).toEqual([7, 22]);
  });

  test('labels the tracks with track and version; the Service, PDB, NetworkPolicy and ServiceMonitor cover both', () => {
    const { objects } = plainAt(10);
    const stablePods = only(objects, 'Deployment', 'finance-service').spec.template.metadata.labels;
    const canaryPods = only(objects, 'Deployment', 'finance-service-canary').spec.template.metadata.labels;
    expect(stablePods).toMatchObject({ track: 'stable', version: '2.0.0' });
    expect(canaryPods).toMatchObject({ track: 'canary', version: '2.1.0' });
    const sharedSelectors = [
      only(objects, 'Service').spec.selector,
      only(objects, 'PodDisruptionBudget').spec.selector.matchLabels,
      only(objects, 'NetworkPolicy').spec.podSelector.matchLabels,
    ];
    for (const selector of sharedSelectors) {
      expect(selects(selector, stablePods) && selects(selector, canaryPods)).toBe(true);
    }
    const monitor = only(objects, 'ServiceMonitor').spec;
    expect(selects(monitor.selector.matchLabels, only(objects, 'Service').metadata.labels)).toBe(true);
    expect(monitor.podTargetLabels).toEqual(['track', 'version']);
    // Each Deployment selects only its own track.
    expect(selects(only(objects, 'Deployment', 'finance-service').spec.selector.matchLabels, canaryPods)).toBe(false);
    expect(selects(only(objects, 'Deployment', 'finance-service-canary').spec.selector.matchLabels, stablePods)).toBe(false);
  });

  test('at 100 % the stable track runs the new release alone', () => {
    const { objects, canary } = plainAt(100);
    expect(objects.filter((o) => o.kind === 'Deployment').map((o) => o.metadata.name)).toEqual(['finance-service']);
    expect(only(objects, 'Deployment').spec.template.spec.containers[0].image).toBe(CANARY);
    expect([only(objects, 'HorizontalPodAutoscaler').spec.minReplicas, only(objects, 'HorizontalPodAutoscaler').spec.maxReplicas]).toEqual([10, 25]);
    expect(canary.inProgress).toBe(false);
  });

  test.each([
    [30, 'set its phase from 30 % back to an earlier step (10 %), or remove its canaryImage'],
    [100, 'set its phase from 100 % back to an earlier step (10, 30 or 60 %), or remove its canaryImage'],
  ])('at %i %% the rollback procedure names the earlier steps and the props to change, no file', (percent, procedure) => {
    const rules = only(plainAt(percent).objects, 'PrometheusRule').spec.groups[0].rules;
    for (const r of rules) {
      expect(r.annotations.description).toContain(`Roll back CanaryRollout finance-service (namespace fintech-production): ${procedure}`);
      expect(r.annotations.description).not.toMatch(/\.ts\b|main|pull request/);
    }
  });

  test('without a canary release only the stable release runs', () => {
    const { objects } = synthCanary({ backend: CanaryBackend.PLAIN_KUBERNETES, canaryImage: undefined });
    expect(objects.filter((o) => o.kind === 'Deployment').map((o) => o.spec.template.spec.containers[0].image)).toEqual([STABLE]);
  });

  test('fires CanaryRollbackRequired on 1 % errors or crash loops for 5 minutes, with a rollback runbook', () => {
    const rule = only(plainAt(10).objects, 'PrometheusRule');
    const rules = rule.spec.groups[0].rules;
    expect(rules.map((r: any) => [r.alert, r.labels.severity, r.for])).toEqual([
      ['CanaryRollbackRequired', 'critical', '5m'], ['CanaryRollbackRequired', 'critical', '5m'], ['CanaryLatencyHigh', 'warning', '5m'],
    ]);
    expect(rules[0].expr).toBe('sum(rate(http_requests_total{namespace="fintech-production",service="finance-service",track="canary",code=~"5.."}[5m])) / '
      + 'sum(rate(http_requests_total{namespace="fintech-production",service="finance-service",track="canary"}[5m])) * 100 > 1');
    expect(rules[1].expr).toContain('reason="CrashLoopBackOff"');
    expect(rules[2].expr).toBe('histogram_quantile(0.95, sum(rate(http_request_duration_seconds_bucket{namespace="fintech-production",service="finance-service",track="canary"}[5m])) by (le)) > 0.5');
    for (const r of rules) {
      expect(r.annotations.description).toContain('Roll back CanaryRollout finance-service (namespace fintech-production): '
        + 'remove its canaryImage to run only the stable release 2.0.0, and deploy that change.');
      expect(r.annotations.summary).toBeTruthy();
    }
  });

  test('runbookBaseUrl must be an http(s) URL', () => {
    expect(() => plainAt(10, { runbookBaseUrl: 'runbooks' })).toThrow(
      "CanaryRollout 'prod/finance-service': 'runbookBaseUrl' (\"runbooks\") is invalid: must be an http(s) URL under which each alert has its runbook, e.g. \"https://runbooks.example.com/alerts\"");
  });

  test('with runbookBaseUrl, each rollback alert links its own runbook page', () => {
    const { objects } = synthCanary({ backend: CanaryBackend.PLAIN_KUBERNETES, phase: CanaryPhase.percent(10), runbookBaseUrl: 'https://runbooks.example.com/alerts' });
    expect(only(objects, 'PrometheusRule').spec.groups[0].rules.map((r: any) => r.annotations.runbook_url)).toEqual([
      'https://runbooks.example.com/alerts/canary-rollback-required', 'https://runbooks.example.com/alerts/canary-rollback-required',
      'https://runbooks.example.com/alerts/canary-latency-high',
    ]);
  });
});

describe("the test helper follows Argo Rollouts' documented analysis rules", () => {
  // The examples of docs/features/analysis.md ("Inconclusive Runs", "Handling Metric Results"),
  // and the three cases of utils/evaluate/evaluate.go.
  test.each([
    ['no condition', {}, [0.1], 'Successful'],
    ['success only, met', { successCondition: 'result[0] >= 0.95' }, [0.97], 'Successful'],
    ['success only, missed: Failed, not Inconclusive', { successCondition: 'result[0] >= 0.95' }, [0.9], 'Failed'],
    ['failure only, met', { failureCondition: 'result[0] >= 10' }, [12], 'Failed'],
    ['failure only, not met: Successful', { failureCondition: 'result[0] >= 10' }, [3], 'Successful'],
    ['both, neither met', { successCondition: 'result[0] >= 0.90', failureCondition: 'result[0] < 0.50' }, [0.7], 'Inconclusive'],
    ['both, failure wins', { successCondition: 'result[0] >= 0', failureCondition: 'result[0] < 0.50' }, [0.2], 'Failed'],
    ['NaN accepted explicitly', { successCondition: 'isNaN(result) || result >= 0.95' }, NaN, 'Successful'],
    ['NaN with both conditions', { successCondition: 'result >= 0.95', failureCondition: 'result < 0.95' }, NaN, 'Inconclusive'],
    ['NaN with success only', { successCondition: 'result >= 0.95' }, NaN, 'Failed'],
    ['+Inf with success only', { successCondition: 'result >= 0.95' }, Infinity, 'Successful'],
    ['+Inf caught by isInf', { failureCondition: 'isInf(result)' }, Infinity, 'Failed'],
    ['an empty vector accepted explicitly', { successCondition: 'len(result) == 0 || result[0] >= 0.95' }, [], 'Successful'],
    ['an empty vector guarded by len', { successCondition: 'len(result) > 0 && result[0] >= 0.95' }, [], 'Failed'],
    ['an empty vector indexed: the condition errors', { successCondition: 'result[0] >= 0.95' }, [], 'Error'],
    ['a condition that is not a boolean', { successCondition: 'result[0]' }, [1], 'Error'],
  ] as Array<[string, ArgoMetric, PrometheusResult, MeasurementPhase]>)('%s → %s', (_, metric, result, phase) => {
    expect(measurementPhase(metric, result)).toBe(phase);
  });

  test('limits: a metric ends when failures, inconclusives or consecutive errors exceed their limit', () => {
    expect(metricPhase({}, ['Successful', 'Failed'])).toBe('Failed');
    expect(metricPhase({ failureLimit: 2 }, ['Failed', 'Failed'])).toBe('Running');
    expect(metricPhase({}, ['Inconclusive'])).toBe('Inconclusive');
    expect(metricPhase({}, ['Error', 'Error', 'Error', 'Error'])).toBe('Running');
    expect(metricPhase({}, ['Error', 'Error', 'Error', 'Error', 'Error'])).toBe('Error');
    expect(metricPhase({}, ['Error', 'Error', 'Error', 'Successful', 'Error', 'Error'])).toBe('Running');
  });

  test('refuses syntax it does not implement instead of guessing', () => {
    expect(() => measurementPhase({ successCondition: 'default(result, 0) < 0.05' }, [])).toThrow(UnsupportedCondition);
    expect(() => measurementPhase({ successCondition: 'result[0] <= 1 ?' }, [1])).toThrow(UnsupportedCondition);
  });
});

describe('CanaryRollout on Argo Rollouts', () => {
  test('snapshot', () => {
    expect(argo().objects).toMatchSnapshot();
  });

  test('snapshot with manual approval', () => {
    expect(argo({ manualApproval: true }).objects).toMatchSnapshot();
  });

  test('a Rollout steps 10 → 30 → 60 → 100 % with 48-hour pauses, on the Deployment as its workload', () => {
    const { objects } = argo();
    const rollout = only(objects, 'Rollout');
    expect(rollout.apiVersion).toBe('argoproj.io/v1alpha1');
    expect(rollout.spec.workloadRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'finance-service', scaleDown: 'progressively' });
    expect(rollout.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'finance-service' });
    expect(rollout.spec.strategy.canary.steps).toEqual([
      { setWeight: 10 }, { pause: { duration: '48h' } }, { setWeight: 30 }, { pause: { duration: '48h' } },
      { setWeight: 60 }, { pause: { duration: '48h' } }, { setWeight: 100 },
    ]);
    expect(only(objects, 'Deployment').spec.template.spec.containers[0].image).toBe(CANARY);
  });

  test('without autoscaling the Rollout owns the replica count and the Deployment leaves it unset', () => {
    const { objects } = argo({ autoscaling: false });
    expect(only(objects, 'Rollout').spec.replicas).toBe(10);
    expect(only(objects, 'Deployment').spec.replicas).toBeUndefined();
  });

  test('manual approval pauses indefinitely at each step', () => {
    const steps = only(argo({ manualApproval: true }).objects, 'Rollout').spec.strategy.canary.steps;
    expect(steps.filter((s: any) => s.pause)).toEqual([{ pause: {} }, { pause: {} }, { pause: {} }]);
  });

  test('the autoscaler scales the Rollout; stable and canary Services front the tracks; ReplicaSets repel each other', () => {
    const { objects } = argo();
    const canary = only(objects, 'Rollout').spec.strategy.canary;
    expect(only(objects, 'HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'finance-service' });
    expect(only(objects, 'Deployment').spec.replicas).toBeUndefined();
    expect([canary.stableService, canary.canaryService]).toEqual(['finance-service-stable', 'finance-service-canary']);
    expect(canary.stableMetadata).toEqual({ labels: { track: 'stable' } });
    expect(canary.canaryMetadata).toEqual({ labels: { track: 'canary' } });
    expect(canary.antiAffinity).toEqual({ preferredDuringSchedulingIgnoredDuringExecution: { weight: 100 } });
    const monitor = only(objects, 'ServiceMonitor').spec.selector.matchLabels;
    const services = objects.filter((o) => o.kind === 'Service');
    expect(services.map((s) => s.metadata.name).sort()).toEqual(['finance-service', 'finance-service-canary', 'finance-service-stable']);
    expect(services.filter((s) => selects(monitor, s.metadata.labels)).map((s) => s.metadata.name)).toEqual(['finance-service']);
    for (const s of services) expect(s.spec.ports).toEqual(services[0].spec.ports);
  });

  test('wires the Rollout to both AnalysisTemplates by name, with the service name as argument', () => {
    const { objects } = argo();
    const analysis = only(objects, 'Rollout').spec.strategy.canary.analysis;
    const templates = objects.filter((o) => o.kind === 'AnalysisTemplate');
    expect(analysis.templates.map((t: any) => t.templateName).sort()).toEqual(templates.map((t) => t.metadata.name).sort());
    expect(analysis.args).toEqual([{ name: 'service-name', value: 'finance-service' }]);
    for (const t of templates) expect(t.spec.args).toEqual([{ name: 'service-name' }]);
  });

  test('measures every minute over the 5-minute window, the first time one window after the analysis starts', () => {
    const { objects } = argo();
    const errorRate = only(objects, 'AnalysisTemplate', 'finance-service-error-rate').spec.metrics[0];
    const latency = only(objects, 'AnalysisTemplate', 'finance-service-latency').spec.metrics[0];
    for (const metric of [errorRate, latency]) {
      expect(metric).toMatchObject({ interval: '1m', initialDelay: '5m', failureLimit: 0, inconclusiveLimit: 0, consecutiveErrorLimit: 30 });
    }
    const requests = 'sum(rate(http_requests_total{namespace="fintech-production",service="{{args.service-name}}",track="canary"}[5m]))';
    expect(errorRate.provider.prometheus.query).toBe('min_over_time(((sum(rate(http_requests_total{namespace="fintech-production",service="{{args.service-name}}",track="canary",code=~"5.."}[5m])) '
      + `or ${requests} * 0) / ${requests} * 100)[5m:1m])`);
    expect(latency.provider.prometheus.query).toContain('histogram_quantile(0.95,');
  });

  // What Argo Rollouts does with each measurement, by its documented rules (test/support/argo-analysis.ts):
  // PLATFORM.md asks for a rollback above 1 % errors, a manual review above 500 ms P95, and
  // neither a rollback nor a silent promotion when there is no canary traffic to measure.
  const NO_SERIES: number[] = [];
  test.each([
    ['error-rate', '0.4 %', 'Successful', 'continue', [0.4]],
    ['error-rate', '2 %', 'Failed', 'abort', [2]],
    ['error-rate', 'exactly the 1 % threshold', 'Successful', 'continue', [1]],
    ['error-rate', 'no series (no canary traffic)', 'Inconclusive', 'pause', NO_SERIES],
    ['error-rate', 'NaN (0 / 0 requests)', 'Inconclusive', 'pause', [NaN]],
    ['latency', 'P95 0.3 s', 'Successful', 'continue', [0.3]],
    ['latency', 'P95 0.7 s', 'Inconclusive', 'pause', [0.7]],
    ['latency', 'P95 +Inf (slower than the last bucket)', 'Inconclusive', 'pause', [Infinity]],
    ['latency', 'no series (no canary traffic)', 'Inconclusive', 'pause', NO_SERIES],
    ['latency', 'NaN (no requests)', 'Inconclusive', 'pause', [NaN]],
  ] as Array<[string, string, MeasurementPhase, RolloutAction, number[]]>)('%s at %s: the measurement is %s, the rollout does %s', (metricName, _, phase, action, result) => {
    const metric = only(argo().objects, 'AnalysisTemplate', `finance-service-${metricName}`).spec.metrics[0];
    expect(measurementPhase(metric, result)).toBe(phase);
    const after = metricPhase(metric, [phase]);
    expect(rolloutAction(after)).toBe(action);
  });

  test('a Prometheus outage shorter than the window is retried; a longer one aborts rather than leaving the canary unmeasured', () => {
    const metric = only(argo().objects, 'AnalysisTemplate', 'finance-service-error-rate').spec.metrics[0];
    const errors = (n: number): MeasurementPhase[] => Array(n).fill('Error');
    expect(metricPhase(metric, [...errors(29), 'Successful', ...errors(29)])).toBe('Running');
    expect(rolloutAction(metricPhase(metric, errors(31)))).toBe('abort');
  });

  test('thresholds, window, interval and limits are props', () => {
    const { objects } = argo({
      analysis: {
        maxErrorRatePercent: 0.5, maxP95Latency: Duration.millis(300), window: Duration.minutes(10), interval: Duration.seconds(30),
        failureLimit: 2, inconclusiveLimit: 1, consecutiveErrorLimit: 6,
      },
    });
    const errorRate = only(objects, 'AnalysisTemplate', 'finance-service-error-rate').spec.metrics[0];
    const latency = only(objects, 'AnalysisTemplate', 'finance-service-latency').spec.metrics[0];
    expect(errorRate).toMatchObject({ interval: '30s', initialDelay: '10m', failureLimit: 2, inconclusiveLimit: 1, consecutiveErrorLimit: 6 });
    expect(errorRate.provider.prometheus.query).toContain('[10m])) * 100)[10m:30s])');
    expect([measurementPhase(errorRate, [0.4]), measurementPhase(errorRate, [0.6])]).toEqual(['Successful', 'Failed']);
    expect([measurementPhase(latency, [0.25]), measurementPhase(latency, [0.35])]).toEqual(['Successful', 'Inconclusive']);
    expect(metricPhase(latency, ['Inconclusive'])).toBe('Running');
    expect(metricPhase(latency, ['Inconclusive', 'Inconclusive'])).toBe('Inconclusive');
  });

  test('the default consecutive-error limit follows the window', () => {
    const metric = only(argo({ analysis: { window: Duration.minutes(2) } }).objects, 'AnalysisTemplate', 'finance-service-latency').spec.metrics[0];
    expect(metric.consecutiveErrorLimit).toBe(12);
  });

  test('the pause is a Duration, written as Argo Rollouts reads it', () => {
    const pauses = (pause: Duration) => only(argo({ pause }).objects, 'Rollout').spec.strategy.canary.steps
      .filter((s: any) => s.pause).map((s: any) => s.pause.duration);
    expect(pauses(Duration.minutes(30))).toEqual(['30m', '30m', '30m']);
    expect(pauses(Duration.seconds(90))[0]).toBe('90s');
    expect(pauses(Duration.days(2))[0]).toBe('48h');
    expect(argo().canary.pause.toSeconds()).toBe(48 * 3600);
  });
});

describe('CanaryRollout output is valid', () => {
  const outputs = {
    'plain at 10 %': plainAt(10).objects,
    'plain at 100 %': plainAt(100).objects,
    'argo': argo().objects,
    'argo with manual approval': argo({ manualApproval: true }).objects,
  };

  test.each(Object.entries(outputs))('%s: every object validates strictly against the Kubernetes 1.28 and CRD schemas', (_, objects) => {
    expect(objects.flatMap(validateManifest)).toEqual([]);
  });

  test('emits no Secret', () => {
    for (const objects of Object.values(outputs)) expect(kinds(objects)).not.toContain('Secret');
  });

  (hasPromtool ? describe : describe.skip)('promtool', () => {
    test('parses every PrometheusRule group the plain backend emits', () => {
      expect(checkRuleGroups(only(plainAt(10).objects, 'PrometheusRule').spec.groups)).toContain('SUCCESS: 3 rules found');
    });

    test('parses every AnalysisTemplate query', () => {
      const queries = argo().objects.filter((o) => o.kind === 'AnalysisTemplate')
        .map((t) => t.spec.metrics[0].provider.prometheus.query.split('{{args.service-name}}').join('finance-service'));
      expect(queries).toHaveLength(2);
      checkQueries(queries);
    });

    test('the analysis queries return what the phase table assumes: 0 without 5xx, 2 at 2 %, nothing without series, NaN without requests', () => {
      const metrics = argo().objects.filter((o) => o.kind === 'AnalysisTemplate').map((t) => t.spec.metrics[0]);
      const errorRate = metrics.find((m) => m.name === 'error-rate');
      const latency = metrics.find((m) => m.name === 'latency');
      const query = (metric: any, service: string) => metric.provider.prometheus.query.split('{{args.service-name}}').join(service);
      const labels = (service: string, extra: string) => `{namespace="fintech-production",service="${service}",track="canary",${extra}}`;
      // A NaN sample is the only value that differs from itself: `q != bool q` is 1 for NaN, 0 otherwise.
      const isNaNQuery = (q: string) => `(${q}) != bool (${q})`;
      testRules([], [
        {
          interval: '1m',
          input_series: [
            { series: `http_requests_total${labels('healthy', 'code="200"')}`, values: '0+100x20' },
            { series: `http_requests_total${labels('failing', 'code="200"')}`, values: '0+98x20' },
            { series: `http_requests_total${labels('failing', 'code="500"')}`, values: '0+2x20' },
            { series: `http_requests_total${labels('idle', 'code="200"')}`, values: '0+0x20' },
            { series: `http_request_duration_seconds_bucket${labels('idle', 'le="0.5"')}`, values: '0+0x20' },
            { series: `http_request_duration_seconds_bucket${labels('idle', 'le="+Inf"')}`, values: '0+0x20' },
          ],
          promql_expr_test: [
            { expr: query(errorRate, 'healthy'), eval_time: '15m', exp_samples: [{ labels: '{}', value: 0 }] },
            { expr: `round(${query(errorRate, 'failing')}, 0.001)`, eval_time: '15m', exp_samples: [{ labels: '{}', value: 2 }] },
            { expr: isNaNQuery(query(errorRate, 'idle')), eval_time: '15m', exp_samples: [{ labels: '{}', value: 1 }] },
            { expr: isNaNQuery(query(latency, 'idle')), eval_time: '15m', exp_samples: [{ labels: '{}', value: 1 }] },
            { expr: query(errorRate, 'absent'), eval_time: '15m', exp_samples: [] },
            { expr: query(latency, 'absent'), eval_time: '15m', exp_samples: [] },
          ],
        },
      ]);
      expect([[0], [2], [NaN], []].map((result) => measurementPhase(errorRate, result))).toEqual(['Successful', 'Failed', 'Inconclusive', 'Inconclusive']);
      expect([[NaN], []].map((result) => measurementPhase(latency, result))).toEqual(['Inconclusive', 'Inconclusive']);
    });

    test('CanaryRollbackRequired fires on 2 % canary errors for 5 minutes and not on 0.5 %', () => {
      const groups = only(plainAt(10).objects, 'PrometheusRule').spec.groups;
      const series = (errorsPerMinute: number) => [
        { series: 'http_requests_total{namespace="fintech-production",service="finance-service",track="canary",code="200"}', values: `0+${100 - errorsPerMinute}x20` },
        { series: 'http_requests_total{namespace="fintech-production",service="finance-service",track="canary",code="500"}', values: `0+${errorsPerMinute}x20` },
      ];
      const fired = [{
        exp_labels: { severity: 'critical', service: 'finance-service', track: 'canary', reason: 'error-rate' },
        exp_annotations: only(plainAt(10).objects, 'PrometheusRule').spec.groups[0].rules[0].annotations,
      }];
      testRules(groups, [
        { interval: '1m', input_series: series(2), alert_rule_test: [
          { eval_time: '4m', alertname: 'CanaryRollbackRequired', exp_alerts: [] },
          { eval_time: '15m', alertname: 'CanaryRollbackRequired', exp_alerts: fired },
        ] },
        { interval: '1m', input_series: series(0.5), alert_rule_test: [{ eval_time: '15m', alertname: 'CanaryRollbackRequired', exp_alerts: [] }] },
      ]);
    });
  });
});

describe('CanaryRollout bad input', () => {
  test.each([
    ['steps not strictly increasing', { steps: [10, 60, 30, 100] },
      `${PATH}: 'steps' ([10,60,30,100]) is invalid: must be strictly increasing percentages in (0, 100], ending at 100, e.g. [10, 30, 60, 100]`],
    ['a step outside (0, 100]', { steps: [0, 50, 100] },
      `${PATH}: 'steps[0]' (0) is invalid: must be an integer from 1 to 100`],
    ['steps not ending at 100', { steps: [10, 30, 60] },
      `${PATH}: 'steps' ([10,30,60]) is invalid: must be strictly increasing percentages in (0, 100], ending at 100, e.g. [10, 30, 60, 100]`],
    ['a phase that is not a step', { phase: CanaryPhase.percent(20) },
      `${PATH}: 'phase' (20) is invalid: must be one of the steps [10, 30, 60, 100]`],
    ['the canary image equal to the stable one', { canaryImage: STABLE },
      `${PATH}: 'canaryImage' ("${STABLE}") is invalid: must differ from 'stableImage' while a rollout is in progress`],
    ['an unpinned canary image', { canaryImage: 'registry.fintech.internal/fintech/finance-service:latest' },
      `${PATH}: 'canaryImage' ("registry.fintech.internal/fintech/finance-service:latest") is invalid: must be pinned`],
    ['an error-rate threshold of 0', { analysis: { maxErrorRatePercent: 0 } },
      `${PATH}: 'analysis.maxErrorRatePercent' ("0%") is invalid: must be greater than 0% and at most 50%`],
    ['an error-rate threshold above 50 %', { analysis: { maxErrorRatePercent: 80 } },
      `${PATH}: 'analysis.maxErrorRatePercent' ("80%") is invalid: must be greater than 0% and at most 50%`],
    ['a latency threshold above a minute', { analysis: { maxP95Latency: Duration.minutes(2) } },
      `${PATH}: 'analysis.maxP95Latency' ("120s") is invalid: must be greater than 0s and at most 60s`],
    ['a window under a minute', { analysis: { window: Duration.seconds(30) } },
      `${PATH}: 'analysis.window' ("30s") is invalid: must be from 1m to 1h`],
    ['one replica during a rollout', { replicas: 1, disruptionBudget: { maxUnavailable: 1 } },
      `${PATH}: 'replicas' (1) is invalid: must be at least 2 during a rollout: one stable and one canary pod`],
  ] as Array<[string, Partial<CanaryRolloutProps>, string]>)('rejects %s', (_, overrides, message) => {
    expect(() => plainAt(10, overrides)).toThrow(message);
  });

  test.each([
    ['a fraction of a second', Duration.millis(1500), '1500ms'],
    ['zero', Duration.seconds(0), '0ms'],
  ])('rejects a pause of %s', (_, pause, shown) => {
    expect(() => argo({ pause })).toThrow(
      `${PATH}: 'pause' ("${shown}") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.hours(48)`);
  });

  test.each([
    ['a negative failure limit', { failureLimit: -1 }, 'analysis.failureLimit', '-1'],
    ['a fractional inconclusive limit', { inconclusiveLimit: 0.5 }, 'analysis.inconclusiveLimit', '0.5'],
    ['a negative consecutive-error limit', { consecutiveErrorLimit: -2 }, 'analysis.consecutiveErrorLimit', '-2'],
  ])('rejects %s', (_, analysis, prop, shown) => {
    expect(() => argo({ analysis })).toThrow(`${PATH}: '${prop}' (${shown}) is invalid: must be an integer of at least 0`);
  });

  test('rejects a phase for Argo Rollouts, which moves through the steps itself', () => {
    expect(() => argo({ phase: CanaryPhase.percent(30) })).toThrow(`${PATH}: 'phase' (30) is invalid: applies to the plain-Kubernetes backend only`);
  });
});
