import { IConstruct } from 'constructs';

/**
 * The error every construct throws for a bad prop: it names the construct's type and path,
 * the prop, the value received and what would be valid, so the fix is obvious from the message.
 *
 * @example FintechService 'production/payments/payments': 'replicas' (0) is invalid: must be an integer of at least 1
 */
export function invalidProp(scope: IConstruct, prop: string, value: unknown, expectation: string): Error {
  return new Error(`${constructLabel(scope)}: '${prop}' (${describe(value)}) is invalid: ${expectation}`);
}

/** `FintechService 'production/payments/payments'`: the construct's type and path. */
export function constructLabel(scope: IConstruct): string {
  return `${scope.constructor.name} '${scope.node.path}'`;
}

function describe(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === undefined) return 'undefined';
  return JSON.stringify(value) ?? String(value);
}
