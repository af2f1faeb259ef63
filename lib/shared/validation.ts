import { IConstruct } from 'constructs';
import { invalidProp } from './errors';

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const LABEL_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const DIGEST = /@sha256:[a-f0-9]{64}$/;

/** A name that Kubernetes accepts for a Service, a Namespace or a label value: a DNS-1123 label. */
export function checkDnsLabel(scope: IConstruct, prop: string, value: string): string {
  if (!DNS_1123_LABEL.test(value) || value.length > 63) {
    throw invalidProp(scope, prop, value,
      'must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit');
  }
  return value;
}

/** An integer in [min, max]; `unit` is added to the message where it helps. */
export function checkInteger(scope: IConstruct, prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw invalidProp(scope, prop, value, `must be an integer ${range}`);
  }
  return value;
}

/** A TCP/UDP port number. */
export function checkPort(scope: IConstruct, prop: string, value: number): number {
  return checkInteger(scope, prop, value, 1, 65535);
}

/** A utilisation target for an autoscaler, in percent. */
export function checkPercent(scope: IConstruct, prop: string, value: number): number {
  return checkInteger(scope, prop, value, 1, 100);
}

/** An HTTP path as probes and scrapers use it. */
export function checkHttpPath(scope: IConstruct, prop: string, value: string): string {
  if (!value.startsWith('/') || /\s/.test(value)) {
    throw invalidProp(scope, prop, value, 'must be an absolute HTTP path starting with "/" and without spaces, e.g. "/health"');
  }
  return value;
}

/**
 * An image reference pinned to a version: a tag other than `latest`, or a sha256 digest.
 * A floating tag makes the same commit deploy different code on different days.
 */
export function checkPinnedImage(scope: IConstruct, prop: string, image: string): string {
  if (DIGEST.test(image)) return image;
  const lastSegment = image.split('/').pop() ?? '';
  const tagAt = lastSegment.lastIndexOf(':');
  const tag = tagAt === -1 ? '' : lastSegment.slice(tagAt + 1);
  if (tag === '' || tag === 'latest' || /\s/.test(image)) {
    throw invalidProp(scope, prop, image,
      "must be pinned: a version tag other than 'latest' (registry/fintech/service:1.4.2) or a digest (...@sha256:<64 hex>)");
  }
  return image;
}

/** Throws when the same value appears twice in a list that must be unique. */
export function checkUnique<T>(scope: IConstruct, prop: string, values: readonly T[]): void {
  const seen = new Set<T>();
  for (const value of values) {
    if (seen.has(value)) {
      throw invalidProp(scope, prop, value, `appears more than once in [${values.join(', ')}]; each must be unique`);
    }
    seen.add(value);
  }
}

/** Kubernetes label keys and values (values: at most 63 alphanumerics, "-", "_", "."). */
export function checkLabels(scope: IConstruct, prop: string, labels: Record<string, string>): Record<string, string> {
  for (const [key, value] of Object.entries(labels)) {
    if (!LABEL_KEY.test(key)) throw invalidProp(scope, `${prop}`, key, 'must be a label key such as "track" or "example.com/track"');
    if (value.length > 63 || !LABEL_VALUE.test(value)) {
      throw invalidProp(scope, `${prop}.${key}`, value, 'must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit');
    }
  }
  return labels;
}
