import { stringify } from 'yaml';

/**
 * One Kubernetes object as a YAML document that YAML 1.2 readers (kustomize, this library) and
 * YAML 1.1 readers (kubectl's `-f`, go-yaml v2, PyYAML) read as the same object: a string that
 * either would read as something else (`Off`, `yes`, `0o14`, `012`) is quoted.
 */
export function toYaml(object: unknown): string {
  return stringify(object, { lineWidth: 0, compat: 'yaml-1.1' });
}
