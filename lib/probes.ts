import { Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { IConstruct } from 'constructs';
import { invalidProp } from './shared/errors';
import { checkDuration, checkInt32, checkInteger, checkKnownKeys, checkNoNulls, checkNumber, checkPublicHttpPath } from './shared/validation';

/** An HTTP GET health check on the service's main port. */
export interface HttpProbeOptions {
  /** Path to GET; must start with "/". */
  readonly path: string;
  /** @default - liveness 30 s, readiness 5 s */
  readonly initialDelay?: Duration;
  /** @default - liveness 10 s, readiness 5 s */
  readonly period?: Duration;
  /** @default Duration.seconds(3) */
  readonly timeout?: Duration;
  /** Consecutive failures before the probe counts as failed. @default 3 */
  readonly failureThreshold?: number;
}

/**
 * A startup probe holds liveness and readiness back until the service has started, so a slow
 * start is not killed by the liveness probe.
 */
export interface StartupProbeOptions {
  /** @default - the liveness probe's path */
  readonly path?: string;
  /** @default Duration.seconds(10) */
  readonly period?: Duration;
  /** How long the service may take to start; the failure threshold is `window / period`. @default Duration.minutes(2) */
  readonly window?: Duration;
}

/** The probes of a service's container, as given in its props. */
export interface ServiceProbeOptions {
  /** @default - GET /health, initial delay 30 s, every 10 s */
  readonly livenessProbe?: HttpProbeOptions;
  /** @default - GET /ready, initial delay 5 s, every 5 s */
  readonly readinessProbe?: HttpProbeOptions;
  /** @default - GET on the liveness path every 10 s, for up to 2 minutes */
  readonly startupProbe?: StartupProbeOptions;
}

const DEFAULT_LIVENESS: Required<Omit<HttpProbeOptions, 'failureThreshold' | 'timeout'>> = {
  path: '/health', initialDelay: Duration.seconds(30), period: Duration.seconds(10),
};
const DEFAULT_READINESS: Required<Omit<HttpProbeOptions, 'failureThreshold' | 'timeout'>> = {
  path: '/ready', initialDelay: Duration.seconds(5), period: Duration.seconds(5),
};
const DEFAULT_TIMEOUT = Duration.seconds(3);
const DEFAULT_FAILURE_THRESHOLD = 3;
const DEFAULT_STARTUP_PERIOD = Duration.seconds(10);
const DEFAULT_STARTUP_WINDOW = Duration.minutes(2);

/** The container's liveness, readiness and startup probes, each an HTTP GET on the port named `portName`. */
export function containerProbes(scope: IConstruct, options: ServiceProbeOptions, portName: string): Pick<k8s.Container, 'livenessProbe' | 'readinessProbe' | 'startupProbe'> {
  const liveness = options.livenessProbe ?? { path: DEFAULT_LIVENESS.path };
  return {
    livenessProbe: httpProbe(scope, 'livenessProbe', liveness, DEFAULT_LIVENESS, portName),
    readinessProbe: httpProbe(scope, 'readinessProbe', options.readinessProbe ?? { path: DEFAULT_READINESS.path }, DEFAULT_READINESS, portName),
    startupProbe: startupProbe(scope, options.startupProbe ?? {}, liveness.path, portName),
  };
}

const HTTP_PROBE_OPTIONS = ['path', 'initialDelay', 'period', 'timeout', 'failureThreshold'];
const HTTP_PROBE_EXAMPLE = "{ path: '/health' }";

function httpProbe(scope: IConstruct, prop: string, options: HttpProbeOptions, defaults: typeof DEFAULT_LIVENESS, portName: string): k8s.Probe {
  checkKnownKeys(scope, prop, options, HTTP_PROBE_OPTIONS, HTTP_PROBE_EXAMPLE);
  checkNoNulls(scope, options, { prefix: prop, required: ['path'] });
  const httpGet = { path: checkPublicHttpPath(scope, `${prop}.path`, options.path), port: k8s.IntOrString.fromString(portName) };
  const initialDelaySeconds = checkDuration(scope, `${prop}.initialDelay`, options.initialDelay ?? defaults.initialDelay, { minSeconds: 0, maxSeconds: 3600 });
  const periodSeconds = checkDuration(scope, `${prop}.period`, options.period ?? defaults.period, { maxSeconds: 3600 });
  const timeoutSeconds = checkDuration(scope, `${prop}.timeout`, options.timeout ?? DEFAULT_TIMEOUT, { maxSeconds: 3600 });
  if (timeoutSeconds > periodSeconds) {
    throw invalidProp(scope, `${prop}.timeout`, `${timeoutSeconds}s`, `must not exceed '${prop}.period' (${periodSeconds}s):`
      + ' a probe still waiting when the next one is due hides a hung endpoint for longer than the period says');
  }
  return {
    httpGet,
    initialDelaySeconds,
    periodSeconds,
    timeoutSeconds,
    failureThreshold: checkInt32(scope, `${prop}.failureThreshold`, checkInteger(scope, `${prop}.failureThreshold`,
      checkNumber(scope, `${prop}.failureThreshold`, options.failureThreshold ?? DEFAULT_FAILURE_THRESHOLD), 1)),
    successThreshold: 1,
  };
}

function startupProbe(scope: IConstruct, options: StartupProbeOptions, livenessPath: string, portName: string): k8s.Probe {
  checkKnownKeys(scope, 'startupProbe', options, ['path', 'period', 'window'], "{ window: Duration.minutes(2) }");
  checkNoNulls(scope, options, { prefix: 'startupProbe' });
  const period = checkDuration(scope, 'startupProbe.period', options.period ?? DEFAULT_STARTUP_PERIOD, { maxSeconds: 3600 });
  const window = checkDuration(scope, 'startupProbe.window', options.window ?? DEFAULT_STARTUP_WINDOW, { example: 'e.g. Duration.minutes(2)' });
  if (Math.ceil(window / period) > 2147483647) {
    throw invalidProp(scope, 'startupProbe.window', `${window}s`, `must be at most 2147483647 probe periods (${period}s each): the failure threshold is a 32-bit integer`);
  }
  if (window < period) {
    throw invalidProp(scope, 'startupProbe.window', `${window}s`, `must be at least the probe period (${period}s)`);
  }
  return {
    httpGet: { path: checkPublicHttpPath(scope, 'startupProbe.path', options.path ?? livenessPath), port: k8s.IntOrString.fromString(portName) },
    periodSeconds: period,
    timeoutSeconds: DEFAULT_TIMEOUT.toSeconds(),
    failureThreshold: Math.ceil(window / period),
    successThreshold: 1,
  };
}
