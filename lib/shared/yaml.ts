import { Document, ScalarTag, stringify } from 'yaml';

/**
 * Plain scalars that a YAML 1.1 reader does not read as strings: the YAML 1.1 schema's tags
 * (`Off`, `yes`, `012`, `1_000`, timestamps), plus its `=` value key, which PyYAML refuses
 * outright. A string that one of them would match is written quoted.
 */
const YAML_1_1_NON_STRINGS: readonly ScalarTag[] = [
  ...(new Document(null, { version: '1.1' }).schema.tags as ScalarTag[]),
  { tag: 'tag:yaml.org,2002:value', default: true, test: /^=$/, resolve: (value: string) => value },
];

/**
 * One Kubernetes object as a YAML document that YAML 1.2 readers (kustomize, this library) and
 * YAML 1.1 readers (kubectl's `-f`, go-yaml v2, PyYAML) read as the same object: a string that
 * either would read as something else (`Off`, `yes`, `0o14`, `012`, `=`) is quoted.
 */
export function toYaml(object: unknown): string {
  return stringify(object, { lineWidth: 0, compat: YAML_1_1_NON_STRINGS as ScalarTag[] });
}
