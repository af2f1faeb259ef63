import { isIPv4, isIPv6 } from 'net';
import { ApiObject, Chart, Cron, Duration, Size, SizeRoundingBehavior } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { Construct, IConstruct } from 'constructs';
import { cronIntervals, CronIntervals, CronSyntaxError, humanSeconds, parseCron } from '../backup/cron';
import { ExternalSecretSource, malformedSecretKeyRefOptions, SecretKeyRef, SecretStoreKind, SecretStoreRef } from '../secret-key-ref';
import { DEFAULT_NAMESPACE } from './defaults';
import { apiGroupOf, isClusterScoped } from './kinds';
import { constructLabel, describeValue, invalidArgument, invalidProp, invalidPropAt, invalidSecretArgument, invalidSecretProp } from './errors';
import { isQuantity, parseQuantity } from './quantity';
import { imageVersion } from './labels';
import { describeSecret, kindOf, secretKind } from './secrets';

/**
 * The checks of every public input, one function per rule. Each takes the construct that reports
 * the error, the prop's path as the user wrote it (`quota.limitsCpu`) and the value, and returns
 * the value checked and typed, or throws {@link invalidProp}'s error naming all three and what is
 * valid. The type checks come first, so a JavaScript caller passing a string for a number gets
 * "must be a number, not a string", never a TypeError.
 */

export { describeSecret, secretKind } from './secrets';

const DNS_1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const LABEL_NAME = /^[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?$/;
const SECRET_KEY = /^[-._a-zA-Z0-9]+$/;
const DIGEST = /@sha256:[a-f0-9]{64}$/;

const NAMES_ARE_PUBLIC = 'names are readable by anyone who can list the objects; keep secrets in a Secret';
const DNS_LABEL_RULE = 'must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit';
const DNS_SUBDOMAIN_RULE = 'must be a DNS-1123 subdomain: at most 253 characters in dot-separated DNS-1123 labels'
  + ' (lowercase letters, digits or "-", each starting and ending with a letter or digit)';

// ---------------------------------------------------------------------------------------------
// JavaScript types

/** "must be a string, not a number", with an example when one helps. */
function typeMismatch(expected: string, value: unknown, example?: string): string {
  return `must be ${expected}, not ${kindOf(value)}${example ? `, e.g. ${example}` : ''}`;
}

/** A value that must be given: not undefined, null or NaN. */
export function checkRequired<T>(scope: IConstruct, prop: string, value: T | null | undefined, expected: string, example?: string): T {
  if (value === undefined || value === null || (typeof value === 'number' && Number.isNaN(value))) {
    throw invalidProp(scope, prop, value, typeMismatch(expected, value, example));
  }
  return value;
}

/** A string; empty only with `allowEmpty`. */
export function checkString(scope: IConstruct, prop: string, value: unknown, options: { example?: string; allowEmpty?: boolean } = {}): string {
  if (typeof value !== 'string') throw invalidProp(scope, prop, value, typeMismatch('a string', value, options.example));
  if (value === '' && !options.allowEmpty) throw invalidProp(scope, prop, value, `must not be empty${options.example ? `, e.g. ${options.example}` : ''}`);
  return value;
}

/** A finite number (not NaN, not Infinity, not a numeric string). */
export function checkNumber(scope: IConstruct, prop: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw invalidProp(scope, prop, value, typeMismatch('a finite number', value));
  return value;
}

/** `true` or `false` (not "true"). */
export function checkBoolean(scope: IConstruct, prop: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw invalidProp(scope, prop, value, typeMismatch('a boolean (true or false)', value));
  return value;
}

/** An array (a single value where a list is expected is an error, not a list of one). */
export function checkArray<T = unknown>(scope: IConstruct, prop: string, value: unknown, example?: string): readonly T[] {
  if (!Array.isArray(value)) throw invalidProp(scope, prop, value, typeMismatch('an array', value, example));
  return value as T[];
}

/** A plain object of named values (not an array, not null, not a class instance). */
export function checkRecord<T = unknown>(scope: IConstruct, prop: string, value: unknown, example?: string): Readonly<Record<string, T>> {
  const prototype = value !== null && typeof value === 'object' ? Object.getPrototypeOf(value) : undefined;
  if (Array.isArray(value) || (prototype !== Object.prototype && prototype !== null)) {
    throw invalidProp(scope, prop, value, typeMismatch('an object', value, example));
  }
  return value as Record<string, T>;
}

/** A class, also one with a private constructor that only its factories call. */
export type ClassOf<T> = Function & { readonly prototype: T };

/** An instance of `type` (a `Duration`, a `NetworkPeer`, ...), made with its factories. */
export function checkInstance<T>(scope: IConstruct, prop: string, value: unknown, type: ClassOf<T>, example: string): T {
  if (!(value instanceof type)) throw invalidProp(scope, prop, value, typeMismatch(`${/^[AEIOU]/.test(type.name) ? 'an' : 'a'} ${type.name}`, value, example));
  return value as T;
}

/**
 * What a value that should be an instance of `type` is, for a message: its kind ("a Chart"), or,
 * when it is an instance of a class of the same name that is not `type`, that it comes from
 * another copy of `packageName` (two versions installed side by side, where `instanceof` fails).
 */
export function kindOfInstance(value: unknown, type: ClassOf<unknown>, packageName: string): string {
  const name = value !== null && typeof value === 'object' ? Object.getPrototypeOf(value)?.constructor?.name : undefined;
  if (name !== type.name || value instanceof type) return kindOf(value);
  return `${kindOf(value)} of another copy of ${packageName}: two copies are installed (\`npm ls ${packageName}\`); install one version, shared as a peer dependency`;
}

/**
 * An options object with only the options `known` (a misspelt option would otherwise be ignored
 * without a word). An unknown option's value is never shown: it may be a secret given by mistake.
 */
export function checkKnownKeys(scope: IConstruct, prop: string, value: unknown, known: readonly string[], example?: string): void {
  if (!isOptionsInstance(value, known)) checkRecord(scope, prop, value, example);
  for (const [name, option] of Object.entries(value as object)) {
    if (!known.includes(name)) {
      throw invalidSecretProp(scope, propPath(prop, name), option, `is not a known option; the options are ${known.join(', ')}`);
    }
  }
}

/**
 * An instance of the caller's own class with fields among the options (`class PaymentsProps implements
 * FintechServiceProps { image = '...'; port = 8080 }`): read as the options object it is, its other
 * fields then reported as unknown options. Constructs and instances without such fields (a Map, a Duration) are not.
 */
function isOptionsInstance(value: unknown, known: readonly string[]): boolean {
  if (value === null || typeof value !== 'object' || Array.isArray(value) || Construct.isConstruct(value)) return false;
  return Object.keys(value).some((field) => known.includes(field));
}

/**
 * The `optional` options of `prop` given as null, as a JavaScript caller may write for "the
 * default": refused, since a null would otherwise silently take the default. Errors name
 * `<prop>.<option>`; a required option given as null gets its own check's message.
 */
export function checkNoNullOptions(scope: IConstruct, prop: string, options: unknown, optional: readonly string[]): void {
  if (options === null || typeof options !== 'object') return;
  for (const name of optional) {
    if ((options as Record<string, unknown>)[name] === null) {
      throw invalidProp(scope, propPath(prop, name), null, 'must be left out (undefined) for the default, not null');
    }
  }
}

/** `<prop>.<name>` for a prop named by a user's key; a key that looks like a credential is shown by its length only. */
export function propPath(prop: string, name: string): string {
  return `${prop}.${secretKind(name) ? `<${describeSecret(name)}>` : name}`;
}

/** One of a fixed set of strings, spelled exactly. */
export function checkOneOf<T extends string>(scope: IConstruct, prop: string, value: unknown, allowed: readonly T[], shown?: string): T {
  if (!allowed.includes(value as T)) {
    throw invalidProp(scope, prop, value, `must be one of ${shown ?? allowed.map((a) => JSON.stringify(a)).join(', ')}`);
  }
  return value as T;
}

/** An integer in [min, max]. */
export function checkInteger(scope: IConstruct, prop: string, value: number, min: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(value) || value < min || value > max) {
    const range = max === Number.MAX_SAFE_INTEGER ? `of at least ${min}` : `from ${min} to ${max}`;
    throw invalidProp(scope, prop, value, `must be an integer ${range}`);
  }
  return value;
}

/** Throws when the same value appears twice in a list that must be unique. */
export function checkUnique<T>(scope: IConstruct, prop: string, values: readonly T[]): void {
  const seen = new Set<T>();
  for (const value of values) {
    if (seen.has(value)) {
      throw invalidProp(scope, prop, value, `appears more than once in [${values.map((v) => (secretKind(v) ? `<${describeSecret(v)}>` : String(v))).join(', ')}]; each must be unique`);
    }
    seen.add(value);
  }
}

/**
 * Throws when two items of the list `prop` have the same `field` (their names, their namespaces):
 * the error names the later item's full path (`environments[1].namespace`) and the earlier one.
 */
export function checkUniqueField<T>(scope: IConstruct, prop: string, field: string, values: readonly T[], why?: string): void {
  const first = new Map<T, number>();
  values.forEach((value, i) => {
    const earlier = first.get(value);
    if (earlier !== undefined) {
      throw invalidProp(scope, `${prop}[${i}].${field}`, value, `is also the ${field} of ${prop}[${earlier}]; each must be unique${why ? `: ${why}` : ''}`);
    }
    first.set(value, i);
  });
}

/** Throws when the same item appears twice in the list `prop`: the error names the later item (`encryption.recipients[1]`). */
export function checkUniqueItems<T>(scope: IConstruct, prop: string, values: readonly T[]): void {
  const first = new Map<T, number>();
  values.forEach((value, i) => {
    const earlier = first.get(value);
    if (earlier !== undefined) throw invalidProp(scope, `${prop}[${i}]`, value, `is also ${prop}[${earlier}]; each must be unique`);
    first.set(value, i);
  });
}

// ---------------------------------------------------------------------------------------------
// Names and labels

/** Room a name must leave for what is appended to it (`-backup-verify`), and the limit that then applies. */
export interface NameOptions {
  /** The longest suffix added to the name to form another object's name. @default "" */
  readonly suffix?: string;
  /** A prefix added to the name to form another object's name (`prometheus-`). @default "" */
  readonly prefix?: string;
  /** The longest the name with its suffix may be (a CronJob's name: 52). @default 63, or 253 for a subdomain */
  readonly maxLength?: number;
  /** The name also names a Service, whose name is a DNS-1035 label: it must start with a letter. @default false */
  readonly startsWithLetter?: boolean;
}

/** A DNS-1123 label given as the argument `arg` of the function `fn` (no construct). */
export function checkDnsLabelArgument(fn: string, arg: string, value: unknown): string {
  if (typeof value !== 'string' || !DNS_1123_LABEL.test(value) || value.length > 63) throw invalidArgument(fn, arg, value, DNS_LABEL_RULE);
  return value;
}

/** A name that Kubernetes accepts for a Service, a Namespace or a label value: a DNS-1123 label. */
export function checkDnsLabel(scope: IConstruct, prop: string, value: string, options: NameOptions = {}): string {
  if (typeof value !== 'string') throw invalidProp(scope, prop, value, `${typeMismatch('a string', value)}; a DNS-1123 label such as "payments"`);
  if (!DNS_1123_LABEL.test(value) || value.length > 63) throw invalidProp(scope, prop, value, DNS_LABEL_RULE);
  checkNotSecret(scope, prop, value, NAMES_ARE_PUBLIC);
  if (options.startsWithLetter && !/^[a-z]/.test(value)) {
    throw invalidProp(scope, prop, value, 'must start with a letter: it names a Service, whose name is a DNS-1035 label (e.g. "payments-v2" rather than "2-payments")');
  }
  return checkNameBudget(scope, prop, value, options, 63);
}

/** A DNS-1123 subdomain (most object names: ConfigMaps, Secrets, Ingress classes): dot-separated labels, at most 253 characters. */
export function checkDnsSubdomain(scope: IConstruct, prop: string, value: string, options: NameOptions = {}): string {
  if (typeof value !== 'string') throw invalidProp(scope, prop, value, `${typeMismatch('a string', value)}; a DNS-1123 subdomain such as "payments-tls"`);
  if (!isDnsSubdomain(value)) throw invalidProp(scope, prop, value, DNS_SUBDOMAIN_RULE);
  checkNotSecret(scope, prop, value, NAMES_ARE_PUBLIC);
  return checkNameBudget(scope, prop, value, options, 253);
}

function isDnsSubdomain(value: string): boolean {
  return value.length <= 253 && value.split('.').every((label) => label.length <= 63 && DNS_1123_LABEL.test(label));
}

function checkNameBudget(scope: IConstruct, prop: string, value: string, options: NameOptions, defaultMax: number): string {
  const limit = options.maxLength ?? defaultMax;
  const suffix = options.suffix ?? '';
  const prefix = options.prefix ?? '';
  if (prefix.length + value.length + suffix.length > limit) {
    const budget = limit - prefix.length - suffix.length;
    throw invalidProp(scope, prop, value, suffix || prefix
      ? `must have at most ${budget} characters, so that ${describeValue(prefix + value + suffix)} is a valid name (at most ${limit})`
      : `must have at most ${limit} characters`);
  }
  return value;
}

/** A label key: an optional DNS subdomain prefix and "/", then a name of at most 63 characters. */
export function checkLabelKey(scope: IConstruct, prop: string, key: string): string {
  const slash = typeof key === 'string' ? key.indexOf('/') : -1;
  const prefix = slash === -1 ? undefined : key.slice(0, slash);
  const name = typeof key === 'string' ? key.slice(slash + 1) : '';
  if (typeof key !== 'string' || (prefix !== undefined && !isDnsSubdomain(prefix)) || name.length > 63 || !LABEL_NAME.test(name)) {
    throw invalidProp(scope, prop, key, 'must be a label key such as "track" or "example.com/track": an optional DNS subdomain prefix'
      + ' (at most 253 characters) and "/", then a name of at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit');
  }
  return checkNotSecret(scope, prop, key, 'labels are readable by anyone who can list the object; keep secrets in a Secret');
}

/** A label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit; may be empty. */
export function checkLabelValue(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string') throw invalidProp(scope, prop, value, `${typeMismatch('a string', value)}; label values are strings, e.g. "3" rather than 3`);
  if (value.length > 63 || !LABEL_VALUE.test(value)) {
    throw invalidProp(scope, prop, value, 'must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit');
  }
  return checkNotSecret(scope, prop, value, 'labels are readable by anyone who can list the object; keep secrets in a Secret');
}

/** Kubernetes label keys and values; errors name `<prop>` for a key and `<prop>.<key>` for a value. */
export function checkLabels(scope: IConstruct, prop: string, labels: Record<string, string>): Record<string, string> {
  checkRecord(scope, prop, labels, '{ team: "payments" }');
  for (const [key, value] of Object.entries(labels)) {
    checkLabelKey(scope, prop, key);
    checkLabelValue(scope, `${prop}.${key}`, value);
  }
  return labels;
}

// ---------------------------------------------------------------------------------------------
// Network

const PORT_NAME_RULE = 'must be a port name (IANA service name): at most 15 lowercase letters, digits and "-", with at least one letter,'
  + ' starting and ending with a letter or digit, without "--"';

/** A container or Service port's name, as Kubernetes checks it (IANA_SVC_NAME): "http", "grpc-web", "metrics". */
export function checkPortName(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string') throw invalidProp(scope, prop, value, `${typeMismatch('a string', value)}; a port name such as "http"`);
  if (value.length > 15 || !DNS_1123_LABEL.test(value) || !/[a-z]/.test(value) || value.includes('--')) {
    throw invalidProp(scope, prop, value, PORT_NAME_RULE);
  }
  return value;
}

/** A host name as an Ingress rule or TLS entry takes it: a DNS-1123 subdomain, optionally starting with "*.", not an IP address. */
export function checkHostname(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string') throw invalidProp(scope, prop, value, `${typeMismatch('a string', value)}; a host name such as "api.fintech.example.com"`);
  checkNoUserInfo(scope, prop, value, 'a host name has no user name or password; keep credentials in a Secret');
  const name = value.startsWith('*.') ? value.slice(2) : value;
  if (!isDnsSubdomain(name) || name === '' || isIPv4(name)) {
    throw invalidProp(scope, prop, value,
      'must be a host name: lowercase DNS labels separated by ".", optionally starting with "*." (e.g. "api.fintech.example.com"), not an IP address');
  }
  return value;
}

/** A TCP/UDP port number: an integer from 1 to 65535 (not a string). */
export function checkPort(scope: IConstruct, prop: string, value: number): number {
  return checkInteger(scope, prop, value, 1, 65535);
}

/**
 * A port a container of this library listens on: {@link checkPort}, and 1024 or above, since the
 * container runs as a user without capabilities, which containerd 1.x and CRI-O do not let bind a
 * lower port (the process would fail to start listening).
 */
export function checkContainerPort(scope: IConstruct, prop: string, value: number): number {
  checkPort(scope, prop, value);
  if (value < 1024) {
    throw invalidProp(scope, prop, value, 'must be from 1024 to 65535: the container runs as a non-root user without capabilities, which most container'
      + ' runtimes (containerd 1.x, CRI-O) do not let listen below 1024; listen on e.g. 8080 and give the Service the low port (servicePort: 80)');
  }
  return value;
}

/** The protocols a Service or NetworkPolicy port may have. */
export type PortProtocol = 'TCP' | 'UDP' | 'SCTP';

/** "TCP", "UDP" or "SCTP", in capitals as Kubernetes spells them. */
export function checkProtocol(scope: IConstruct, prop: string, value: string): PortProtocol {
  return checkOneOf<PortProtocol>(scope, prop, value, ['TCP', 'UDP', 'SCTP'], '"TCP", "UDP" or "SCTP" (in capitals)');
}

/**
 * An IPv4 or IPv6 CIDR with its prefix length ("10.0.0.0/8", "10.1.2.3/32", "fd00::/8"): no
 * zone, no leading zeros, no bits set after the prefix (Kubernetes' strict form).
 */
export function checkCidr(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string') throw invalidProp(scope, prop, value, typeMismatch('a string', value, '"10.0.0.0/8"'));
  const [address, length, ...rest] = value.split('/');
  const v4 = isIPv4(address);
  const v6 = !v4 && isIPv6(address) && !address.includes('%');
  if (!v4 && !v6 || rest.length > 0) {
    throw invalidProp(scope, prop, value, 'must be an IPv4 or IPv6 CIDR: an address, "/" and a prefix length, e.g. "10.0.0.0/8" or "fd00::/8"');
  }
  if (length === undefined) {
    throw invalidProp(scope, prop, value, `must have a prefix length, e.g. "${address}/${v4 ? 32 : 128}" for this address alone`);
  }
  const bits = v4 ? 32 : 128;
  if (!/^(0|[1-9][0-9]*)$/.test(length) || Number(length) > bits) {
    throw invalidProp(scope, prop, value, `must have a prefix length from 0 to ${bits} for an ${v4 ? 'IPv4' : 'IPv6'} address`);
  }
  const network = networkAddress(address, Number(length), v4);
  if (network !== addressBits(address, v4)) {
    throw invalidProp(scope, prop, value, `has bits set after its /${length} prefix; the network is "${formatAddress(network, v4)}/${length}"`);
  }
  return value;
}

/** Whether `value` is an IPv4 or IPv6 CIDR with its prefix length (host bits allowed), for arguments that have no construct to report. */
export function isCidr(value: string): boolean {
  const [address, length, ...rest] = value.split('/');
  if (rest.length > 0 || length === undefined || !/^(0|[1-9][0-9]{0,2})$/.test(length)) return false;
  return (isIPv4(address) && Number(length) <= 32) || (isIPv6(address) && !address.includes('%') && Number(length) <= 128);
}

function addressBits(address: string, v4: boolean): bigint {
  if (v4) return address.split('.').reduce((acc, octet) => (acc << 8n) | BigInt(octet), 0n);
  let groups: string[];
  const embedded = address.match(/^(.*:)(\d+\.\d+\.\d+\.\d+)$/);
  const hex = embedded ? `${embedded[1]}${hexPair(embedded[2])}` : address;
  const [head, tail] = hex.split('::');
  if (tail === undefined) {
    groups = head.split(':');
  } else {
    const h = head ? head.split(':') : [];
    const t = tail ? tail.split(':') : [];
    groups = [...h, ...Array<string>(8 - h.length - t.length).fill('0'), ...t];
  }
  return groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n);
}

function hexPair(ipv4: string): string {
  const [a, b, c, d] = ipv4.split('.').map(Number);
  return `${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
}

function networkAddress(address: string, length: number, v4: boolean): bigint {
  const bits = BigInt(v4 ? 32 : 128);
  const hostBits = bits - BigInt(length);
  return (addressBits(address, v4) >> hostBits) << hostBits;
}

function formatAddress(bits: bigint, v4: boolean): string {
  if (v4) return [24n, 16n, 8n, 0n].map((shift) => String((bits >> shift) & 255n)).join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bits >> BigInt(112 - 16 * i)) & 0xffffn).toString(16));
  // The longest run of zero groups becomes "::".
  let best = { start: -1, length: 0 };
  for (let i = 0; i < 8;) {
    let j = i;
    while (j < 8 && groups[j] === '0') j++;
    if (j - i > best.length && j - i > 1) best = { start: i, length: j - i };
    i = j === i ? i + 1 : j;
  }
  if (best.start === -1) return groups.join(':');
  return `${groups.slice(0, best.start).join(':')}::${groups.slice(best.start + best.length).join(':')}`;
}

/** An absolute URL with one of `schemes`, without credentials in it. */
export interface UrlOptions {
  /** @default ["https", "http"] */
  readonly schemes?: readonly string[];
  /** Shown in the message. @default "https://example.com/path" */
  readonly example?: string;
}

/** An absolute URL: a scheme from `schemes`, a host, no spaces and no `user:password@`. */
export function checkUrl(scope: IConstruct, prop: string, value: string, options: UrlOptions = {}): string {
  const schemes = options.schemes ?? ['https', 'http'];
  const example = options.example ?? `${schemes[0]}://example.com/path`;
  if (typeof value !== 'string') throw invalidProp(scope, prop, value, typeMismatch('a string', value, `"${example}"`));
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url && (url.username || url.password)) {
    throw invalidSecretProp(scope, prop, value, 'must not contain credentials ("user:password@"): secret values never go into manifests; reference them from a Secret');
  }
  const schemeList = schemes.map((s) => `${s}://`).join(' or ');
  if (!url || /\s/.test(value) || !schemes.includes(url.protocol.slice(0, -1)) || url.host === '') {
    throw invalidProp(scope, prop, value, `must be an absolute URL starting with ${schemeList}, e.g. "${example}"`);
  }
  return value;
}

/**
 * A URL that paths are appended to (`<base>/<page>`): {@link checkUrl}'s rules, and no query or
 * fragment, after which an appended path would land in the query or fragment and every link break.
 */
export function checkBaseUrl(scope: IConstruct, prop: string, value: string, options: UrlOptions = {}): string {
  checkUrl(scope, prop, value, options);
  if (/[?#]/.test(value)) {
    throw invalidProp(scope, prop, value, `must not have a query ("?") or fragment ("#"): a path is appended to it for each link, e.g. "${options.example ?? 'https://example.com/path'}"`);
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Secrets

/** Names of settings that hold credentials: PASSWORD, SECRET, TOKEN, API_KEY, ACCESS_KEY, CREDENTIALS, SAS, AUTH, ... */
const CREDENTIAL_NAME = /PASS|SECRET|TOKEN|BEARER|CREDENTIAL|AUTH|(^|[_-])SAS($|[_-])|(^|[_-])KEY($|[_-])|(API|PRIVATE|ACCESS|ACCOUNT|SIGNING|ENCRYPTION|MASTER)[_-]?KEY/i;

/** Whether a setting's name says it holds a credential (`DB_PASSWORD`, `api_key`, `sas_url`). */
export function isCredentialName(name: string): boolean {
  return CREDENTIAL_NAME.test(name);
}

/**
 * The name of a plain (non-secret) setting, an environment variable or an option: one that says it
 * holds a credential is refused, whatever its value. The message shows the name, never the value.
 */
export function checkNotCredentialName(scope: IConstruct, prop: string, name: string, remedy: string): string {
  if (isCredentialName(name)) {
    throw invalidProp(scope, prop, name, `looks like a credential, and secret values never go into manifests: ${remedy}`);
  }
  return name;
}

/**
 * A configuration value that must not be a credential (a URL with a password, a known token, a
 * long random string). The message says what it looked like and its length, never the value.
 */
export function checkNotSecret(scope: IConstruct, prop: string, value: string, remedy = 'reference a Secret with SecretKeyRef.of(secretName, key)'): string {
  const kind = secretKind(value);
  if (kind) {
    throw invalidSecretProp(scope, prop, value, `looks like a credential (${kind}), and secret values never go into manifests: ${remedy}`);
  }
  return value;
}

/**
 * Whether a value given where a Secret's name or key goes has a character that no name has (only
 * letters, digits, ".", "_", "-" and spaces are shown): it may be the secret itself, given by mistake,
 * and is then shown by its length only.
 */
function mayBeSecretValue(value: unknown): boolean {
  return typeof value === 'string' && /[^A-Za-z0-9._ -]/.test(value);
}

/** The name of a Secret, a DNS-1123 subdomain; a value that may be the secret itself ({@link mayBeSecretValue}) is shown by its length only. */
export function checkSecretName(scope: IConstruct, prop: string, value: string): string {
  if (mayBeSecretValue(value)) throw invalidSecretProp(scope, prop, value, `${DNS_SUBDOMAIN_RULE}; it names the Secret, never holds its value`);
  return checkDnsSubdomain(scope, prop, value);
}

/**
 * A reference to a Secret's key, where a credential is expected: never a value. `what` says what
 * the Secret holds ("the database password"). A string given instead is described by its length only.
 */
export function checkSecretKeyRef(scope: IConstruct, prop: string, value: unknown, what: string): SecretKeyRef {
  const rule = `reference the Secret that holds ${what}; credentials are never accepted as values`;
  if (value === undefined) throw invalidProp(scope, prop, value, `must ${rule}`);
  if (!(value instanceof SecretKeyRef)) {
    throw invalidSecretProp(scope, prop, value, `must be a SecretKeyRef, not ${kindOf(value)}: ${rule}`);
  }
  const malformed = malformedSecretKeyRefOptions(value);
  if (malformed) {
    throw invalidSecretProp(scope, prop, malformed.value, `SecretKeyRef.fromExternalSecret() takes an options object, not ${kindOf(malformed.value)}, e.g. `
      + "SecretKeyRef.fromExternalSecret({ secretName: 'payments-db', key: 'password', store: SecretStoreRef.cluster('vault-backend'), remoteKey: 'fintech/payments-db' })");
  }
  const { secretName, key } = value;
  if (typeof secretName !== 'string' || !isDnsSubdomain(secretName) || secretName === '') {
    throw (mayBeSecretValue(secretName) ? invalidSecretProp : invalidProp)(scope, `${prop}.secretName`, secretName,
      'must be the name of a Secret: lowercase letters, digits, "-" and ".", at most 253 characters, starting and ending with a letter or digit');
  }
  if (typeof key !== 'string' || !SECRET_KEY.test(key) || key.length > 253) {
    throw (mayBeSecretValue(key) ? invalidSecretProp : invalidProp)(scope, `${prop}.key`, key,
      'must be a key of the Secret: letters, digits, "-", "_" and ".", at most 253 characters');
  }
  const hint = 'a SecretKeyRef names where the secret is (SecretKeyRef.of(secretName, key)), never the secret itself';
  checkNotSecret(scope, `${prop}.secretName`, secretName, hint);
  checkNotSecret(scope, `${prop}.key`, key, hint);
  if (value.externalSource !== undefined) checkExternalSecretSource(scope, prop, value.externalSource);
  return value;
}

/** An {@link ExternalSecretSource} checked, with its defaults resolved. */
export interface CheckedExternalSecretSource {
  readonly storeKind: SecretStoreKind;
  readonly storeName: string;
  readonly remoteKey: string;
  /** Undefined: the remote secret's whole value. */
  readonly property?: string;
  readonly refreshSeconds: number;
}

/** The default refresh interval of an ExternalSecret, as the External Secrets Operator's own default. */
export const DEFAULT_EXTERNAL_SECRET_REFRESH = Duration.hours(1);
const EXTERNAL_SECRET_OPTIONS = ['store', 'remoteKey', 'property', 'refreshInterval'];
const REMOTE_NAME_HINT = 'it names where the secret is in the store, never the secret itself';

/**
 * Where the External Secrets Operator reads a SecretKeyRef's value (`SecretKeyRef.fromExternalSecret`):
 * a store made with `SecretStoreRef.cluster()` or `.namespaced()` whose name is a DNS-1123 subdomain,
 * a remote key and an optional property without whitespace, a refresh interval from 1 minute to 24 hours.
 * Errors name `<prop>.store`, `<prop>.remoteKey`, `<prop>.property`, `<prop>.refreshInterval`.
 */
export function checkExternalSecretSource(scope: IConstruct, prop: string, source: ExternalSecretSource): CheckedExternalSecretSource {
  checkKnownKeys(scope, prop, source, EXTERNAL_SECRET_OPTIONS);
  checkNoNulls(scope, source, { prefix: prop, required: ['store', 'remoteKey'] });
  const store = checkInstance(scope, `${prop}.store`, source.store, SecretStoreRef, "SecretStoreRef.cluster('vault-backend')");
  const storeKind = checkOneOf(scope, `${prop}.store.kind`, store.kind, Object.values(SecretStoreKind));
  const storeName = checkDnsSubdomain(scope, `${prop}.store.name`, store.name);
  const remoteKey = checkRemoteName(scope, `${prop}.remoteKey`, source.remoteKey, '"fintech/production/finance-db"');
  const property = source.property === undefined ? undefined : checkRemoteName(scope, `${prop}.property`, source.property, '"password"');
  const refreshSeconds = checkDuration(scope, `${prop}.refreshInterval`, source.refreshInterval ?? DEFAULT_EXTERNAL_SECRET_REFRESH,
    { minSeconds: 60, maxSeconds: 86400, example: 'e.g. Duration.hours(1)' });
  return { storeKind, storeName, remoteKey, property, refreshSeconds };
}

/** A remote key or property: a non-empty string without whitespace or control characters, that does not look like a credential. */
function checkRemoteName(scope: IConstruct, prop: string, value: unknown, example: string): string {
  const name = checkString(scope, prop, value, { example });
  if (/[\s\u0000-\u001f\u007f]/.test(name)) {
    throw invalidProp(scope, prop, name, `must not contain whitespace or control characters, e.g. ${example}`);
  }
  return checkNotSecret(scope, prop, name, REMOTE_NAME_HINT);
}

/** A value given directly or as a Secret reference (`user`, `host`): a non-empty string, or a valid SecretKeyRef. */
export function checkValueOrSecretKeyRef(scope: IConstruct, prop: string, value: unknown, example: string): string | SecretKeyRef {
  if (value instanceof SecretKeyRef) return checkSecretKeyRef(scope, prop, value, 'it');
  if (typeof value !== 'string' || value === '') throw invalidProp(scope, prop, value, `must be a value or a SecretKeyRef, ${example}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Quantities

/** A Kubernetes quantity string ("500m", "2", "512Mi", "1Gi", "1e3"); negative only with `allowNegative`. */
export function checkQuantity(scope: IConstruct, prop: string, value: string, options: { allowNegative?: boolean } = {}): string {
  if (typeof value !== 'string') throw invalidProp(scope, prop, value, typeMismatch('a string', value, '"512Mi"'));
  if (!isQuantity(value)) throw invalidProp(scope, prop, value, 'must be a Kubernetes quantity such as "500m", "2", "512Mi" or "1Gi"');
  if (!options.allowNegative && parseQuantity(value) < 0) throw invalidProp(scope, prop, value, 'must not be negative');
  return value;
}

/** A CPU amount from `Cpu.millis()` or `Cpu.units()`: a whole, positive number of millicores. */
export function checkCpu(scope: IConstruct, prop: string, value: Cpu): Cpu {
  checkInstance(scope, prop, value, Cpu, 'Cpu.millis(500) or Cpu.units(2)');
  const amount = String(value.amount);
  const millis = amount.endsWith('m') ? Number(amount.slice(0, -1)) : Number(amount) * 1000;
  if (!(millis > 0) || !Number.isInteger(millis) || !isQuantity(amount)) {
    throw invalidProp(scope, prop, amount, 'must be a whole, positive number of millicores, e.g. Cpu.millis(500) or Cpu.units(2)');
  }
  return value;
}

/** A memory or storage size from `Size.mebibytes()`, `Size.gibibytes()`...: a whole, positive number of mebibytes. */
export function checkSize(scope: IConstruct, prop: string, value: Size): Size {
  checkInstance(scope, prop, value, Size, 'Size.mebibytes(512) or Size.gibibytes(2)');
  // From JavaScript, Size.mebibytes("512") keeps the string, and cdk8s then compares sizes as strings ("900" > "1000").
  const amount: unknown = (value as unknown as { amount?: unknown }).amount;
  if (typeof amount !== 'number') {
    throw invalidProp(scope, prop, amount, `must be a Size made from a number, not from ${kindOf(amount)}: Size.mebibytes(512) rather than Size.mebibytes("512")`);
  }
  const kibibytes = value.toKibibytes({ rounding: SizeRoundingBehavior.NONE });
  if (!(kibibytes > 0) || !Number.isInteger(kibibytes / 1024) || !Number.isFinite(kibibytes)) {
    throw invalidProp(scope, prop, `${kibibytes}Ki`, 'must be a whole, positive number of mebibytes, e.g. Size.mebibytes(512) or Size.gibibytes(2)');
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Time

/** Bounds of a Duration, in seconds. */
export interface DurationOptions {
  /** 0 allows a zero Duration. @default 1 */
  readonly minSeconds?: number;
  /** @default - no upper bound */
  readonly maxSeconds?: number;
  /** Shown in the message. @default "e.g. Duration.seconds(15)" */
  readonly example?: string;
}

/**
 * A `Duration` (not a string such as "30s") of a whole number of seconds within the bounds; returns
 * the seconds. cdk8s's own errors for fractional seconds never reach the user.
 */
export function checkDuration(scope: IConstruct, prop: string, value: Duration, options: DurationOptions = {}): number {
  const example = options.example ?? 'e.g. Duration.seconds(15)';
  if (!(value instanceof Duration)) {
    throw invalidProp(scope, prop, value, `must be a Duration, not ${kindOf(value)}, ${example}`);
  }
  // From JavaScript, Duration.seconds("15") keeps the string, and cdk8s then converts by concatenation.
  const amount: unknown = (value as unknown as { amount?: unknown }).amount;
  if (typeof amount === 'string') {
    throw invalidProp(scope, prop, amount, `must be a Duration made from a number, not from a string: Duration.seconds(15) rather than Duration.seconds("15"), ${example}`);
  }
  const seconds = value.toSeconds({ integral: false });
  // Zero is a valid value only where the bounds allow it (a stabilization window, an initial delay).
  if (!Number.isInteger(seconds) || seconds < 0 || (seconds === 0 && (options.minSeconds ?? 1) > 0)) {
    throw invalidProp(scope, prop, `${value.toMilliseconds({ integral: false })}ms`, `must be a Duration of a whole, positive number of seconds, ${example}`);
  }
  const min = options.minSeconds ?? 1;
  const max = options.maxSeconds;
  if (seconds < min || (max !== undefined && seconds > max)) {
    const range = max === undefined ? `at least ${humanSeconds(min)}` : `from ${humanSeconds(min)} to ${humanSeconds(max)}`;
    throw invalidProp(scope, prop, humanSeconds(seconds), `must be ${range}`);
  }
  return seconds;
}

/** A checked schedule: its normalised 5-field expression and the shortest and longest time between runs. */
export interface CheckedSchedule {
  readonly expression: string;
  readonly intervals: CronIntervals;
}

const CRON_HINT = 'a schedule is 5 cron fields (minute hour day-of-month month day-of-week), e.g. Cron.schedule({ minute: \'0\', hour: \'2\' }) for "0 2 * * *"';

/** A `Cron` whose expression Kubernetes accepts for a CronJob (5 fields, no macros) and that runs at least once. */
export function checkCron(scope: IConstruct, prop: string, value: Cron): CheckedSchedule {
  if (!(value instanceof Cron)) throw invalidProp(scope, prop, value, `must be a Cron, not ${kindOf(value)}; ${CRON_HINT}`);
  const expression = value.expressionString;
  const kind = secretKind(expression);
  if (kind) throw invalidProp(scope, prop, expression, `looks like a credential (${kind}), not a schedule; ${CRON_HINT}`);
  let intervals: CronIntervals | undefined;
  try {
    intervals = cronIntervals(parseCron(expression));
  } catch (e) {
    if (!(e instanceof CronSyntaxError)) throw e;
    throw invalidProp(scope, prop, expression, `${e.message}; ${CRON_HINT}`);
  }
  if (!intervals) throw invalidProp(scope, prop, expression, 'never runs: no date matches it');
  return { expression: expression.trim().split(/\s+/).join(' '), intervals };
}

let knownTimeZones: Set<string> | undefined;

/**
 * An IANA time zone as the tz database spells it ("Etc/UTC", "Europe/Berlin", "UTC"): Kubernetes
 * (a CronJob's `timeZone`) and Argo CD read the name case-sensitively, while JavaScript's `Intl`
 * accepts any case, so "europe/berlin" would pass here and fail in the cluster.
 */
export function checkTimeZone(scope: IConstruct, prop: string, value: unknown): string {
  const rule = 'must be an IANA time zone name as the tz database spells it (case matters), such as "Etc/UTC" or "Europe/Berlin"';
  const zone = checkString(scope, prop, value, { example: '"Etc/UTC" or "Europe/Berlin"' });
  knownTimeZones ??= new Set(Intl.supportedValuesOf('timeZone'));
  if (knownTimeZones.has(zone)) return zone;
  let resolves: boolean;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    resolves = true;
  } catch {
    resolves = false;
  }
  // Links and aliases ("Etc/UTC", "US/Eastern", "CET") are not listed by Intl; every tz name segment starts with a capital.
  if (!resolves || !zone.split('/').every((segment) => /^[A-Z][A-Za-z0-9_+-]*$/.test(segment))) throw invalidProp(scope, prop, zone, rule);
  return zone;
}

/**
 * A schedule in a time zone with daylight saving time must not fire in a local hour the clocks
 * skip or repeat: the CronJob controller does not run a time the clocks skip (a daily backup is
 * missed once a year) and may run a repeated time twice.
 */
export function checkNoClockChange(scope: IConstruct, prop: string, expression: string, timeZone: string, isDefault = false): void {
  const schedule = parseCron(expression);
  for (const shift of clockChanges(timeZone)) {
    if (!schedule.months.has(shift.month)) continue;
    for (const hour of schedule.hours) {
      for (const minute of schedule.minutes) {
        const at = hour * 60 + minute;
        // A range next to midnight runs past either end of the day.
        if (![at, at - 1440, at + 1440].some((m) => m >= shift.fromMinute && m < shift.toMinute)) continue;
        const clock = (m: number) => {
          const day = ((m % 1440) + 1440) % 1440;
          return `${String(Math.floor(day / 60)).padStart(2, '0')}:${String(day % 60).padStart(2, '0')}`;
        };
        throw invalidProp(scope, prop, expression, `runs at ${clock(at)} in ${timeZone}${isDefault ? ' (the default schedule)' : ''}, which ${shift.skipped ? 'skips' : 'repeats'} ${clock(shift.fromMinute)}-${clock(shift.toMinute)} `
          + `when its clocks change in ${MONTHS[shift.month - 1]}: that day the run is ${shift.skipped ? 'skipped' : 'started twice'}; schedule it outside that hour, or use "Etc/UTC"`);
      }
    }
  }
}

const MONTHS = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];

/** A local time range the clocks of a time zone skip or repeat once a year, as minutes of the day. */
interface ClockChange {
  readonly month: number;
  readonly fromMinute: number;
  readonly toMinute: number;
  readonly skipped: boolean;
}

const clockChangeCache = new Map<string, readonly ClockChange[]>();

/** The clock changes of `timeZone` in the current year (none for a zone without daylight saving time). */
function clockChanges(timeZone: string): readonly ClockChange[] {
  const year = new Date().getUTCFullYear();
  const key = `${timeZone} ${year}`;
  const cached = clockChangeCache.get(key);
  if (cached) return cached;
  const format = new Intl.DateTimeFormat('en-US', {
    timeZone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric',
  });
  const MINUTE = 60_000;
  const local = (t: number) => {
    const parts = Object.fromEntries(format.formatToParts(new Date(t)).map((p) => [p.type, Number(p.value)]));
    return { minutes: (Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute) - t) / MINUTE, month: parts.month };
  };
  const changes: ClockChange[] = [];
  const start = Date.UTC(year, 0, 1);
  const days = (Date.UTC(year + 1, 0, 1) - start) / (1440 * MINUTE);
  for (let day = 0; day < days; day++) {
    let [before, after] = [start + day * 1440 * MINUTE, start + (day + 1) * 1440 * MINUTE];
    const [from, to] = [local(before).minutes, local(after).minutes];
    if (from === to) continue;
    // The minute the offset changes: the first instant with the new offset.
    while (after - before > MINUTE) {
      const middle = before + Math.floor((after - before) / MINUTE / 2) * MINUTE;
      if (local(middle).minutes === from) before = middle;
      else after = middle;
    }
    const wall = (((after / MINUTE + from) % 1440) + 1440) % 1440;
    const month = local(before).month;
    changes.push(to > from
      ? { month, fromMinute: wall, toMinute: wall + (to - from), skipped: true }
      : { month, fromMinute: wall - (from - to), toMinute: wall, skipped: false });
  }
  clockChangeCache.set(key, changes);
  return changes;
}

// ---------------------------------------------------------------------------------------------
// Arguments of the functions a consumer calls (no construct: errors name the function)

/** An array argument of `fn` (a single value where a list is expected is an error, not a list of one). */
export function checkArgumentArray<T = unknown>(fn: string, arg: string, value: unknown, example: string): readonly T[] {
  if (!Array.isArray(value)) throw invalidArgument(fn, arg, value, `${typeMismatch('an array', value)}, e.g. ${example}`);
  return value as T[];
}

/**
 * A name argument of `fn` that ends up in reports and messages (an environment, a folder): a
 * string that does not look like a credential; empty only with `allowEmpty`.
 */
export function checkNameArgument(fn: string, arg: string, value: unknown, example: string, options: { allowEmpty?: boolean } = {}): string {
  if (typeof value !== 'string') throw invalidArgument(fn, arg, value, `${typeMismatch('a string', value)}, e.g. ${example}`);
  if (value === '' && !options.allowEmpty) throw invalidArgument(fn, arg, value, `must not be empty, e.g. ${example}`);
  const secret = secretKind(value);
  if (secret) throw invalidSecretArgument(fn, arg, value, `looks like a credential (${secret}): it is a name written into reports; e.g. ${example}`);
  return value;
}

/**
 * An array argument of parsed Kubernetes objects (`objectsOf(files)`): each a plain object with
 * a string `apiVersion` and `kind`. Output files or YAML text given instead are named as such.
 */
export function checkObjectsArgument(fn: string, arg: string, value: unknown, example = 'objectsOf(files)'): readonly any[] {
  const objects = checkArgumentArray(fn, arg, value, example);
  objects.forEach((object: any, i) => {
    const prototype = object !== null && typeof object === 'object' ? Object.getPrototypeOf(object) : undefined;
    if (prototype !== Object.prototype && prototype !== null || Array.isArray(object)) {
      throw invalidSecretArgument(fn, `${arg}[${i}]`, object,
        `must be a parsed Kubernetes object ({ apiVersion, kind, metadata }), not ${kindOf(object)}: give objectsOf(files)`);
    }
    if (typeof object.apiVersion !== 'string' || typeof object.kind !== 'string') {
      if (typeof object.path === 'string' && typeof object.content === 'string') {
        throw invalidArgument(fn, `${arg}[${i}]`, object.path, 'is an output file, not a Kubernetes object: give the objects of the files, objectsOf(files)');
      }
      throw invalidSecretArgument(fn, `${arg}[${i}]`, object, 'must be a parsed Kubernetes object with a string apiVersion and kind: give objectsOf(files)');
    }
  });
  return objects;
}

// ---------------------------------------------------------------------------------------------
// Paths and images

/** An HTTP path as probes and scrapers use it. */
export function checkHttpPath(scope: IConstruct, prop: string, value: string): string {
  if (typeof value !== 'string' || !value.startsWith('/') || /\s/.test(value)) {
    throw invalidProp(scope, prop, value, 'must be an absolute HTTP path starting with "/" and without spaces, e.g. "/health"');
  }
  return value;
}

/**
 * An image reference pinned to a version: a tag other than `latest`, or a sha256 digest.
 * A floating tag makes the same commit deploy different code on different days.
 */
export function checkPinnedImage(scope: IConstruct, prop: string, image: string): string {
  if (typeof image !== 'string') throw invalidProp(scope, prop, image, typeMismatch('a string', image, '"registry/fintech/service:1.4.2"'));
  checkNoUserInfo(scope, prop, image, 'registry credentials belong in an image pull Secret, never in the image reference');
  if (DIGEST.test(image)) return image;
  const lastSegment = image.split('/').pop() ?? '';
  const tagAt = lastSegment.lastIndexOf(':');
  const tag = tagAt === -1 ? '' : lastSegment.slice(tagAt + 1);
  if (tag === '' || tag === 'latest' || /\s/.test(image) || image.includes('@')) {
    throw invalidProp(scope, prop, image,
      "must be pinned: a version tag other than 'latest' (registry/fintech/service:1.4.2) or a digest (...@sha256:<64 hex>)");
  }
  return image;
}

/** A percentage target for an autoscaler: an integer from 1 to 100. */
export function checkPercent(scope: IConstruct, prop: string, value: number): number {
  return checkInteger(scope, prop, value, 1, 100);
}

/**
 * A percentage that must not be written as a fraction: 0.8 where 80 was meant makes an alert fire
 * at once, or an objective that promises almost nothing. Values from 0 (exclusive) to 1 (exclusive) are refused.
 */
export function checkNotFraction(scope: IConstruct, prop: string, value: number, example: number): number {
  if (typeof value === 'number' && value > 0 && value < 1) {
    throw invalidProp(scope, prop, value, `must be a percentage, not a fraction: ${example} for ${example} %`);
  }
  return value;
}

/** The user and group (never root: 1 or more) a pod runs as; errors name `<prop>.user` and `<prop>.group`. */
export function checkRunAs(scope: IConstruct, prop: string, runAs: { readonly user?: number; readonly group?: number } | undefined): typeof runAs {
  if (runAs === undefined) return undefined;
  checkKnownKeys(scope, prop, runAs, ['user', 'group'], '{ user: 1000, group: 1000 }');
  const id = (at: string, value: number | undefined, min: number) =>
    (value === undefined ? undefined : checkInteger(scope, at, checkNumber(scope, at, value), min, 2147483647));
  if (runAs.group === 0) {
    throw invalidProp(scope, `${prop}.group`, 0, 'must not be 0, the root group: the container would get root\'s group access to the files of its image and volumes;'
      + ' give an unprivileged group, e.g. 1000');
  }
  return { user: id(`${prop}.user`, runAs.user, 1), group: id(`${prop}.group`, runAs.group, 1) };
}

/**
 * A version the Prometheus Operator turns into an image tag ("v3.5.0"): pinned, never "latest"
 * or a floating tag, so the same commit runs the same image on every restart.
 */
export function checkPinnedVersion(scope: IConstruct, prop: string, value: unknown): string {
  if (typeof value !== 'string') throw invalidProp(scope, prop, value, typeMismatch('a string', value, '"v3.5.0"'));
  if (!/^v?\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(value)) {
    throw invalidProp(scope, prop, value, 'must be a pinned version such as "v3.5.0" (major.minor.patch): "latest" or a floating tag runs a different image after each restart');
  }
  return value;
}

// ---------------------------------------------------------------------------------------------
// Constructs, objects and their metadata

/**
 * The id of a construct of class `type` about to be created in `scope`, checked before the
 * construct exists, so that the error names the path it would have had: `scope` must be a Chart
 * or a construct inside one, `id` a non-empty string that no sibling has. Without this check the
 * errors of the constructs library ("There is already a Construct with name ...", "id.replace is
 * not a function") would name neither the prop nor the fix.
 */
export function checkConstructId(scope: unknown, id: unknown, type: string): string {
  const example = `new ${type}(chart, 'payments', { ... })`;
  if (!Construct.isConstruct(scope)) {
    // Without a scope, a JavaScript caller's first argument is usually the id.
    const shown = typeof id === 'string' ? id : typeof scope === 'string' ? scope : '';
    throw invalidPropAt(`${type} '${shown}'`, 'scope', scope,
      `must be a Chart or a construct inside one, not ${kindOf(scope)}: ${example}`);
  }
  const path = (child: string) => `${type} '${scope.node.path ? `${scope.node.path}/` : ''}${child}'`;
  if (typeof id !== 'string' || id === '') {
    throw invalidPropAt(path(''), 'id', id, `${id === '' ? 'must not be empty' : `must be a string, not ${kindOf(id)}`}: ${example}`);
  }
  if (!hasChart(scope)) {
    throw invalidPropAt(path(id), 'scope', scope, `must be a Chart or a construct inside one: the objects of a ${type} are written by a Chart, e.g. ${example}`);
  }
  const sibling = scope.node.tryFindChild(id);
  if (sibling !== undefined) {
    throw invalidPropAt(path(id), 'id', id, `is already the id of ${constructLabel(sibling)}; the constructs of one scope need different ids`);
  }
  return id;
}

function hasChart(scope: IConstruct): boolean {
  return scope.node.scopes.some((c) => Chart.isChart(c));
}

/** Kinds without a namespace: two of one name collide whatever their Charts' namespaces. */
/** The constructs that check their own objects for collisions with {@link checkNoCollidingObjects}. */
const COLLISION_CHECKED = new WeakSet<IConstruct>();

/**
 * Refuses, when the app is synthesized, an object of `owner` whose API group, kind, namespace and
 * name another construct of the app also emits: the API server would keep only one of them. The
 * error names `prop` (the name the objects are derived from) and its `value`. Constructs for which
 * `skip` holds are not compared (they check themselves against every other construct), nor are
 * objects added to a Chart directly (compared when the app is synthesized into folders); of two
 * constructs that both check, the first in the tree reports.
 */
export function checkNoCollidingObjects(owner: IConstruct, prop: string, value: string, remedy: string, skip: (c: IConstruct) => boolean = () => false): void {
  COLLISION_CHECKED.add(owner);
  owner.node.addValidation({ validate: () => collidingObjects(owner, prop, value, remedy, skip) });
}

function collidingObjects(owner: IConstruct, prop: string, value: string, remedy: string, skip: (c: IConstruct) => boolean): string[] {
  const namespaceOf = (o: ApiObject) => (isClusterScoped(apiGroupOf(o.apiVersion), o.kind) ? '' : o.metadata.namespace ?? Chart.of(o).namespace ?? DEFAULT_NAMESPACE);
  const keyOf = (o: ApiObject) => [apiGroupOf(o.apiVersion), o.kind, namespaceOf(o), o.name].join(' ');
  const order = owner.node.root.node.findAll();
  const others = new Map<string, ApiObject>();
  const visit = (c: IConstruct): void => {
    if (c === owner || skip(c)) return;
    // Of two constructs that both check, the one first in the tree reports the pair.
    if (c !== owner.node.root && COLLISION_CHECKED.has(c) && order.indexOf(c) < order.indexOf(owner)) return;
    if (c instanceof ApiObject) {
      if (!others.has(keyOf(c)) && !(c.node.scope instanceof Chart)) others.set(keyOf(c), c);
    } else {
      c.node.children.forEach(visit);
    }
  };
  visit(owner.node.root);
  const own: ApiObject[] = [];
  const collect = (c: IConstruct): void => {
    if (c instanceof ApiObject) own.push(c);
    else if (c === owner || !(COLLISION_CHECKED.has(c) || skip(c))) c.node.children.forEach(collect);
  };
  collect(owner);
  for (const o of own) {
    const other = others.get(keyOf(o));
    if (other) {
      const where = namespaceOf(o) === '' ? '' : ` in namespace '${namespaceOf(o)}'`;
      return [invalidProp(owner, prop, value, `gives the ${o.kind} "${o.name}"${where}, which ${constructLabel(other.node.scope!)} also emits;`
        + ` the API server would keep only one of them: ${remedy}`).message];
    }
  }
  return [];
}

/**
 * The namespace a namespaced construct's objects get from their Chart: a DNS-1123 label, or
 * undefined when the Chart has none. A Chart does not check it, so the first construct in it does.
 */
export function checkChartNamespace(scope: IConstruct): string | undefined {
  const chart = Chart.of(scope);
  const namespace: unknown = chart.namespace;
  if (namespace === undefined) return undefined;
  if (typeof namespace !== 'string' || !DNS_1123_LABEL.test(namespace) || namespace.length > 63) {
    throw invalidProp(scope, 'namespace', namespace, `is the namespace of its Chart '${chart.node.path}', and ${DNS_LABEL_RULE}`);
  }
  return namespace;
}

/**
 * The name of a Service of a namespace: not "kubernetes" in "default", the API server's own
 * Service, which the API server keeps rewriting (and every pod's API calls go through).
 */
export function checkNotApiServerService(scope: IConstruct, prop: string, name: string, namespace: string): string {
  if (name === 'kubernetes' && namespace === 'default') {
    throw invalidProp(scope, prop, name, "is the API server's own Service in namespace 'default'; give the service another name or another namespace");
  }
  return name;
}

/** Where {@link checkNoNulls} looks. */
export interface NoNullsOptions {
  /** The options' own prop (`autoscaling`), before each option's name in messages. @default - the props of the construct */
  readonly prefix?: string;
  /** Props without a default, whose own checks refuse `null`. @default - none */
  readonly required?: readonly string[];
}

/** `null` for an optional prop or option would silently mean its default: it must be left out instead. */
export function checkNoNulls(scope: IConstruct, props: object, options: NoNullsOptions = {}): void {
  for (const [prop, value] of Object.entries(props)) {
    if (value === null && !(options.required ?? []).includes(prop)) {
      throw invalidProp(scope, options.prefix ? `${options.prefix}.${prop}` : prop, null, 'must be left out (undefined) for the default, not null');
    }
  }
}

/**
 * A prop that is given as `undefined` although its key is present: from JavaScript that is
 * usually a misspelt enum member (`DataClassification.Cardholder`), which would silently mean the
 * default. For props whose default is weaker than what was meant, it is refused.
 */
export function checkNotGivenAsUndefined(scope: IConstruct, props: object, prop: string, expected: string): void {
  if (Object.prototype.hasOwnProperty.call(props, prop) && (props as Record<string, unknown>)[prop] === undefined) {
    throw invalidProp(scope, prop, undefined, `must be ${expected}; a misspelt enum member gives undefined: leave the prop out for the default`);
  }
}

/** Labels a caller may not set beside the ones a construct owns (its selector and descriptive labels). */
export function checkNotReservedLabels(scope: IConstruct, prop: string, labels: Record<string, string>, reserved: readonly string[]): void {
  for (const key of Object.keys(labels)) {
    if (reserved.includes(key)) {
      throw invalidProp(scope, prop, key, `is set by the construct itself; the labels it sets are ${reserved.join(', ')}`);
    }
  }
}

/** An object's `apiVersion`: a version ("v1"), or an API group and a version ("apps/v1", "argoproj.io/v1alpha1"). */
export function checkApiVersion(scope: IConstruct, prop: string, value: unknown): string {
  const apiVersion = checkString(scope, prop, value, { example: '"argoproj.io/v1alpha1"' });
  const [group, version] = apiVersion.includes('/') ? apiVersion.split(/\/(.*)/s, 2) : [undefined, apiVersion];
  if ((group !== undefined && (!isDnsSubdomain(group) || group === '')) || !/^v[1-9][0-9]*((alpha|beta)[1-9][0-9]*)?$/.test(version)) {
    throw invalidProp(scope, prop, apiVersion, 'must be an API version: an API group, "/" and a version, e.g. "argoproj.io/v1alpha1" or "apps/v1" (or "v1" for the core group)');
  }
  return apiVersion;
}

const IMAGE_DOMAIN = /^(localhost|[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?(\.[a-zA-Z0-9]([a-zA-Z0-9-]*[a-zA-Z0-9])?)*)(:[0-9]+)?$/;
const IMAGE_PATH_COMPONENT = /^[a-z0-9]+((\.|_|__|-+)[a-z0-9]+)*$/;
const IMAGE_TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const IMAGE_RULE = 'must be an image reference, [registry[:port]/]repository[:tag][@sha256:digest] without a scheme,'
  + ' whose repository path is lowercase letters, digits and single ".", "_" or "-" separators (e.g. "registry.fintech.internal/fintech/payments:1.4.2")';

/** An image reference the container runtime can pull (the distribution reference grammar); the kubelet refuses others only at pull time. */
export function checkImageReference(scope: IConstruct, prop: string, image: string): string {
  if (typeof image !== 'string') throw invalidProp(scope, prop, image, typeMismatch('a string', image, '"registry/fintech/service:1.4.2"'));
  checkNoUserInfo(scope, prop, image, 'registry credentials belong in an image pull Secret, never in the image reference');
  const at = image.indexOf('@');
  const named = at === -1 ? image : image.slice(0, at);
  const digest = at === -1 ? undefined : image.slice(at + 1);
  const slash = named.lastIndexOf('/');
  const colon = named.lastIndexOf(':');
  const [repository, tag] = colon > slash ? [named.slice(0, colon), named.slice(colon + 1)] : [named, undefined];
  const parts = repository.split('/');
  const hasDomain = parts.length > 1 && (/[.:]/.test(parts[0]) || parts[0] === 'localhost');
  const path = hasDomain ? parts.slice(1) : parts;
  if ((hasDomain && !IMAGE_DOMAIN.test(parts[0])) || !path.every((c) => IMAGE_PATH_COMPONENT.test(c)) || repository.length > 255
    || (tag !== undefined && !IMAGE_TAG.test(tag)) || (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest))) {
    throw invalidProp(scope, prop, image, IMAGE_RULE);
  }
  return image;
}

/**
 * The image of a service's pods: pinned ({@link checkPinnedImage}), pullable ({@link checkImageReference}),
 * and with a version ({@link imageVersion}: its tag, or a short digest) that is a label value, since
 * it becomes the `app.kubernetes.io/version` label of the service's objects and pods.
 */
export function checkWorkloadImage(scope: IConstruct, prop: string, image: string): string {
  checkImageReference(scope, prop, checkPinnedImage(scope, prop, image));
  const version = imageVersion(image);
  if (version.length > 63 || !LABEL_VALUE.test(version)) {
    throw invalidProp(scope, prop, image, `must have a tag that is also a label value (at most 63 letters, digits, "-", "_" or ".", starting and ending`
      + ` with a letter or digit): the tag becomes the app.kubernetes.io/version label; shorten the tag or pin the image by digest (...@sha256:<64 hex>)`);
  }
  return image;
}

const ANNOTATION_SIZE_LIMIT = 256 * 1024;

/**
 * An annotation: its key a qualified name as a label key is (an optional DNS subdomain prefix and
 * "/", then at most 63 characters), its value a string that is not a credential. Errors name
 * `<prop>` for the key and `<prop>.<key>` for the value.
 */
export function checkAnnotation(scope: IConstruct, prop: string, key: string, value: string): void {
  const slash = typeof key === 'string' ? key.indexOf('/') : -1;
  const name = typeof key === 'string' ? key.slice(slash + 1) : '';
  if (typeof key !== 'string' || (slash !== -1 && !isDnsSubdomain(key.slice(0, slash))) || name.length > 63 || !LABEL_NAME.test(name)) {
    throw invalidProp(scope, prop, key, 'must be an annotation key such as "example.com/ticket": an optional DNS subdomain prefix and "/",'
      + ' then a name of at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit');
  }
  checkNotSecret(scope, prop, key, 'annotation keys are readable by anyone who can read the object; keep secrets in a Secret');
  const at = propPath(prop, key);
  checkString(scope, at, value, { allowEmpty: true, example: '"42" rather than 42' });
  if (key.length + value.length > ANNOTATION_SIZE_LIMIT) {
    throw invalidProp(scope, at, `a string of ${value.length} characters`, `must be shorter: an object's annotations may have at most ${ANNOTATION_SIZE_LIMIT} bytes in all`);
  }
  checkNotSecret(scope, at, value, 'annotations are readable by anyone who can read the object; keep secrets in a Secret');
}

const CONFIG_MAP_SIZE_LIMIT = 1024 * 1024;

/** The data of a ConfigMap: at most 1 MiB in all, keys and values, as the API server allows. */
export function checkConfigMapSize(scope: IConstruct, prop: string, data: Readonly<Record<string, string>>): void {
  const bytes = Object.entries(data).reduce((sum, [key, value]) => sum + Buffer.byteLength(key) + Buffer.byteLength(value), 0);
  if (bytes > CONFIG_MAP_SIZE_LIMIT) {
    throw invalidProp(scope, prop, `${bytes} bytes`, `must have at most ${CONFIG_MAP_SIZE_LIMIT} bytes (1 MiB) of keys and values, the most a ConfigMap holds; mount larger files from a volume`);
  }
}

/** An HTTP path that ends up in a manifest (a probe's, a scrape's): {@link checkHttpPath}, and no credential in it. */
export function checkPublicHttpPath(scope: IConstruct, prop: string, value: string): string {
  checkHttpPath(scope, prop, value);
  return checkNotSecret(scope, prop, value, 'paths are readable by anyone who can read the object; the endpoint must not need a secret in its URL');
}

const INGRESS_PATH_RULE = 'must be an Ingress path: "/" then letters, digits and "/", "-", "_", ".", "~", without "//", "/./", "/../", a trailing "/." or "/..",'
  + ' regular expressions, a query or a fragment (e.g. "/api/v1")';

/** A Prefix or Exact Ingress path as the API server and ingress-nginx's strict path validation accept it. */
export function checkIngressPath(scope: IConstruct, prop: string, value: string): string {
  checkPublicHttpPath(scope, prop, value);
  if (!/^\/[A-Za-z0-9/_.~-]*$/.test(value) || /\/\.{1,2}(\/|$)/.test(value) || value.includes('//')) {
    throw invalidProp(scope, prop, value, INGRESS_PATH_RULE);
  }
  return value;
}

const INT32_MAX = 2147483647;

/** `user:password@` in front of a host or an image's registry (not a digest's `@sha256:`). */
const USER_INFO = /^[^/\s@]*:[^/\s@]*@(?!sha256:)/;

/**
 * A host or image reference without `user:password@` in front: such a value is shown by its kind
 * only, since the part before "@" is a password.
 */
export function checkNoUserInfo(scope: IConstruct, prop: string, value: string, remedy: string): string {
  if (typeof value === 'string' && USER_INFO.test(value)) {
    throw invalidSecretProp(scope, prop, value, `holds a user name and password ("user:password@"); ${remedy}`);
  }
  return value;
}

/** Linux refuses to start a process with an environment string (`NAME=value`) longer than this (MAX_ARG_STRLEN). */
const ENV_STRING_LIMIT = 128 * 1024;

/** A variable the container gets in its environment: `NAME=value` within what Linux passes to a process. */
export function checkEnvVariableSize(scope: IConstruct, prop: string, name: string, value: string): void {
  const bytes = Buffer.byteLength(`${name}=${value}`, 'utf8');
  if (bytes >= ENV_STRING_LIMIT) {
    throw invalidProp(scope, prop, `${bytes} bytes`, `must be under ${ENV_STRING_LIMIT} bytes (128 KiB) with its name: Linux refuses to start a`
      + ' process with a longer environment variable, so the container would never start; mount large configuration from a volume');
  }
}

/** A path Prometheus scrapes: {@link checkPublicHttpPath}, without a query or fragment, which Prometheus would send escaped as part of the path. */
export function checkScrapePath(scope: IConstruct, prop: string, value: string): string {
  checkPublicHttpPath(scope, prop, value);
  if (/[?#]/.test(value)) {
    throw invalidProp(scope, prop, value, 'must be a path without a query or fragment (e.g. "/metrics"): Prometheus escapes "?" and "#" into the path');
  }
  return value;
}

/** A count the API server keeps in a 32-bit integer (replicas, thresholds, policy values): at most 2147483647. */
export function checkInt32(scope: IConstruct, prop: string, value: number): number {
  if (value > INT32_MAX) throw invalidProp(scope, prop, value, `must be at most ${INT32_MAX}: Kubernetes keeps it in a 32-bit integer`);
  return value;
}
