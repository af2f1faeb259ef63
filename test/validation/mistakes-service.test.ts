import { App, Chart, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  FintechEnvironment, FintechService, IngressTls, NetworkPeer, ScalingPolicy, SecretKeyRef, SecretStoreRef,
} from '../../lib';
import { plainErrorMessage } from '../support/errors';

/**
 * GIVEN a FintechService or a FintechEnvironment with one realistic mistake (a value the API
 * server rejects, a dangerous value, a collision, two props that contradict each other) WHEN it is
 * synthesized THEN it throws a plain Error naming the construct path, the prop, the value (a
 * secret by its kind only) and what is valid. Each case builds one Chart and the constructs it needs.
 */
const S = "FintechService 'prod/payments'";
const E = "FintechEnvironment 'environment/production'";
const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';
const QUOTA = { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: Cpu.units(32), limitsMemory: Size.gibibytes(64) };
const tls = IngressTls.fromSecret('payments-tls');
const HOST = 'api.example.com';
const DNS_LABEL = 'must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit';
const IMAGE_RULE = 'must be an image reference, [registry[:port]/]repository[:tag][@sha256:digest] without a scheme, whose repository path is'
  + ' lowercase letters, digits and single ".", "_" or "-" separators (e.g. "registry.fintech.internal/fintech/payments:1.4.2")';
const INGRESS_PATH = 'must be an Ingress path: "/" then letters, digits and "/", "-", "_", ".", "~", without "//", "/./", "/../", a trailing "/." or "/..",'
  + ' regular expressions, a query or a fragment (e.g. "/api/v1")';
const RESERVED = 'is set by the construct itself; the labels it sets are app.kubernetes.io/name, app, app.kubernetes.io/instance, app.kubernetes.io/version,'
  + ' app.kubernetes.io/component, app.kubernetes.io/part-of, app.kubernetes.io/managed-by, version, fintech.io/data-classification, fintech.io/owner';
const OPEN_TO_ALL = 'admits every address on the internet: an external peer that connects in must name its CIDR,'
  + " e.g. NetworkPeer.external('partner', [{ port: 443 }], '203.0.113.0/24') (the default \"0.0.0.0/0\" is for egress only); for public traffic, give the service an 'ingress'";
const ENV_NAME = 'must be an environment variable name: letters, digits and "_", not starting with a digit';
const LEVELS = 'must be one of PodSecurityLevel.RESTRICTED, PodSecurityLevel.BASELINE or PodSecurityLevel.PRIVILEGED ("restricted", "baseline" or "privileged")';
const vault = (options: object) => SecretKeyRef.fromExternalSecret({
  secretName: 'payments-db', key: 'password', store: SecretStoreRef.cluster('vault-backend'), remoteKey: 'fintech/payments-db', ...options,
} as any);

/** The message of synthesizing what `build` adds to a new App (validations included). */
function synthMessage(build: (app: App) => void): string {
  return plainErrorMessage(() => {
    const app = new App();
    build(app);
    app.synthYaml();
  });
}

const service = (props: object, namespace?: string) => synthMessage((app) =>
  new FintechService(new Chart(app, 'prod', { namespace }), 'payments', { image: IMAGE, port: 8080, ...props } as any));
const environment = (props: object) => synthMessage((app) =>
  new FintechEnvironment(new Chart(app, 'environment'), 'production', { namespace: 'fintech-production', quota: QUOTA, ...props } as any));

describe('FintechService: values the API server or the kubelet would reject', () => {
  test.each<[string, object, string]>([
    ['a Chart namespace with capitals', { namespace: 'Fintech-Prod' } as object,
      `${S}: 'namespace' ("Fintech-Prod") is invalid: is the namespace of its Chart 'prod', and ${DNS_LABEL}`],
    ['an image with an upper-case repository', { image: 'registry.fintech.internal/Fintech/Payments:1.4.2' }, `${S}: 'image' ("registry.fintech.internal/Fintech/Payments:1.4.2") is invalid: ${IMAGE_RULE}`],
    ['an image with two tags', { image: 'registry.fintech.internal/payments:1.4.2:beta' }, `${S}: 'image' ("registry.fintech.internal/payments:1.4.2:beta") is invalid: ${IMAGE_RULE}`],
    ['an image with a URL scheme', { image: `https://${IMAGE}` }, `${S}: 'image' ("https://${IMAGE}") is invalid: ${IMAGE_RULE}`],
    ['a fractional port', { port: 80.5 }, `${S}: 'port' (80.5) is invalid: must be an integer from 1 to 65535`],
    ['an extra port on the main port', { extraPorts: [{ name: 'admin', containerPort: 8080 }] },
      `${S}: 'extraPorts[0].containerPort' (8080) is invalid: is already 'port'; each port needs its own number`],
    ['an extra port named like the main port', { extraPorts: [{ name: 'http', containerPort: 9090 }] },
      `${S}: 'extraPorts[0].name' ("http") is invalid: is already the main port's name; each port needs its own name`],
    ['two extra ports of one name', { extraPorts: [{ name: 'grpc', containerPort: 9090 }, { name: 'grpc', containerPort: 9091 }] },
      `${S}: 'extraPorts[1].name' ("grpc") is invalid: is already 'extraPorts[0].name'; each port needs its own name`],
    ['an extra Service port of 0', { extraPorts: [{ name: 'grpc', containerPort: 9090, servicePort: 0 }] },
      `${S}: 'extraPorts[0].servicePort' (0) is invalid: must be an integer from 1 to 65535`],
    ['maxSurge of 150 %', { rollingUpdate: { maxSurge: '150%' } },
      `${S}: 'rollingUpdate.maxSurge' ("150%") is invalid: must be a number of pods or a percentage from "0%" to "100%"`],
    ['a fractional maxUnavailable', { rollingUpdate: { maxUnavailable: 1.5 } }, `${S}: 'rollingUpdate.maxUnavailable' (1.5) is invalid: must be an integer of at least 0`],
    ['a negative maxSurge', { rollingUpdate: { maxSurge: -1 } }, `${S}: 'rollingUpdate.maxSurge' (-1) is invalid: must be an integer of at least 0`],
    ['an autoscaler minimum of 0', { autoscaling: { minReplicas: 0 } }, `${S}: 'autoscaling.minReplicas' (0) is invalid: must be an integer of at least 1`],
    ['an autoscaler maximum beyond 32 bits', { autoscaling: { maxReplicas: 1e12 } },
      `${S}: 'autoscaling.maxReplicas' (1000000000000) is invalid: must be at most 2147483647: Kubernetes keeps it in a 32-bit integer`],
    ['a scaling policy value beyond 32 bits', { autoscaling: { scaleUp: { policies: [ScalingPolicy.pods(1e12, Duration.minutes(1))] } } },
      `${S}: 'autoscaling.scaleUp.policies[0].value' (1000000000000) is invalid: must be at most 2147483647: Kubernetes keeps it in a 32-bit integer`],
    ['a probe failure threshold beyond 32 bits', { livenessProbe: { path: '/health', failureThreshold: 1e12 } },
      `${S}: 'livenessProbe.failureThreshold' (1000000000000) is invalid: must be at most 2147483647: Kubernetes keeps it in a 32-bit integer`],
    ['a startup window of more than 2^31 periods', { startupProbe: { period: Duration.seconds(1), window: Duration.days(30000) } },
      `${S}: 'startupProbe.window' ("2592000000s") is invalid: must be at most 2147483647 probe periods (1s each): the failure threshold is a 32-bit integer`],
    ['a CPU target given as a fraction', { autoscaling: { cpuUtilizationPercent: 0.7 } },
      `${S}: 'autoscaling.cpuUtilizationPercent' (0.7) is invalid: must be an integer from 1 to 100`],
    ['an empty list of scaling policies', { autoscaling: { scaleDown: { policies: [] } } },
      `${S}: 'autoscaling.scaleDown.policies' ([]) is invalid: must hold at least one ScalingPolicy`],
    ['a stabilization window of 500 ms (cdk8s cannot make whole seconds of it)', { autoscaling: { scaleUp: { stabilizationWindow: Duration.millis(500) } } },
      `${S}: 'autoscaling.scaleUp.stabilizationWindow' ("500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.minutes(5)`],
    ['a policy period of 90.5 s', { autoscaling: { scaleUp: { policies: [ScalingPolicy.pods(2, Duration.millis(90500))] } } },
      `${S}: 'autoscaling.scaleUp.policies[0].period' ("90500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.minutes(1)`],
    ['a VPA minimum CPU above its default maximum', { verticalAutoscaling: { minCpu: Cpu.units(2) } },
      `${S}: 'verticalAutoscaling.minCpu' ("2") is invalid: must not exceed 'verticalAutoscaling.maxCpu' (1)`],
    ['a VPA minimum memory of 0', { verticalAutoscaling: { minMemory: Size.mebibytes(0) } },
      `${S}: 'verticalAutoscaling.minMemory' ("0Ki") is invalid: must be a whole, positive number of mebibytes, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['a disruption budget that blocks every drain', { disruptionBudget: { maxUnavailable: 0 } },
      `${S}: 'disruptionBudget.maxUnavailable' (0) is invalid: must be an integer of at least 1`],
    ['a disruption budget with both limits', { disruptionBudget: { minAvailable: 1, maxUnavailable: 1 } },
      `${S}: 'disruptionBudget' ({"minAvailable":1,"maxUnavailable":1}) is invalid: give either minAvailable or maxUnavailable, not both`],
    ['a CPU request above the default limit', { resources: { cpu: { request: Cpu.units(2) } } },
      `${S}: 'resources.cpu.request' ("2") is invalid: must not exceed the limit (500m)`],
    ['a memory request above the default limit', { resources: { memory: { request: Size.gibibytes(2) } } },
      `${S}: 'resources.memory.request' ("2Gi") is invalid: must not exceed the limit (1Gi)`],
    ['a CPU limit below the default request', { resources: { cpu: { limit: Cpu.millis(100) } } },
      `${S}: 'resources.cpu.limit' ("100m") is invalid: must be at least the request (250m, the default when 'resources.cpu.request' is not given)`],
    ['a memory limit below the default request', { resources: { memory: { limit: Size.mebibytes(256) } } },
      `${S}: 'resources.memory.limit' ("256Mi") is invalid: must be at least the request (512Mi, the default when 'resources.memory.request' is not given)`],
    ['a VPA maximum CPU below the default minimum', { verticalAutoscaling: { maxCpu: Cpu.millis(50) } },
      `${S}: 'verticalAutoscaling.maxCpu' ("50m") is invalid: must be at least 'verticalAutoscaling.minCpu' (100m, its default when not given)`],
    ['a VPA maximum memory below the default minimum', { verticalAutoscaling: { maxMemory: Size.mebibytes(32) } },
      `${S}: 'verticalAutoscaling.maxMemory' ("32Mi") is invalid: must be at least 'verticalAutoscaling.minMemory' (50Mi, its default when not given)`],
    ['a CPU request of 0', { resources: { cpu: { request: Cpu.millis(0) } } },
      `${S}: 'resources.cpu.request' ("0m") is invalid: must be a whole, positive number of millicores, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['a negative CPU limit', { resources: { cpu: { limit: Cpu.millis(-100) } } },
      `${S}: 'resources.cpu.limit' ("-100m") is invalid: must be a whole, positive number of millicores, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['a memory request of 100 KiB', { resources: { memory: { request: Size.kibibytes(100) } } },
      `${S}: 'resources.memory.request' ("100Ki") is invalid: must be a whole, positive number of mebibytes, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['a misspelt request', { resources: { cpu: { requests: Cpu.millis(250) } } },
      `${S}: 'resources.cpu.requests' (a Cpu) is invalid: is not a known option; the options are request, limit`],
    ['a probe without a path', { readinessProbe: { period: Duration.seconds(5) } },
      `${S}: 'readinessProbe.path' (undefined) is invalid: must be an absolute HTTP path starting with "/" and without spaces, e.g. "/health"`],
    ['a probe timeout of 500 ms', { livenessProbe: { path: '/health', timeout: Duration.millis(500) } },
      `${S}: 'livenessProbe.timeout' ("500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.seconds(15)`],
    ['a probe period of 0', { livenessProbe: { path: '/health', period: Duration.seconds(0) } },
      `${S}: 'livenessProbe.period' ("0ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.seconds(15)`],
    ['a probe initial delay of 2 hours', { livenessProbe: { path: '/health', initialDelay: Duration.hours(2) } },
      `${S}: 'livenessProbe.initialDelay' ("2h") is invalid: must be from 0s to 1h`],
    ['a probe path with a space', { readinessProbe: { path: '/ready now' } },
      `${S}: 'readinessProbe.path' ("/ready now") is invalid: must be an absolute HTTP path starting with "/" and without spaces, e.g. "/health"`],
    ['a termination grace period of 0', { terminationGracePeriod: Duration.seconds(0) },
      `${S}: 'terminationGracePeriod' ("0ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.seconds(30)`],
    ['a session affinity timeout of 0', { sessionAffinityTimeout: Duration.seconds(0) },
      `${S}: 'sessionAffinityTimeout' ("0ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.hours(3)`],
    ['a negative gid', { runAs: { group: -1 } }, `${S}: 'runAs.group' (-1) is invalid: must be an integer from 1 to 2147483647`],
    ['a uid above 2^31 - 1', { runAs: { user: 2147483648 } }, `${S}: 'runAs.user' (2147483648) is invalid: must be an integer from 1 to 2147483647`],
    ['a misspelt runAs option', { runAs: { uid: 1000 } }, `${S}: 'runAs.uid' (a number) is invalid: is not a known option; the options are user, group`],
    ['an env name with "-"', { env: { 'LOG-LEVEL': 'info' } }, `${S}: 'env.LOG-LEVEL' ("LOG-LEVEL") is invalid: ${ENV_NAME}`],
    ['a config key with "."', { config: { 'app.properties': 'x=1' } }, `${S}: 'config.app.properties' ("app.properties") is invalid: ${ENV_NAME}`],
    ['a secretEnv name in lower case', { secretEnv: { 'db-password': SecretKeyRef.of('payments-db', 'password') } },
      `${S}: 'secretEnv.db-password' ("db-password") is invalid: ${ENV_NAME}`],
    ['config larger than a ConfigMap holds', { config: { RULES: 'x'.repeat(1100000) } },
      `${S}: 'config' ("1100005 bytes") is invalid: must have at most 1048576 bytes (1 MiB) of keys and values, the most a ConfigMap holds; mount larger files from a volume`],
    ['a Secret name with capitals', { secretEnv: { DB_PASSWORD: SecretKeyRef.of('Payments-DB', 'password') } },
      `${S}: 'secretEnv.DB_PASSWORD.secretName' ("Payments-DB") is invalid: must be the name of a Secret: lowercase letters, digits, "-" and ".", at most 253 characters, starting and ending with a letter or digit`],
    ['an ExternalSecret name with "."', { secretEnv: { DB_PASSWORD: vault({ secretName: 'payments.db' }) } },
      `${S}: 'secretEnv.DB_PASSWORD.secretName' ("payments.db") is invalid: ${DNS_LABEL}`],
    ['an ExternalSecret without a remote key', { secretEnv: { DB_PASSWORD: vault({ remoteKey: undefined }) } },
      `${S}: 'secretEnv.DB_PASSWORD.remoteKey' (undefined) is invalid: must be a string, not undefined, e.g. "fintech/production/finance-db"`],
    ['a CIDR with a trailing space', { egressTo: [NetworkPeer.external('postgres', [{ port: 5432 }], '10.0.0.0/16 ')] },
      `${S}: 'egressTo[0].cidr' ("10.0.0.0/16 ") is invalid: must have a prefix length from 0 to 32 for an IPv4 address`],
    ['an IPv6 prefix over 128', { egressTo: [NetworkPeer.external('postgres', [{ port: 5432 }], 'fd00::/129')] },
      `${S}: 'egressTo[0].cidr' ("fd00::/129") is invalid: must have a prefix length from 0 to 128 for an IPv6 address`],
    ['a fractional peer port', { egressTo: [NetworkPeer.external('postgres', [{ port: 5432.5 }], '10.0.0.0/16')] },
      `${S}: 'egressTo[0].ports[0].port' (5432.5) is invalid: must be an integer from 1 to 65535`],
    ['HTTPS as a protocol', { egressTo: [NetworkPeer.external('api', [{ port: 443, protocol: 'HTTPS' as any }], '10.0.0.0/16')] },
      `${S}: 'egressTo[0].ports[0].protocol' ("HTTPS") is invalid: must be one of "TCP", "UDP" or "SCTP" (in capitals)`],
    ['an external peer without a name', { egressTo: [NetworkPeer.external('', [{ port: 5432 }], '10.0.0.0/16')] },
      `${S}: 'egressTo[0].name' ("") is invalid: must not be empty, e.g. "postgres"`],
    ['an egress peer without ports', { egressTo: [NetworkPeer.external('postgres', [], '10.0.0.0/16')] },
      `Validation failed with the following errors:\n  [prod/payments] ${S}: 'egressTo[0].ports' ([]) is invalid: must name at least one port to reach on external postgres, e.g. [{ port: 443 }]`],
    ['an egress namespace without ports', { egressTo: [NetworkPeer.namespace('ledger')] },
      `Validation failed with the following errors:\n  [prod/payments] ${S}: 'egressTo[0].ports' ([]) is invalid: must name at least one port to reach on namespace ledger, e.g. [{ port: 443 }]`],
    ['a relative metrics path', { metrics: { path: 'metrics' } },
      `${S}: 'metrics.path' ("metrics") is invalid: must be an absolute HTTP path starting with "/" and without spaces, e.g. "/health"`],
    ['a metrics interval of 0', { metrics: { interval: Duration.seconds(0) } },
      `${S}: 'metrics.interval' ("0ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.seconds(15)`],
    ['the data classification spelt as its enum key', { dataClassification: 'CARDHOLDER' },
      `${S}: 'dataClassification' ("CARDHOLDER") is invalid: must be one of DataClassification.CARDHOLDER, CONFIDENTIAL, INTERNAL or PUBLIC`],
    ['an owner with a space', { owner: 'Payments Team' },
      `${S}: 'owner' ("Payments Team") is invalid: must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
    ['an owner as an e-mail address', { owner: 'payments@fintech.io' },
      `${S}: 'owner' ("payments@fintech.io") is invalid: must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
    ['an empty owner', { owner: '' },
      `${S}: 'owner' ("") is invalid: must name the team answerable for the data, e.g. "payments"; leave it out for no owner label`],
    ['an ingress without paths', { ingress: { host: HOST, tls, paths: [] } },
      `${S}: 'ingress.paths' ([]) is invalid: must hold at least one path, e.g. [{ path: '/' }]; leave it out to route every path`],
    ['an ingress path with "//"', { ingress: { host: HOST, tls, paths: [{ path: '/api//v1' }] } }, `${S}: 'ingress.paths[0].path' ("/api//v1") is invalid: ${INGRESS_PATH}`],
    ['an ingress path as a regular expression', { ingress: { host: HOST, tls, paths: [{ path: '/api/(.*)' }] } }, `${S}: 'ingress.paths[0].path' ("/api/(.*)") is invalid: ${INGRESS_PATH}`],
    ['an ingress path ending in "/.."', { ingress: { host: HOST, tls, paths: [{ path: '/api/..' }] } }, `${S}: 'ingress.paths[0].path' ("/api/..") is invalid: ${INGRESS_PATH}`],
    ['an ingress path with a query', { ingress: { host: HOST, tls, paths: [{ path: '/api?v=1' }] } }, `${S}: 'ingress.paths[0].path' ("/api?v=1") is invalid: ${INGRESS_PATH}`],
    ['the ImplementationSpecific path type', { ingress: { host: HOST, tls, paths: [{ path: '/api', pathType: 'ImplementationSpecific' }] } },
      `${S}: 'ingress.paths[0].pathType' ("ImplementationSpecific") is invalid: must be one of "Prefix", "Exact"`],
    ['an ingress host with a port', { ingress: { host: 'api.example.com:443', tls } },
      `${S}: 'ingress.host' ("api.example.com:443") is invalid: must be a host name: lowercase DNS labels separated by ".", optionally starting with "*." (e.g. "api.fintech.example.com"), not an IP address`],
    ['an ingress host with a trailing dot', { ingress: { host: 'api.example.com.', tls } },
      `${S}: 'ingress.host' ("api.example.com.") is invalid: must be a host name: lowercase DNS labels separated by ".", optionally starting with "*." (e.g. "api.fintech.example.com"), not an IP address`],
    ['a ClusterIssuer with capitals', { ingress: { host: HOST, tls: IngressTls.fromClusterIssuer('LetsEncrypt') } },
      `${S}: 'ingress.tls.clusterIssuer' ("LetsEncrypt") is invalid: must be a DNS-1123 subdomain: at most 253 characters in dot-separated DNS-1123 labels (lowercase letters, digits or "-", each starting and ending with a letter or digit)`],
    ['an ingress controller namespace with capitals', { ingress: { host: HOST, tls, controllerNamespace: 'Ingress-Nginx' } },
      `${S}: 'ingress.controllerNamespace' ("Ingress-Nginx") is invalid: ${DNS_LABEL}`],
    ['a body size of 512 KiB', { ingress: { host: HOST, tls, maxBodySize: Size.kibibytes(512) } },
      `${S}: 'ingress.maxBodySize' ("512Ki") is invalid: must be a whole, positive number of mebibytes, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['a connect timeout of 0', { ingress: { host: HOST, tls, connectTimeout: Duration.seconds(0) } },
      `${S}: 'ingress.connectTimeout' ("0ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.seconds(15)`],
  ])('rejects %s', (_, props, message) => {
    const { namespace, ...rest } = props as { namespace?: string };
    expect(service(rest, namespace)).toBe(message);
  });
});

describe('FintechService: dangerous values and contradictions', () => {
  test.each<[string, object, string]>([
    ['an external ingress peer open to every IPv4 address', { ingressFrom: [NetworkPeer.external('partner', [{ port: 443 }])] },
      `${S}: 'ingressFrom[0].cidr' ("0.0.0.0/0") is invalid: ${OPEN_TO_ALL}`],
    ['an external ingress peer open to every IPv6 address', { ingressFrom: [NetworkPeer.external('partner', [{ port: 443 }], '::/0')] },
      `${S}: 'ingressFrom[0].cidr' ("::/0") is invalid: ${OPEN_TO_ALL}`],
    ['metrics scrapers open to every address', { metricsScrapers: NetworkPeer.external('prometheus', [{ port: 9090 }], '0.0.0.0/0') },
      `${S}: 'metricsScrapers.cidr' ("0.0.0.0/0") is invalid: ${OPEN_TO_ALL}`],
    ['a token in a probe path', { livenessProbe: { path: '/health?token=0123456789abcdef0123456789abcdef' } },
      `${S}: 'livenessProbe.path' (a string of 46 characters) is invalid: looks like a credential (a credential assignment), and secret values never go into manifests:`
      + ' paths are readable by anyone who can read the object; the endpoint must not need a secret in its URL'],
    ['a JSON Web Token as an env value', { env: { SESSION: 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.abc' } },
      `${S}: 'env.SESSION' (a string of 52 characters) is invalid: looks like a credential (a JSON Web Token), and secret values never go into manifests: use 'secretEnv' with SecretKeyRef.of(secretName, key)`],
    ['a track label that overrides the selector label', { trackLabels: { 'app.kubernetes.io/name': 'other' } },
      `${S}: 'trackLabels' ("app.kubernetes.io/name") is invalid: ${RESERVED}`],
    ['a track label that downgrades the data classification', { trackLabels: { 'fintech.io/data-classification': 'public' } },
      `${S}: 'trackLabels' ("fintech.io/data-classification") is invalid: ${RESERVED}`],
    ['a track label that overrides the version', { trackLabels: { version: '2.0.0' } }, `${S}: 'trackLabels' ("version") is invalid: ${RESERVED}`],
    ['a variable set in both config and env', { config: { LOG_LEVEL: 'info' }, env: { LOG_LEVEL: 'debug' } },
      `${S}: 'config.LOG_LEVEL' ("LOG_LEVEL") is invalid: is also set in 'env', which would silently override it; each variable must be set once`],
    ['a variable set in both config and secretEnv', { config: { DB_HOST: 'db.internal' }, secretEnv: { DB_HOST: SecretKeyRef.of('payments-db', 'host') } },
      `${S}: 'config.DB_HOST' ("DB_HOST") is invalid: is also set in 'secretEnv', which would silently override it; each variable must be set once`],
    ['replicas and an autoscaler minimum that differ', { replicas: 5, autoscaling: { minReplicas: 2 } },
      `${S}: 'autoscaling.minReplicas' (2) is invalid: contradicts 'replicas' (5), which is the autoscaler's minimum when autoscaling is on: give one of the two`],
    ['an autoscaler maximum below the default replicas', { autoscaling: { maxReplicas: 2 } },
      `${S}: 'autoscaling.maxReplicas' (2) is invalid: must be at least 'replicas' (3), which is the autoscaler's minimum when 'autoscaling.minReplicas' is not given`],
    ['metrics scrapers with metrics off', { metrics: false, metricsScrapers: NetworkPeer.namespace('observability') },
      `${S}: 'metricsScrapers' (a NetworkPeer) is invalid: has nothing to scrape: 'metrics' is false; leave one of the two out`],
    ['an HTTPS redirect without TLS', { ingress: { host: HOST, tls: false, forceHttpsRedirect: true } },
      `${S}: 'ingress.forceHttpsRedirect' (true) is invalid: has no HTTPS to redirect to: 'ingress.tls' is false; give a certificate source or leave the redirect out`],
    ['HSTS without TLS', { ingress: { host: HOST, tls: false, hsts: { maxAge: Duration.days(365) } } },
      `${S}: 'ingress.hsts' (an object) is invalid: would never be sent: browsers take HSTS only over HTTPS, and 'ingress.tls' is false`],
    ['a selectPolicy of Disabled', { autoscaling: { scaleDown: { selectPolicy: 'Disabled' } } },
      `${S}: 'autoscaling.scaleDown.selectPolicy' ("Disabled") is invalid: must be one of "Max", "Min"`],
  ])('rejects %s', (_, props, message) => expect(service(props)).toBe(message));
});

describe('FintechService: ids, scopes and collisions', () => {
  const P = { image: IMAGE, port: 8080 };
  test.each<[string, (app: App) => void, string]>([
    ['an id that is not a DNS label, without a name', (app) => new FintechService(new Chart(app, 'prod'), 'Payments', P),
      `FintechService 'prod/Payments': 'id' ("Payments") is invalid: ${DNS_LABEL}`],
    ['two services of one id (the constructs library\'s own error re-worded)', (app) => {
      const chart = new Chart(app, 'prod');
      new FintechService(chart, 'payments', P);
      new FintechService(chart, 'payments', { ...P, port: 8081 });
    }, `${S}: 'id' ("payments") is invalid: is already the id of FintechService 'prod/payments'; the constructs of one scope need different ids`],
    ['an id with "/", without a name', (app) => new FintechService(new Chart(app, 'prod'), 'payments/v2', P),
      `FintechService 'prod/payments--v2': 'id' ("payments/v2") is invalid: ${DNS_LABEL}`],
    ['an empty id', (app) => new FintechService(new Chart(app, 'prod'), '', P),
      "FintechService 'prod/': 'id' (\"\") is invalid: must not be empty: new FintechService(chart, 'payments', { ... })"],
    ['an App as the scope', (app) => new FintechService(app as any, 'payments', P),
      "FintechService 'payments': 'scope' (an App) is invalid: must be a Chart or a construct inside one: the objects of a FintechService are written by a Chart, e.g. new FintechService(chart, 'payments', { ... })"],
    ['two Ingresses for one host and path', (app) => {
      const chart = new Chart(app, 'prod', { namespace: 'fintech' });
      new FintechService(chart, 'payments', { ...P, ingress: { host: HOST, tls }, metrics: { port: 9090 } });
      new FintechService(chart, 'ledger', { ...P, ingress: { host: HOST, tls: IngressTls.fromSecret('ledger-tls') }, metrics: { port: 9090 } });
    }, "Validation failed with the following errors:\n  [prod/ledger] FintechService 'prod/ledger': 'ingress.host' (\"api.example.com\") is invalid: with path \"/\" is already routed"
      + " by the Ingress of FintechService 'prod/payments'; ingress-nginx refuses a second Ingress for the same host and path: give this service another host or path"],
    ['a service peer in another namespace', (app) => {
      const gateway = new FintechService(new Chart(app, 'edge', { namespace: 'edge' }), 'gateway', P);
      new FintechService(new Chart(app, 'prod', { namespace: 'fintech' }), 'payments', { ...P, ingressFrom: [NetworkPeer.service(gateway)] });
    }, `Validation failed with the following errors:\n  [prod/payments] ${S}: 'ingressFrom[0]' ("service gateway") is invalid: runs in namespace 'edge', not in 'fintech';`
      + " a service peer must be in the same namespace (for pods of another namespace: NetworkPeer.namespace('edge', ports, podLabels))"],
    ['a Chart as a service peer', (app) => {
      const chart = new Chart(app, 'prod');
      new FintechService(chart, 'payments', { ...P, ingressFrom: [NetworkPeer.service(chart as any)] });
    }, `${S}: 'ingressFrom[0]' (a Chart) is invalid: NetworkPeer.service() takes a FintechService of this app, not a Chart;`
      + " for a service this app does not define: NetworkPeer.serviceNamed('ledger', [{ port: 8080 }])"],
    ['a service of this app named as if it were outside', (app) => {
      const chart = new Chart(app, 'prod');
      new FintechService(chart, 'ledger', P);
      new FintechService(chart, 'payments', { ...P, egressTo: [NetworkPeer.serviceNamed('ledger', [{ port: 8080 }])] });
    }, `Validation failed with the following errors:\n  [prod/payments] ${S}: 'egressTo[0]' ("service ledger") is invalid: names a service this app defines in namespace 'default': pass the service itself, NetworkPeer.service(service)`],
    ['an annotation key with a space', (app) => new FintechService(new Chart(app, 'prod'), 'payments', P).addDeploymentAnnotation('change ticket', 'CHG-1'),
      `${S}: 'deploymentAnnotations' ("change ticket") is invalid: must be an annotation key such as "example.com/ticket": an optional DNS subdomain prefix and "/",`
      + ' then a name of at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit'],
    ['a token as an annotation value', (app) => new FintechService(new Chart(app, 'prod'), 'payments', P)
      .addDeploymentAnnotation('example.com/deploy-token', 'ghp_Xy7Qw2Er9Ty4Ui8Op3AsXy7Qw2Er9Ty4Ui8Op3As'),
    `${S}: 'deploymentAnnotations.example.com/deploy-token' (a string of 44 characters) is invalid: looks like a credential (a GitHub token),`
      + ' and secret values never go into manifests: annotations are readable by anyone who can read the object; keep secrets in a Secret'],
    ['a pod template whose track labels override the selector', (app) => new FintechService(new Chart(app, 'prod'), 'payments', P)
      .podTemplate(IMAGE, { 'app.kubernetes.io/name': 'ledger' }), `${S}: 'trackLabels' ("app.kubernetes.io/name") is invalid: ${RESERVED}`],
    ['a scale target without a name', (app) => new FintechService(new Chart(app, 'prod'), 'payments', P)
      .delegateScaling({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout' } as any),
    `${S}: 'scaleTarget.name' (undefined) is invalid: must be a string, not undefined; a DNS-1123 subdomain such as "payments-tls"`],
  ])('rejects %s', (_, build, message) => expect(synthMessage(build)).toBe(message));
});

describe('FintechEnvironment: mistakes', () => {
  test.each<[string, object, string]>([
    ['a namespace with "_"', { namespace: 'fintech_production' }, `${E}: 'namespace' ("fintech_production") is invalid: ${DNS_LABEL}`],
    ['a Pod Security level with a trailing space', { podSecurity: 'restricted ' }, `${E}: 'podSecurity' ("restricted ") is invalid: ${LEVELS}`],
    ['a Pod Security level spelt as its enum key', { podSecurity: 'RESTRICTED' }, `${E}: 'podSecurity' ("RESTRICTED") is invalid: ${LEVELS}`],
    ['a Pod Security level in title case', { podSecurity: 'Privileged' }, `${E}: 'podSecurity' ("Privileged") is invalid: ${LEVELS}`],
    ['half a millicore of quota', { quota: { ...QUOTA, requestsCpu: Cpu.millis(0.5) } },
      `${E}: 'quota.requestsCpu' ("0.5m") is invalid: must be a whole, positive number of millicores, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['a memory quota of 1.5 MiB', { quota: { ...QUOTA, requestsMemory: Size.kibibytes(1536) } },
      `${E}: 'quota.requestsMemory' ("1536Ki") is invalid: must be a whole, positive number of mebibytes, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['a negative number of volume claims', { quota: { ...QUOTA, persistentVolumeClaims: -1 } },
      `${E}: 'quota.persistentVolumeClaims' (-1) is invalid: must be an integer of at least 0`],
    ['a token as a label value', { labels: { token: 'ghp_Xy7Qw2Er9Ty4Ui8Op3AsXy7Qw2Er9Ty4Ui8Op3As' } },
      `${E}: 'labels.token' (a string of 44 characters) is invalid: looks like a credential (a GitHub token), and secret values never go into manifests: labels are readable by anyone who can list the object; keep secrets in a Secret`],
    ['a maximum CPU below the default limit', { containerLimits: { maxCpu: Cpu.millis(200) } },
      `${E}: 'containerLimits.maxCpu' ("200m") is invalid: must be at least 'defaultCpuLimit' (500m, its default when not given)`],
    ['a maximum memory below the default limit', { containerLimits: { maxMemory: Size.mebibytes(256) } },
      `${E}: 'containerLimits.maxMemory' ("256Mi") is invalid: must be at least 'defaultMemoryLimit' (512Mi, its default when not given)`],
    ['a default CPU limit below the default request', { containerLimits: { defaultCpuLimit: Cpu.millis(50) } },
      `${E}: 'containerLimits.defaultCpuLimit' ("50m") is invalid: must be at least 'defaultCpuRequest' (100m, its default when not given)`],
    ['null labels', { labels: null }, `${E}: 'labels' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['null container limits', { containerLimits: null }, `${E}: 'containerLimits' (null) is invalid: must be left out (undefined) for the default, not null`],
    ['a null quota', { quota: null },
      `${E}: 'quota' (null) is invalid: must be an object, not null, e.g. { requestsCpu: Cpu.units(16), requestsMemory: Size.gibibytes(32), limitsCpu: ..., limitsMemory: ... }`],
  ])('rejects %s', (_, props, message) => expect(environment(props)).toBe(message));

  test('rejects two environments of one id in a Chart, re-wording the constructs library\'s error', () => {
    expect(synthMessage((app) => {
      const chart = new Chart(app, 'environment');
      new FintechEnvironment(chart, 'production', { namespace: 'fintech-production', quota: QUOTA });
      new FintechEnvironment(chart, 'production', { namespace: 'fintech-staging', quota: QUOTA });
    })).toBe(`${E}: 'id' ("production") is invalid: is already the id of FintechEnvironment 'environment/production'; the constructs of one scope need different ids`);
  });
});

describe('secret-looking values in the places of a FintechService that the shared sweep leaves out', () => {
  // [the value, its part that must never appear]
  const SECRETS: Array<[string, string]> = [
    ['postgres://app:Sup3rS3cretPw@db.internal:5432/platform', 'Sup3rS3cretPw'],
    [`ghp_${'Xy7Qw2Er9Ty4Ui8Op3As'.repeat(2)}`, 'Xy7Qw2Er9Ty4'],
    ['q8Zr4TnW2xLp9VsK7mYb3HdF', 'q8Zr4TnW2xLp'],
    ['0123456789abcdef0123456789abcdef', '0123456789abcdef'],
    ['password=Tr0ub4dor&3', 'Tr0ub4dor'],
  ];
  const P = { image: IMAGE, port: 8080 };
  const build = (props: object) => (app: App) => new FintechService(new Chart(app, 'prod'), 'payments', { ...P, ...props } as any);
  const method = (use: (svc: FintechService) => void) => (app: App) => use(new FintechService(new Chart(app, 'prod'), 'payments', P));
  const PLACES: Array<[string, (secret: string) => (app: App) => void]> = [
    ['name', (x) => build({ name: x })],
    ['owner', (x) => build({ owner: x })],
    ['dataClassification', (x) => build({ dataClassification: x })],
    ['an extra port name', (x) => build({ extraPorts: [{ name: x, containerPort: 9090 }] })],
    ['a probe path', (x) => build({ livenessProbe: { path: `/health/${x}` } })],
    ['the metrics path', (x) => build({ metrics: { path: `/metrics?${x}` } })],
    ['a pod target label', (x) => build({ metrics: { podTargetLabels: [x] } })],
    ['the ingress host', (x) => build({ ingress: { host: x, tls } })],
    ['an ingress path', (x) => build({ ingress: { host: HOST, tls, paths: [{ path: `/${x}` }] } })],
    ['the ingress class', (x) => build({ ingress: { host: HOST, tls, ingressClassName: x } })],
    ['the ingress controller namespace', (x) => build({ ingress: { host: HOST, tls, controllerNamespace: x } })],
    ['the TLS Secret name', (x) => build({ ingress: { host: HOST, tls: IngressTls.fromSecret(x) } })],
    ['the ClusterIssuer', (x) => build({ ingress: { host: HOST, tls: IngressTls.fromClusterIssuer(x) } })],
    ['a CIDR', (x) => build({ egressTo: [NetworkPeer.external('postgres', [{ port: 5432 }], x)] })],
    ['a service name outside the app', (x) => build({ egressTo: [NetworkPeer.serviceNamed(x, [{ port: 8080 }])] })],
    ['NetworkPeer.service() of a string', (x) => build({ ingressFrom: [NetworkPeer.service(x as any)] })],
    ['a store name', (x) => build({ secretEnv: { DB_PASSWORD: vault({ store: SecretStoreRef.cluster(x) }) } })],
    ['a remote key', (x) => build({ secretEnv: { DB_PASSWORD: vault({ remoteKey: x }) } })],
    ['a remote property', (x) => build({ secretEnv: { DB_PASSWORD: vault({ property: x }) } })],
    ['SecretKeyRef.fromExternalSecret() of a string', (x) => build({ secretEnv: { DB_PASSWORD: SecretKeyRef.fromExternalSecret(x as any) } })],
    ['an annotation value', (x) => method((svc) => svc.addDeploymentAnnotation('example.com/note', x))],
    ['an annotation key', (x) => method((svc) => svc.addDeploymentAnnotation(x, 'yes'))],
    ['a discovery label value', (x) => method((svc) => svc.addDiscoveryLabels({ release: x }))],
    ['a scale target name', (x) => method((svc) => svc.delegateScaling({ apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', name: x }))],
  ];
  const cases = PLACES.flatMap(([place, make]) => SECRETS.map(([secret, part]) => [place, secret, part, make] as const));
  test.each(cases)('%s refuses %s without showing it', (_, secret, part, make) => {
    const message = synthMessage(make(secret));
    expect(message).toMatch(/^FintechService 'prod\/payments': '/);
    expect(message).not.toContain(part);
  });
});
