import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { containerProbes, ServiceProbeOptions } from '../lib/probes';
import { newChart, only, synth } from './support/fixtures';
import { validateManifest } from './support/schema-validator';

const SCOPE = "Construct 'prod/svc'";

/** The probes of `options`, rendered in a Pod whose container names its port `http`. */
function podWithProbes(options: ServiceProbeOptions): any {
  const chart = newChart();
  const probes = containerProbes(new Construct(chart, 'svc'), options, 'http');
  new k8s.KubePod(chart, 'pod', {
    metadata: { name: 'svc' },
    spec: { containers: [{ name: 'svc', image: 'registry/svc:1.0.0', ports: [{ name: 'http', containerPort: 8080 }], ...probes }] },
  });
  return only(synth(chart), 'Pod');
}

function container(options: ServiceProbeOptions): any {
  return podWithProbes(options).spec.containers[0];
}

describe('containerProbes', () => {
  test('defaults: liveness GET /health, readiness GET /ready, startup on the liveness path for up to 2 minutes', () => {
    const { livenessProbe, readinessProbe, startupProbe } = container({});
    expect(livenessProbe).toEqual({
      httpGet: { path: '/health', port: 'http' },
      initialDelaySeconds: 30, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1,
    });
    expect(readinessProbe).toEqual({
      httpGet: { path: '/ready', port: 'http' },
      initialDelaySeconds: 5, periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 3, successThreshold: 1,
    });
    expect(startupProbe).toEqual({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 12, successThreshold: 1 });
  });

  test('the startup probe follows a custom liveness path, and its threshold covers the whole window', () => {
    const { startupProbe, livenessProbe } = container({
      livenessProbe: { path: '/livez', period: Duration.seconds(20), failureThreshold: 5 },
      startupProbe: { period: Duration.seconds(10), window: Duration.seconds(25) },
    });
    expect(livenessProbe).toMatchObject({ httpGet: { path: '/livez' }, periodSeconds: 20, initialDelaySeconds: 30, failureThreshold: 5 });
    expect(startupProbe).toMatchObject({ httpGet: { path: '/livez' }, periodSeconds: 10, failureThreshold: 3 });
  });

  test('the rendered probes are valid against the Kubernetes 1.28 schema', () => {
    expect(validateManifest(podWithProbes({ startupProbe: { path: '/started' } }))).toEqual([]);
  });

  test.each<[string, ServiceProbeOptions, string]>([
    ['a startup window shorter than its period', { startupProbe: { period: Duration.seconds(30), window: Duration.seconds(20) } },
      `${SCOPE}: 'startupProbe.window' ("20s") is invalid: must be at least the probe period (30s)`],
    ['a relative probe path', { readinessProbe: { path: 'ready' } }, `${SCOPE}: 'readinessProbe.path' ("ready") is invalid: must be an absolute HTTP path starting with "/" and without spaces, e.g. "/health"`],
    ['a failure threshold of 0', { livenessProbe: { path: '/health', failureThreshold: 0 } }, `${SCOPE}: 'livenessProbe.failureThreshold' (0) is invalid: must be an integer of at least 1`],
  ])('refuses %s', (_, options, message) => {
    expect(() => podWithProbes(options)).toThrow(message);
  });
});
