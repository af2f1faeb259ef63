import { Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import { promDuration } from './promql';
import { checkDuration } from './validation';

/** A duration as Go and the controllers write it (hours at most; Go has no "d"): "48h", "5m", "90s". */
export function goDuration(duration: Duration): string {
  const seconds = duration.toSeconds();
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}

/**
 * The whole seconds of a Duration that must have no fraction (a PromQL range, a scrape interval);
 * otherwise the usual prop error, with `example` as the hint. See {@link checkDuration}.
 */
export function checkWholeSeconds(scope: IConstruct, prop: string, duration: Duration, example = 'e.g. Duration.seconds(15)'): number {
  return checkDuration(scope, prop, duration, { example });
}

/** A Duration as a Prometheus duration ("15s", "5m", "30d"); a zero or fractional number of seconds is an error. */
export function checkedDuration(scope: IConstruct, prop: string, duration: Duration): string {
  return promDuration(checkWholeSeconds(scope, prop, duration));
}
