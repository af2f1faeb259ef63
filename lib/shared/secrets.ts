/**
 * Telling secret values from configuration: error messages end up in CI logs, so a value that
 * looks like a credential is described by its kind and length only, and configuration values that
 * look like credentials are refused (they belong in a Secret).
 */

/** Tokens with a well-known shape, by what they are. */
const KNOWN_TOKENS: ReadonlyArray<readonly [RegExp, string]> = [
  [/-----BEGIN [A-Z ]*PRIVATE KEY-----/, 'a private key'],
  [/(^|[^A-Za-z0-9])gh[pousr]_[A-Za-z0-9]{20,}/, 'a GitHub token'],
  [/(^|[^A-Za-z0-9])github_pat_[A-Za-z0-9_]{20,}/, 'a GitHub token'],
  [/(^|[^A-Za-z0-9])glpat-[A-Za-z0-9_-]{20,}/, 'a GitLab token'],
  [/(^|[^A-Za-z0-9])xox[abposr]-[A-Za-z0-9-]{10,}/, 'a Slack token'],
  [/hooks\.slack\.com\/services\/[A-Za-z0-9/]+/, 'a Slack webhook URL'],
  [/(^|[^A-Za-z0-9])[sr]k_(live|test)_[A-Za-z0-9]{16,}/, 'a Stripe key'],
  [/(^|[^A-Za-z0-9])(AKIA|ASIA)[A-Z0-9]{16}($|[^A-Za-z0-9])/, 'an AWS access key id'],
  [/(^|[^A-Za-z0-9])AIza[0-9A-Za-z_-]{35}/, 'a Google API key'],
  [/(^|[^A-Za-z0-9])SG\.[A-Za-z0-9_-]{16,}\.[A-Za-z0-9_-]{16,}/, 'a SendGrid key'],
  [/(^|[^A-Za-z0-9])npm_[A-Za-z0-9]{36}/, 'an npm token'],
  [/(^|[^A-Za-z0-9])eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]*/, 'a JSON Web Token'],
];

/** `scheme://user:password@host`: a password in a URL. */
// The scheme starts where no scheme character precedes it: without that, a long run of letters takes quadratic time.
const URL_WITH_PASSWORD = /(?<![a-z0-9+.-])[a-z][a-z0-9+.-]*:\/\/[^\s/?#@:]*:[^\s/?#@]*@/i;
/** `password=...`, `token: ...`: a credential written into a string. */
const CREDENTIAL_ASSIGNMENT =
  /(^|[^A-Za-z0-9])(password|passwd|pwd|secret|token|api[_-]?key|access[_-]?key|private[_-]?key|client[_-]?secret)\s*[=:]\s*[^\s&;,'"]{3,}/i;
/** The pieces of a string that could each be a token. */
const TOKEN_SEPARATORS = /[\s"'`,;:&?#@()<>{}[\]|\\]+/;
const TOKEN = /^[A-Za-z0-9+/=_.~-]+$/;
const HEX = /^[0-9a-fA-F]+$/;
const BASE64 = /^[A-Za-z0-9+/]+$/;

/**
 * What kind of secret `value` looks like ("a URL with a password", "a GitHub token", "a random
 * token"), or undefined when it looks like ordinary configuration.
 */
export function secretKind(value: unknown): string | undefined {
  if (typeof value !== 'string' || value.length < 8) return undefined;
  for (const [pattern, kind] of KNOWN_TOKENS) if (pattern.test(value)) return kind;
  if (URL_WITH_PASSWORD.test(value)) return 'a URL with a password';
  if (CREDENTIAL_ASSIGNMENT.test(value)) return 'a credential assignment';
  const pieces = value.split(TOKEN_SEPARATORS);
  for (let i = 0; i < pieces.length; i++) {
    if (looksRandom(pieces[i], i > 0 ? pieces[i - 1] : '')) return 'a random token';
  }
  return undefined;
}

/**
 * A long random-looking token: 32+ hex digits (API and routing keys), or 24+ characters mixing
 * upper and lower case and digits, with a run of 16+ letters and digits and a high Shannon
 * entropy. Not: digests (`sha256:<hex>`), git commit ids (40 hex), names, paths, versions.
 */
function looksRandom(piece: string, before: string): boolean {
  const token = piece.replace(/=+$/, '');
  if (!TOKEN.test(token)) return false;
  // A path's segments are judged one by one; a pure base64 token is also judged whole.
  if (token.includes('/')) {
    if (token.split('/').some((segment) => looksRandom(segment, ''))) return true;
    if (!BASE64.test(token)) return false;
  }
  if (HEX.test(token)) {
    const digest = /^sha(1|256|384|512)$/i.test(before);
    return token.length >= 32 && token.length !== 40 && !digest && /[0-9]/.test(token) && /[a-fA-F]/.test(token);
  }
  if (token.length < 24) return false;
  const classes = [/[a-z]/, /[A-Z]/, /[0-9]/].filter((c) => c.test(token)).length;
  const longestRun = token.split(/[^A-Za-z0-9]+/).reduce((longest, run) => Math.max(longest, run.length), 0);
  return classes === 3 && longestRun >= 16 && entropy(token) >= 4;
}

/** Shannon entropy in bits per character. */
function entropy(text: string): number {
  const counts = new Map<string, number>();
  for (const c of text) counts.set(c, (counts.get(c) ?? 0) + 1);
  let bits = 0;
  for (const n of counts.values()) bits -= (n / text.length) * Math.log2(n / text.length);
  return bits;
}

/**
 * What a secret value was, without the value: "a string of 64 characters", "a number",
 * "an object", "undefined". For messages about values that must never be printed.
 */
export function describeSecret(value: unknown): string {
  if (value === undefined || value === null) return String(value);
  if (typeof value === 'string') return `a string of ${value.length} character${value.length === 1 ? '' : 's'}`;
  if (Array.isArray(value)) return `an array of ${value.length} item${value.length === 1 ? '' : 's'}`;
  return kindOf(value);
}

/** A value's JavaScript kind for messages: "a string", "a number", "an array", "a Duration", "null". */
export function kindOf(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'number' && Number.isNaN(value)) return 'NaN';
  if (typeof value === 'object') {
    const name = Object.getPrototypeOf(value)?.constructor?.name;
    return name && name !== 'Object' ? withArticle(name) : 'an object';
  }
  return withArticle(typeof value);
}

function withArticle(noun: string): string {
  return `${/^[aeiou]/i.test(noun) ? 'an' : 'a'} ${noun}`;
}
