import { App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { FintechEnvironment, FintechEnvironmentProps, PodSecurityLevel } from '../lib';
import { kinds, only } from './support/fixtures';
import { plainErrorMessage } from './support/errors';

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

describe('FintechEnvironment bad input', () => {
  const P = "FintechEnvironment 'environment/production'";
  const cpu = 'must be a whole, positive number of millicores, e.g. Cpu.millis(500) or Cpu.units(2)';
  const size = 'must be a whole, positive number of mebibytes, e.g. Size.mebibytes(512) or Size.gibibytes(2)';
  const levels = 'must be one of PodSecurityLevel.RESTRICTED, PodSecurityLevel.BASELINE or PodSecurityLevel.PRIVILEGED ("restricted", "baseline" or "privileged")';

  /** The exact message, and a plain Error (never a TypeError from deep inside). */
  function messageOf(props: unknown): string {
    return plainErrorMessage(() => new FintechEnvironment(new Chart(new App(), 'environment'), 'production', props as FintechEnvironmentProps));
  }

  test.each([
    ['no props at all', undefined,
      `${P}: 'props' (undefined) is invalid: must be an object, not undefined, e.g. { namespace: 'fintech-production', quota: { ... } }`],
    ['a misspelt prop', { namespace: 'fintech-production', quota: QUOTA, podSecurityLevel: 'baseline' },
      `${P}: 'props.podSecurityLevel' (a string of 8 characters) is invalid: is not a known option; the options are namespace, labels, quota, containerLimits, podSecurity`],
    ['a missing namespace', { quota: QUOTA },
      `${P}: 'namespace' (undefined) is invalid: must be a string, not undefined; a DNS-1123 label such as "payments"`],
    ['a namespace of 64 characters', { namespace: 'n'.repeat(64), quota: QUOTA },
      `${P}: 'namespace' ("${'n'.repeat(64)}") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
    ['the default namespace', { namespace: 'default', quota: QUOTA },
      `${P}: 'namespace' ("default") is invalid: is a namespace of Kubernetes itself ("default" and "kube-*"), where a default-deny policy and a quota would cut off system workloads; name the environment's own namespace, e.g. "fintech-production"`],
    ['kube-system', { namespace: 'kube-system', quota: QUOTA },
      `${P}: 'namespace' ("kube-system") is invalid: is a namespace of Kubernetes itself ("default" and "kube-*"), where a default-deny policy and a quota would cut off system workloads; name the environment's own namespace, e.g. "fintech-production"`],
    ['a Pod Security level in capitals', { namespace: 'fintech-production', quota: QUOTA, podSecurity: 'Restricted' },
      `${P}: 'podSecurity' ("Restricted") is invalid: ${levels}`],
    ['a Pod Security level that does not exist', { namespace: 'fintech-production', quota: QUOTA, podSecurity: 'strict' },
      `${P}: 'podSecurity' ("strict") is invalid: ${levels}`],
    ['a label value with unicode', { namespace: 'fintech-production', quota: QUOTA, labels: { team: 'zahlungsverkehr-ü' } },
      `${P}: 'labels.team' ("zahlungsverkehr-ü") is invalid: must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
    ['a number as a label value', { namespace: 'fintech-production', quota: QUOTA, labels: { tier: 1 } },
      `${P}: 'labels.tier' (1) is invalid: must be a string, not a number; label values are strings, e.g. "3" rather than 3`],
    ['a label key with a space', { namespace: 'fintech-production', quota: QUOTA, labels: { 'cost center': 'x' } },
      `${P}: 'labels' ("cost center") is invalid: must be a label key such as "track" or "example.com/track": an optional DNS subdomain prefix (at most 253 characters) and "/", then a name of at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
    ['a Pod Security label among the labels', { namespace: 'fintech-production', quota: QUOTA, labels: { 'pod-security.kubernetes.io/enforce': 'privileged' } },
      `${P}: 'labels' ("pod-security.kubernetes.io/enforce") is invalid: is set from 'podSecurity' (e.g. podSecurity: PodSecurityLevel.BASELINE); leave Pod Security labels out of 'labels'`],
    ['the namespace name label', { namespace: 'fintech-production', quota: QUOTA, labels: { 'kubernetes.io/metadata.name': 'other' } },
      `${P}: 'labels' ("kubernetes.io/metadata.name") is invalid: is set by Kubernetes to the namespace name; leave it out`],
    ['labels as an array', { namespace: 'fintech-production', quota: QUOTA, labels: ['team=payments'] },
      `${P}: 'labels' (["team=payments"]) is invalid: must be an object, not an array, e.g. { team: "payments" }`],
    ['a missing quota', { namespace: 'fintech-production' },
      `${P}: 'quota' (undefined) is invalid: must be an object, not undefined, e.g. { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: ..., limitsMemory: ... }`],
    ['a misspelt quota option', { namespace: 'fintech-production', quota: { ...QUOTA, pvcs: 5 } },
      `${P}: 'quota.pvcs' (a number) is invalid: is not a known option; the options are requestsCpu, requestsMemory, limitsCpu, limitsMemory, persistentVolumeClaims`],
    ['a quota CPU given as a string', { namespace: 'fintech-production', quota: { ...QUOTA, requestsCpu: '16' } },
      `${P}: 'quota.requestsCpu' ("16") is invalid: must be a Cpu, not a string, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['a quota CPU given as a number', { namespace: 'fintech-production', quota: { ...QUOTA, limitsCpu: 32 } },
      `${P}: 'quota.limitsCpu' (32) is invalid: must be a Cpu, not a number, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['a missing quota memory', { namespace: 'fintech-production', quota: { ...QUOTA, requestsMemory: undefined } },
      `${P}: 'quota.requestsMemory' (undefined) is invalid: must be a Size, not undefined, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['a quota memory given as "64Gi"', { namespace: 'fintech-production', quota: { ...QUOTA, limitsMemory: '64Gi' } },
      `${P}: 'quota.limitsMemory' ("64Gi") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['a zero CPU quota', { namespace: 'fintech-production', quota: { ...QUOTA, requestsCpu: Cpu.units(0) } },
      `${P}: 'quota.requestsCpu' ("0") is invalid: ${cpu}`],
    ['a quota memory below one mebibyte', { namespace: 'fintech-production', quota: { ...QUOTA, requestsMemory: Size.kibibytes(100) } },
      `${P}: 'quota.requestsMemory' ("100Ki") is invalid: ${size}`],
    ['a fractional number of volume claims', { namespace: 'fintech-production', quota: { ...QUOTA, persistentVolumeClaims: 2.5 } },
      `${P}: 'quota.persistentVolumeClaims' (2.5) is invalid: must be an integer of at least 0`],
    ['volume claims as a string', { namespace: 'fintech-production', quota: { ...QUOTA, persistentVolumeClaims: '10' } },
      `${P}: 'quota.persistentVolumeClaims' ("10") is invalid: must be an integer of at least 0`],
    ['container limits as a string', { namespace: 'fintech-production', quota: QUOTA, containerLimits: '2 CPU' },
      `${P}: 'containerLimits' ("2 CPU") is invalid: must be an object, not a string, e.g. { maxCpu: Cpu.units(2), maxMemory: Size.gibibytes(4) }`],
    ['a misspelt container limit', { namespace: 'fintech-production', quota: QUOTA, containerLimits: { maxCPU: Cpu.units(2) } },
      `${P}: 'containerLimits.maxCPU' (a Cpu) is invalid: is not a known option; the options are defaultCpuRequest, defaultMemoryRequest, defaultCpuLimit, defaultMemoryLimit, maxCpu, maxMemory`],
    ['a default CPU request given as "100m"', { namespace: 'fintech-production', quota: QUOTA, containerLimits: { defaultCpuRequest: '100m' } },
      `${P}: 'containerLimits.defaultCpuRequest' ("100m") is invalid: must be a Cpu, not a string, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['a maximum memory given as "4Gi"', { namespace: 'fintech-production', quota: QUOTA, containerLimits: { maxMemory: '4Gi' } },
      `${P}: 'containerLimits.maxMemory' ("4Gi") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['a fraction of a millicore as the maximum', { namespace: 'fintech-production', quota: QUOTA, containerLimits: { maxCpu: Cpu.millis(2000.5) } },
      `${P}: 'containerLimits.maxCpu' ("2000.5m") is invalid: ${cpu}`],
    ['a default memory limit above the maximum', { namespace: 'fintech-production', quota: QUOTA, containerLimits: { defaultMemoryLimit: Size.gibibytes(8) } },
      `${P}: 'containerLimits.defaultMemoryLimit' ("8Gi") is invalid: must not exceed 'maxMemory' (4Gi)`],
    ['a default CPU limit above the maximum', { namespace: 'fintech-production', quota: QUOTA, containerLimits: { defaultCpuLimit: Cpu.units(4) } },
      `${P}: 'containerLimits.defaultCpuLimit' ("4") is invalid: must not exceed 'maxCpu' (2)`],
  ])('rejects %s', (_, props, message) => {
    expect(messageOf(props)).toBe(message);
  });
});

test('GIVEN two environments of one app in the same namespace THEN synthesis fails naming both', () => {
  const app = new App();
  const first = new Chart(app, 'first');
  const second = new Chart(app, 'second');
  new FintechEnvironment(first, 'production', { namespace: 'fintech-production', quota: QUOTA });
  new FintechEnvironment(second, 'production', { namespace: 'fintech-production', quota: QUOTA });
  expect(() => first.toJson()).not.toThrow('[first/production]');
  expect(() => second.toJson()).toThrow(
    "FintechEnvironment 'second/production': 'namespace' (\"fintech-production\") is invalid: is already the namespace of FintechEnvironment 'first/production'; each environment needs a namespace of its own");
  const other = new App();
  new FintechEnvironment(new Chart(other, 'a'), 'production', { namespace: 'fintech-production', quota: QUOTA });
  const staging = new Chart(other, 'b');
  new FintechEnvironment(staging, 'staging', { namespace: 'fintech-staging', quota: QUOTA });
  expect(() => staging.toJson()).not.toThrow();
});
