import { App, Chart, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  CanaryBackend, CanaryRollout, FintechEnvironment, FintechService, IngressTls, NetworkPeer, SecretKeyRef, SecretStoreRef,
} from '../../lib';
import { plainErrorMessage } from '../support/errors';

/**
 * GIVEN a FintechService or a CanaryRollout with one mistake a new user makes (credentials in an
 * image or a host, a name a Service cannot have, options that contradict each other or that the
 * chosen backend ignores, a value the kernel or a controller refuses) WHEN it is synthesized THEN
 * it throws a plain Error naming the construct path, the prop, the value (a secret by its kind
 * only) and what is valid. Each case builds one Chart and the constructs it needs.
 */
const S = "FintechService 'prod/payments'";
const C = "CanaryRollout 'prod/payments'";
const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';
const CANARY_IMAGE = 'registry.fintech.internal/fintech/payments:1.5.0';
const tls = IngressTls.fromSecret('payments-tls');
const QUOTA = { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: Cpu.units(32), limitsMemory: Size.gibibytes(64) };
const vault = () => SecretKeyRef.fromExternalSecret({
  secretName: 'payments-db', key: 'password', store: SecretStoreRef.cluster('vault-backend'), remoteKey: 'fintech/payments-db',
});
const ARGO_ONLY = 'applies to the Argo Rollouts backend only (backend: CanaryBackend.ARGO_ROLLOUTS): the plain-Kubernetes rollout moves only'
  + ' when its phase is changed in git, and its rollback alerts use the window alone';
const ENV_LIMIT = 'must be under 131072 bytes (128 KiB) with its name: Linux refuses to start a process with a longer environment variable,'
  + ' so the container would never start; mount large configuration from a volume';
const DNS_1035 = 'must start with a letter: it names a Service, whose name is a DNS-1035 label (e.g. "payments-v2" rather than "2-payments")';

/** The message of synthesizing what `build` adds to a Chart 'prod' of a new App (validations included). */
function synthMessage(build: (chart: Chart) => void): string {
  return plainErrorMessage(() => {
    const app = new App();
    build(new Chart(app, 'prod', { namespace: 'fintech-production' }));
    app.synthYaml();
  });
}

const service = (props: object) => synthMessage((chart) => new FintechService(chart, 'payments', { image: IMAGE, port: 8080, ...props } as any));
const withService = (use: (s: FintechService) => void, props: object = {}) =>
  synthMessage((chart) => use(new FintechService(chart, 'payments', { image: IMAGE, port: 8080, ...props } as any)));
const canary = (props: object) => synthMessage((chart) =>
  new CanaryRollout(chart, 'payments', { stableImage: IMAGE, canaryImage: CANARY_IMAGE, port: 8080, ...props } as any));

describe('FintechService: mistakes found by trying the library as a new user', () => {
  test.each<[string, () => string, string]>([
    ['registry credentials in the image', () => service({ image: 'deploy:Hunter2pass@registry.fintech.internal/payments:1.4.2' }),
      `${S}: 'image' (a string of 59 characters) is invalid: holds a user name and password ("user:password@");`
      + ' registry credentials belong in an image pull Secret, never in the image reference'],
    ['credentials in the Ingress host', () => service({ ingress: { host: 'user:Hunter2pass@api.example.com', tls } }),
      `${S}: 'ingress.host' (a string of 32 characters) is invalid: holds a user name and password ("user:password@");`
      + ' a host name has no user name or password; keep credentials in a Secret'],
    ['a name starting with a digit', () => service({ name: '1payments' }), `${S}: 'name' ("1payments") is invalid: ${DNS_1035}`],
    ['an id starting with a digit, and no name', () => synthMessage((chart) => new FintechService(chart, '2fa', { image: IMAGE, port: 8080 })),
      `FintechService 'prod/2fa': 'id' ("2fa") is invalid: ${DNS_1035}`],
    ['a disruption budget that lets every pod go at once', () => service({ replicas: 3, disruptionBudget: { maxUnavailable: 3 } }),
      `${S}: 'disruptionBudget.maxUnavailable' (3) is invalid: must be less than the minimum replicas (3), or a node drain could evict every pod at once`],
    ['a probe timeout longer than its period', () => service({ livenessProbe: { path: '/health', timeout: Duration.seconds(30), period: Duration.seconds(10) } }),
      `${S}: 'livenessProbe.timeout' ("30s") is invalid: must not exceed 'livenessProbe.period' (10s):`
      + ' a probe still waiting when the next one is due hides a hung endpoint for longer than the period says'],
    ['the root group', () => service({ runAs: { user: 1000, group: 0 } }),
      `${S}: 'runAs.group' (0) is invalid: must not be 0, the root group: the container would get root's group access to the files of its image`
      + ' and volumes; give an unprivileged group, e.g. 1000'],
    ['an environment variable over 128 KiB', () => service({ env: { RULES: 'x'.repeat(200 * 1024) } }),
      `${S}: 'env.RULES' ("204806 bytes") is invalid: ${ENV_LIMIT}`],
    ['a configuration value over 128 KiB, in a ConfigMap that holds it', () => service({ config: { RULES: 'x'.repeat(200 * 1024) } }),
      `${S}: 'config.RULES' ("204806 bytes") is invalid: ${ENV_LIMIT}`],
    ['a database URL with its password as an external peer name',
      () => service({ egressTo: [NetworkPeer.external('postgres://app:s3cr3tP4ss@db:5432/payments', [{ port: 5432 }], '10.0.0.0/16')] }),
      `${S}: 'egressTo[0].name' (a string of 42 characters) is invalid: looks like a credential (a URL with a password), and secret values never go`
      + ' into manifests: the name says what the destination is, for readers of the policy; keep credentials in a Secret'],
    ['a metrics path with a query', () => service({ metrics: { path: '/metrics?format=prometheus' } }),
      `${S}: 'metrics.path' ("/metrics?format=prometheus") is invalid: must be a path without a query or fragment (e.g. "/metrics"):`
      + ' Prometheus escapes "?" and "#" into the path'],
    ['a scrape interval beyond Prometheus\' staleness window', () => service({ metrics: { interval: Duration.hours(2) } }),
      `${S}: 'metrics.interval' ("2h") is invalid: must be from 1s to 5m`],
    ['one Ingress path twice', () => service({ ingress: { host: 'api.example.com', tls, paths: [{ path: '/api' }, { path: '/api', pathType: 'Prefix' }] } }),
      `${S}: 'ingress.paths[1].path' ("/api") is invalid: is already 'ingress.paths[0]'; ingress-nginx refuses an Ingress that routes one path twice`],
    ['two services writing one Secret from a store', () => synthMessage((chart) => {
      new FintechService(chart, 'ledger', { image: IMAGE, port: 8080, secretEnv: { DB_PASSWORD: vault() } });
      new FintechService(chart, 'payments', { image: IMAGE, port: 8080, secretEnv: { DB_PASSWORD: vault() } });
    }), `Validation failed with the following errors:\n  [prod/payments] ${S}: 'secretEnv.DB_PASSWORD.secretName' ("payments-db") is invalid:`
      + " names a Secret that FintechService 'prod/ledger' already writes with its ExternalSecret in namespace 'fintech-production';"
      + ' one construct owns a Secret: let the other read it with SecretKeyRef.of("payments-db", key)'],
    ['a configuration key longer than a ConfigMap key may be', () => service({ config: { ['A'.repeat(254)]: 'x' } }),
      `${S}: 'config' ("${'A'.repeat(254)}") is invalid: must be a ConfigMap key of at most 253 characters, not 254`],
    ['a rate limit beyond what ingress-nginx reads', () => service({ ingress: { host: 'api.example.com', tls, rateLimitPerSecond: 1e12 } }),
      `${S}: 'ingress.rateLimitPerSecond' (1000000000000) is invalid: must be an integer from 1 to 2147483647`],
    ['a service named like its environment\'s default-deny policy', () => synthMessage((chart) => {
      new FintechEnvironment(chart, 'environment', { namespace: 'fintech-production', quota: QUOTA });
      new FintechService(chart, 'payments', { image: IMAGE, port: 8080, name: 'default-deny' });
    }), `Validation failed with the following errors:\n  [prod/payments] ${S}: 'name' ("default-deny") is invalid: gives the NetworkPolicy "default-deny"`
      + " in namespace 'fintech-production', which FintechEnvironment 'prod/environment' also emits; the API server would keep only one of them:"
      + ' give the service another name'],
    ['a service named like a canary\'s track Deployment, declared before the rollout', () => synthMessage((chart) => {
      new FintechService(chart, 'payments', { image: IMAGE, port: 8080, name: 'ledger-canary' });
      new CanaryRollout(chart, 'ledger', { stableImage: IMAGE, canaryImage: CANARY_IMAGE, port: 8080 });
    }), `Validation failed with the following errors:\n  [prod/payments] ${S}: 'name' ("ledger-canary") is invalid: gives the Deployment "ledger-canary"`
      + " in namespace 'fintech-production', which CanaryRollout 'prod/ledger' also emits; the API server would keep only one of them:"
      + ' give the service another name'],
    ['a service named like an Argo canary\'s stable Service', () => synthMessage((chart) => {
      new CanaryRollout(chart, 'ledger', { stableImage: IMAGE, canaryImage: CANARY_IMAGE, port: 8080, backend: CanaryBackend.ARGO_ROLLOUTS });
      new FintechService(chart, 'payments', { image: IMAGE, port: 8080, name: 'ledger-stable' });
    }), `Validation failed with the following errors:\n  [prod/payments] ${S}: 'name' ("ledger-stable") is invalid: gives the Service "ledger-stable"`
      + " in namespace 'fintech-production', which CanaryRollout 'prod/ledger' also emits; the API server would keep only one of them:"
      + ' give the service another name'],
  ])('%s', (_name, message, expected) => {
    expect(message()).toBe(expected);
  });
});

describe('FintechService owner methods: mistakes found by trying the library as a new user', () => {
  test.each<[string, () => string, string]>([
    ['replica bounds that leave no pod a node drain may evict', () => withService((s) => s.setReplicaBounds(3, 5), { replicas: 4, disruptionBudget: { minAvailable: 3 } }),
      `${S}: 'minReplicas' (3) is invalid: must keep more pods than 'disruptionBudget.minAvailable' (3), or a node drain could never evict a pod`],
    ['replica bounds under a budget that would then evict every pod at once', () => withService((s) => s.setReplicaBounds(2, 5),
      { replicas: 4, disruptionBudget: { maxUnavailable: 3 } }),
    `${S}: 'minReplicas' (2) is invalid: must keep more pods than 'disruptionBudget.maxUnavailable' (3), or a node drain could evict every pod at once`],
    ['a canary-style split that ignores the budget', () => withService((s) => s.setReplicaBounds(2, 5, { podsOnOtherTracks: 1 }),
      { replicas: 4, disruptionBudget: { minAvailable: 3 } }),
    `${S}: 'minReplicas' (2) is invalid: must keep more pods than 'disruptionBudget.minAvailable' (3), counting the 1 pod of other tracks, or a node drain could never evict a pod`],
    ['setReplicaBounds options given as null', () => withService((s) => s.setReplicaBounds(2, 5, null as any)),
      `${S}: 'setReplicaBounds options' (null) is invalid: must be an object, not null, e.g. { podsOnOtherTracks: 1 }`],
    ['replica bounds beyond a 32-bit integer', () => withService((s) => s.setReplicaBounds(1, 2 ** 31)),
      `${S}: 'maxReplicas' (2147483648) is invalid: must be at most 2147483647: Kubernetes keeps it in a 32-bit integer`],
    ['an annotation the Deployment controller writes', () => withService((s) => s.addDeploymentAnnotation('deployment.kubernetes.io/revision', '3')),
      `${S}: 'deploymentAnnotations' ("deployment.kubernetes.io/revision") is invalid: is written by the Deployment controller`
      + ' ("deployment.kubernetes.io/*"); choose a key of your own, e.g. "example.com/ticket"'],
    ['one annotation set twice to different values', () => withService((s) => {
      s.addDeploymentAnnotation('example.com/ticket', 'CHG-1');
      s.addDeploymentAnnotation('example.com/ticket', 'CHG-2');
    }), `${S}: 'deploymentAnnotations.example.com/ticket' ("CHG-2") is invalid: is already set to another value; an annotation is set once`],
    ['the Reloader annotation the service sets itself', () => withService(
      (s) => s.addDeploymentAnnotation('secret.reloader.stakater.com/reload', 'other-secret'), { secretEnv: { DB_PASSWORD: vault() } }),
    `${S}: 'deploymentAnnotations.secret.reloader.stakater.com/reload' ("other-secret") is invalid: is set by the service itself to the Secrets`
      + ' its pods read; leave it out'],
    ['a scale target kind that is not a kind', () => withService((s) => s.delegateScaling({ apiVersion: 'argoproj.io/v1alpha1', kind: 'rollout', name: 'payments' })),
      `${S}: 'scaleTarget.kind' ("rollout") is invalid: must be a Kubernetes kind: a letter in upper case, then letters and digits, e.g. "Rollout"`],
    ['a discovery label that changes a label of the ServiceMonitor', () => withService((s) => s.addDiscoveryLabels({ 'app.kubernetes.io/name': 'ledger' })),
      `${S}: 'discoveryLabels.app.kubernetes.io/name' ("ledger") is invalid: is already set to "payments" on the ServiceMonitor; a label is set once`],
  ])('%s', (_name, message, expected) => {
    expect(message()).toBe(expected);
  });

  test('bounds whose pods with the other tracks\' still leave the budget room are accepted', () => {
    const app = new App();
    const payments = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-production' }), 'payments',
      { image: IMAGE, port: 8080, replicas: 4, disruptionBudget: { minAvailable: 3 } });
    payments.setReplicaBounds(3, 5, { podsOnOtherTracks: 1 });
    expect([payments.minReplicas, payments.maxReplicas]).toEqual([3, 5]);
  });

  test('the same annotation set twice to the same value, and a discovery label equal to the one set, are accepted', () => {
    const app = new App();
    const payments = new FintechService(new Chart(app, 'prod', { namespace: 'fintech-production' }), 'payments', { image: IMAGE, port: 8080 });
    payments.addDeploymentAnnotation('example.com/ticket', 'CHG-1');
    payments.addDeploymentAnnotation('example.com/ticket', 'CHG-1');
    payments.addDiscoveryLabels({ 'app.kubernetes.io/name': 'payments', 'release': 'prometheus' });
    expect(payments.deployment.metadata.toJson().annotations).toMatchObject({ 'example.com/ticket': 'CHG-1' });
    expect(payments.serviceMonitor!.metadata.toJson().labels).toMatchObject({ 'app.kubernetes.io/name': 'payments', 'release': 'prometheus' });
  });
});

describe('CanaryRollout: mistakes found by trying the library as a new user', () => {
  test.each<[string, () => string, string]>([
    ['a pause with the plain-Kubernetes backend', () => canary({ pause: Duration.hours(2) }), `${C}: 'pause' ("2h") is invalid: ${ARGO_ONLY}`],
    ['an analysis interval with the plain-Kubernetes backend', () => canary({ analysis: { interval: Duration.minutes(2) } }),
      `${C}: 'analysis.interval' ("2m") is invalid: ${ARGO_ONLY}`],
    ['a failure limit with the plain-Kubernetes backend', () => canary({ analysis: { failureLimit: 2 } }),
      `${C}: 'analysis.failureLimit' (2) is invalid: ${ARGO_ONLY}`],
    ['an inconclusive limit with the plain-Kubernetes backend', () => canary({ analysis: { inconclusiveLimit: 1 } }),
      `${C}: 'analysis.inconclusiveLimit' (1) is invalid: ${ARGO_ONLY}`],
    ['a consecutive error limit with the plain-Kubernetes backend', () => canary({ analysis: { consecutiveErrorLimit: 4 } }),
      `${C}: 'analysis.consecutiveErrorLimit' (4) is invalid: ${ARGO_ONLY}`],
    ['a Prometheus address with the plain-Kubernetes backend', () => canary({ analysis: { prometheusAddress: 'http://prometheus.monitoring.svc:9090' } }),
      `${C}: 'analysis.prometheusAddress' ("http://prometheus.monitoring.svc:9090") is invalid: ${ARGO_ONLY}`],
    ['a runbook base URL with the Argo Rollouts backend', () => canary({ backend: CanaryBackend.ARGO_ROLLOUTS, runbookBaseUrl: 'https://runbooks.example.com/payments' }),
      `${C}: 'runbookBaseUrl' ("https://runbooks.example.com/payments") is invalid: applies to the plain-Kubernetes backend only, whose rollback alerts link runbooks;`
      + ' with Argo Rollouts the analysis aborts the rollout itself and raises no alert'],
    ['a single step of 100 %', () => canary({ steps: [100] }),
      `${C}: 'steps' ([100]) is invalid: must hold at least one step below 100 before it, e.g. [10, 30, 60, 100]:`
      + ' a single step sends all the traffic to the new release at once, with nothing measured first'],
    ['a failure limit beyond a 32-bit integer', () => canary({ backend: CanaryBackend.ARGO_ROLLOUTS, analysis: { failureLimit: 2 ** 31 } }),
      `${C}: 'analysis.failureLimit' (2147483648) is invalid: must be at most 2147483647: Kubernetes keeps it in a 32-bit integer`],
    ['a name starting with a digit', () => canary({ name: '1payments' }), `${C}: 'name' ("1payments") is invalid: ${DNS_1035}`],
  ])('%s', (_name, message, expected) => {
    expect(message()).toBe(expected);
  });
});
