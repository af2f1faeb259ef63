/**
 * Labels in one place. Selector labels are built only from the service's name: never from a
 * version, a track or a construct path, because a Deployment's selector is immutable and a
 * rename of the construct must not replace the workload.
 */

/** Names the service an object belongs to; the one selector label. */
export const NAME_LABEL = 'app.kubernetes.io/name';

/** The release of the image an object goes with; left off objects that do not change with a release. */
export const VERSION_LABEL = 'app.kubernetes.io/version';

/** Tells a service's own objects from others that carry its name (a canary's extra Services). */
export const COMPONENT_LABEL = 'app.kubernetes.io/component';

/** The labels that select a service's pods. Stable for the lifetime of the service. */
export function selectorLabels(serviceName: string): Record<string, string> {
  return { [NAME_LABEL]: serviceName };
}

/** The labels every object of a service carries: the selector labels plus descriptive ones. */
export function serviceLabels(serviceName: string, version: string): Record<string, string> {
  return {
    ...selectorLabels(serviceName),
    'app': serviceName,
    'app.kubernetes.io/instance': serviceName,
    [VERSION_LABEL]: version,
    [COMPONENT_LABEL]: 'microservice',
    'app.kubernetes.io/part-of': 'fintech-platform',
    'app.kubernetes.io/managed-by': 'cdk8s-fintech',
  };
}

/** The version of an image reference (its tag, or the digest's first 12 hex characters). */
export function imageVersion(image: string): string {
  const digest = image.match(/@sha256:([a-f0-9]{12})/);
  if (digest) return `sha256-${digest[1]}`;
  const lastSegment = image.split('/').pop() ?? image;
  return lastSegment.slice(lastSegment.lastIndexOf(':') + 1);
}
