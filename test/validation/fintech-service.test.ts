import { App, Chart, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { FintechService, IngressTls, ScalingPolicy } from '../../lib';

/**
 * GIVEN a FintechService with one mistake a user makes (a misspelt prop, a wrong JavaScript type,
 * a value the API server rejects) WHEN it is synthesized THEN it throws a plain Error naming the
 * construct path, the prop, the value and what is valid.
 */
const S = "FintechService 'prod/payments'";
const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';
const tls = IngressTls.fromSecret('payments-tls');

function messageOf(props: object): string {
  try {
    new FintechService(new Chart(new App(), 'prod'), 'payments', { image: IMAGE, port: 8080, ...props } as any);
  } catch (e) {
    expect((e as Error).constructor).toBe(Error);
    return (e as Error).message;
  }
  throw new Error('expected an error, none was thrown');
}

describe('FintechService bad input', () => {
  test.each<[string, object, string]>([
    ['a misspelt prop', { replica: 3 },
      `${S}: 'props.replica' (a number) is invalid: is not a known option; the options are name, image, port, servicePort, extraPorts, replicas, rollingUpdate, sessionAffinityTimeout, autoscaling, disruptionBudget, resources, livenessProbe, readinessProbe, startupProbe, terminationGracePeriod, runAs, env, config, secretEnv, ingressFrom, egressTo, metricsScrapers, metrics, automountServiceAccountToken, trackLabels, ingress, verticalAutoscaling, dataClassification, owner`],
    ['a name too long', { name: 'a'.repeat(64) },
      `${S}: 'name' ("aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
    ['an image of null', { image: null },
      `${S}: 'image' (null) is invalid: must be a string, not null, e.g. "registry/fintech/service:1.4.2"`],
    ['no port', { port: undefined },
      `${S}: 'port' (undefined) is invalid: must be a finite number, not undefined`],
    ['a port as a string', { port: '8080' },
      `${S}: 'port' ("8080") is invalid: must be a finite number, not a string`],
    ['a NaN port', { port: NaN },
      `${S}: 'port' (NaN) is invalid: must be a finite number, not NaN`],
    ['replicas as a string', { replicas: '3' },
      `${S}: 'replicas' ("3") is invalid: must be a finite number, not a string`],
    ['a 16-character port name', { extraPorts: [{ name: 'grpc-web-metrics', containerPort: 9090 }] },
      `${S}: 'extraPorts[0].name' ("grpc-web-metrics") is invalid: must be a port name (IANA service name): at most 15 lowercase letters, digits and "-", with at least one letter, starting and ending with a letter or digit, without "--"`],
    ['a digits-only port name', { extraPorts: [{ name: '9090', containerPort: 9090 }] },
      `${S}: 'extraPorts[0].name' ("9090") is invalid: must be a port name (IANA service name): at most 15 lowercase letters, digits and "-", with at least one letter, starting and ending with a letter or digit, without "--"`],
    ['one extra port instead of a list', { extraPorts: { name: 'grpc', containerPort: 9090 } },
      `${S}: 'extraPorts' ({"name":"grpc","containerPort":9090}) is invalid: must be an array, not an object, e.g. [{ name: 'grpc', containerPort: 9090 }]`],
    ['a misspelt extra port option', { extraPorts: [{ name: 'grpc', port: 9090 }] },
      `${S}: 'extraPorts[0].port' (a number) is invalid: is not a known option; the options are name, containerPort, servicePort`],
    ['a credential-named env variable', { env: { DB_PASSWORD: 'hunter2' } },
      `${S}: 'env.DB_PASSWORD' ("DB_PASSWORD") is invalid: looks like a credential, and secret values never go into manifests: use 'secretEnv' with SecretKeyRef.of(secretName, key)`],
    ['a credential in a config value', { config: { DATABASE_URL: 'postgres://user:secret@host/db' } },
      `${S}: 'config.DATABASE_URL' (a string of 30 characters) is invalid: looks like a credential (a URL with a password), and secret values never go into manifests: use 'secretEnv' with SecretKeyRef.of(secretName, key)`],
    ['an access key id as an env name', { env: { AKIAIOSFODNN7EXAMPLE: 'x' } },
      `${S}: 'env.<a string of 20 characters>' (a string of 20 characters) is invalid: looks like a credential (an AWS access key id), and secret values never go into manifests: variable names are readable by anyone who can read the Deployment; keep secrets in a Secret`],
    ['a number as an env value', { env: { PORT: 8080 } },
      `${S}: 'env.PORT' (8080) is invalid: must be a string, not a number, e.g. "8080" rather than 8080`],
    ['env as a list', { env: ['LOG_LEVEL=info'] },
      `${S}: 'env' (["LOG_LEVEL=info"]) is invalid: must be an object, not an array, e.g. { LOG_LEVEL: "info" }`],
    ['a string as a secretEnv reference', { secretEnv: { DB_PASSWORD: 'hunter2hunter2' } },
      `${S}: 'secretEnv.DB_PASSWORD' (a string of 14 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the value of DB_PASSWORD; credentials are never accepted as values`],
    ['"30s" as the termination grace period', { terminationGracePeriod: '30s' },
      `${S}: 'terminationGracePeriod' ("30s") is invalid: must be a Duration, not a string, e.g. Duration.seconds(30)`],
    ['a termination grace period over an hour', { terminationGracePeriod: Duration.hours(2) },
      `${S}: 'terminationGracePeriod' ("2h") is invalid: must be from 1s to 1h`],
    ['a fractional session affinity timeout', { sessionAffinityTimeout: Duration.millis(1500) },
      `${S}: 'sessionAffinityTimeout' ("1500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.hours(3)`],
    ['a session affinity timeout over a day', { sessionAffinityTimeout: Duration.days(2) },
      `${S}: 'sessionAffinityTimeout' ("2d") is invalid: must be from 1s to 1d`],
    ['"10s" as a probe period', { livenessProbe: { path: '/health', period: '10s' } },
      `${S}: 'livenessProbe.period' ("10s") is invalid: must be a Duration, not a string, e.g. Duration.seconds(15)`],
    ['a misspelt probe option', { readinessProbe: { path: '/ready', timeoutSeconds: 3 } },
      `${S}: 'readinessProbe.timeoutSeconds' (a number) is invalid: is not a known option; the options are path, initialDelay, period, timeout, failureThreshold`],
    ['a string as the failure threshold', { livenessProbe: { path: '/health', failureThreshold: '3' } },
      `${S}: 'livenessProbe.failureThreshold' ("3") is invalid: must be a finite number, not a string`],
    ['a startup window shorter than its period', { startupProbe: { period: Duration.seconds(10), window: Duration.seconds(5) } },
      `${S}: 'startupProbe.window' ("5s") is invalid: must be at least the probe period (10s)`],
    ['"15s" as the metrics interval', { metrics: { interval: '15s' } },
      `${S}: 'metrics.interval' ("15s") is invalid: must be a Duration, not a string, e.g. Duration.seconds(15)`],
    ['a misspelt metrics option', { metrics: { paht: '/metrics' } },
      `${S}: 'metrics.paht' (a string of 8 characters) is invalid: is not a known option; the options are path, interval, podTargetLabels`],
    ['a string as the CPU request', { resources: { cpu: { request: '250m', limit: Cpu.millis(500) } } },
      `${S}: 'resources.cpu.request' ("250m") is invalid: must be a Cpu, not a string, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['"1GB" as the memory limit', { resources: { memory: { limit: '1GB' } } },
      `${S}: 'resources.memory.limit' ("1GB") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['a misspelt resource', { resources: { mem: { limit: Size.gibibytes(1) } } },
      `${S}: 'resources.mem' (an object) is invalid: is not a known option; the options are cpu, memory, ephemeralStorage`],
    ['an HPA policy period over 30 minutes', { autoscaling: { scaleUp: { policies: [ScalingPolicy.pods(2, Duration.hours(1))] } } },
      `${S}: 'autoscaling.scaleUp.policies[0].period' ("1h") is invalid: must be from 1s to 30m`],
    ['an HPA stabilization window over an hour', { autoscaling: { scaleDown: { stabilizationWindow: Duration.hours(2) } } },
      `${S}: 'autoscaling.scaleDown.stabilizationWindow' ("2h") is invalid: must be from 0s to 1h`],
    ['"5m" as an HPA stabilization window', { autoscaling: { scaleDown: { stabilizationWindow: '5m' } } },
      `${S}: 'autoscaling.scaleDown.stabilizationWindow' ("5m") is invalid: must be a Duration, not a string, e.g. Duration.minutes(5)`],
    ['an HPA policy value of 0', { autoscaling: { scaleUp: { policies: [ScalingPolicy.percent(0, Duration.seconds(15))] } } },
      `${S}: 'autoscaling.scaleUp.policies[0].value' (0) is invalid: must be an integer of at least 1`],
    ['an HPA policy as a plain object', { autoscaling: { scaleUp: { policies: [{ type: 'Pods', value: 2, periodSeconds: 60 }] } } },
      `${S}: 'autoscaling.scaleUp.policies[0]' ({"type":"Pods","value":2,"periodSeconds":60}) is invalid: must be a ScalingPolicy, not an object, e.g. ScalingPolicy.percent(10, Duration.minutes(1)) or ScalingPolicy.pods(2, Duration.minutes(1))`],
    ['a misspelt selectPolicy', { autoscaling: { scaleUp: { selectPolicy: 'max' } } },
      `${S}: 'autoscaling.scaleUp.selectPolicy' ("max") is invalid: must be one of "Max", "Min"`],
    ['a string as the maximum replicas', { autoscaling: { maxReplicas: '10' } },
      `${S}: 'autoscaling.maxReplicas' ("10") is invalid: must be a finite number, not a string`],
    ['a misspelt autoscaling option', { autoscaling: { maxReplica: 10 } },
      `${S}: 'autoscaling.maxReplica' (a number) is invalid: is not a known option; the options are minReplicas, maxReplicas, cpuUtilizationPercent, memoryUtilizationPercent, scaleUp, scaleDown`],
    ['a string as the VPA maximum memory', { verticalAutoscaling: { maxMemory: '1Gi' } },
      `${S}: 'verticalAutoscaling.maxMemory' ("1Gi") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['an ingress class with capitals', { ingress: { host: 'api.example.com', tls, ingressClassName: 'Nginx' } },
      `${S}: 'ingress.ingressClassName' ("Nginx") is invalid: must be a DNS-1123 subdomain: at most 253 characters in dot-separated DNS-1123 labels (lowercase letters, digits or "-", each starting and ending with a letter or digit)`],
    ['a TLS Secret name with "_"', { ingress: { host: 'api.example.com', tls: IngressTls.fromSecret('payments_tls') } },
      `${S}: 'ingress.tls.secretName' ("payments_tls") is invalid: must be a DNS-1123 subdomain: at most 253 characters in dot-separated DNS-1123 labels (lowercase letters, digits or "-", each starting and ending with a letter or digit)`],
    ['a string as TLS', { ingress: { host: 'api.example.com', tls: 'payments-tls' } },
      `${S}: 'ingress.tls' ("payments-tls") is invalid: must be a IngressTls, not a string, e.g. IngressTls.fromSecret('payments-tls') or IngressTls.fromClusterIssuer('letsencrypt') (or false for plain HTTP)`],
    ['"30s" as the ingress request timeout', { ingress: { host: 'api.example.com', tls, requestTimeout: '30s' } },
      `${S}: 'ingress.requestTimeout' ("30s") is invalid: must be a Duration, not a string, e.g. Duration.seconds(15)`],
    ['an ingress connect timeout over 75 s', { ingress: { host: 'api.example.com', tls, connectTimeout: Duration.minutes(2) } },
      `${S}: 'ingress.connectTimeout' ("2m") is invalid: must be from 1s to 1m15s`],
    ['a misspelt path type', { ingress: { host: 'api.example.com', tls, paths: [{ path: '/', pathType: 'prefix' }] } },
      `${S}: 'ingress.paths[0].pathType' ("prefix") is invalid: must be one of "Prefix", "Exact"`],
    ['an IP address as the ingress host', { ingress: { host: '10.0.0.1', tls } },
      `${S}: 'ingress.host' ("10.0.0.1") is invalid: must be a host name: lowercase DNS labels separated by ".", optionally starting with "*." (e.g. "api.fintech.example.com"), not an IP address`],
    ['a track label value with a space', { trackLabels: { track: 'blue green' } },
      `${S}: 'trackLabels.track' ("blue green") is invalid: must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
    ['a pod target label that is no label key', { metrics: { podTargetLabels: ['track!'] } },
      `${S}: 'metrics.podTargetLabels[0]' ("track!") is invalid: must be a label key such as "track" or "example.com/track": an optional DNS subdomain prefix (at most 253 characters) and "/", then a name of at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit`],
    ['uid 0', { runAs: { user: 0 } },
      `${S}: 'runAs.user' (0) is invalid: must be an integer from 1 to 2147483647`],
    ['a negative uid', { runAs: { user: -1 } },
      `${S}: 'runAs.user' (-1) is invalid: must be an integer from 1 to 2147483647`],
    ['a string as the automount flag', { automountServiceAccountToken: 'false' },
      `${S}: 'automountServiceAccountToken' ("false") is invalid: must be a boolean (true or false), not a string`],
    ['a percentage without "%" as maxSurge', { rollingUpdate: { maxSurge: '25' } },
      `${S}: 'rollingUpdate.maxSurge' ("25") is invalid: must be a number of pods or a percentage from "0%" to "100%"`],
    ['a misspelt disruption budget option', { disruptionBudget: { maxUnavailble: 1 } },
      `${S}: 'disruptionBudget.maxUnavailble' (a number) is invalid: is not a known option; the options are minAvailable, maxUnavailable`],
  ])('rejects %s', (_, props, message) => expect(messageOf(props)).toBe(message));
});
