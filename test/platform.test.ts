import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { buildEnvironment, buildGitOps, buildPlatform, CAPACITY_REPORT, platformFiles } from '../main';
import { DataClassification } from '../lib';
import { capacityMarkdown, compareOutput, objectsOf, planCapacity, planDelivery, synthesizeFolders, synthesizePlan } from '../lib/tools';
import { CANARY_RELEASES, ENVIRONMENTS, EnvironmentSpec, GITOPS, monitoringNamespaceOf, SERVICES, STAGING } from '../platform';
import { platformOutput } from './support/platform';

const DIST = path.join(__dirname, '..', 'dist');
const files = platformOutput();
// Each folder's YAML is parsed once per file; the tests only read the objects.
const parsedFolders = new Map<string, any[]>();
const objectsIn = (folder: string): any[] => {
  if (!parsedFolders.has(folder)) {
    parsedFolders.set(folder, files
      .filter((f) => f.path.startsWith(`${folder}/`) && !f.path.endsWith('kustomization.yaml'))
      .flatMap((f) => parseAllDocuments(f.content).map((d) => d.toJSON())));
  }
  return parsedFolders.get(folder)!;
};
const find = (objects: any[], kind: string, name: string) => objects.find((o) => o.kind === kind && o.metadata.name === name);

describe('the reference platform', () => {
  // dist/ is the platform's snapshot: this, and `npm run check` in CI, fail on any difference.
  test('committed dist/ is what a fresh synth produces (run `npm run synth` after a change)', () => {
    expect(compareOutput(files, DIST)).toEqual([]);
  });

  test('synthesizes byte-identical output twice', () => {
    expect(platformFiles()).toEqual(files);
  });

  test.each(ENVIRONMENTS.map((e) => [e.name, e.namespace]))('%s: namespace guard rails and every object of all ten services', (env, namespace) => {
    const objects = objectsIn(env);
    expect(find(objects, 'Namespace', namespace).metadata.labels).toMatchObject({
      'environment': env, 'team': 'fintech', 'pod-security.kubernetes.io/enforce': 'restricted',
    });
    expect(find(objects, 'ResourceQuota', 'compute-quota')).toBeDefined();
    expect(find(objects, 'LimitRange', 'container-defaults')).toBeDefined();
    expect(find(objects, 'NetworkPolicy', 'default-deny').spec.podSelector).toEqual({});
    expect(SERVICES).toHaveLength(10);
    for (const { name } of SERVICES) {
      for (const kind of ['Deployment', 'Service', 'HorizontalPodAutoscaler', 'PodDisruptionBudget', 'NetworkPolicy',
        'ServiceAccount', 'Role', 'RoleBinding', 'ConfigMap', 'ServiceMonitor']) {
        const objectName = kind === 'ConfigMap' ? `${name}-config` : name;
        expect([kind, find(objects, kind, objectName)?.metadata.namespace]).toEqual([kind, namespace]);
      }
    }
  });

  test('each environment folder lists its wave folders, and each wave folder exactly its files', () => {
    const resources = (p: string) => parseAllDocuments(files.find((f) => f.path === `${p}/kustomization.yaml`)!.content)[0].toJSON().resources;
    for (const { name } of ENVIRONMENTS) {
      const waves: string[] = resources(name);
      const manifests = files.filter((f) => f.path.startsWith(`${name}/`) && !f.path.endsWith('kustomization.yaml')).map((f) => f.path);
      expect(waves.flatMap((wave) => resources(`${name}/${wave}`).map((file: string) => `${name}/${wave}/${file}`)).sort()).toEqual(manifests.sort());
    }
  });

  test('is delivered in waves: namespace and guard rails, then each service after the services it calls, the gateway last', () => {
    for (const { name } of ENVIRONMENTS) {
      const objects = objectsIn(name);
      const waveOf = (kind: string, objectName: string) => Number(find(objects, kind, objectName).metadata.annotations['argocd.argoproj.io/sync-wave']);
      const namespaceWave = waveOf('Namespace', ENVIRONMENTS.find((e) => e.name === name)!.namespace);
      expect(namespaceWave).toBe(0);
      for (const { name: service } of SERVICES) {
        const deployment = waveOf('Deployment', service);
        expect(deployment).toBeGreaterThan(namespaceWave);
        const egress = find(objects, 'NetworkPolicy', service).spec.egress.flatMap((rule: any) => rule.to ?? []);
        for (const peer of egress.filter((p: any) => p.podSelector && !p.namespaceSelector)) {
          expect(deployment).toBeGreaterThan(waveOf('Deployment', peer.podSelector.matchLabels['app.kubernetes.io/name']));
        }
      }
      const gateway = waveOf('Deployment', 'api-gateway');
      expect(Math.max(...SERVICES.map((s) => waveOf('Deployment', s.name)))).toBe(gateway);
      for (const o of objects) expect(o.metadata.annotations?.['argocd.argoproj.io/sync-wave']).toMatch(/^\d+$/);
    }
  });

  test('production finance-service matches PLATFORM.md number for number', () => {
    const objects = objectsIn('production');
    const deployment = find(objects, 'Deployment', 'finance-service');
    const pod = deployment.spec.template.spec;
    const container = pod.containers[0];
    const hpa = find(objects, 'HorizontalPodAutoscaler', 'finance-service').spec;
    const service = find(objects, 'Service', 'finance-service').spec;

    expect([hpa.minReplicas, hpa.maxReplicas]).toEqual([10, 25]);
    expect(deployment.spec.strategy.rollingUpdate).toEqual({ maxSurge: 3, maxUnavailable: 0 });
    expect(service).toMatchObject({
      type: 'ClusterIP', sessionAffinity: 'ClientIP', sessionAffinityConfig: { clientIP: { timeoutSeconds: 10800 } },
      ports: [{ port: 80, targetPort: 'http' }],
    });
    expect(container.ports[0].containerPort).toBe(3014);
    expect(hpa.metrics.map((m: any) => m.resource.target.averageUtilization)).toEqual([65, 75]);
    expect(hpa.behavior.scaleUp).toMatchObject({
      selectPolicy: 'Max',
      policies: [{ type: 'Percent', value: 50, periodSeconds: 60 }, { type: 'Pods', value: 3, periodSeconds: 60 }],
    });
    expect(hpa.behavior.scaleDown).toMatchObject({ stabilizationWindowSeconds: 300, policies: [{ type: 'Pods', value: 1, periodSeconds: 120 }] });
    expect(find(objects, 'PodDisruptionBudget', 'finance-service').spec.minAvailable).toBe(7);
    expect(container.resources).toMatchObject({ requests: { cpu: '600m', memory: '1536Mi' }, limits: { cpu: '1500m', memory: '3Gi' } });
    expect(container.env).toContainEqual({ name: 'NODE_OPTIONS', value: '--max-old-space-size=2048' });
    expect(container.livenessProbe).toMatchObject({ httpGet: { path: '/health/live' }, periodSeconds: 15, initialDelaySeconds: 60 });
    expect(container.readinessProbe).toMatchObject({ httpGet: { path: '/health/ready' }, periodSeconds: 5, initialDelaySeconds: 30 });
    expect(container.startupProbe.periodSeconds * container.startupProbe.failureThreshold).toBe(300);
    expect(pod.terminationGracePeriodSeconds).toBe(60);
    expect(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey).toBe('kubernetes.io/hostname');
    expect(find(objects, 'ConfigMap', 'finance-service-config').data).toMatchObject({
      EVENTSTORE_SNAPSHOT_FREQUENCY: '50', EVENTSTORE_SNAPSHOT_RETENTION: '3', EVENTSTORE_READ_BATCH_SIZE: '500',
      DATABASE_POOL_SIZE: '20', RETRY_ATTEMPTS: '5',
    });
    const secretRefs = container.env.filter((e: any) => e.valueFrom).map((e: any) => `${e.valueFrom.secretKeyRef.name}/${e.valueFrom.secretKeyRef.key}`);
    expect(secretRefs.sort()).toEqual([
      'finance-db-production/host', 'finance-db-production/password', 'finance-db-production/username',
      'finance-secrets-production/cors-origin', 'finance-secrets-production/eventstore-connection', 'finance-secrets-production/jwt-secret',
    ]);
    expect(deployment.spec.template.metadata.labels).toMatchObject({
      'app': 'finance-service', 'track': 'stable', 'version': CANARY_RELEASES['finance-service'].canaryVersion,
    });
  });

  test('production services other than finance-service get the production defaults', () => {
    const objects = objectsIn('production');
    for (const { name } of SERVICES.filter((s) => s.name !== 'finance-service')) {
      const hpa = find(objects, 'HorizontalPodAutoscaler', name).spec;
      const container = find(objects, 'Deployment', name).spec.template.spec.containers[0];
      expect([name, hpa.minReplicas, hpa.maxReplicas]).toEqual([name, 3, 10]);
      expect(container.resources).toMatchObject({ requests: { cpu: '250m', memory: '512Mi' }, limits: { cpu: '500m', memory: '1Gi' } });
    }
  });

  test('only the api-gateway is reachable from the ingress controller', () => {
    for (const { name } of ENVIRONMENTS) {
      const fromIngress = objectsIn(name)
        .filter((o) => o.kind === 'NetworkPolicy' && JSON.stringify(o.spec.ingress ?? []).includes('ingress-nginx'))
        .map((o) => o.metadata.name);
      expect(fromIngress).toEqual(['api-gateway']);
    }
  });

  test('emits no Secret and no secret value: credentials are only Secret references', () => {
    for (const { name } of ENVIRONMENTS) {
      const objects = objectsIn(name);
      expect(objects.filter((o) => o.kind === 'Secret')).toEqual([]);
      const plainValues = objects.flatMap((o) => o.kind === 'Deployment' ? o.spec.template.spec.containers.flatMap((c: any) => c.env ?? []) : [])
        .filter((e: any) => e.value !== undefined).map((e: any) => e.name);
      const configKeys = objects.filter((o) => o.kind === 'ConfigMap').flatMap((o) => Object.keys(o.data));
      for (const key of [...plainValues, ...configKeys]) expect(key).not.toMatch(/PASSWORD|SECRET|TOKEN|KEY|CREDENTIAL/i);
    }
  });

  test('builds from another service catalogue too (the benchmark does)', () => {
    const catalogue = [{ name: 'ledger', port: 8080, version: '1.0.0', owner: 'ledger', dataClassification: DataClassification.INTERNAL }, { name: 'gateway', port: 8000, version: '1.0.0', owner: 'platform', dataClassification: DataClassification.INTERNAL }];
    const objects = objectsOf(synthesizeFolders([{ folder: 'staging', app: buildEnvironment(ENVIRONMENTS[0], catalogue) }]));
    expect(objects.filter((o) => o.kind === 'Deployment' && o.metadata.namespace === ENVIRONMENTS[0].namespace).map((o) => o.metadata.name)).toEqual(['ledger', 'gateway']);
  });

  test('every environment fits its quota at steady state and during every rollout; the committed report is current', () => {
    const capacity = planCapacity(objectsOf(files));
    expect(capacity.map((c) => c.namespace)).toEqual(ENVIRONMENTS.flatMap((e) => [e.namespace, monitoringNamespaceOf(e)]));
    expect(capacity.flatMap((c) => c.errors)).toEqual([]);
    expect(fs.readFileSync(path.join(__dirname, '..', CAPACITY_REPORT), 'utf8')).toBe(capacityMarkdown(capacity));
  });

  test('a third environment is data alone: its folder, waves and GitOps objects, and the others unchanged', () => {
    const qa: EnvironmentSpec = {
      ...STAGING, name: 'qa', namespace: 'fintech-qa', gatewayHost: 'api.qa.fintech.example.com', platformDatabase: 'fintech_ai_qa',
      alerts: { slackChannel: '#fintech-qa-alerts', pageOnCritical: false },
    };
    const environments = [...ENVIRONMENTS, qa];
    const plan = planDelivery(buildPlatform(CANARY_RELEASES, SERVICES, environments));
    const withQa = synthesizePlan({ folders: [...plan.folders, ...planDelivery([buildGitOps(plan, GITOPS, environments)]).folders] });
    const objects = objectsOf(withQa.filter((f) => f.path.startsWith('qa/')));
    expect(find(objects, 'Namespace', 'fintech-qa').metadata.labels.environment).toBe('qa');
    expect(find(objects, 'HorizontalPodAutoscaler', 'finance-service').spec).toMatchObject({ minReplicas: 2, maxReplicas: 4 });
    expect(find(objects, 'ConfigMap', 'api-gateway-config').data).toMatchObject({ ENVIRONMENT: 'qa', LOG_LEVEL: 'debug' });
    const gitops = objectsOf(withQa.filter((f) => f.path.startsWith('gitops/')));
    expect(find(gitops, 'Application', 'fintech-qa').spec.source.path).toBe('dist/qa');
    expect(withQa.filter((f) => !/^(qa|gitops)\//.test(f.path))).toEqual(files.filter((f) => !f.path.startsWith('gitops/')));
  });
});
