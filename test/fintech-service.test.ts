import { App, Chart, Duration, Size, Testing } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { FintechService, NetworkPeer, ScalingPolicy, SecretKeyRef } from '../lib';
import { IMAGE, kinds, NAMESPACE, newChart, only, paymentsService, synth } from './support/fixtures';

const PATH = "FintechService 'prod/payments'";

function synthPayments(overrides: Parameters<typeof paymentsService>[0] = {}) {
  const chart = newChart();
  const service = paymentsService(overrides, chart);
  return { service, objects: synth(chart) };
}

function container(objects: any[]) {
  return only(objects, 'Deployment').spec.template.spec.containers[0];
}

describe('FintechService defaults', () => {
  const { service, objects } = synthPayments();
  const deployment = only(objects, 'Deployment');
  const pod = deployment.spec.template.spec;

  test('creates the full set of objects, all named after the service, in the chart namespace', () => {
    expect(kinds(objects)).toEqual([
      'Deployment', 'HorizontalPodAutoscaler', 'NetworkPolicy', 'PodDisruptionBudget', 'Service', 'ServiceAccount', 'ServiceMonitor',
    ]);
    for (const o of objects) {
      expect(o.metadata.name).toBe('payments');
      expect(o.metadata.namespace).toBe(NAMESPACE);
    }
  });

  test('selects pods by name only: no version and no construct path in the selector', () => {
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'payments' });
    expect(only(objects, 'Service').spec.selector).toEqual({ 'app.kubernetes.io/name': 'payments' });
    expect(deployment.metadata.labels['app.kubernetes.io/version']).toBe('1.4.2');
  });

  test('keeps every selector when the construct is renamed or moved (selectors come from the name prop, not the path)', () => {
    const selectorsOf = (objects: any[]) => objects.flatMap((o) => [
      o.spec?.selector, o.spec?.podSelector, o.spec?.template?.metadata?.labels?.['app.kubernetes.io/name'],
    ]).filter((x) => x !== undefined);
    const moved = newChart();
    new FintechService(new Construct(moved, 'team-a'), 'renamed-construct', { name: 'payments', image: IMAGE, port: 8080 });
    expect(selectorsOf(synth(moved))).toEqual(selectorsOf(objects));
  });

  test('resolves its defaults once into public fields', () => {
    expect([service.replicas, service.minReplicas, service.maxReplicas]).toEqual([3, 3, 10]);
    expect(service.metricsPath).toBe('/metrics');
    expect(service.metricsPort).toBe(8080);
    expect(service.automountServiceAccountToken).toBe(false);
    expect(service.containerPorts).toEqual([{ port: 8080 }]);
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(deployment.spec.template.metadata.annotations['prometheus.io/path']).toBe('/metrics');
  });

  test('rolls out one extra pod at a time and never drops below the desired count', () => {
    expect(deployment.spec.strategy).toEqual({ type: 'RollingUpdate', rollingUpdate: { maxSurge: 1, maxUnavailable: 0 } });
  });

  test('lets the autoscaler own the replica count: 3 to 10 pods, CPU 70 %, memory 80 %', () => {
    expect(deployment.spec.replicas).toBeUndefined();
    const hpa = only(objects, 'HorizontalPodAutoscaler');
    expect(hpa.apiVersion).toBe('autoscaling/v2');
    expect(hpa.spec.scaleTargetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'payments' });
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([3, 10]);
    expect(hpa.spec.metrics.map((m: any) => [m.resource.name, m.resource.target.averageUtilization])).toEqual([['cpu', 70], ['memory', 80]]);
    expect(hpa.spec.behavior).toEqual({
      scaleUp: { stabilizationWindowSeconds: 60, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 100, periodSeconds: 15 }] },
      scaleDown: { stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Percent', value: 10, periodSeconds: 60 }] },
    });
    expect([service.minReplicas, service.maxReplicas]).toEqual([3, 10]);
  });

  test('has a disruption budget that allows one pod to be evicted at a time', () => {
    const pdb = only(objects, 'PodDisruptionBudget');
    expect(pdb.spec).toEqual({
      maxUnavailable: 1,
      selector: { matchLabels: { 'app.kubernetes.io/name': 'payments' } },
      unhealthyPodEvictionPolicy: 'AlwaysAllow',
    });
  });

  test('runs under the restricted Pod Security Standard', () => {
    expect(pod.securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, fsGroup: 1000, seccompProfile: { type: 'RuntimeDefault' },
    });
    expect(container(objects).securityContext).toEqual({
      runAsNonRoot: true, runAsUser: 1000, runAsGroup: 1000, privileged: false, allowPrivilegeEscalation: false,
      readOnlyRootFilesystem: true, capabilities: { drop: ['ALL'] }, seccompProfile: { type: 'RuntimeDefault' },
    });
  });

  test('mounts writable emptyDirs at /tmp and /var/log on the read-only root filesystem', () => {
    expect(container(objects).volumeMounts).toEqual([{ name: 'tmp', mountPath: '/tmp' }, { name: 'var-log', mountPath: '/var/log' }]);
    expect(pod.volumes).toEqual([
      { name: 'tmp', emptyDir: { sizeLimit: '256Mi' } },
      { name: 'var-log', emptyDir: { sizeLimit: '256Mi' } },
    ]);
  });

  test('uses its own ServiceAccount without a mounted token, and no Role when it reads nothing', () => {
    expect(only(objects, 'ServiceAccount').automountServiceAccountToken).toBe(false);
    expect(pod.serviceAccountName).toBe('payments');
    expect(pod.automountServiceAccountToken).toBe(false);
    expect(service.role).toBeUndefined();
  });

  test('sets production resources: requests 250m / 512Mi, limits 500m / 1Gi', () => {
    expect(container(objects).resources).toEqual({
      requests: { 'cpu': '250m', 'memory': '512Mi', 'ephemeral-storage': '128Mi' },
      limits: { 'cpu': '500m', 'memory': '1Gi', 'ephemeral-storage': '1Gi' },
    });
  });

  test('probes /health (30 s, every 10 s), /ready (5 s, every 5 s) and a 2-minute startup window', () => {
    const c = container(objects);
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' }, initialDelaySeconds: 30, periodSeconds: 10 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/ready', port: 'http' }, initialDelaySeconds: 5, periodSeconds: 5 });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health', port: 'http' }, periodSeconds: 10, failureThreshold: 12 });
  });

  test('prefers other nodes (weight 100) and spreads across zones', () => {
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution).toEqual([{
      weight: 100,
      podAffinityTerm: { topologyKey: 'kubernetes.io/hostname', labelSelector: { matchLabels: { 'app.kubernetes.io/name': 'payments' } } },
    }]);
    expect(pod.topologySpreadConstraints[0]).toMatchObject({ topologyKey: 'topology.kubernetes.io/zone', maxSkew: 1 });
    expect(pod.terminationGracePeriodSeconds).toBe(30);
  });

  test('is scraped by Prometheus every 15 s at /metrics, through annotations and a ServiceMonitor', () => {
    expect(deployment.spec.template.metadata.annotations).toMatchObject({
      'prometheus.io/scrape': 'true', 'prometheus.io/path': '/metrics', 'prometheus.io/port': '8080',
    });
    expect(only(objects, 'ServiceMonitor').spec).toEqual({
      selector: { matchLabels: { 'app.kubernetes.io/name': 'payments', 'app.kubernetes.io/component': 'microservice' } },
      endpoints: [{ port: 'http', path: '/metrics', interval: '15s' }],
    });
  });

  test('admits only the metrics scrapers and lets the pods reach only cluster DNS', () => {
    const policy = only(objects, 'NetworkPolicy').spec;
    expect(policy.policyTypes).toEqual(['Ingress', 'Egress']);
    expect(policy.ingress).toEqual([{
      from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }],
    }]);
    expect(policy.egress).toEqual([{
      to: [{
        namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'kube-system' } },
        podSelector: { matchLabels: { 'k8s-app': 'kube-dns' } },
      }],
      ports: [{ protocol: 'UDP', port: 53 }, { protocol: 'TCP', port: 53 }],
    }]);
  });

  test('pulls a pinned image, always', () => {
    expect(container(objects).image).toBe(IMAGE);
    expect(container(objects).imagePullPolicy).toBe('Always');
  });
});

describe('FintechService overrides', () => {
  test('replicas, rolling update, session affinity and service port', () => {
    const { objects } = synthPayments({
      replicas: 10, servicePort: 80, rollingUpdate: { maxSurge: 3, maxUnavailable: 0 }, sessionAffinityTimeout: Duration.hours(3),
      autoscaling: false,
    });
    const deployment = only(objects, 'Deployment');
    expect(deployment.spec.replicas).toBe(10);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 3, maxUnavailable: 0 });
    expect(kinds(objects)).not.toContain('HorizontalPodAutoscaler');
    const svc = only(objects, 'Service').spec;
    expect(svc.ports).toEqual([{ name: 'http', port: 80, targetPort: 'http', protocol: 'TCP' }]);
    expect(svc.sessionAffinity).toBe('ClientIP');
    expect(svc.sessionAffinityConfig).toEqual({ clientIP: { timeoutSeconds: 10800 } });
  });

  test('autoscaling bounds, targets and scaling policies', () => {
    const { objects } = synthPayments({
      replicas: 10,
      autoscaling: {
        maxReplicas: 25, cpuUtilizationPercent: 65, memoryUtilizationPercent: 75,
        scaleUp: { policies: [ScalingPolicy.percent(50, Duration.minutes(1)), ScalingPolicy.pods(3, Duration.minutes(1))] },
        scaleDown: { stabilizationWindow: Duration.minutes(5), policies: [ScalingPolicy.pods(1, Duration.minutes(2))] },
      },
    });
    const hpa = only(objects, 'HorizontalPodAutoscaler').spec;
    expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([10, 25]);
    expect(hpa.metrics.map((m: any) => m.resource.target.averageUtilization)).toEqual([65, 75]);
    expect(hpa.behavior.scaleUp.policies).toEqual([{ type: 'Percent', value: 50, periodSeconds: 60 }, { type: 'Pods', value: 3, periodSeconds: 60 }]);
    expect(hpa.behavior.scaleDown).toEqual({ stabilizationWindowSeconds: 300, selectPolicy: 'Max', policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] });
  });

  test('disruption budget by minAvailable', () => {
    const { objects } = synthPayments({ replicas: 10, disruptionBudget: { minAvailable: 7 } });
    expect(only(objects, 'PodDisruptionBudget').spec.minAvailable).toBe(7);
    expect(only(objects, 'PodDisruptionBudget').spec.maxUnavailable).toBeUndefined();
  });

  test('resources, probes, grace period and run-as identity', () => {
    const { objects } = synthPayments({
      resources: { cpu: { request: Cpu.millis(600), limit: Cpu.millis(1500) }, memory: { request: Size.mebibytes(1536), limit: Size.gibibytes(3) } },
      livenessProbe: { path: '/health/live', initialDelay: Duration.seconds(60), period: Duration.seconds(15) },
      readinessProbe: { path: '/health/ready', initialDelay: Duration.seconds(30), period: Duration.seconds(5) },
      startupProbe: { window: Duration.minutes(5) },
      terminationGracePeriod: Duration.seconds(60),
      runAs: { user: 10001, group: 10001 },
    });
    const c = container(objects);
    expect(c.resources.requests).toMatchObject({ cpu: '600m', memory: '1536Mi' });
    expect(c.resources.limits).toMatchObject({ cpu: '1500m', memory: '3Gi' });
    expect(c.livenessProbe).toMatchObject({ httpGet: { path: '/health/live' }, initialDelaySeconds: 60, periodSeconds: 15 });
    expect(c.readinessProbe).toMatchObject({ httpGet: { path: '/health/ready' }, initialDelaySeconds: 30, periodSeconds: 5 });
    expect(c.startupProbe).toMatchObject({ httpGet: { path: '/health/live' }, periodSeconds: 10, failureThreshold: 30 });
    const pod = only(objects, 'Deployment').spec.template.spec;
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(pod.securityContext).toMatchObject({ runAsUser: 10001, runAsGroup: 10001, fsGroup: 10001 });
    expect(c.securityContext).toMatchObject({ runAsUser: 10001, runAsNonRoot: true });
  });

  test('extra ports appear on the container, the Service and the network policy', () => {
    const { objects } = synthPayments({ extraPorts: [{ name: 'grpc', containerPort: 9090, servicePort: 90 }], ingressFrom: [NetworkPeer.namespace('ingress-nginx')] });
    expect(container(objects).ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'grpc', containerPort: 9090, protocol: 'TCP' },
    ]);
    expect(only(objects, 'Service').spec.ports[1]).toEqual({ name: 'grpc', port: 90, targetPort: 'grpc', protocol: 'TCP' });
    expect(only(objects, 'NetworkPolicy').spec.ingress[0].ports).toEqual([{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 9090 }]);
  });

  test('track labels join the pods and the Deployment selector, not the selectors shared by every track', () => {
    const { objects, service } = synthPayments({ trackLabels: { track: 'stable' } });
    const deployment = only(objects, 'Deployment');
    expect(deployment.spec.selector.matchLabels).toEqual({ 'app.kubernetes.io/name': 'payments', 'track': 'stable' });
    expect(deployment.spec.template.metadata.labels).toMatchObject({ track: 'stable', version: '1.4.2' });
    expect(only(objects, 'Service').spec.selector).toEqual(service.selectorLabels);
    expect(only(objects, 'PodDisruptionBudget').spec.selector.matchLabels).toEqual(service.selectorLabels);
    expect(only(objects, 'NetworkPolicy').spec.podSelector.matchLabels).toEqual(service.selectorLabels);
  });

  test('podTemplate gives the same pods for another image and track', () => {
    const { service } = synthPayments({ trackLabels: { track: 'stable' } });
    const canary = service.podTemplate('registry.fintech.internal/fintech/payments:1.5.0', { track: 'canary' });
    expect(canary.metadata?.labels).toMatchObject({ 'track': 'canary', 'version': '1.5.0', 'app.kubernetes.io/version': '1.5.0' });
    expect(canary.spec?.containers[0].image).toBe('registry.fintech.internal/fintech/payments:1.5.0');
    expect({ ...canary.spec, containers: [] }).toEqual({ ...service.podTemplate(IMAGE).spec, containers: [] });
    expect(() => service.podTemplate('registry.fintech.internal/fintech/payments:latest')).toThrow(/'image' \("registry.fintech.internal\/fintech\/payments:latest"\) is invalid: must be pinned/);
  });

  test('a VerticalPodAutoscaler only recommends beside the HPA, and sets requests and limits without one', () => {
    const withHpa = only(synthPayments({ verticalAutoscaling: {} }).objects, 'VerticalPodAutoscaler');
    expect(withHpa.apiVersion).toBe('autoscaling.k8s.io/v1');
    expect(withHpa.spec).toEqual({
      targetRef: { apiVersion: 'apps/v1', kind: 'Deployment', name: 'payments' },
      updatePolicy: { updateMode: 'Off' },
      resourcePolicy: { containerPolicies: [{
        containerName: 'payments', controlledValues: 'RequestsAndLimits',
        minAllowed: { cpu: '100m', memory: '50Mi' }, maxAllowed: { cpu: '1', memory: '500Mi' },
      }] },
    });
    const alone = only(synthPayments({ autoscaling: false, verticalAutoscaling: { maxMemory: Size.gibibytes(2) } }).objects, 'VerticalPodAutoscaler');
    expect(alone.spec.updatePolicy.updateMode).toBe('Auto');
    expect(alone.spec.resourcePolicy.containerPolicies[0].maxAllowed.memory).toBe('2Gi');
    expect(() => paymentsService({ verticalAutoscaling: { minCpu: Cpu.units(2) } })).toThrow(
      `${PATH}: 'verticalAutoscaling.minCpu' ("2") is invalid: must not exceed 'verticalAutoscaling.maxCpu' (1)`);
  });

  test('metrics off: no ServiceMonitor, no scrape annotations, no scraper ingress', () => {
    const { objects, service } = synthPayments({ metrics: false });
    expect(service.serviceMonitor).toBeUndefined();
    expect(kinds(objects)).not.toContain('ServiceMonitor');
    expect(only(objects, 'Deployment').spec.template.metadata.annotations['prometheus.io/scrape']).toBeUndefined();
    expect(only(objects, 'NetworkPolicy').spec.ingress).toEqual([]);
  });

  test('metrics on a port of their own: a container and a Service port "metrics", scraped there; peers reach only the serving ports', () => {
    const chart = newChart();
    const service = paymentsService({
      metrics: { port: 9090 }, extraPorts: [{ name: 'grpc', containerPort: 9091 }], ingressFrom: [NetworkPeer.namespace('batch')],
    }, chart);
    new FintechService(chart, 'caller', { image: IMAGE, port: 8080, egressTo: [NetworkPeer.service(service)] });
    const objects = synth(chart);
    expect([service.port, service.metricsPort, service.containerPorts]).toEqual([8080, 9090, [{ port: 8080 }, { port: 9091 }]]);
    const deployment = only(objects, 'Deployment', 'payments');
    const c = deployment.spec.template.spec.containers[0];
    expect(c.ports).toEqual([
      { name: 'http', containerPort: 8080, protocol: 'TCP' }, { name: 'grpc', containerPort: 9091, protocol: 'TCP' },
      { name: 'metrics', containerPort: 9090, protocol: 'TCP' },
    ]);
    expect([c.livenessProbe.httpGet.port, c.readinessProbe.httpGet.port]).toEqual(['http', 'http']);
    expect(only(objects, 'Service', 'payments').spec.ports).toEqual([
      { name: 'http', port: 8080, targetPort: 'http', protocol: 'TCP' }, { name: 'grpc', port: 9091, targetPort: 'grpc', protocol: 'TCP' },
      { name: 'metrics', port: 9090, targetPort: 'metrics', protocol: 'TCP' },
    ]);
    expect(only(objects, 'ServiceMonitor', 'payments').spec.endpoints).toEqual([{ port: 'metrics', path: '/metrics', interval: '15s' }]);
    expect(deployment.spec.template.metadata.annotations['prometheus.io/port']).toBe('9090');
    expect(only(objects, 'NetworkPolicy', 'payments').spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'batch' } } }], ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 9091 }] },
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 9090 }] },
    ]);
    expect(only(objects, 'NetworkPolicy', 'caller').spec.egress[1].ports).toEqual([{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 9091 }]);
  });

  test('metrics.port equal to port is the default: the output is the same', () => {
    const { objects } = synthPayments({ metrics: { port: 8080 } });
    expect(objects).toEqual(synthPayments().objects);
  });

  test('automounts the token only when asked', () => {
    const { objects } = synthPayments({ automountServiceAccountToken: true });
    expect(only(objects, 'ServiceAccount').automountServiceAccountToken).toBe(true);
    expect(only(objects, 'Deployment').spec.template.spec.automountServiceAccountToken).toBe(true);
  });
});

describe('FintechService configuration and secrets', () => {
  const config = { SNAPSHOT_EVERY: '50', POOL_SIZE: '20' };
  const secretEnv = {
    DB_PASSWORD: SecretKeyRef.of('payments-db', 'password'),
    DB_USER: SecretKeyRef.of('payments-db', 'username'),
    JWT_SECRET: SecretKeyRef.of('payments-secrets', 'jwt-secret'),
  };
  const { objects } = synthPayments({ config, secretEnv, env: { NODE_OPTIONS: '--max-old-space-size=2048' } });

  test('writes configuration to a ConfigMap the container reads as environment', () => {
    expect(only(objects, 'ConfigMap', 'payments-config').data).toEqual({ POOL_SIZE: '20', SNAPSHOT_EVERY: '50' });
    expect(container(objects).envFrom).toEqual([{ configMapRef: { name: 'payments-config' } }]);
  });

  test('a configuration change changes the pod template, so the pods roll', () => {
    const checksum = (objs: any[]) => only(objs, 'Deployment').spec.template.metadata.annotations['checksum/config'];
    const changed = synthPayments({ config: { ...config, POOL_SIZE: '30' } }).objects;
    const reordered = synthPayments({ config: { POOL_SIZE: '20', SNAPSHOT_EVERY: '50' } }).objects;
    expect(checksum(objects)).toMatch(/^[a-f0-9]{64}$/);
    expect(checksum(changed)).not.toBe(checksum(objects));
    expect(checksum(reordered)).toBe(checksum(objects));
  });

  test('reads secrets only by reference, and emits no Secret object', () => {
    expect(container(objects).env).toEqual([
      { name: 'NODE_OPTIONS', value: '--max-old-space-size=2048' },
      { name: 'DB_PASSWORD', valueFrom: { secretKeyRef: { name: 'payments-db', key: 'password' } } },
      { name: 'DB_USER', valueFrom: { secretKeyRef: { name: 'payments-db', key: 'username' } } },
      { name: 'JWT_SECRET', valueFrom: { secretKeyRef: { name: 'payments-secrets', key: 'jwt-secret' } } },
    ]);
    expect(kinds(objects)).not.toContain('Secret');
  });

  test('its Role reads exactly the ConfigMap and Secrets it uses, bound to its ServiceAccount', () => {
    expect(only(objects, 'Role').rules).toEqual([
      { apiGroups: [''], resources: ['configmaps'], resourceNames: ['payments-config'], verbs: ['get', 'list', 'watch'] },
      { apiGroups: [''], resources: ['secrets'], resourceNames: ['payments-db', 'payments-secrets'], verbs: ['get', 'list', 'watch'] },
    ]);
    const binding = only(objects, 'RoleBinding');
    expect(binding.roleRef).toEqual({ apiGroup: 'rbac.authorization.k8s.io', kind: 'Role', name: 'payments' });
    expect(binding.subjects).toEqual([{ kind: 'ServiceAccount', name: 'payments', namespace: NAMESPACE }]);
  });
});

describe('FintechService network policy peers', () => {
  const GATEWAY_IMAGE = 'registry.fintech.internal/fintech/gateway:3.2.0';

  /** GIVEN payments, then a gateway that calls it, then payments admitting the gateway (peers that refer to each other). */
  function twoServices() {
    const chart = newChart();
    const payments = paymentsService({ extraPorts: [{ name: 'grpc', containerPort: 9090 }] }, chart);
    const gateway = new FintechService(chart, 'gateway', {
      image: GATEWAY_IMAGE, port: 8000,
      ingressFrom: [NetworkPeer.namespace('ingress-nginx')],
      egressTo: [NetworkPeer.service(payments), NetworkPeer.external('postgres', [{ port: 5432 }], '10.20.0.0/16')],
    });
    payments.allowFrom(NetworkPeer.service(gateway));
    return synth(chart);
  }

  test('ingress from a namespace, and from another service by its selector labels', () => {
    const objects = twoServices();
    expect(only(objects, 'NetworkPolicy', 'gateway').spec.ingress[0].from)
      .toEqual([{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'ingress-nginx' } } }]);
    expect(only(objects, 'NetworkPolicy', 'payments').spec.ingress[0])
      .toEqual({ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'gateway' } } }], ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 9090 }] });
  });

  test('egress to a service given as an object reaches its container ports; egress to an external port by CIDR', () => {
    const egress = only(twoServices(), 'NetworkPolicy', 'gateway').spec.egress;
    expect(egress[1]).toEqual({
      to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'payments' } } }],
      ports: [{ protocol: 'TCP', port: 8080 }, { protocol: 'TCP', port: 9090 }],
    });
    expect(egress[2]).toEqual({ to: [{ ipBlock: { cidr: '10.20.0.0/16' } }], ports: [{ protocol: 'TCP', port: 5432 }] });
  });

  test('a service given as an object is applied after the services it calls', () => {
    const chart = newChart();
    const payments = paymentsService({}, chart);
    const gateway = new FintechService(chart, 'gateway', { image: GATEWAY_IMAGE, port: 8000, egressTo: [NetworkPeer.service(payments)] });
    expect(gateway.deliveryDependencies()).toEqual([payments]);
    expect(payments.deliveryDependencies()).toEqual([]);
  });

  test('a service outside the app, by name: selected by its name label, reached on the ports given', () => {
    const chart = newChart();
    paymentsService({ egressTo: [NetworkPeer.serviceNamed('ledger', [{ port: 7000 }])], ingressFrom: [NetworkPeer.serviceNamed('ledger', [])] }, chart);
    const policy = only(synth(chart), 'NetworkPolicy');
    expect(policy.spec.egress[1]).toEqual({ to: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ledger' } } }], ports: [{ protocol: 'TCP', port: 7000 }] });
    expect(policy.spec.ingress[0]).toEqual({ from: [{ podSelector: { matchLabels: { 'app.kubernetes.io/name': 'ledger' } } }], ports: [{ protocol: 'TCP', port: 8080 }] });
  });

  test('rejects, at synth time, egress to a service outside the app named without ports', () => {
    const chart = newChart();
    paymentsService({ egressTo: [NetworkPeer.serviceNamed('ledger', [])] }, chart);
    expect(() => synth(chart)).toThrow(`${PATH}: 'egressTo[0].ports' ([]) is invalid: must name at least one port to reach on service ledger, e.g. [{ port: 443 }]`);
  });

  test('rejects, at synth time, a name that the app defines: the service itself must be passed', () => {
    const chart = newChart();
    paymentsService({ ingressFrom: [NetworkPeer.serviceNamed('gateway', [{ port: 8000 }])] }, chart);
    new FintechService(chart, 'gateway', { image: GATEWAY_IMAGE, port: 8000 });
    expect(() => synth(chart)).toThrow(`${PATH}: 'ingressFrom[0]' ("service gateway") is invalid: `
      + `names a service this app defines in namespace '${NAMESPACE}': pass the service itself, NetworkPeer.service(service)`);
  });

  test('rejects, at synth time, a service of another chart\'s namespace', () => {
    const chart = newChart();
    const gateway = new FintechService(new Chart(chart.node.root as App, 'edge', { namespace: 'edge' }), 'gateway', { image: GATEWAY_IMAGE, port: 8000 });
    paymentsService({ ingressFrom: [NetworkPeer.service(gateway)] }, chart);
    expect(() => synth(chart)).toThrow(`${PATH}: 'ingressFrom[0]' ("service gateway") is invalid: runs in namespace 'edge', not in '${NAMESPACE}'; `
      + "a service peer must be in the same namespace (for pods of another namespace: NetworkPeer.namespace('edge', ports, podLabels))");
  });

  test('rejects, at synth time, a service of another App', () => {
    const gateway = new FintechService(newChart(), 'gateway', { image: GATEWAY_IMAGE, port: 8000 });
    const chart = newChart();
    paymentsService({ egressTo: [NetworkPeer.service(gateway)] }, chart);
    expect(() => synth(chart)).toThrow(`${PATH}: 'egressTo[0]' ("service gateway") is invalid: is a service of another App; `
      + 'a policy can only name services of its own app as objects (for one outside the app: NetworkPeer.serviceNamed(name, ports))');
  });
});

describe('FintechService owner methods: other constructs change the service only through these', () => {
  test('setReplicaBounds moves the autoscaler bounds, and minReplicas/maxReplicas follow', () => {
    const chart = newChart();
    const service = paymentsService({}, chart);
    service.setReplicaBounds(2, 8);
    const hpa = only(synth(chart), 'HorizontalPodAutoscaler');
    expect([hpa.spec.minReplicas, hpa.spec.maxReplicas]).toEqual([2, 8]);
    expect([service.minReplicas, service.maxReplicas]).toEqual([2, 8]);
  });

  test('setReplicaBounds without autoscaling sets the Deployment\'s fixed count', () => {
    const chart = newChart();
    const service = paymentsService({ autoscaling: false, replicas: 4 }, chart);
    service.setReplicaBounds(2, 2);
    expect(only(synth(chart), 'Deployment').spec.replicas).toBe(2);
    expect([service.minReplicas, service.maxReplicas, service.replicas]).toEqual([2, 2, 4]);
  });

  test.each([
    ['a lower bound above the upper one', {}, 5, 4, `${PATH}: 'minReplicas' (5) is invalid: must not exceed 'maxReplicas' (4)`],
    ['a lower bound of 0', {}, 0, 4, `${PATH}: 'minReplicas' (0) is invalid: must be an integer of at least 1`],
    ['a range without autoscaling', { autoscaling: false as const }, 2, 3,
      `${PATH}: 'maxReplicas' (3) is invalid: must equal 'minReplicas' (2): autoscaling is off, so the Deployment runs a fixed number of pods`],
  ])('setReplicaBounds rejects %s', (_, props, min, max, message) => {
    const service = paymentsService(props);
    expect(() => service.setReplicaBounds(min, max)).toThrow(message);
  });

  test('delegateScaling points the autoscaler at the new owner of the pods and leaves the VPA on the Deployment', () => {
    const chart = newChart();
    const service = paymentsService({ verticalAutoscaling: {} }, chart);
    service.delegateScaling({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'payments' });
    const objects = synth(chart);
    expect(only(objects, 'HorizontalPodAutoscaler').spec.scaleTargetRef).toEqual({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'payments' });
    expect(only(objects, 'VerticalPodAutoscaler').spec.targetRef).toEqual({ apiVersion: 'apps/v1', kind: 'Deployment', name: 'payments' });
  });

  test('delegateScaling without autoscaling leaves the Deployment\'s replicas unset, and bounds can no longer be set', () => {
    const chart = newChart();
    const service = paymentsService({ autoscaling: false }, chart);
    service.delegateScaling({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'payments' });
    expect(only(synth(chart), 'Deployment').spec.replicas).toBeUndefined();
    expect(() => service.setReplicaBounds(2, 2)).toThrow(`${PATH}: 'minReplicas' (2) is invalid: cannot apply: the pod count is owned by Rollout 'payments'`);
  });

  test('addDeploymentAnnotation annotates the Deployment, not its pods', () => {
    const chart = newChart();
    paymentsService({}, chart).addDeploymentAnnotation('example.com/owner', 'payments-team');
    const deployment = only(synth(chart), 'Deployment');
    expect(deployment.metadata.annotations).toEqual({ 'example.com/owner': 'payments-team' });
    expect(deployment.spec.template.metadata.annotations['example.com/owner']).toBeUndefined();
  });

  test('addDiscoveryLabels labels the ServiceMonitor only', () => {
    const chart = newChart();
    paymentsService({}, chart).addDiscoveryLabels({ release: 'kube-prometheus-stack' });
    const objects = synth(chart);
    expect(only(objects, 'ServiceMonitor').metadata.labels.release).toBe('kube-prometheus-stack');
    expect(objects.filter((o) => o.metadata.labels.release !== undefined).map((o) => o.kind)).toEqual(['ServiceMonitor']);
  });

  test('allowMetricsScrapersFrom admits pods the scrapers do not cover yet, on the metrics port only', () => {
    const chart = newChart();
    const service = paymentsService({ extraPorts: [{ name: 'grpc', containerPort: 9090 }] }, chart);
    service.allowMetricsScrapersFrom(NetworkPeer.namespace('monitoring', [], { app: 'prometheus' }));
    service.allowMetricsScrapersFrom(NetworkPeer.namespace('observability', [], { app: 'prometheus' }));
    expect(only(synth(chart), 'NetworkPolicy').spec.ingress).toEqual([
      { from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'monitoring' } } }], ports: [{ protocol: 'TCP', port: 8080 }] },
      {
        from: [{ namespaceSelector: { matchLabels: { 'kubernetes.io/metadata.name': 'observability' } }, podSelector: { matchLabels: { app: 'prometheus' } } }],
        ports: [{ protocol: 'TCP', port: 8080 }],
      },
    ]);
  });

  test.each([
    ['addDiscoveryLabels', (s: FintechService) => s.addDiscoveryLabels({ release: 'x' }), 'is off, so there is no ServiceMonitor to label'],
    ['allowMetricsScrapersFrom', (s: FintechService) => s.allowMetricsScrapersFrom(NetworkPeer.namespace('monitoring')),
      'is off, so there is no metrics port to admit scrapers to'],
  ])('%s refuses a service without metrics', (_, act, expectation) => {
    expect(() => act(paymentsService({ metrics: false }))).toThrow(`${PATH}: 'metrics' (false) is invalid: ${expectation}`);
  });

  test('allowFrom and allowTo add peers after construction, in order after those of the props', () => {
    const chart = newChart();
    const service = paymentsService({ egressTo: [NetworkPeer.external('postgres', [{ port: 5432 }])] }, chart);
    service.allowTo(NetworkPeer.external('eventstore', [{ port: 2113 }]));
    service.allowFrom(NetworkPeer.namespace('batch'));
    const policy = only(synth(chart), 'NetworkPolicy');
    expect(policy.spec.egress.slice(1).map((r: any) => r.ports[0].port)).toEqual([5432, 2113]);
    expect(policy.spec.ingress.map((r: any) => r.from[0].namespaceSelector.matchLabels['kubernetes.io/metadata.name'])).toEqual(['batch', 'monitoring']);
  });
});

describe('FintechService bad input', () => {
  const cases: Array<[string, Parameters<typeof paymentsService>[0], string]> = [
    ['a name that is not DNS-1123', { name: 'Payments_Service' },
      `${PATH}: 'name' ("Payments_Service") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
    ['an image tagged latest', { image: 'registry.fintech.internal/fintech/payments:latest' },
      `${PATH}: 'image' ("registry.fintech.internal/fintech/payments:latest") is invalid: must be pinned: a version tag other than 'latest' (registry/fintech/service:1.4.2) or a digest (...@sha256:<64 hex>)`],
    ['an image without a tag', { image: 'registry.fintech.internal:5000/fintech/payments' },
      `${PATH}: 'image' ("registry.fintech.internal:5000/fintech/payments") is invalid: must be pinned: a version tag other than 'latest' (registry/fintech/service:1.4.2) or a digest (...@sha256:<64 hex>)`],
    ['replicas below 1', { replicas: 0 }, `${PATH}: 'replicas' (0) is invalid: must be an integer of at least 1`],
    ['min replicas above max', { autoscaling: { minReplicas: 12, maxReplicas: 10 } },
      `${PATH}: 'autoscaling.minReplicas' (12) is invalid: must not exceed 'autoscaling.maxReplicas' (10)`],
    ['a PDB minAvailable equal to the replicas', { replicas: 3, disruptionBudget: { minAvailable: 3 } },
      `${PATH}: 'disruptionBudget.minAvailable' (3) is invalid: must be less than the minimum replicas (3), or a node drain could never evict a pod`],
    ['a CPU request above its limit', { resources: { cpu: { request: Cpu.millis(800), limit: Cpu.millis(500) } } },
      `${PATH}: 'resources.cpu.request' ("800m") is invalid: must not exceed the limit (500m)`],
    ['a memory request above its limit', { resources: { memory: { request: Size.gibibytes(2), limit: Size.gibibytes(1) } } },
      `${PATH}: 'resources.memory.request' ("2Gi") is invalid: must not exceed the limit (1Gi)`],
    ['a port above 65535', { port: 70000 }, `${PATH}: 'port' (70000) is invalid: must be an integer from 1 to 65535`],
    ['a port of 0', { port: 0 }, `${PATH}: 'port' (0) is invalid: must be an integer from 1 to 65535`],
    ['a duplicated container port', { extraPorts: [{ name: 'admin', containerPort: 8080, servicePort: 9000 }] },
      `${PATH}: 'extraPorts[0].containerPort' (8080) is invalid: is already 'port'; each port needs its own number`],
    ['a duplicated service port', { extraPorts: [{ name: 'admin', containerPort: 9000, servicePort: 8080 }] },
      `${PATH}: 'extraPorts[0].servicePort' (8080) is invalid: is already 'servicePort'; each port needs its own number`],
    ['a probe path without a leading slash', { livenessProbe: { path: 'health' } },
      `${PATH}: 'livenessProbe.path' ("health") is invalid: must be an absolute HTTP path starting with "/" and without spaces, e.g. "/health"`],
    ['a CPU target above 100 %', { autoscaling: { cpuUtilizationPercent: 120 } },
      `${PATH}: 'autoscaling.cpuUtilizationPercent' (120) is invalid: must be an integer from 1 to 100`],
    ['a memory target of 0 %', { autoscaling: { memoryUtilizationPercent: 0 } },
      `${PATH}: 'autoscaling.memoryUtilizationPercent' (0) is invalid: must be an integer from 1 to 100`],
    ['a secret value in plain env', { env: { DB_PASSWORD: 'hunter2' } },
      `${PATH}: 'env.DB_PASSWORD' ("DB_PASSWORD") is invalid: looks like a credential, and secret values never go into manifests: use 'secretEnv' with SecretKeyRef.of(secretName, key)`],
    ['a secret value in config', { config: { API_KEY: 'abc' } },
      `${PATH}: 'config.API_KEY' ("API_KEY") is invalid: looks like a credential, and secret values never go into manifests: use 'secretEnv' with SecretKeyRef.of(secretName, key)`],
    ['a rollout that can never progress', { rollingUpdate: { maxSurge: 0, maxUnavailable: 0 } },
      `${PATH}: 'rollingUpdate' ({"maxSurge":0,"maxUnavailable":0}) is invalid: maxSurge and maxUnavailable must not both be 0, or a rollout could never progress`],
  ];

  test.each(cases)('rejects %s', (_, props, message) => {
    expect(() => paymentsService(props)).toThrow(message);
  });

  test('rejects, at synth time, a second service of the same name in the namespace', () => {
    const chart = newChart();
    paymentsService({}, chart);
    new FintechService(chart, 'payments-v2', { name: 'payments', image: IMAGE, port: 8080 });
    expect(() => synth(chart)).toThrow("FintechService 'prod/payments-v2': 'name' (\"payments\") is invalid: "
      + "a service of that name already exists in namespace 'fintech-test' (prod/payments); names must be unique");
  });

  test('rejects, at synth time, a second service of the same name in another chart of the same namespace', () => {
    const chart = newChart();
    paymentsService({}, chart);
    const other = new Chart(chart.node.root as App, 'other', { namespace: NAMESPACE });
    new FintechService(other, 'payments', { image: IMAGE, port: 8080 });
    expect(() => Testing.synth(other)).toThrow("FintechService 'other/payments': 'name' (\"payments\") is invalid: "
      + "a service of that name already exists in namespace 'fintech-test' (prod/payments); names must be unique");
  });

  test('accepts services of the same name in different namespaces', () => {
    const chart = newChart();
    paymentsService({}, chart);
    const other = new Chart(chart.node.root as App, 'other', { namespace: 'other-team' });
    new FintechService(other, 'payments', { image: IMAGE, port: 8080 });
    expect(() => [synth(chart), Testing.synth(other)]).not.toThrow();
  });
});
