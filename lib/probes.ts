import { Duration } from 'cdk8s';

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
