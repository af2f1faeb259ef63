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
  return invalidPropAt(constructLabel(scope), reportedProp(scope, prop), value, expectation);
}

/** The constructs that another construct builds from its own props, with that construct and its names for their props. */
const REPORTERS = new WeakMap<IConstruct, { readonly owner: IConstruct; readonly props: Readonly<Record<string, string>> }>();

/**
 * Errors about `part`, which `owner` builds from its own props (a CanaryRollout's FintechService),
 * name `owner` and its props from then on: `props` maps a prop of `part` (and the options under it)
 * to the name `owner` gives it (`image` to `canaryImage`); other props keep their names.
 */
export function reportErrorsAs(part: IConstruct, owner: IConstruct, props: Readonly<Record<string, string>> = {}): void {
  REPORTERS.set(part, { owner, props });
}

function reportedProp(scope: IConstruct, prop: string): string {
  const renamed = REPORTERS.get(scope)?.props ?? {};
  const head = Object.keys(renamed).find((p) => prop === p || prop.startsWith(`${p}.`) || prop.startsWith(`${p}[`));
  return head === undefined ? prop : renamed[head] + prop.slice(head.length);
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
  return new Error(`${constructLabel(scope)}: '${reportedProp(scope, prop)}' (${describeSecret(value)}) is invalid: ${expectation}`);
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
  const reporter = REPORTERS.get(scope)?.owner ?? scope;
  return `${reporter.constructor.name} '${reporter.node.path}'`;
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
