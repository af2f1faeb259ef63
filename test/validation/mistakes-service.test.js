// Plain JavaScript, as a caller without type checking writes it: wrong types in every prop and in
// the arguments of the choice classes' factories (NetworkPeer, SecretKeyRef, SecretStoreRef,
// IngressTls, ScalingPolicy). The factories never throw: the construct that receives what they
// made checks it, so every error names that construct's path and the prop it was given in.
const { Chart, Duration, Size } = require('cdk8s');
const { Cpu } = require('cdk8s-plus-28');
const { appSynthMessage } = require('../support/errors');
const {
  DataClassification, FintechEnvironment, FintechService, IngressTls, NetworkPeer, PodSecurityLevel, ScalingPolicy, SecretKeyRef, SecretStoreRef,
} = require('../../lib');

const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';
const QUOTA = { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: Cpu.units(32), limitsMemory: Size.gibibytes(64) };
const S = "FintechService 'prod/payments'";
const E = "FintechEnvironment 'environment/production'";
const tls = IngressTls.fromSecret('payments-tls');
const NULL = 'must be left out (undefined) for the default, not null';
const HOST = 'api.example.com';
const SERVICE_PEER = "NetworkPeer.service() takes a FintechService of this app, not {kind}; for a service this app does not define: NetworkPeer.serviceNamed('ledger', [{ port: 8080 }])";
const EXTERNAL_OPTIONS = 'SecretKeyRef.fromExternalSecret() takes an options object, not {kind}, e.g. SecretKeyRef.fromExternalSecret'
  + "({ secretName: 'payments-db', key: 'password', store: SecretStoreRef.cluster('vault-backend'), remoteKey: 'fintech/payments-db' })";
const vault = (options) => SecretKeyRef.fromExternalSecret({
  secretName: 'payments-db', key: 'password', store: SecretStoreRef.cluster('vault-backend'), remoteKey: 'fintech/payments-db', ...options,
});

const messageOf = appSynthMessage;

const service = (props) => messageOf((app) => new FintechService(new Chart(app, 'prod'), 'payments', { image: IMAGE, port: 8080, ...props }));
const withService = (use) => messageOf((app) => use(new FintechService(new Chart(app, 'prod'), 'payments', { image: IMAGE, port: 8080 })));

describe('FintechService props of the wrong JavaScript type', () => {
  test.each([
    ['a string as the Service port', { servicePort: '80' }, `${S}: 'servicePort' ("80") is invalid: must be a finite number, not a string`],
    ['a string as the rolling update', { rollingUpdate: '25%' }, `${S}: 'rollingUpdate' ("25%") is invalid: must be an object, not a string, e.g. { maxSurge: 1 }`],
    ['true as maxSurge', { rollingUpdate: { maxSurge: true } },
      `${S}: 'rollingUpdate.maxSurge' (true) is invalid: must be a number of pods or a percentage from "0%" to "100%"`],
    ['true as the autoscaling', { autoscaling: true }, `${S}: 'autoscaling' (true) is invalid: must be an object, not a boolean, e.g. { maxReplicas: 10 }`],
    ['"70%" as the CPU target', { autoscaling: { cpuUtilizationPercent: '70%' } },
      `${S}: 'autoscaling.cpuUtilizationPercent' ("70%") is invalid: must be a finite number, not a string`],
    ['false to turn scale-down off', { autoscaling: { scaleDown: false } },
      `${S}: 'autoscaling.scaleDown' (false) is invalid: must be an object, not a boolean, e.g. { stabilizationWindow: Duration.minutes(5) }`],
    ['one ScalingPolicy instead of a list', { autoscaling: { scaleDown: { policies: ScalingPolicy.percent(10, Duration.minutes(1)) } } },
      `${S}: 'autoscaling.scaleDown.policies' (a ScalingPolicy) is invalid: must be an array, not a ScalingPolicy, e.g. [ScalingPolicy.percent(10, Duration.minutes(1))]`],
    ['true as the vertical autoscaling', { verticalAutoscaling: true },
      `${S}: 'verticalAutoscaling' (true) is invalid: must be an object, not a boolean, e.g. { maxMemory: Size.gibibytes(1) }`],
    ['"2" as the VPA maximum CPU', { verticalAutoscaling: { maxCpu: '2' } },
      `${S}: 'verticalAutoscaling.maxCpu' ("2") is invalid: must be a Cpu, not a string, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['a number as the disruption budget', { disruptionBudget: 1 },
      `${S}: 'disruptionBudget' (1) is invalid: must be an object, not a number, e.g. { maxUnavailable: 1 }`],
    ['"50%" as minAvailable', { disruptionBudget: { minAvailable: '50%' } },
      `${S}: 'disruptionBudget.minAvailable' ("50%") is invalid: must be a finite number, not a string`],
    ['a Cpu where the request/limit pair goes', { resources: { cpu: Cpu.millis(500) } },
      `${S}: 'resources.cpu' (a Cpu) is invalid: must be an object, not a Cpu, e.g. { request: Cpu.millis(250), limit: Cpu.millis(500) }`],
    ['"500m" where the request/limit pair goes', { resources: { cpu: '500m' } },
      `${S}: 'resources.cpu' ("500m") is invalid: must be an object, not a string, e.g. { request: Cpu.millis(250), limit: Cpu.millis(500) }`],
    ['"250m" as the CPU request', { resources: { cpu: { request: '250m' } } },
      `${S}: 'resources.cpu.request' ("250m") is invalid: must be a Cpu, not a string, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['0.5 as the CPU limit', { resources: { cpu: { limit: 0.5 } } },
      `${S}: 'resources.cpu.limit' (0.5) is invalid: must be a Cpu, not a number, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['"1Gi" as the ephemeral storage limit', { resources: { ephemeralStorage: { limit: '1Gi' } } },
      `${S}: 'resources.ephemeralStorage.limit' ("1Gi") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['a list as the resources', { resources: [] },
      `${S}: 'resources' ([]) is invalid: must be an object, not an array, e.g. { cpu: { request: Cpu.millis(250), limit: Cpu.millis(500) } }`],
    ['a path string as a probe', { livenessProbe: '/health' }, `${S}: 'livenessProbe' ("/health") is invalid: must be an object, not a string, e.g. { path: '/health' }`],
    ['false to turn the startup probe off', { startupProbe: false },
      `${S}: 'startupProbe' (false) is invalid: must be an object, not a boolean, e.g. { window: Duration.minutes(2) }`],
    ['"2m" as the startup window', { startupProbe: { window: '2m' } },
      `${S}: 'startupProbe.window' ("2m") is invalid: must be a Duration, not a string, e.g. Duration.minutes(2)`],
    ['30 as the termination grace period', { terminationGracePeriod: 30 },
      `${S}: 'terminationGracePeriod' (30) is invalid: must be a Duration, not a number, e.g. Duration.seconds(30)`],
    ['a Duration made from a string', { terminationGracePeriod: Duration.seconds('30') },
      `${S}: 'terminationGracePeriod' ("30") is invalid: must be a Duration made from a number, not from a string: Duration.seconds(15) rather than Duration.seconds("15"), e.g. Duration.seconds(30)`],
    ['"1000" as the uid', { runAs: { user: '1000' } }, `${S}: 'runAs.user' ("1000") is invalid: must be a finite number, not a string`],
    ['"root" as the uid', { runAs: { user: 'root' } }, `${S}: 'runAs.user' ("root") is invalid: must be a finite number, not a string`],
    ['a number as runAs', { runAs: 1000 }, `${S}: 'runAs' (1000) is invalid: must be an object, not a number, e.g. { user: 1000, group: 1000 }`],
    ['true as an env value', { env: { DEBUG: true } }, `${S}: 'env.DEBUG' (true) is invalid: must be a string, not a boolean, e.g. "8080" rather than 8080`],
    ['undefined as an env value', { env: { DEBUG: undefined } }, `${S}: 'env.DEBUG' (undefined) is invalid: must be a string, not undefined, e.g. "8080" rather than 8080`],
    ['a string as the env', { env: 'LOG_LEVEL=info' }, `${S}: 'env' ("LOG_LEVEL=info") is invalid: must be an object, not a string, e.g. { LOG_LEVEL: "info" }`],
    ['a number as a config value', { config: { TIMEOUT: 30 } }, `${S}: 'config.TIMEOUT' (30) is invalid: must be a string, not a number, e.g. "8080" rather than 8080`],
    ['a plain object as a secretEnv reference', { secretEnv: { DB_PASSWORD: { secretName: 'payments-db', key: 'password' } } },
      `${S}: 'secretEnv.DB_PASSWORD' (an object) is invalid: must be a SecretKeyRef, not an object: reference the Secret that holds the value of DB_PASSWORD; credentials are never accepted as values`],
    ['one SecretKeyRef as the whole secretEnv', { secretEnv: SecretKeyRef.of('payments-db', 'password') },
      `${S}: 'secretEnv' (a SecretKeyRef) is invalid: must be an object, not a SecretKeyRef, e.g. { DB_PASSWORD: SecretKeyRef.of('payments-db', 'password') }`],
    ['true as the metrics', { metrics: true }, `${S}: 'metrics' (true) is invalid: must be an object, not a boolean, e.g. { path: '/metrics' } or false`],
    ['one pod target label instead of a list', { metrics: { podTargetLabels: 'track' } },
      `${S}: 'metrics.podTargetLabels' ("track") is invalid: must be an array, not a string, e.g. ['track', 'version']`],
    ['a list as the metrics scrapers', { metricsScrapers: [NetworkPeer.namespace('monitoring')] },
      `${S}: 'metricsScrapers' ([{"kind":"namespace","name":"monitoring","ports":[]}]) is invalid: must be a NetworkPeer, not an array, e.g. NetworkPeer.namespace('monitoring') or NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')`],
    ['null among the peers', { ingressFrom: [null] },
      `${S}: 'ingressFrom[0]' (null) is invalid: must be a NetworkPeer, not null, e.g. NetworkPeer.namespace('monitoring') or NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')`],
    ['a string as the track labels', { trackLabels: 'canary' }, `${S}: 'trackLabels' ("canary") is invalid: must be an object, not a string, e.g. { team: "payments" }`],
    ['a misspelt DataClassification member', { dataClassification: DataClassification.Cardholder },
      `${S}: 'dataClassification' (undefined) is invalid: must be a DataClassification, e.g. DataClassification.CARDHOLDER; a misspelt enum member gives undefined: leave the prop out for the default`],
    ['a lower-case classification', { dataClassification: 'pci' },
      `${S}: 'dataClassification' ("pci") is invalid: must be one of DataClassification.CARDHOLDER, CONFIDENTIAL, INTERNAL or PUBLIC`],
    ['a number as the owner', { owner: 42 }, `${S}: 'owner' (42) is invalid: must be a string, not a number; label values are strings, e.g. "3" rather than 3`],
    ['a host name as the ingress', { ingress: HOST },
      `${S}: 'ingress' ("api.example.com") is invalid: must be an object, not a string, e.g. { host: 'api.example.com', tls: IngressTls.fromSecret('api-tls') }`],
    ['true as TLS', { ingress: { host: HOST, tls: true } },
      `${S}: 'ingress.tls' (true) is invalid: must be an IngressTls, not a boolean, e.g. IngressTls.fromSecret('payments-tls') or IngressTls.fromClusterIssuer('letsencrypt') (or false for plain HTTP)`],
    ['a list of hosts', { ingress: { host: [HOST], tls } },
      `${S}: 'ingress.host' (["api.example.com"]) is invalid: must be a string, not an array; a host name such as "api.fintech.example.com"`],
    ['a number as the host', { ingress: { host: 443, tls } }, `${S}: 'ingress.host' (443) is invalid: must be a string, not a number; a host name such as "api.fintech.example.com"`],
    ['a path string as the paths', { ingress: { host: HOST, tls, paths: '/' } }, `${S}: 'ingress.paths' ("/") is invalid: must be an array, not a string, e.g. [{ path: '/' }]`],
    ['a list of path strings', { ingress: { host: HOST, tls, paths: ['/api'] } }, `${S}: 'ingress.paths[0]' ("/api") is invalid: must be an object, not a string, e.g. { path: '/' }`],
    ['true as HSTS', { ingress: { host: HOST, tls, hsts: true } }, `${S}: 'ingress.hsts' (true) is invalid: must be an object, not a boolean, e.g. { maxAge: Duration.days(365) }`],
    ['"1y" as the HSTS max age', { ingress: { host: HOST, tls, hsts: { maxAge: '1y' } } },
      `${S}: 'ingress.hsts.maxAge' ("1y") is invalid: must be a Duration, not a string, e.g. Duration.days(365)`],
    ['"20" as the rate limit', { ingress: { host: HOST, tls, rateLimitPerSecond: '20' } }, `${S}: 'ingress.rateLimitPerSecond' ("20") is invalid: must be a finite number, not a string`],
    ['"10m" as the body size', { ingress: { host: HOST, tls, maxBodySize: '10m' } },
      `${S}: 'ingress.maxBodySize' ("10m") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['"true" as the HTTPS redirect', { ingress: { host: HOST, tls, forceHttpsRedirect: 'true' } },
      `${S}: 'ingress.forceHttpsRedirect' ("true") is invalid: must be a boolean (true or false), not a string`],
    ['null as the autoscaler maximum', { autoscaling: { maxReplicas: null } }, `${S}: 'autoscaling.maxReplicas' (null) is invalid: ${NULL}`],
    ['null as scale-up', { autoscaling: { scaleUp: null } }, `${S}: 'autoscaling.scaleUp' (null) is invalid: ${NULL}`],
    ['null as maxUnavailable', { disruptionBudget: { maxUnavailable: null } }, `${S}: 'disruptionBudget.maxUnavailable' (null) is invalid: ${NULL}`],
    ['null as maxSurge', { rollingUpdate: { maxSurge: null } }, `${S}: 'rollingUpdate.maxSurge' (null) is invalid: ${NULL}`],
    ['null as a probe period', { livenessProbe: { path: '/health', period: null } }, `${S}: 'livenessProbe.period' (null) is invalid: ${NULL}`],
    ['null as the metrics path', { metrics: { path: null } }, `${S}: 'metrics.path' (null) is invalid: ${NULL}`],
    ['null as the ingress paths', { ingress: { host: HOST, tls, paths: null } }, `${S}: 'ingress.paths' (null) is invalid: ${NULL}`],
    ['null as HSTS', { ingress: { host: HOST, tls, hsts: null } }, `${S}: 'ingress.hsts' (null) is invalid: ${NULL}`],
    ['null as an ExternalSecret refresh interval', { secretEnv: { DB_PASSWORD: vault({ refreshInterval: null }) } },
      `${S}: 'secretEnv.DB_PASSWORD.refreshInterval' (null) is invalid: ${NULL}`],
    ['null as a CPU request', { resources: { cpu: { request: null } } },
      `${S}: 'resources.cpu.request' (null) is invalid: must be a Cpu, not null, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['null as a track label value', { trackLabels: { track: null } },
      `${S}: 'trackLabels.track' (null) is invalid: must be a string, not null; label values are strings, e.g. "3" rather than 3`],
    ['a string as an extra container port', { extraPorts: [{ name: 'grpc', containerPort: '9090' }] },
      `${S}: 'extraPorts[0].containerPort' ("9090") is invalid: must be a finite number, not a string`],
    ['a string as the peers', { ingressFrom: 'gateway' },
      `${S}: 'ingressFrom' ("gateway") is invalid: must be an array, not a string, e.g. [NetworkPeer.namespace('ingress-nginx')]`],
    ['a number as a pod target label', { metrics: { podTargetLabels: [3] } },
      `${S}: 'metrics.podTargetLabels[0]' (3) is invalid: must be a label key such as "track" or "example.com/track": an optional DNS subdomain prefix (at most 253 characters) and "/", then a name of at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
    ['1 as the token automount', { automountServiceAccountToken: 1 }, `${S}: 'automountServiceAccountToken' (1) is invalid: must be a boolean (true or false), not a number`],
  ])('rejects %s', (_, props, message) => expect(service(props)).toBe(message));
});

describe('choice-class factories called with the wrong types', () => {
  test.each([
    ['NetworkPeer.service() without a service', { ingressFrom: [NetworkPeer.service()] }, `${S}: 'ingressFrom[0]' (undefined) is invalid: ${SERVICE_PEER.replace('{kind}', 'undefined')}`],
    ['NetworkPeer.service() with a name', { egressTo: [NetworkPeer.service('ledger')] }, `${S}: 'egressTo[0]' ("ledger") is invalid: ${SERVICE_PEER.replace('{kind}', 'a string')}`],
    ['NetworkPeer.serviceNamed() without ports', { egressTo: [NetworkPeer.serviceNamed('ledger')] },
      `${S}: 'egressTo[0].ports' (undefined) is invalid: must be an array, not undefined, e.g. [{ port: 5432 }]`],
    ['NetworkPeer.namespace() with a port number', { egressTo: [NetworkPeer.namespace('ledger', 8080)] },
      `${S}: 'egressTo[0].ports' (8080) is invalid: must be an array, not a number, e.g. [{ port: 5432 }]`],
    ['NetworkPeer.external() with a list of CIDRs', { egressTo: [NetworkPeer.external('postgres', [{ port: 5432 }], ['10.0.0.0/16'])] },
      `${S}: 'egressTo[0].cidr' (["10.0.0.0/16"]) is invalid: must be a string, not an array, e.g. "10.0.0.0/8"`],
    ['a list as a peer port', { egressTo: [NetworkPeer.external('postgres', [{ port: [5432] }], '10.0.0.0/16')] },
      `${S}: 'egressTo[0].ports[0].port' ([5432]) is invalid: must be a finite number, not an array`],
    ['SecretKeyRef.of() without a Secret name', { secretEnv: { DB_PASSWORD: SecretKeyRef.of(undefined, 'password') } },
      `${S}: 'secretEnv.DB_PASSWORD.secretName' (undefined) is invalid: must be the name of a Secret: lowercase letters, digits, "-" and ".", at most 253 characters, starting and ending with a letter or digit`],
    ['SecretKeyRef.fromExternalSecret() with a Secret name', { secretEnv: { DB_PASSWORD: SecretKeyRef.fromExternalSecret('payments-db') } },
      `${S}: 'secretEnv.DB_PASSWORD' (a string of 11 characters) is invalid: ${EXTERNAL_OPTIONS.replace('{kind}', 'a string')}`],
    ['SecretKeyRef.fromExternalSecret() without options', { secretEnv: { DB_PASSWORD: SecretKeyRef.fromExternalSecret() } },
      `${S}: 'secretEnv.DB_PASSWORD' (undefined) is invalid: ${EXTERNAL_OPTIONS.replace('{kind}', 'undefined')}`],
    ['SecretStoreRef.cluster() with a number', { secretEnv: { DB_PASSWORD: vault({ store: SecretStoreRef.cluster(42) }) } },
      `${S}: 'secretEnv.DB_PASSWORD.store.name' (42) is invalid: must be a string, not a number; a DNS-1123 subdomain such as "payments-tls"`],
    ['IngressTls.fromSecret() with a number', { ingress: { host: HOST, tls: IngressTls.fromSecret(42) } },
      `${S}: 'ingress.tls.secretName' (42) is invalid: must be a string, not a number; a DNS-1123 subdomain such as "payments-tls"`],
    ['IngressTls.fromSecret() without a name', { ingress: { host: HOST, tls: IngressTls.fromSecret() } },
      `${S}: 'ingress.tls' (undefined) is invalid: needs a certificate source: IngressTls.fromSecret('payments-tls') or IngressTls.fromClusterIssuer('letsencrypt')`],
    ['ScalingPolicy.percent() with a string', { autoscaling: { scaleUp: { policies: [ScalingPolicy.percent('10', Duration.seconds(15))] } } },
      `${S}: 'autoscaling.scaleUp.policies[0].value' ("10") is invalid: must be a finite number, not a string`],
    ['ScalingPolicy.pods() with a period in seconds', { autoscaling: { scaleUp: { policies: [ScalingPolicy.pods(2, 60)] } } },
      `${S}: 'autoscaling.scaleUp.policies[0].period' (60) is invalid: must be a Duration, not a number, e.g. Duration.minutes(1)`],
    ['ScalingPolicy.percent() without a period', { autoscaling: { scaleDown: { policies: [ScalingPolicy.percent(10)] } } },
      `${S}: 'autoscaling.scaleDown.policies[0].period' (undefined) is invalid: must be a Duration, not undefined, e.g. Duration.minutes(1)`],
    ['NetworkPeer.external() without arguments', { egressTo: [NetworkPeer.external()] },
      `${S}: 'egressTo[0].name' (undefined) is invalid: must be a string, not undefined, e.g. "postgres"`],
    ['null as a NetworkPeer port', { egressTo: [NetworkPeer.external('postgres', [null], '10.0.0.0/16')] },
      `${S}: 'egressTo[0].ports[0]' (null) is invalid: must be an object, not null, e.g. { port: 5432 }`],
    ['SecretStoreRef.namespaced() without a name', { secretEnv: { DB_PASSWORD: vault({ store: SecretStoreRef.namespaced() }) } },
      `${S}: 'secretEnv.DB_PASSWORD.store.name' (undefined) is invalid: must be a string, not undefined; a DNS-1123 subdomain such as "payments-tls"`],
    ['the SecretStoreRef class as the store', { secretEnv: { DB_PASSWORD: vault({ store: SecretStoreRef }) } },
      `${S}: 'secretEnv.DB_PASSWORD.store' (a function) is invalid: must be a SecretStoreRef, not a function, e.g. SecretStoreRef.cluster('vault-backend')`],
    ['IngressTls.fromClusterIssuer() with an object', { ingress: { host: HOST, tls: IngressTls.fromClusterIssuer({ name: 'letsencrypt' }) } },
      `${S}: 'ingress.tls.clusterIssuer' ({"name":"letsencrypt"}) is invalid: must be a string, not an object; a DNS-1123 subdomain such as "payments-tls"`],
    ['ScalingPolicy.pods() with a Duration made from a string', { autoscaling: { scaleUp: { policies: [ScalingPolicy.pods(2, Duration.seconds('15'))] } } },
      `${S}: 'autoscaling.scaleUp.policies[0].period' ("15") is invalid: must be a Duration made from a number, not from a string: Duration.seconds(15) rather than Duration.seconds("15"), e.g. Duration.minutes(1)`],
  ])('rejects %s', (_, props, message) => expect(service(props)).toBe(message));
});

describe('FintechService constructor arguments and methods from JavaScript', () => {
  test.each([
    ['no id (props in its place)', () => messageOf((app) => new FintechService(new Chart(app, 'prod'), { image: IMAGE, port: 8080 })),
      `FintechService 'prod/': 'id' ({"image":"registry.fintech.internal/fintech/payments:1.4.2","port":8080}) is invalid: must be a string, not an object: new FintechService(chart, 'payments', { ... })`],
    ['no scope (the id in its place)', () => messageOf(() => new FintechService('payments', { image: IMAGE, port: 8080 })),
      "FintechService 'payments': 'scope' (\"payments\") is invalid: must be a Chart or a construct inside one, not a string: new FintechService(chart, 'payments', { ... })"],
    ['a string for allowFrom', () => withService((svc) => svc.allowFrom('gateway')),
      `${S}: 'ingressFrom[0]' ("gateway") is invalid: must be a NetworkPeer, not a string, e.g. NetworkPeer.namespace('monitoring') or NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')`],
    ['a string for setReplicaBounds', () => withService((svc) => svc.setReplicaBounds('3', 5)), `${S}: 'minReplicas' ("3") is invalid: must be an integer of at least 1`],
    ['a string for addDiscoveryLabels', () => withService((svc) => svc.addDiscoveryLabels('release=prometheus')),
      `${S}: 'discoveryLabels' ("release=prometheus") is invalid: must be an object, not a string, e.g. { team: "payments" }`],
    ['nothing for allowMetricsScrapersFrom', () => withService((svc) => svc.allowMetricsScrapersFrom()),
      `${S}: 'metricsScrapers[1]' (undefined) is invalid: must be a NetworkPeer, not undefined, e.g. NetworkPeer.namespace('monitoring') or NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16')`],
    ['a number as an annotation value', () => withService((svc) => svc.addDeploymentAnnotation('example.com/ticket', 42)),
      `${S}: 'deploymentAnnotations.example.com/ticket' (42) is invalid: must be a string, not a number, e.g. "42" rather than 42`],
    ['a name for delegateScaling', () => withService((svc) => svc.delegateScaling('payments-rollout')),
      `${S}: 'scaleTarget' ("payments-rollout") is invalid: must be an object, not a string, e.g. { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: 'payments' }`],
    ['a number as a track label in podTemplate', () => withService((svc) => svc.podTemplate(IMAGE, { track: 2 })),
      `${S}: 'trackLabels.track' (2) is invalid: must be a string, not a number; label values are strings, e.g. "3" rather than 3`],
  ])('rejects %s', (_, make, message) => expect(make()).toBe(message));
});

describe('FintechEnvironment from JavaScript', () => {
  const environment = (props) => messageOf((app) => new FintechEnvironment(new Chart(app, 'environment'), 'production',
    { namespace: 'fintech-production', quota: QUOTA, ...props }));
  test.each([
    ['a misspelt PodSecurityLevel member', { podSecurity: PodSecurityLevel.Restricted },
      `${E}: 'podSecurity' (undefined) is invalid: must be a PodSecurityLevel, e.g. PodSecurityLevel.RESTRICTED; a misspelt enum member gives undefined: leave the prop out for the default`],
    ['the quota in a list', { quota: [{ requestsCpu: Cpu.units(16) }] },
      `${E}: 'quota' ([{"requestsCpu":{"amount":"16"}}]) is invalid: must be an object, not an array, e.g. { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: ..., limitsMemory: ... }`],
    ['null volume claims', { quota: { ...QUOTA, persistentVolumeClaims: null } }, `${E}: 'quota.persistentVolumeClaims' (null) is invalid: ${NULL}`],
    ['a number as the maximum memory', { containerLimits: { maxMemory: 4096 } },
      `${E}: 'containerLimits.maxMemory' (4096) is invalid: must be a Size, not a number, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
  ])('rejects %s', (_, props, message) => expect(environment(props)).toBe(message));

  test('rejects a FintechEnvironment built in the App instead of a Chart', () => {
    expect(messageOf((app) => new FintechEnvironment(app, 'production', { namespace: 'fintech-production', quota: QUOTA }))).toBe(
      "FintechEnvironment 'production': 'scope' (an App) is invalid: must be a Chart or a construct inside one: the objects of a FintechEnvironment are written by a Chart, e.g. new FintechEnvironment(chart, 'payments', { ... })");
  });
});
