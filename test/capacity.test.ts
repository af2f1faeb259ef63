import { assertCapacity, capacityInputs, capacityMarkdown, checkCapacity, NamespaceCapacityInput, planCapacity } from '../lib/tools';
import { formatBytes, parseQuantity } from '../lib/shared/quantity';

const NS = 'shop';
const Mi = 2 ** 20;
const Gi = 2 ** 30;

function quota(hard: Record<string, string>) {
  return { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'q', namespace: NS }, spec: { hard } };
}
const limitRange = {
  apiVersion: 'v1', kind: 'LimitRange', metadata: { name: 'lr', namespace: NS },
  spec: { limits: [{ type: 'Container', defaultRequest: { cpu: '100m', memory: '128Mi' }, default: { cpu: '500m', memory: '512Mi' }, max: { cpu: '2', memory: '4Gi' } }] },
};
function container(requests?: Record<string, string>, limits?: Record<string, string>) {
  return { name: 'app', image: 'x:1', resources: requests || limits ? { requests, limits } : undefined };
}
function deployment(name: string, spec: Record<string, any>, containers: any[], labels: Record<string, string> = { 'app.kubernetes.io/name': name }) {
  return { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name, namespace: NS, labels }, spec: { ...spec, template: { spec: { containers } } } };
}
function hpa(target: string, min: number, max: number, kind = 'Deployment') {
  return { apiVersion: 'autoscaling/v2', kind: 'HorizontalPodAutoscaler', metadata: { name: target, namespace: NS },
    spec: { scaleTargetRef: { apiVersion: 'apps/v1', kind, name: target }, minReplicas: min, maxReplicas: max } };
}

/**
 * GIVEN web: autoscaled 2–4 pods of 100m/128Mi requests, 200m/256Mi limits, maxSurge 1;
 * worker: 3 pods without resources (LimitRange defaults 100m/128Mi, 500m/512Mi), default surge 25 % → 1;
 * backup: a CronJob whose one run asks 50m/64Mi, 100m/128Mi.
 */
const example = [
  limitRange,
  deployment('web', { strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } } },
    [container({ cpu: '100m', memory: '128Mi' }, { cpu: '200m', memory: '256Mi' })]),
  hpa('web', 2, 4),
  deployment('worker', { replicas: 3 }, [container()]),
  { apiVersion: 'batch/v1', kind: 'CronJob', metadata: { name: 'backup', namespace: NS },
    spec: { schedule: '0 2 * * *', jobTemplate: { spec: { template: { spec: { containers: [container({ cpu: '50m', memory: '64Mi' }, { cpu: '100m', memory: '128Mi' })] } } } } } },
];

describe('planCapacity on a hand-computed example', () => {
  const [report] = planCapacity([quota({ 'requests.cpu': '1', 'requests.memory': '1Gi', 'limits.cpu': '3', 'limits.memory': '4Gi', 'pods': '10' }), ...example]);

  test('steady state: web 2 + worker 3 + one backup run', () => {
    expect(report.steadyState.used).toEqual({
      'requests.cpu': 2 * 100 + 3 * 100 + 50, 'requests.memory': (2 * 128 + 3 * 128 + 64) * Mi,
      'limits.cpu': 2 * 200 + 3 * 500 + 100, 'limits.memory': (2 * 256 + 3 * 512 + 128) * Mi, 'pods': 6,
    });
  });

  test('largest rollout: the worker surge (+1 pod of 100m/128Mi, 500m/512Mi) needs more than the web surge', () => {
    expect(report.largestRollout.scenario).toBe('the rollout of worker (Deployment/worker +1)');
    expect(report.largestRollout.used).toEqual({
      'requests.cpu': 550 + 100, 'requests.memory': 704 * Mi + 128 * Mi, 'limits.cpu': 2000 + 500, 'limits.memory': 2176 * Mi + 512 * Mi, 'pods': 7,
    });
  });

  test('autoscaler maxima: web at 4', () => {
    expect(report.autoscalerMaxima.used).toEqual({
      'requests.cpu': 4 * 100 + 300 + 50, 'requests.memory': (4 * 128 + 384 + 64) * Mi,
      'limits.cpu': 4 * 200 + 1500 + 100, 'limits.memory': (4 * 256 + 1536 + 128) * Mi, 'pods': 8,
    });
  });

  test('fits: no error, no warning', () => {
    expect([report.errors, report.warnings]).toEqual([[], []]);
    expect(assertCapacity([report])).toEqual([]);
  });

  test('renders a used / quota table per point', () => {
    expect(capacityMarkdown([report])).toContain('| requests.cpu | 550m / 1 (55 %) | 650m / 1 (65 %) | 750m / 1 (75 %) |');
  });
});

describe('the typed input', () => {
  test('capacityInputs reads each workload once: replicas from its autoscaler, resolved surge, rollout group, containers', () => {
    const [input] = capacityInputs([quota({ pods: '10' }), ...example]);
    expect(input.namespace).toBe(NS);
    expect(input.quota).toEqual({ pods: '10' });
    expect(input.limitRange).toEqual(limitRange.spec.limits[0]);
    expect(input.workloads.map((w) => [w.workload, w.rolloutGroup, w.replicas, w.surge, w.maxReplicas])).toEqual([
      ['Deployment/web', 'web', 2, 1, 4], ['Deployment/worker', 'worker', 3, 1, 3], ['CronJob/backup', 'CronJob/backup', 1, 0, 1],
    ]);
    expect(input.workloads[0].containers).toEqual([{ name: 'app', requests: { cpu: '100m', memory: '128Mi' }, limits: { cpu: '200m', memory: '256Mi' } }]);
  });

  test('checkCapacity works on the typed input alone, without any Kubernetes object', () => {
    const input: NamespaceCapacityInput = {
      namespace: 'ledger',
      quota: { 'requests.cpu': '1', 'pods': 4 },
      workloads: [{
        workload: 'Deployment/ledger', rolloutGroup: 'ledger', replicas: 3, surge: 2, maxReplicas: 5,
        containers: [{ name: 'app', requests: { cpu: '200m', memory: '256Mi' }, limits: { cpu: '400m', memory: '512Mi' } }],
        initContainers: [{ name: 'migrate', requests: { cpu: '300m', memory: '64Mi' }, limits: { cpu: '300m', memory: '64Mi' } }],
      }],
    };
    const [report] = checkCapacity([input]);
    // One pod: the larger of the container (200m) and the init container (300m) for CPU requests.
    expect(report.steadyState.used['requests.cpu']).toBe(3 * 300);
    expect(report.errors).toEqual([
      "namespace 'ledger' during the rollout of ledger (Deployment/ledger +2): requests.cpu 1.5 exceeds the quota 1; "
      + 'largest consumers: Deployment/ledger 1.5 (5 pods)',
      "namespace 'ledger' during the rollout of ledger (Deployment/ledger +2): pods 5 exceeds the quota 4; largest consumers: Deployment/ledger 5 (5 pods)",
    ]);
  });
});

describe('capacity problems', () => {
  test('steady state over the quota fails synthesis, naming the namespace, resource, figures and largest consumers', () => {
    const reports = planCapacity([quota({ 'requests.memory': '512Mi' }), ...example]);
    expect(() => assertCapacity(reports)).toThrow("Capacity check failed:\n  namespace 'shop' at steady state: requests.memory 704Mi exceeds the quota 512Mi; "
      + 'largest consumers: Deployment/worker 384Mi (3 pods), Deployment/web 256Mi (2 pods), CronJob/backup 64Mi (1 pods)');
  });

  test('a rollout over the quota fails synthesis', () => {
    const [report] = planCapacity([quota({ pods: '6' }), ...example]);
    expect(report.errors).toEqual(["namespace 'shop' during the rollout of web (Deployment/web +1): pods 7 exceeds the quota 6; "
      + 'largest consumers: Deployment/web 3 (3 pods), Deployment/worker 3 (3 pods), CronJob/backup 1 (1 pods)']);
  });

  test('autoscaler maxima over the quota are a warning, not an error', () => {
    const [report] = planCapacity([quota({ 'requests.cpu': '700m' }), ...example]);
    expect(report.errors).toEqual([]);
    expect(report.warnings).toEqual(["namespace 'shop' with every autoscaler at its maximum: requests.cpu 750m exceeds the quota 700m; "
      + 'largest consumers: Deployment/web 400m (4 pods), Deployment/worker 300m (3 pods), CronJob/backup 50m (1 pods)']);
  });

  test('a container outside the LimitRange is an error', () => {
    const big = deployment('big', { replicas: 1 }, [container({ cpu: '1', memory: '1Gi' }, { cpu: '3', memory: '5Gi' })]);
    const [report] = planCapacity([quota({}), limitRange, big]);
    expect(report.errors).toEqual([
      "Deployment/big container 'app': cpu limit 3 is above the LimitRange maximum 2",
      "Deployment/big container 'app': memory limit 5Gi is above the LimitRange maximum 4Gi",
    ]);
  });

  test("a canary's two tracks roll out together", () => {
    const track = (name: string, replicas: number) => deployment(name, { replicas, strategy: { rollingUpdate: { maxSurge: 1 } } },
      [container({ cpu: '100m', memory: '100Mi' }, { cpu: '100m', memory: '100Mi' })], { 'app.kubernetes.io/name': 'pay' });
    const [report] = planCapacity([quota({ pods: '100' }), track('pay', 9), track('pay-canary', 1)]);
    expect(report.largestRollout.scenario).toBe('the rollout of pay (Deployment/pay +1, Deployment/pay-canary +1)');
    expect(report.largestRollout.used.pods).toBe(12);
  });

  test('a suspended CronJob (a restore template) does not count', () => {
    const suspended = { ...example[4], metadata: { name: 'restore', namespace: NS }, spec: { ...(example[4] as any).spec, suspend: true } };
    const [withSuspended] = planCapacity([quota({}), ...example, suspended]);
    const [without] = planCapacity([quota({}), ...example]);
    expect(withSuspended.steadyState.used).toEqual(without.steadyState.used);
  });

  test('an Argo Rollout counts its pods once, from the Deployment it uses as workload', () => {
    const workload = deployment('pay', {}, [container({ cpu: '100m', memory: '100Mi' }, { cpu: '100m', memory: '100Mi' })]);
    const rollout = { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'pay', namespace: NS, labels: { 'app.kubernetes.io/name': 'pay' } },
      spec: { workloadRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'pay' } } };
    const [report] = planCapacity([quota({}), workload, rollout, hpa('pay', 4, 8, 'Rollout')]);
    expect(report.steadyState.consumers.map((c) => [c.workload, c.pods])).toEqual([['Rollout/pay', 4]]);
    expect(report.largestRollout.used.pods).toBe(5);
    expect(report.autoscalerMaxima.used.pods).toBe(8);
  });
});

describe('quantities', () => {
  test.each([['500m', 0.5], ['2', 2], ['1.5', 1.5], ['512Mi', 512 * Mi], ['3Gi', 3 * Gi], ['1G', 1e9], ['100k', 1e5]])('%s = %d', (q, n) => {
    expect(parseQuantity(q)).toBeCloseTo(n);
  });

  test('rejects what Kubernetes would not accept', () => {
    expect(() => parseQuantity('12 GB')).toThrow("'12 GB' is not a Kubernetes quantity");
  });

  test('formats bytes in the largest whole binary unit', () => {
    expect([formatBytes(1536 * Mi), formatBytes(33 * Gi), formatBytes(512 * Mi)]).toEqual(['1.5Gi', '33Gi', '512Mi']);
  });
});
