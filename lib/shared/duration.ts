import { Duration } from 'cdk8s';

/** A duration as Go, Prometheus and the controllers write it: "48h", "5m", "90s". */
export function goDuration(duration: Duration): string {
  const seconds = duration.toSeconds();
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}m`;
  return `${seconds}s`;
}
