import { IConstruct } from 'constructs';
import { describeSecret, kindOf, secretKind } from './secrets';

/**
 * The error every construct throws for a bad prop: it names the construct's type and path,
 * the prop, the value received and what would be valid, so the fix is obvious from the message.
 * A value that looks like a credential is shown by its kind and length only.
 *
 * @example FintechService 'production/payments/payments': 'replicas' (0) is invalid: must be an integer of at least 1
 */
export function invalidProp(scope: IConstruct, prop: string, value: unknown, expectation: string): Error {
  return invalidPropAt(constructLabel(scope), prop, value, expectation);
}

/** {@link invalidProp} for a construct that does not exist yet (its scope or id is what is wrong), named by `label`. */
export function invalidPropAt(label: string, prop: string, value: unknown, expectation: string): Error {
  return new Error(`${label}: '${prop}' (${describeValue(value)}) is invalid: ${expectation}`);
}

/**
 * The same error for a prop whose value may be a secret (a password given as a string, a webhook
 * URL): the message says what kind of value it was ("a string of 64 characters"), never the value.
 */
export function invalidSecretProp(scope: IConstruct, prop: string, value: unknown, expectation: string): Error {
  return new Error(`${constructLabel(scope)}: '${prop}' (${describeSecret(value)}) is invalid: ${expectation}`);
}

/**
 * The error of a function a consumer calls (`synthesizeFolders`, `writeOutput`), which has no
 * construct: it names the function, the argument, the value received and what would be valid.
 *
 * @example writeOutput: 'files' ([]) is invalid: must list at least one file
 */
export function invalidArgument(fn: string, argument: string, value: unknown, expectation: string): Error {
  return new Error(`${fn}: '${argument}' (${describeValue(value)}) is invalid: ${expectation}`);
}

/** The same for an argument whose value may be a secret: the message says only what kind of value it was. */
export function invalidSecretArgument(fn: string, argument: string, value: unknown, expectation: string): Error {
  return new Error(`${fn}: '${argument}' (${describeSecret(value)}) is invalid: ${expectation}`);
}

/** `FintechService 'production/payments/payments'`: the construct's type and path. */
export function constructLabel(scope: IConstruct): string {
  return `${scope.constructor.name} '${scope.node.path}'`;
}

/**
 * A value as a message shows it: strings quoted, numbers (NaN too) as written, plain objects and
 * arrays as JSON, class instances by their class ("a Duration"); secret-looking strings, also
 * inside objects, by kind and length only.
 */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return secretKind(value) ? describeSecret(value) : JSON.stringify(value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null || value === undefined) return String(value);
  if (typeof value === 'bigint') return `${value}n`;
  if (typeof value !== 'object') return kindOf(value);
  const prototype = Object.getPrototypeOf(value);
  if (!Array.isArray(value) && prototype !== Object.prototype && prototype !== null) return kindOf(value);
  try {
    return JSON.stringify(value, (_key, v: unknown) => (typeof v === 'string' && secretKind(v) ? `<${describeSecret(v)}>` : v)) ?? kindOf(value);
  } catch {
    return kindOf(value);
  }
}
