import { App, Chart, Duration } from 'cdk8s';
import { CanaryBackend, CanaryPhase, CanaryRollout, CanaryRolloutProps } from '../lib';
import { splitReplicas } from '../lib/canary-rollout';
import { checkQueries, checkRuleGroups, hasPromtool, testRules } from './support/promtool';
import { validateManifest } from './support/schema-validator';
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
    const { objects } = plainAt(30, { autoscaling: false });
    expect(only(objects, 'Deployment', 'finance-service').spec.replicas).toBe(7);
    expect(only(objects, 'Deployment', 'finance-service-canary').spec.replicas).toBe(3);
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
      expect(r.annotations.description).toContain('Roll back: in main.ts, move the phase of finance-service back');
      expect(r.annotations.runbook_url).toBe('https://runbooks.fintech.internal/canary-rollback');
      expect(r.annotations.summary).toBeTruthy();
    }
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

  test('manual approval pauses indefinitely at each step', () => {
    const steps = only(argo({ manualApproval: true }).objects, 'Rollout').spec.strategy.canary.steps;
    expect(steps.filter((s: any) => s.pause)).toEqual([{ pause: {} }, { pause: {} }, { pause: {} }]);
  });

  test('the autoscaler scales the Rollout; stable and canary Services front the tracks; ReplicaSets repel each other', () => {
    const { objects } = argo();
    const canary = only(objects, 'Rollout').spec.strategy.canary;
    expect(only(objects, 'HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'finance-service' });
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

  test('aborts on a canary error rate above 1 % for 5 minutes; a P95 above 500 ms is inconclusive', () => {
    const { objects } = argo();
    const errorRate = only(objects, 'AnalysisTemplate', 'finance-service-error-rate').spec.metrics[0];
    const latency = only(objects, 'AnalysisTemplate', 'finance-service-latency').spec.metrics[0];
    expect(errorRate).toMatchObject({ interval: '1m', successCondition: 'result[0] <= 1', failureCondition: 'result[0] > 1', failureLimit: 0 });
    expect(errorRate.provider.prometheus.query).toBe('min_over_time((sum(rate(http_requests_total{namespace="fintech-production",service="{{args.service-name}}",track="canary",code=~"5.."}[5m])) / '
      + 'sum(rate(http_requests_total{namespace="fintech-production",service="{{args.service-name}}",track="canary"}[5m])) * 100)[5m:1m])');
    expect(latency).toMatchObject({ interval: '1m', successCondition: 'result[0] <= 0.5', inconclusiveLimit: 0 });
    expect(latency.failureCondition).toBeUndefined();
    expect(latency.provider.prometheus.query).toContain('histogram_quantile(0.95,');
  });

  test('thresholds, window, interval and limits are props', () => {
    const { objects } = argo({
      analysis: { maxErrorRatePercent: 0.5, maxP95Latency: Duration.millis(300), window: Duration.minutes(10), interval: Duration.seconds(30), failureLimit: 2 },
    });
    const errorRate = only(objects, 'AnalysisTemplate', 'finance-service-error-rate').spec.metrics[0];
    expect(errorRate).toMatchObject({ interval: '30s', failureCondition: 'result[0] > 0.5', failureLimit: 2 });
    expect(errorRate.provider.prometheus.query).toContain('[10m])) * 100)[10m:30s])');
    expect(only(objects, 'AnalysisTemplate', 'finance-service-latency').spec.metrics[0].successCondition).toBe('result[0] <= 0.3');
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
      `${PATH}: 'steps' ([0,50,100]) is invalid: must be strictly increasing percentages in (0, 100], ending at 100, e.g. [10, 30, 60, 100]`],
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
      `${PATH}: 'analysis.window' ("30s") is invalid: must be greater than 59s and at most 3600s`],
    ['one replica during a rollout', { replicas: 1, disruptionBudget: { maxUnavailable: 1 } },
      `${PATH}: 'replicas' (1) is invalid: must be at least 2 during a rollout: one stable and one canary pod`],
  ] as Array<[string, Partial<CanaryRolloutProps>, string]>)('rejects %s', (_, overrides, message) => {
    expect(() => plainAt(10, overrides)).toThrow(message);
  });

  test('rejects a pause that does not parse', () => {
    expect(() => argo({ pause: '2 days' })).toThrow(
      `${PATH}: 'pause' ("2 days") is invalid: must be a whole number and a unit (s, m or h), e.g. "48h" or "30m"`);
  });

  test('rejects a phase for Argo Rollouts, which moves through the steps itself', () => {
    expect(() => argo({ phase: CanaryPhase.percent(30) })).toThrow(`${PATH}: 'phase' (30) is invalid: applies to the plain-Kubernetes backend only`);
  });
});
