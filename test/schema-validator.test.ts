import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { validateManifest, validateYamlFile } from './support/schema-validator';

/** A complete, valid apps/v1 Deployment; `maxSurge` is an IntOrString. */
function deployment(maxSurge: number | string = 1): any {
  const labels = { 'app.kubernetes.io/name': 'payments' };
  return {
    apiVersion: 'apps/v1',
    kind: 'Deployment',
    metadata: { name: 'payments', namespace: 'payments', labels },
    spec: {
      replicas: 3,
      selector: { matchLabels: labels },
      strategy: { type: 'RollingUpdate', rollingUpdate: { maxSurge, maxUnavailable: 0 } },
      template: {
        metadata: { labels },
        spec: {
          containers: [
            {
              name: 'api',
              image: 'registry.example.com/payments:1.2.3',
              ports: [
                { name: 'http', containerPort: 8080, protocol: 'TCP' },
                { name: 'dns', containerPort: 8053, protocol: 'UDP' },
                { name: 'dns-tcp', containerPort: 8053, protocol: 'TCP' },
              ],
              env: [
                { name: 'LOG_LEVEL', value: 'info' },
                { name: 'POD_NAME', valueFrom: { fieldRef: { fieldPath: 'metadata.name' } } },
              ],
              resources: { requests: { cpu: '250m', memory: '256Mi' }, limits: { cpu: '1', memory: '512Mi' } },
              readinessProbe: { httpGet: { path: '/ready', port: 'http' }, periodSeconds: 5 },
              livenessProbe: { httpGet: { path: '/live', port: 8080 }, initialDelaySeconds: 10 },
              securityContext: {
                runAsNonRoot: true,
                runAsUser: 10001,
                allowPrivilegeEscalation: false,
                readOnlyRootFilesystem: true,
                capabilities: { drop: ['ALL'] },
              },
            },
          ],
        },
      },
    },
  };
}

const container = (doc: any): any => doc.spec.template.spec.containers[0];

function serviceMonitor(): any {
  return {
    apiVersion: 'monitoring.coreos.com/v1',
    kind: 'ServiceMonitor',
    metadata: { name: 'payments', namespace: 'payments', labels: { release: 'prometheus' } },
    spec: {
      selector: { matchLabels: { 'app.kubernetes.io/name': 'payments' } },
      endpoints: [{ port: 'http', path: '/metrics', interval: '30s', scheme: 'http' }],
    },
  };
}

describe('core kinds', () => {
  test.each([1, '25%'])('a valid Deployment with maxSurge %p passes', (maxSurge) => {
    expect(validateManifest(deployment(maxSurge))).toEqual([]);
  });

  test('an IntOrString of the wrong type is reported', () => {
    expect(validateManifest(deployment(true as any))).toEqual([
      'Deployment/payments: .spec.strategy.rollingUpdate.maxSurge: must be string or integer',
    ]);
  });

  test('an unknown field at the top of spec is reported with its path', () => {
    const doc = deployment();
    doc.spec.replicaz = 3;
    expect(validateManifest(doc)).toEqual(['Deployment/payments: .spec.replicaz: unknown field "replicaz"']);
  });

  test('an unknown field deep inside a container is reported', () => {
    const doc = deployment();
    container(doc).securityContext.runAsUserr = 1000;
    expect(validateManifest(doc)).toEqual([
      'Deployment/payments: .spec.template.spec.containers[0].securityContext.runAsUserr: unknown field "runAsUserr"',
    ]);
  });

  test('an unknown metadata field is reported', () => {
    const doc = deployment();
    doc.metadata.label = { a: 'b' };
    expect(validateManifest(doc)).toEqual(['Deployment/payments: .metadata.label: unknown field "label"']);
  });

  test('a wrong type is reported', () => {
    const doc = deployment();
    doc.spec.replicas = '3';
    expect(validateManifest(doc)).toEqual(['Deployment/payments: .spec.replicas: must be integer']);
  });

  test('a missing required field is reported', () => {
    const doc = deployment();
    delete doc.spec.selector;
    expect(validateManifest(doc)).toEqual(['Deployment/payments: .spec.selector: required field is missing']);
  });

  test.each([
    ['apps/v1beta1', 'Deployment'],
    ['policy/v1beta1', 'PodDisruptionBudget'],
    ['v1', 'Deploymnet'],
    ['example.com/v1', 'Widget'],
  ])('apiVersion %s kind %s has no schema and is reported', (apiVersion, kind) => {
    const errors = validateManifest({ apiVersion, kind, metadata: { name: 'x' } });
    expect(errors).toEqual([`${kind}/x: no schema for apiVersion "${apiVersion}" kind "${kind}" (unknown or removed in Kubernetes 1.28)`]);
  });

  test('a document without apiVersion/kind is reported', () => {
    expect(validateManifest({ metadata: { name: 'x' } })).toEqual([
      '<no kind>/x: not a Kubernetes object (needs string apiVersion and kind)',
    ]);
  });

  test.each<[string, any]>([
    ['ConfigMap', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'cfg' }, data: { 'app.yaml': 'a: 1' } }],
    ['Namespace', { apiVersion: 'v1', kind: 'Namespace', metadata: { name: 'payments', labels: { 'pod-security.kubernetes.io/enforce': 'restricted' } } }],
    [
      'NetworkPolicy',
      {
        apiVersion: 'networking.k8s.io/v1',
        kind: 'NetworkPolicy',
        metadata: { name: 'default-deny', namespace: 'payments' },
        spec: {
          podSelector: {},
          policyTypes: ['Ingress', 'Egress'],
          ingress: [{ from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress' } } }], ports: [{ protocol: 'TCP', port: 8080 }] }],
          egress: [{ to: [{ ipBlock: { cidr: '10.0.0.0/8' } }], ports: [{ port: 'dns', protocol: 'UDP' }] }],
        },
      },
    ],
    [
      'HorizontalPodAutoscaler',
      {
        apiVersion: 'autoscaling/v2',
        kind: 'HorizontalPodAutoscaler',
        metadata: { name: 'payments', namespace: 'payments' },
        spec: {
          scaleTargetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'payments' },
          minReplicas: 3,
          maxReplicas: 10,
          metrics: [{ type: 'Resource', resource: { name: 'cpu', target: { type: 'Utilization', averageUtilization: 70 } } }],
          behavior: {
            scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 60 }] },
            scaleUp: { selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
          },
        },
      },
    ],
    [
      'PodDisruptionBudget',
      {
        apiVersion: 'policy/v1',
        kind: 'PodDisruptionBudget',
        metadata: { name: 'payments', namespace: 'payments' },
        spec: { minAvailable: '50%', selector: { matchLabels: { app: 'payments' } }, unhealthyPodEvictionPolicy: 'AlwaysAllow' },
      },
    ],
  ])('a valid %s passes', (_kind, doc) => {
    expect(validateManifest(doc)).toEqual([]);
  });
});

describe('list-map keys', () => {
  test('duplicate env var names in a container are reported', () => {
    const doc = deployment();
    container(doc).env.push({ name: 'LOG_LEVEL', value: 'debug' });
    expect(validateManifest(doc)).toEqual([
      'Deployment/payments: .spec.template.spec.containers[0].env[2]: duplicate list-map key name="LOG_LEVEL" (same as item [0])',
    ]);
  });

  test('container ports are keyed by containerPort and protocol together', () => {
    const doc = deployment();
    container(doc).ports.push({ name: 'dns2', containerPort: 8053, protocol: 'UDP' });
    expect(validateManifest(doc)).toEqual([
      'Deployment/payments: .spec.template.spec.containers[0].ports[3]: duplicate list-map key containerPort=8053, protocol="UDP" (same as item [1])',
    ]);
  });

  test('duplicate group names in a PrometheusRule are reported', () => {
    const group = { name: 'payments', rules: [{ alert: 'Down', expr: 'up == 0' }] };
    const doc = { apiVersion: 'monitoring.coreos.com/v1', kind: 'PrometheusRule', metadata: { name: 'r' }, spec: { groups: [group, group] } };
    expect(validateManifest(doc)).toEqual(['PrometheusRule/r: .spec.groups[1]: duplicate list-map key name="payments" (same as item [0])']);
  });
});

describe('custom resources', () => {
  test('a valid ServiceMonitor passes', () => {
    expect(validateManifest(serviceMonitor())).toEqual([]);
  });

  test('an unknown field under spec.endpoints[0] is reported', () => {
    const doc = serviceMonitor();
    doc.spec.endpoints[0].intervall = '30s';
    expect(validateManifest(doc)).toEqual(['ServiceMonitor/payments: .spec.endpoints[0].intervall: unknown field "intervall"']);
  });

  test('an unknown metadata field is reported (metadata is checked against ObjectMeta)', () => {
    const doc = serviceMonitor();
    doc.metadata.labelz = { release: 'prometheus' };
    expect(validateManifest(doc)).toEqual(['ServiceMonitor/payments: .metadata.labelz: unknown field "labelz"']);
  });

  test('CRD enums and required fields are enforced', () => {
    const doc = serviceMonitor();
    doc.spec.endpoints[0].scheme = 'ftp';
    delete doc.spec.selector;
    expect(validateManifest(doc)).toEqual([
      'ServiceMonitor/payments: .spec.selector: required field is missing',
      'ServiceMonitor/payments: .spec.endpoints[0].scheme: must be one of "http", "https", "HTTP", "HTTPS"',
    ]);
  });

  test('a valid PrometheusRule passes (expr as a string)', () => {
    const doc = {
      apiVersion: 'monitoring.coreos.com/v1',
      kind: 'PrometheusRule',
      metadata: { name: 'payments', namespace: 'payments' },
      spec: {
        groups: [
          {
            name: 'payments.rules',
            rules: [
              { alert: 'PaymentsDown', expr: 'up{job="payments"} == 0', for: '5m', labels: { severity: 'page' }, annotations: { summary: 'down' } },
              { record: 'job:http_requests:rate5m', expr: 'sum by (job) (rate(http_requests_total[5m]))' },
            ],
          },
        ],
      },
    };
    expect(validateManifest(doc)).toEqual([]);
  });

  test('a served version that is not in the CRD is reported', () => {
    const doc = { ...serviceMonitor(), apiVersion: 'monitoring.coreos.com/v1beta1' };
    expect(validateManifest(doc)).toEqual([
      'ServiceMonitor/payments: no schema for apiVersion "monitoring.coreos.com/v1beta1" kind "ServiceMonitor" (unknown or removed in Kubernetes 1.28)',
    ]);
  });
});

describe('validateYamlFile', () => {
  test('validates every document and skips empty ones', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'schema-validator-'));
    const file = path.join(dir, 'all.yaml');
    fs.writeFileSync(
      file,
      ['---', 'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: good', '---', '# only a comment', '---',
        'apiVersion: v1', 'kind: ConfigMap', 'metadata:', '  name: bad', 'date: {}', ''].join('\n'),
    );
    try {
      expect(validateYamlFile(file)).toEqual(['ConfigMap/bad: .date: unknown field "date"']);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
