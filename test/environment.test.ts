import { App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { FintechEnvironment, FintechEnvironmentProps, PodSecurityLevel } from '../lib';
import { kinds, only } from './support/fixtures';

const QUOTA = { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: Cpu.units(32), limitsMemory: Size.gibibytes(64) };

function synthEnvironment(overrides: Partial<FintechEnvironmentProps> = {}, chartNamespace?: string) {
  const chart = new Chart(new App(), 'environment', { namespace: chartNamespace });
  const environment = new FintechEnvironment(chart, 'production', { namespace: 'fintech-production', quota: QUOTA, ...overrides });
  return { environment, objects: chart.toJson() };
}

describe('FintechEnvironment', () => {
  const { objects } = synthEnvironment({ labels: { environment: 'production', team: 'fintech' } });

  test('creates a namespace with its quota, container defaults and default-deny policy', () => {
    expect(kinds(objects)).toEqual(['LimitRange', 'Namespace', 'NetworkPolicy', 'ResourceQuota']);
    for (const o of objects.filter((x) => x.kind !== 'Namespace')) expect(o.metadata.namespace).toBe('fintech-production');
  });

  test('enforces, audits and warns on the restricted Pod Security Standard', () => {
    expect(only(objects, 'Namespace').metadata.labels).toEqual({
      'environment': 'production',
      'team': 'fintech',
      'pod-security.kubernetes.io/enforce': 'restricted',
      'pod-security.kubernetes.io/enforce-version': 'v1.28',
      'pod-security.kubernetes.io/audit': 'restricted',
      'pod-security.kubernetes.io/audit-version': 'v1.28',
      'pod-security.kubernetes.io/warn': 'restricted',
      'pod-security.kubernetes.io/warn-version': 'v1.28',
    });
  });

  test('caps the namespace with the quota given', () => {
    expect(only(objects, 'ResourceQuota').spec.hard).toEqual({
      'requests.cpu': '16', 'requests.memory': '32Gi', 'limits.cpu': '32', 'limits.memory': '64Gi', 'persistentvolumeclaims': '10',
    });
  });

  test('gives a container without resources sane requests and limits', () => {
    expect(only(objects, 'LimitRange').spec.limits).toEqual([{
      type: 'Container',
      defaultRequest: { cpu: '100m', memory: '128Mi' },
      default: { cpu: '500m', memory: '512Mi' },
      max: { cpu: '2', memory: '4Gi' },
    }]);
  });

  test('denies all ingress and egress except cluster DNS', () => {
    expect(only(objects, 'NetworkPolicy').spec).toEqual({
      podSelector: {},
      policyTypes: ['Ingress', 'Egress'],
      egress: [{
        to: [{
          namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
          podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
        }],
        ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
      }],
    });
  });

  test('keeps the cluster-scoped Namespace free of a namespace even in a namespaced chart', () => {
    const { objects: inNamespacedChart } = synthEnvironment({}, 'fintech-production');
    expect(only(inNamespacedChart, 'Namespace').metadata.namespace).toBeUndefined();
  });

  test('takes another Pod Security level when asked', () => {
    const { objects: baseline } = synthEnvironment({ podSecurity: PodSecurityLevel.BASELINE });
    expect(only(baseline, 'Namespace').metadata.labels['pod-security.kubernetes.io/enforce']).toBe('baseline');
  });

  test.each([
    ['a namespace that is not DNS-1123', { namespace: 'Fintech' },
      "FintechEnvironment 'environment/production': 'namespace' (\"Fintech\") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or \"-\", starting and ending with a letter or digit"],
    ['a limits quota below the requests quota', { quota: { ...QUOTA, limitsCpu: Cpu.units(8) } },
      "FintechEnvironment 'environment/production': 'quota.limitsCpu' (\"8\") is invalid: must not be below 'quota.requestsCpu' (16)"],
    ['a default request above the default limit', { containerLimits: { defaultMemoryRequest: Size.gibibytes(1) } },
      "FintechEnvironment 'environment/production': 'containerLimits.defaultMemoryRequest' (\"1Gi\") is invalid: must not exceed 'defaultMemoryLimit' (512Mi)"],
  ] as Array<[string, Partial<FintechEnvironmentProps>, string]>)('rejects %s', (_, overrides, message) => {
    expect(() => synthEnvironment(overrides)).toThrow(message);
  });
});
