// Plain JavaScript, as a caller without type checking writes it, coming from Helm values or
// Kubernetes YAML: strings, arrays and plain objects where the library takes numbers, records and
// the objects its factories make; props left out entirely. Each error names the construct's path,
// the prop as the caller gave it, the value and what is valid.
const { App, Chart } = require('cdk8s');
const { CanaryRollout, FintechEnvironment, FintechService, NetworkPeer, SecretKeyRef, SecretStoreRef } = require('../../lib');
const { plainErrorMessage } = require('../support/errors');

const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';
const CANARY_IMAGE = 'registry.fintech.internal/fintech/payments:1.5.0';
const S = "FintechService 'prod/payments'";
const C = "CanaryRollout 'prod/payments'";
const PEER_EXAMPLE = "e.g. NetworkPeer.namespace('monitoring') or NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')";
const SERVICE_PEER = "NetworkPeer.service() takes a FintechService of this app, not {kind}; for a service this app does not define: NetworkPeer.serviceNamed('ledger', [{ port: 8080 }])";
const vault = (options) => SecretKeyRef.fromExternalSecret({
  secretName: 'payments-db', key: 'password', store: SecretStoreRef.cluster('vault-backend'), remoteKey: 'fintech/payments-db', ...options,
});

/** The exact message of a plain Error (never a TypeError) from synthesizing what `build` adds to a Chart 'prod' of a new App. */
function messageOf(build) {
  return plainErrorMessage(() => {
    const app = new App();
    build(new Chart(app, 'prod', { namespace: 'fintech-production' }));
    app.synthYaml();
  });
}

const service = (props) => messageOf((chart) => new FintechService(chart, 'payments', { image: IMAGE, port: 8080, ...props }));
const withService = (use) => messageOf((chart) => use(new FintechService(chart, 'payments', { image: IMAGE, port: 8080 })));
const canary = (props) => messageOf((chart) => new CanaryRollout(chart, 'payments', { stableImage: IMAGE, canaryImage: CANARY_IMAGE, port: 8080, ...props }));

describe('FintechService, FintechEnvironment and CanaryRollout from JavaScript, as a Helm or YAML user writes them', () => {
  test.each([
    ['no props at all', () => messageOf((chart) => new FintechService(chart, 'payments')),
      `${S}: 'props' (undefined) is invalid: must be an object, not undefined, e.g. { image: 'registry/fintech/payments:1.4.2', port: 8080 }`],
    ['runAs as a user name', () => service({ runAs: 'root' }),
      `${S}: 'runAs' ("root") is invalid: must be an object, not a string, e.g. { user: 1000, group: 1000 }`],
    ['env as a Kubernetes env list', () => service({ env: [{ name: 'LOG_LEVEL', value: 'info' }] }),
      `${S}: 'env' ([{"name":"LOG_LEVEL","value":"info"}]) is invalid: must be an object, not an array, e.g. { LOG_LEVEL: "info" }`],
    ['config as KEY=value lines', () => service({ config: ['LOG_LEVEL=info'] }),
      `${S}: 'config' (["LOG_LEVEL=info"]) is invalid: must be an object, not an array, e.g. { LOG_LEVEL: "info" }`],
    ['a liveness probe given as true', () => service({ livenessProbe: true }),
      `${S}: 'livenessProbe' (true) is invalid: must be an object, not a boolean, e.g. { path: '/health' }`],
    ['a disruption budget count as a string', () => service({ disruptionBudget: { maxUnavailable: '1' } }),
      `${S}: 'disruptionBudget.maxUnavailable' ("1") is invalid: must be a finite number, not a string`],
    ['the ingress as its host name', () => service({ ingress: 'api.example.com' }),
      `${S}: 'ingress' ("api.example.com") is invalid: must be an object, not a string, e.g. { host: 'api.example.com', tls: IngressTls.fromSecret('api-tls') }`],
    ['the TLS Secret by its name', () => service({ ingress: { host: 'api.example.com', tls: 'payments-tls' } }),
      `${S}: 'ingress.tls' ("payments-tls") is invalid: must be an IngressTls, not a string,`
      + " e.g. IngressTls.fromSecret('payments-tls') or IngressTls.fromClusterIssuer('letsencrypt') (or false for plain HTTP)"],
    ['a secret store by its name', () => service({ secretEnv: { DB_PASSWORD: vault({ store: 'vault-backend' }) } }),
      `${S}: 'secretEnv.DB_PASSWORD.store' ("vault-backend") is invalid: must be a SecretStoreRef, not a string, e.g. SecretStoreRef.cluster('vault-backend')`],
    ['a remote key as a number', () => service({ secretEnv: { DB_PASSWORD: vault({ remoteKey: 42 }) } }),
      `${S}: 'secretEnv.DB_PASSWORD.remoteKey' (42) is invalid: must be a string, not a number, e.g. "fintech/production/finance-db"`],
    ['egress ports as one number', () => service({ egressTo: [NetworkPeer.external('postgres', 5432, '10.0.0.0/16')] }),
      `${S}: 'egressTo[0].ports' (5432) is invalid: must be an array, not a number, e.g. [{ port: 5432 }]`],
    ['egress ports as one object', () => service({ egressTo: [NetworkPeer.external('postgres', { port: 5432 }, '10.0.0.0/16')] }),
      `${S}: 'egressTo[0].ports' ({"port":5432}) is invalid: must be an array, not an object, e.g. [{ port: 5432 }]`],
    ['namespace ports as a string', () => service({ egressTo: [NetworkPeer.namespace('monitoring', '9090')] }),
      `${S}: 'egressTo[0].ports' ("9090") is invalid: must be an array, not a string, e.g. [{ port: 5432 }]`],
    ['a service peer given as a name object', () => service({ egressTo: [NetworkPeer.service({ name: 'ledger' })] }),
      `${S}: 'egressTo[0]' ({"name":"ledger"}) is invalid: ${SERVICE_PEER.replace('{kind}', 'an object')}`],
    ['a service peer of undefined', () => service({ egressTo: [NetworkPeer.service(undefined)] }),
      `${S}: 'egressTo[0]' (undefined) is invalid: ${SERVICE_PEER.replace('{kind}', 'undefined')}`],
    ['allowTo without a peer', () => withService((s) => s.allowTo(undefined)),
      `${S}: 'egressTo[0]' (undefined) is invalid: must be a NetworkPeer, not undefined, ${PEER_EXAMPLE}`],
    ['an annotation without a key', () => withService((s) => s.addDeploymentAnnotation(undefined, 'CHG-1')),
      `${S}: 'deploymentAnnotations' (undefined) is invalid: must be an annotation key such as "example.com/ticket": an optional DNS subdomain prefix`
      + ' and "/", then a name of at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit'],
    ['an environment without props', () => messageOf((chart) => new FintechEnvironment(chart, 'production')),
      "FintechEnvironment 'prod/production': 'props' (undefined) is invalid: must be an object, not undefined, e.g. { namespace: 'fintech-production', quota: { ... } }"],
    ['a rollout without props', () => messageOf((chart) => new CanaryRollout(chart, 'payments')),
      `${C}: 'props' (undefined) is invalid: must be an object, not undefined, e.g. { stableImage: 'registry/fintech/payments:1.4.2', port: 8080 }`],
    ['no stable image', () => canary({ stableImage: undefined }),
      `${C}: 'stableImage' (undefined) is invalid: must be a string, not undefined, e.g. "registry/fintech/service:1.4.2"`],
    ['a canary image as a number', () => canary({ canaryImage: 2 }),
      `${C}: 'canaryImage' (2) is invalid: must be a string, not a number, e.g. "registry/fintech/service:1.4.2"`],
    ['the backend by a short name', () => canary({ backend: 'argo' }),
      `${C}: 'backend' ("argo") is invalid: must be one of CanaryBackend.PLAIN_KUBERNETES or CanaryBackend.ARGO_ROLLOUTS ("plain-kubernetes" or "argo-rollouts")`],
    ['steps as a comma-separated string', () => canary({ steps: '10,30,100' }),
      `${C}: 'steps' ("10,30,100") is invalid: must be an array, not a string, e.g. [10, 30, 60, 100]`],
    ['a phase as a number', () => canary({ phase: 10 }),
      `${C}: 'phase' (10) is invalid: must be a CanaryPhase, not a number, e.g. CanaryPhase.percent(30)`],
    ['manual approval as a string', () => canary({ backend: 'argo-rollouts', manualApproval: 'true' }),
      `${C}: 'manualApproval' ("true") is invalid: must be a boolean (true or false), not a string`],
    ['the analysis as a threshold string', () => canary({ analysis: '1%' }),
      `${C}: 'analysis' ("1%") is invalid: must be an object, not a string, e.g. { maxErrorRatePercent: 1, window: Duration.minutes(5) }`],
    ['a pause as a string with the plain backend: the type is reported first', () => canary({ pause: '48h' }),
      `${C}: 'pause' ("48h") is invalid: must be a Duration, not a string, e.g. Duration.hours(48)`],
  ])('%s', (_name, message, expected) => {
    expect(message()).toBe(expected);
  });
});
