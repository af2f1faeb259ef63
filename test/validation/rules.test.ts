import { App, Chart, Cron, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { Construct } from 'constructs';
import { NetworkPeer, SecretKeyRef } from '../../lib';
import { describeValue } from '../../lib/shared/errors';
import { isQuantity } from '../../lib/shared/quantity';
import {
  checkArray, checkBoolean, checkCidr, checkCpu, checkCron, checkDnsLabel, checkDnsSubdomain, checkDuration, checkInstance, checkKnownKeys,
  checkHostname, checkLabelKey, checkLabels, checkLabelValue, checkNotCredentialName, checkNotSecret, checkPortName, isCredentialName, checkNumber, checkOneOf, checkPinnedImage, checkPort, checkProtocol,
  checkQuantity, checkRecord, checkRequired, checkSecretKeyRef, checkSize, checkString, checkUrl, checkValueOrSecretKeyRef, describeSecret,
  secretKind,
} from '../../lib/shared/validation';
import { plainErrorMessage } from '../support/errors';

/** A construct of its own class, so messages read "Widget 'app/widget'". */
class Widget extends Construct {}
const widget = new Widget(new Chart(new App(), 'app'), 'widget');
const W = "Widget 'app/widget'";

/** The exact message of the plain Error `check` throws (never a TypeError). */
function messageOf(check: () => unknown): string {
  return plainErrorMessage(() => check());
}

type Row = [string, () => unknown, string];
const rejects = (rows: Row[]) => test.each(rows)('rejects %s', (_, check, message) => expect(messageOf(check)).toBe(message));

describe('JavaScript types', () => {
  rejects([
    ['undefined for a required prop', () => checkRequired(widget, 'image', undefined, 'a string', '"app:1.0"'),
      `${W}: 'image' (undefined) is invalid: must be a string, not undefined, e.g. "app:1.0"`],
    ['null for a required prop', () => checkRequired(widget, 'image', null, 'a string'), `${W}: 'image' (null) is invalid: must be a string, not null`],
    ['NaN for a required prop', () => checkRequired(widget, 'replicas', NaN, 'a number'), `${W}: 'replicas' (NaN) is invalid: must be a number, not NaN`],
    ['a number for a string', () => checkString(widget, 'value', 42), `${W}: 'value' (42) is invalid: must be a string, not a number`],
    ['an empty string', () => checkString(widget, 'value', '', { example: '"x"' }), `${W}: 'value' ("") is invalid: must not be empty, e.g. "x"`],
    ['a numeric string for a number', () => checkNumber(widget, 'factor', '1.5'), `${W}: 'factor' ("1.5") is invalid: must be a finite number, not a string`],
    ['Infinity for a number', () => checkNumber(widget, 'factor', Infinity), `${W}: 'factor' (Infinity) is invalid: must be a finite number, not a number`],
    ['"true" for a boolean', () => checkBoolean(widget, 'tls', 'true'), `${W}: 'tls' ("true") is invalid: must be a boolean (true or false), not a string`],
    ['a single value for an array', () => checkArray(widget, 'hosts', 'a.example.com', '["a.example.com"]'),
      `${W}: 'hosts' ("a.example.com") is invalid: must be an array, not a string, e.g. ["a.example.com"]`],
    ['an array for a record', () => checkRecord(widget, 'labels', ['a']), `${W}: 'labels' (["a"]) is invalid: must be an object, not an array`],
    ['a class instance for a record', () => checkRecord(widget, 'labels', Duration.seconds(1)), `${W}: 'labels' (a Duration) is invalid: must be an object, not a Duration`],
    ['a string for an instance', () => checkInstance(widget, 'timeout', '30s', Duration, 'Duration.seconds(30)'),
      `${W}: 'timeout' ("30s") is invalid: must be a Duration, not a string, e.g. Duration.seconds(30)`],
    ['a value outside a set', () => checkOneOf(widget, 'mode', 'Strict', ['strict', 'lax']), `${W}: 'mode' ("Strict") is invalid: must be one of "strict", "lax"`],
    ['an unknown option, without its value', () => checkKnownKeys(widget, 'options', { pasword: 'hunter2hunter2' }, ['password']),
      `${W}: 'options.pasword' (a string of 14 characters) is invalid: is not a known option; the options are password`],
    ['undefined options', () => checkKnownKeys(widget, 'options', undefined, ['password'], '{ password }'),
      `${W}: 'options' (undefined) is invalid: must be an object, not undefined, e.g. { password }`],
  ]);
});

describe('names and labels', () => {
  const label = 'must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit';
  const subdomain = 'must be a DNS-1123 subdomain: at most 253 characters in dot-separated DNS-1123 labels'
    + ' (lowercase letters, digits or "-", each starting and ending with a letter or digit)';
  const key = 'must be a label key such as "track" or "example.com/track": an optional DNS subdomain prefix (at most 253 characters)'
    + ' and "/", then a name of at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  const value = 'must be a label value: at most 63 letters, digits, "-", "_" or ".", starting and ending with a letter or digit';
  rejects([
    ['an upper-case label', () => checkDnsLabel(widget, 'name', 'Payments'), `${W}: 'name' ("Payments") is invalid: ${label}`],
    ['a label with a dot', () => checkDnsLabel(widget, 'name', 'pay.ments'), `${W}: 'name' ("pay.ments") is invalid: ${label}`],
    ['a label ending in "-"', () => checkDnsLabel(widget, 'name', 'payments-'), `${W}: 'name' ("payments-") is invalid: ${label}`],
    ['a label of 64 characters', () => checkDnsLabel(widget, 'name', 'a'.repeat(64)), `${W}: 'name' ("${'a'.repeat(64)}") is invalid: ${label}`],
    ['a number for a label', () => checkDnsLabel(widget, 'name', 7 as any),
      `${W}: 'name' (7) is invalid: must be a string, not a number; a DNS-1123 label such as "payments"`],
    ['a label that leaves no room for its suffix', () => checkDnsLabel(widget, 'name', 'a'.repeat(50), { suffix: '-backup-verify' }),
      `${W}: 'name' ("${'a'.repeat(50)}") is invalid: must have at most 49 characters, so that "${'a'.repeat(50)}-backup-verify" is a valid name (at most 63)`],
    ['a label over a lower limit', () => checkDnsLabel(widget, 'name', 'a'.repeat(45), { suffix: '-restore', maxLength: 52 }),
      `${W}: 'name' ("${'a'.repeat(45)}") is invalid: must have at most 44 characters, so that "${'a'.repeat(45)}-restore" is a valid name (at most 52)`],
    ['a subdomain with an empty label', () => checkDnsSubdomain(widget, 'ingressClass', 'nginx..internal'), `${W}: 'ingressClass' ("nginx..internal") is invalid: ${subdomain}`],
    ['a subdomain with "_"', () => checkDnsSubdomain(widget, 'tlsSecret', 'payments_tls'), `${W}: 'tlsSecret' ("payments_tls") is invalid: ${subdomain}`],
    ['a subdomain of 254 characters', () => checkDnsSubdomain(widget, 'tlsSecret', `${'a'.repeat(63)}.`.repeat(4).slice(0, 254)),
      `${W}: 'tlsSecret' ("${`${'a'.repeat(63)}.`.repeat(4).slice(0, 254)}") is invalid: ${subdomain}`],
    ['a label key with a space', () => checkLabelKey(widget, 'labels', 'my team'), `${W}: 'labels' ("my team") is invalid: ${key}`],
    ['a label key with unicode', () => checkLabelKey(widget, 'labels', 'équipe'), `${W}: 'labels' ("équipe") is invalid: ${key}`],
    ['a label key with an upper-case prefix', () => checkLabelKey(widget, 'labels', 'Example.com/team'), `${W}: 'labels' ("Example.com/team") is invalid: ${key}`],
    ['a label key with an empty name', () => checkLabelKey(widget, 'labels', 'example.com/'), `${W}: 'labels' ("example.com/") is invalid: ${key}`],
    ['a label key with two slashes', () => checkLabelKey(widget, 'labels', 'a/b/c'), `${W}: 'labels' ("a/b/c") is invalid: ${key}`],
    ['a label key name of 64 characters', () => checkLabelKey(widget, 'labels', `example.com/${'n'.repeat(64)}`),
      `${W}: 'labels' ("example.com/${'n'.repeat(64)}") is invalid: ${key}`],
    ['a label value of 64 characters', () => checkLabelValue(widget, 'labels.team', 'v'.repeat(64)), `${W}: 'labels.team' ("${'v'.repeat(64)}") is invalid: ${value}`],
    ['a label value with unicode', () => checkLabelValue(widget, 'labels.team', 'zahlungsverkehr-ü'), `${W}: 'labels.team' ("zahlungsverkehr-ü") is invalid: ${value}`],
    ['a label value with a space', () => checkLabelValue(widget, 'labels.team', 'two words'), `${W}: 'labels.team' ("two words") is invalid: ${value}`],
    ['a number as a label value', () => checkLabels(widget, 'labels', { version: 3 } as any),
      `${W}: 'labels.version' (3) is invalid: must be a string, not a number; label values are strings, e.g. "3" rather than 3`],
    ['labels given as an array', () => checkLabels(widget, 'labels', ['team'] as any),
      `${W}: 'labels' (["team"]) is invalid: must be an object, not an array, e.g. { team: "payments" }`],
  ]);

  test('accepts valid names, keys and values', () => {
    expect(checkDnsLabel(widget, 'name', 'a'.repeat(49), { suffix: '-backup-verify' })).toHaveLength(49);
    expect(checkDnsSubdomain(widget, 'name', 'payments.tls-1')).toBe('payments.tls-1');
    expect(checkLabels(widget, 'labels', { 'app.kubernetes.io/name': 'payments', 'track': '', 'x_Y.z': 'A-b_c.1' })).toBeDefined();
  });
});

describe('network', () => {
  const portName = 'must be a port name (IANA service name): at most 15 lowercase letters, digits and "-", with at least one letter,'
    + ' starting and ending with a letter or digit, without "--"';
  const hostname = 'must be a host name: lowercase DNS labels separated by ".", optionally starting with "*." (e.g. "api.fintech.example.com"), not an IP address';
  const v4Hint = 'must be an IPv4 or IPv6 CIDR: an address, "/" and a prefix length, e.g. "10.0.0.0/8" or "fd00::/8"';
  rejects([
    ['port 0', () => checkPort(widget, 'port', 0), `${W}: 'port' (0) is invalid: must be an integer from 1 to 65535`],
    ['port 65536', () => checkPort(widget, 'port', 65536), `${W}: 'port' (65536) is invalid: must be an integer from 1 to 65535`],
    ['a port given as a string', () => checkPort(widget, 'port', '8080' as any), `${W}: 'port' ("8080") is invalid: must be an integer from 1 to 65535`],
    ['a fractional port', () => checkPort(widget, 'port', 80.5), `${W}: 'port' (80.5) is invalid: must be an integer from 1 to 65535`],
    ['NaN as a port', () => checkPort(widget, 'port', NaN), `${W}: 'port' (NaN) is invalid: must be an integer from 1 to 65535`],
    ['a lower-case protocol', () => checkProtocol(widget, 'protocol', 'tcp'), `${W}: 'protocol' ("tcp") is invalid: must be one of "TCP", "UDP" or "SCTP" (in capitals)`],
    ['HTTP as a protocol', () => checkProtocol(widget, 'protocol', 'HTTP'), `${W}: 'protocol' ("HTTP") is invalid: must be one of "TCP", "UDP" or "SCTP" (in capitals)`],
    ['an IPv4 CIDR without a mask', () => checkCidr(widget, 'cidr', '10.1.2.3'), `${W}: 'cidr' ("10.1.2.3") is invalid: must have a prefix length, e.g. "10.1.2.3/32" for this address alone`],
    ['an IPv6 CIDR without a mask', () => checkCidr(widget, 'cidr', 'fd00::1'), `${W}: 'cidr' ("fd00::1") is invalid: must have a prefix length, e.g. "fd00::1/128" for this address alone`],
    ['an IPv4 prefix over 32', () => checkCidr(widget, 'cidr', '10.0.0.0/33'), `${W}: 'cidr' ("10.0.0.0/33") is invalid: must have a prefix length from 0 to 32 for an IPv4 address`],
    ['an IPv6 prefix over 128', () => checkCidr(widget, 'cidr', 'fd00::/129'), `${W}: 'cidr' ("fd00::/129") is invalid: must have a prefix length from 0 to 128 for an IPv6 address`],
    ['a prefix with a leading zero', () => checkCidr(widget, 'cidr', '10.0.0.0/08'), `${W}: 'cidr' ("10.0.0.0/08") is invalid: must have a prefix length from 0 to 32 for an IPv4 address`],
    ['an empty prefix', () => checkCidr(widget, 'cidr', '10.0.0.0/'), `${W}: 'cidr' ("10.0.0.0/") is invalid: must have a prefix length from 0 to 32 for an IPv4 address`],
    ['an octet over 255', () => checkCidr(widget, 'cidr', '10.0.0.256/32'), `${W}: 'cidr' ("10.0.0.256/32") is invalid: ${v4Hint}`],
    ['an octet with a leading zero', () => checkCidr(widget, 'cidr', '10.0.0.01/32'), `${W}: 'cidr' ("10.0.0.01/32") is invalid: ${v4Hint}`],
    ['a host name', () => checkCidr(widget, 'cidr', 'db.internal/32'), `${W}: 'cidr' ("db.internal/32") is invalid: ${v4Hint}`],
    ['an IPv6 zone', () => checkCidr(widget, 'cidr', 'fe80::1%eth0/128'), `${W}: 'cidr' ("fe80::1%eth0/128") is invalid: ${v4Hint}`],
    ['two masks', () => checkCidr(widget, 'cidr', '10.0.0.0/8/8'), `${W}: 'cidr' ("10.0.0.0/8/8") is invalid: ${v4Hint}`],
    ['IPv4 host bits', () => checkCidr(widget, 'cidr', '10.1.2.3/8'), `${W}: 'cidr' ("10.1.2.3/8") is invalid: has bits set after its /8 prefix; the network is "10.0.0.0/8"`],
    ['IPv6 host bits', () => checkCidr(widget, 'cidr', '2001:db8::1/32'), `${W}: 'cidr' ("2001:db8::1/32") is invalid: has bits set after its /32 prefix; the network is "2001:db8::/32"`],
    ['a number for a CIDR', () => checkCidr(widget, 'cidr', 10 as any), `${W}: 'cidr' (10) is invalid: must be a string, not a number, e.g. "10.0.0.0/8"`],
    ['a URL without a scheme', () => checkUrl(widget, 'url', 'prometheus:9090/api'),
      `${W}: 'url' ("prometheus:9090/api") is invalid: must be an absolute URL starting with https:// or http://, e.g. "https://example.com/path"`],
    ['a host without a scheme', () => checkUrl(widget, 'url', 'runbooks.fintech.internal'),
      `${W}: 'url' ("runbooks.fintech.internal") is invalid: must be an absolute URL starting with https:// or http://, e.g. "https://example.com/path"`],
    ['http where https is required', () => checkUrl(widget, 'url', 'http://hooks.example.com/x', { schemes: ['https'], example: 'https://hooks.example.com/x' }),
      `${W}: 'url' ("http://hooks.example.com/x") is invalid: must be an absolute URL starting with https://, e.g. "https://hooks.example.com/x"`],
    ['a URL with a space', () => checkUrl(widget, 'url', 'https://example.com/a b'),
      `${W}: 'url' ("https://example.com/a b") is invalid: must be an absolute URL starting with https:// or http://, e.g. "https://example.com/path"`],
    ['a URL with credentials, without printing them', () => checkUrl(widget, 'url', 'postgres://user:s3cr3t@db:5432/app', { schemes: ['postgres'] }),
      `${W}: 'url' (a string of 34 characters) is invalid: must not contain credentials ("user:password@"): secret values never go into manifests; reference them from a Secret`],
    ['a URL with a token as the user name', () => checkUrl(widget, 'url', 'https://abc123@example.com/'),
      `${W}: 'url' (a string of 27 characters) is invalid: must not contain credentials ("user:password@"): secret values never go into manifests; reference them from a Secret`],
    ['a number for a URL', () => checkUrl(widget, 'url', 443 as any), `${W}: 'url' (443) is invalid: must be a string, not a number, e.g. "https://example.com/path"`],
    ['a port name of 16 characters', () => checkPortName(widget, 'extraPorts[].name', 'metrics-exporter'), `${W}: 'extraPorts[].name' ("metrics-exporter") is invalid: ${portName}`],
    ['a port name of digits only', () => checkPortName(widget, 'extraPorts[].name', '8080'), `${W}: 'extraPorts[].name' ("8080") is invalid: ${portName}`],
    ['a port name with "--"', () => checkPortName(widget, 'extraPorts[].name', 'grpc--web'), `${W}: 'extraPorts[].name' ("grpc--web") is invalid: ${portName}`],
    ['a port name in capitals', () => checkPortName(widget, 'extraPorts[].name', 'HTTP'), `${W}: 'extraPorts[].name' ("HTTP") is invalid: ${portName}`],
    ['a number as a port name', () => checkPortName(widget, 'extraPorts[].name', 80 as any),
      `${W}: 'extraPorts[].name' (80) is invalid: must be a string, not a number; a port name such as "http"`],
    ['a host with a scheme', () => checkHostname(widget, 'ingress.host', 'https://api.example.com'), `${W}: 'ingress.host' ("https://api.example.com") is invalid: ${hostname}`],
    ['a host in capitals', () => checkHostname(widget, 'ingress.host', 'API.example.com'), `${W}: 'ingress.host' ("API.example.com") is invalid: ${hostname}`],
    ['an IP address as a host', () => checkHostname(widget, 'ingress.host', '10.0.0.1'), `${W}: 'ingress.host' ("10.0.0.1") is invalid: ${hostname}`],
    ['a wildcard inside a host', () => checkHostname(widget, 'ingress.host', 'api.*.example.com'), `${W}: 'ingress.host' ("api.*.example.com") is invalid: ${hostname}`],
    ['a bare wildcard', () => checkHostname(widget, 'ingress.host', '*.'), `${W}: 'ingress.host' ("*.") is invalid: ${hostname}`],
    ['a credential-named setting, showing the name only', () => checkNotCredentialName(widget, 'env.DB_PASSWORD', 'DB_PASSWORD', "use 'secretEnv'"),
      `${W}: 'env.DB_PASSWORD' ("DB_PASSWORD") is invalid: looks like a credential, and secret values never go into manifests: use 'secretEnv'`],
  ]);

  test.each(['DB_PASSWORD', 'passwd', 'API_KEY', 'apikey', 'private-key', 'access_key_id', 'secret_access_key', 'account_key', 'key', 'sas_url', 'AUTH_HEADER', 'GITHUB_TOKEN', 'CREDENTIALS'])(
    'takes %s for the name of a credential', (name) => expect(isCredentialName(name)).toBe(true));
  test.each(['MONKEY', 'KEYCLOAK_URL', 'LOG_LEVEL', 'endpoint', 'region', 'host', 'no_check_bucket', 'PORT'])(
    'takes %s for the name of configuration', (name) => expect(isCredentialName(name)).toBe(false));

  test('accepts valid ports, protocols, CIDRs and URLs', () => {
    expect(checkPort(widget, 'port', 65535)).toBe(65535);
    expect(checkProtocol(widget, 'protocol', 'SCTP')).toBe('SCTP');
    expect(checkPortName(widget, 'name', 'grpc-web')).toBe('grpc-web');
    expect(checkHostname(widget, 'host', '*.fintech.example.com')).toBe('*.fintech.example.com');
    for (const cidr of ['0.0.0.0/0', '10.0.0.0/8', '10.1.2.3/32', '::/0', 'fd00::/8', '2001:db8::1/128', '::ffff:10.0.0.0/104']) {
      expect(checkCidr(widget, 'cidr', cidr)).toBe(cidr);
    }
    expect(checkUrl(widget, 'url', 'http://transaction-service:8004/events/export')).toBe('http://transaction-service:8004/events/export');
  });
});

describe('quantities, durations and schedules', () => {
  const cpu = 'must be a whole, positive number of millicores, e.g. Cpu.millis(500) or Cpu.units(2)';
  const size = 'must be a whole, positive number of mebibytes, e.g. Size.mebibytes(512) or Size.gibibytes(2)';
  const cron = 'a schedule is 5 cron fields (minute hour day-of-month month day-of-week), e.g. Cron.schedule({ minute: \'0\', hour: \'2\' }) for "0 2 * * *"';
  rejects([
    ['"1GB" as a quantity', () => checkQuantity(widget, 'memory', '1GB'), `${W}: 'memory' ("1GB") is invalid: must be a Kubernetes quantity such as "500m", "2", "512Mi" or "1Gi"`],
    ['a quantity with a space', () => checkQuantity(widget, 'memory', '1 Gi'), `${W}: 'memory' ("1 Gi") is invalid: must be a Kubernetes quantity such as "500m", "2", "512Mi" or "1Gi"`],
    ['a quantity with a lower-case binary suffix', () => checkQuantity(widget, 'memory', '512mi'),
      `${W}: 'memory' ("512mi") is invalid: must be a Kubernetes quantity such as "500m", "2", "512Mi" or "1Gi"`],
    ['an exponent and a suffix', () => checkQuantity(widget, 'memory', '1e3Mi'), `${W}: 'memory' ("1e3Mi") is invalid: must be a Kubernetes quantity such as "500m", "2", "512Mi" or "1Gi"`],
    ['a negative quantity', () => checkQuantity(widget, 'memory', '-1Gi'), `${W}: 'memory' ("-1Gi") is invalid: must not be negative`],
    ['a number for a quantity', () => checkQuantity(widget, 'memory', 512 as any), `${W}: 'memory' (512) is invalid: must be a string, not a number, e.g. "512Mi"`],
    ['a string for a Cpu', () => checkCpu(widget, 'cpu', '500m' as any), `${W}: 'cpu' ("500m") is invalid: must be a Cpu, not a string, e.g. Cpu.millis(500) or Cpu.units(2)`],
    ['zero CPU', () => checkCpu(widget, 'cpu', Cpu.millis(0)), `${W}: 'cpu' ("0m") is invalid: ${cpu}`],
    ['a fraction of a millicore', () => checkCpu(widget, 'cpu', Cpu.millis(0.5)), `${W}: 'cpu' ("0.5m") is invalid: ${cpu}`],
    ['NaN CPU', () => checkCpu(widget, 'cpu', Cpu.units(NaN)), `${W}: 'cpu' ("NaN") is invalid: ${cpu}`],
    ['a string for a Size', () => checkSize(widget, 'memory', '1GB' as any), `${W}: 'memory' ("1GB") is invalid: must be a Size, not a string, e.g. Size.mebibytes(512) or Size.gibibytes(2)`],
    ['a size below one mebibyte', () => checkSize(widget, 'memory', Size.kibibytes(512)), `${W}: 'memory' ("512Ki") is invalid: ${size}`],
    ['a size that is not whole mebibytes', () => checkSize(widget, 'memory', Size.kibibytes(1536)), `${W}: 'memory' ("1536Ki") is invalid: ${size}`],
    ['a zero size', () => checkSize(widget, 'memory', Size.gibibytes(0)), `${W}: 'memory' ("0Ki") is invalid: ${size}`],
    ['a string for a Duration', () => checkDuration(widget, 'timeout', '30s' as any),
      `${W}: 'timeout' ("30s") is invalid: must be a Duration, not a string, e.g. Duration.seconds(15)`],
    ['a number for a Duration', () => checkDuration(widget, 'timeout', 30 as any, { example: 'e.g. Duration.seconds(30)' }),
      `${W}: 'timeout' (30) is invalid: must be a Duration, not a number, e.g. Duration.seconds(30)`],
    ['a fractional number of seconds', () => checkDuration(widget, 'timeout', Duration.millis(1500)),
      `${W}: 'timeout' ("1500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.seconds(15)`],
    ['a zero Duration', () => checkDuration(widget, 'timeout', Duration.seconds(0)),
      `${W}: 'timeout' ("0ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.seconds(15)`],
    ['a Duration below its range', () => checkDuration(widget, 'startingDeadline', Duration.seconds(5), { minSeconds: 10 }),
      `${W}: 'startingDeadline' ("5s") is invalid: must be at least 10s`],
    ['a Duration above its range', () => checkDuration(widget, 'stabilization', Duration.hours(2), { minSeconds: 1, maxSeconds: 3600 }),
      `${W}: 'stabilization' ("2h") is invalid: must be from 1s to 1h`],
    ['a string for a Cron', () => checkCron(widget, 'schedule', '0 2 * * *' as any), `${W}: 'schedule' ("0 2 * * *") is invalid: must be a Cron, not a string; ${cron}`],
    ['six cron fields', () => checkCron(widget, 'schedule', Cron.schedule({ minute: '0 0' })), `${W}: 'schedule' ("0 0 * * * *") is invalid: has 6 fields, expected 5; ${cron}`],
    ['a macro', () => checkCron(widget, 'schedule', Cron.schedule({ minute: '@daily', hour: '', day: '', month: '', weekDay: '' })),
      `${W}: 'schedule' ("@daily    ") is invalid: the macro "@daily" is not accepted, give the 5 fields it stands for; ${cron}`],
    ['a time zone prefix', () => checkCron(widget, 'schedule', Cron.schedule({ minute: 'TZ=Europe/Berlin 0', hour: '2' })),
      `${W}: 'schedule' ("TZ=Europe/Berlin 0 2 * * *") is invalid: the time zone prefix "TZ=Europe/Berlin" is not accepted, give the time zone as the CronJob's timeZone; ${cron}`],
    ['one field', () => checkCron(widget, 'schedule', Cron.schedule({ minute: '0', hour: '', day: '', month: '', weekDay: '' })),
      `${W}: 'schedule' ("0    ") is invalid: has 1 field, expected 5; ${cron}`],
    ['minute 60', () => checkCron(widget, 'schedule', Cron.schedule({ minute: '60' })), `${W}: 'schedule' ("60 * * * *") is invalid: minute field "60": 60 is above the maximum 59; ${cron}`],
    ['day of week 7', () => checkCron(widget, 'schedule', Cron.schedule({ minute: '0', weekDay: '7' })),
      `${W}: 'schedule' ("0 * * * 7") is invalid: day of week field "7": 7 is above the maximum 6; ${cron}`],
    ['a schedule that never runs', () => checkCron(widget, 'schedule', Cron.schedule({ minute: '0', hour: '0', day: '30', month: '2' })),
      `${W}: 'schedule' ("0 0 30 2 *") is invalid: never runs: no date matches it`],
  ]);

  test('accepts the grammar Kubernetes accepts', () => {
    for (const q of ['1', '0.5', '.5', '5.', '+1', '500m', '512Mi', '1Gi', '1e3', '1E-3', '2k', '100n']) expect(isQuantity(q)).toBe(true);
    expect(checkCpu(widget, 'cpu', Cpu.units(1.5)).amount).toBe('1.5');
    expect(checkSize(widget, 'memory', Size.gibibytes(0.5)).toMebibytes()).toBe(512);
    expect(checkDuration(widget, 'timeout', Duration.minutes(2), { maxSeconds: 120 })).toBe(120);
    expect(checkCron(widget, 'schedule', Cron.schedule({ minute: '0', hour: '2' }))).toEqual({
      expression: '0 2 * * *', intervals: { shortestSeconds: 86400, longestSeconds: 86400 },
    });
  });
});

describe('images', () => {
  const pinned = "must be pinned: a version tag other than 'latest' (registry/fintech/service:1.4.2) or a digest (...@sha256:<64 hex>)";
  rejects([
    ['a short digest', () => checkPinnedImage(widget, 'image', 'registry/app@sha256:abc123'), `${W}: 'image' ("registry/app@sha256:abc123") is invalid: ${pinned}`],
    ['a digest that is not sha256', () => checkPinnedImage(widget, 'image', `registry/app@md5:${'a'.repeat(32)}`),
      `${W}: 'image' ("registry/app@md5:${'a'.repeat(32)}") is invalid: ${pinned}`],
    ['latest', () => checkPinnedImage(widget, 'image', 'registry/app:latest'), `${W}: 'image' ("registry/app:latest") is invalid: ${pinned}`],
    ['a number', () => checkPinnedImage(widget, 'image', 1.4 as any), `${W}: 'image' (1.4) is invalid: must be a string, not a number, e.g. "registry/fintech/service:1.4.2"`],
  ]);
  test('accepts a full digest, also after a tag, and shows it in messages', () => {
    const digest = `registry/app:1.0@sha256:${'0123456789abcdef'.repeat(4)}`;
    expect(checkPinnedImage(widget, 'image', digest)).toBe(digest);
    expect(describeValue(digest)).toBe(JSON.stringify(digest));
  });
});

describe('secrets', () => {
  const ref = SecretKeyRef.of('postgres-credentials', 'password');
  rejects([
    ['a missing reference', () => checkSecretKeyRef(widget, 'password', undefined, 'the database password'),
      `${W}: 'password' (undefined) is invalid: must reference the Secret that holds the database password; credentials are never accepted as values`],
    ['a password given as a string', () => checkSecretKeyRef(widget, 'password', 'correct horse battery staple', 'the database password'),
      `${W}: 'password' (a string of 28 characters) is invalid: must be a SecretKeyRef, not a string: reference the Secret that holds the database password; credentials are never accepted as values`],
    ['a plain object shaped like a reference', () => checkSecretKeyRef(widget, 'password', { secretName: 'db', key: 'password' }, 'the database password'),
      `${W}: 'password' (an object) is invalid: must be a SecretKeyRef, not an object: reference the Secret that holds the database password; credentials are never accepted as values`],
    ['an invalid Secret name', () => checkSecretKeyRef(widget, 'password', SecretKeyRef.of('Postgres_Credentials', 'password'), 'it'),
      `${W}: 'password.secretName' ("Postgres_Credentials") is invalid: must be the name of a Secret: lowercase letters, digits, "-" and ".", at most 253 characters, starting and ending with a letter or digit`],
    ['a number as a Secret name', () => checkSecretKeyRef(widget, 'password', SecretKeyRef.of(5 as any, 'password'), 'it'),
      `${W}: 'password.secretName' (5) is invalid: must be the name of a Secret: lowercase letters, digits, "-" and ".", at most 253 characters, starting and ending with a letter or digit`],
    ['an invalid key', () => checkSecretKeyRef(widget, 'password', SecretKeyRef.of('db', 'pass word'), 'it'),
      `${W}: 'password.key' ("pass word") is invalid: must be a key of the Secret: letters, digits, "-", "_" and ".", at most 253 characters`],
    ['a missing key', () => checkSecretKeyRef(widget, 'password', SecretKeyRef.of('db', undefined as any), 'it'),
      `${W}: 'password.key' (undefined) is invalid: must be a key of the Secret: letters, digits, "-", "_" and ".", at most 253 characters`],
    ['a number where a value or a reference is expected', () => checkValueOrSecretKeyRef(widget, 'user', 5, "e.g. 'backup'"),
      `${W}: 'user' (5) is invalid: must be a value or a SecretKeyRef, e.g. 'backup'`],
    ['a credential URL in configuration', () => checkNotSecret(widget, 'config.DATABASE_URL', 'postgres://app:Sup3rS3cret@db:5432/app'),
      `${W}: 'config.DATABASE_URL' (a string of 38 characters) is invalid: looks like a credential (a URL with a password), and secret values never go into manifests: reference a Secret with SecretKeyRef.of(secretName, key)`],
    ['a GitHub token in configuration', () => checkNotSecret(widget, 'config.GIT', `ghp_${'A1b2C3d4E5'.repeat(4)}`),
      `${W}: 'config.GIT' (a string of 44 characters) is invalid: looks like a credential (a GitHub token), and secret values never go into manifests: reference a Secret with SecretKeyRef.of(secretName, key)`],
  ]);
  test('accepts a SecretKeyRef', () => expect(checkSecretKeyRef(widget, 'password', ref, 'it')).toBe(ref));

  test.each([
    ['postgres://user:secret@host/db', 'a URL with a password'],
    ['redis://:secret@redis:6379', 'a URL with a password'],
    ['host=db user=app password=hunter22', 'a credential assignment'],
    ['https://api.example.com/export?token=abcdef123', 'a credential assignment'],
    [`xoxb-${'1234567890'.repeat(2)}-abcdefABCDEF`, 'a Slack token'],
    ['https://hooks.slack.com/services/T000/B000/XXXXXXXX', 'a Slack webhook URL'],
    [`sk_live_${'a1B2'.repeat(6)}`, 'a Stripe key'],
    ['AKIAIOSFODNN7EXAMPLE', 'an AWS access key id'],
    ['-----BEGIN RSA PRIVATE KEY-----\nMIIE', 'a private key'],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U', 'a JSON Web Token'],
    ['0123456789abcdef0123456789abcdef', 'a random token'],
    ['Bearer Zm9vYmFyQmF6MTIzNDU2Nzg5MEFiQ2RFZg==', 'a random token'],
    ['wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY', 'a random token'],
    ['dGhpcy1pcy1hLXRva2Vu-Q3pLm9XvB2nR8sK4wYt', 'a random token'],
  ])('knows %s for %s', (value, kind) => expect(secretKind(value)).toBe(kind));

  test.each([
    'payments', 'transaction-service-primary-db', 'fintech-production-2024-eu-west-1', 'https://runbooks.fintech.internal/alerts',
    'http://transaction-service:8004/events/export', `registry/app@sha256:${'0123456789abcdef'.repeat(4)}`,
    '3f786850e387550fdab836ed7e6dc881de23001b', 'ssh://git@github.com/fintech/platform.git', 'app.kubernetes.io/name',
    'sum(rate(http_requests_total{job="payments"}[5m]))', 'The quick brown fox jumps over the lazy dog', '/var/lib/postgresql/data',
    'ThisIsACamelCaseIdentifierName', '1.4.2', 'Etc/UTC',
    '/tmp/cdk8s-fintech-backup-it-AbC123/store', 'KubeAPIErrorBudgetBurn2024', 'registry.fintech.internal/fintech/backup-tools:1.0.0',
  ])('takes %s for configuration', (value) => expect(secretKind(value)).toBeUndefined());

  test.each([
    ['a'.repeat(64), 'a string of 64 characters'],
    ['x', 'a string of 1 character'],
    [12345, 'a number'],
    [undefined, 'undefined'],
    [null, 'null'],
    [['a', 'b'], 'an array of 2 items'],
    [{ password: 'x' }, 'an object'],
    [ref, 'a SecretKeyRef'],
  ])('describes %p as %s', (value, description) => expect(describeSecret(value)).toBe(description));

  test('messages describe secret-looking values, also inside objects, by kind and length', () => {
    expect(describeValue('postgres://user:secret@host/db')).toBe('a string of 30 characters');
    expect(describeValue({ url: 'postgres://user:secret@host/db', port: 5432 })).toBe('{"url":"<a string of 30 characters>","port":5432}');
    expect(describeValue(NaN)).toBe('NaN');
    expect(describeValue(() => 'source code')).toBe('a function');
    const circular: Record<string, unknown> = {};
    circular.self = circular;
    expect(describeValue(circular)).toBe('an object');
    expect(describeValue(BigInt(5))).toBe('5n');
    expect(describeValue(Duration.seconds(1))).toBe('a Duration');
    expect(describeValue(NetworkPeer.serviceNamed('x', []))).toBe('a NetworkPeer');
  });
});
