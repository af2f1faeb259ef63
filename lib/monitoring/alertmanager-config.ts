import { Chart, Duration } from 'cdk8s';
import { IConstruct } from 'constructs';
import {
  AlertmanagerConfig, AlertmanagerConfigSpec, AlertmanagerConfigSpecInhibitRulesSourceMatchMatchType as SourceMatchType,
  AlertmanagerConfigSpecInhibitRulesTargetMatchMatchType as TargetMatchType, AlertmanagerConfigSpecReceivers,
  AlertmanagerConfigSpecReceiversEmailConfigs, AlertmanagerConfigSpecReceiversPagerdutyConfigs, AlertmanagerConfigSpecReceiversSlackConfigs,
  AlertmanagerConfigSpecReceiversWebhookConfigs,
  AlertmanagerConfigSpecRoute, AlertmanagerConfigSpecRouteMatchersMatchType as RouteMatchType,
} from '../../imports/alertmanagerconfigs-monitoring.coreos.com';
import { ExternalSecret } from '../../imports/externalsecrets-external-secrets.io';
import { createExternalSecrets, SecretUse } from '../external-secret';
import { SecretKeyRef } from '../secret-key-ref';
import { checkedDuration } from '../shared/duration';
import { invalidProp, invalidSecretProp } from '../shared/errors';
import { promDuration } from '../shared/promql';
import {
  checkArray, checkBoolean, checkDuration, checkKnownKeys, checkLabelKey, checkNoNullOptions, checkNotSecret, checkPort, checkSecretKeyRef, checkString, checkUniqueItems, secretKind,
} from '../shared/validation';
import { RoutedSeverity, Severity, SEVERITIES, WATCHDOG_ALERT } from './alert-rules';
import { MonitoringScope, stackLabels } from './context';

/**
 * Alertmanager routing as the Prometheus Operator's `AlertmanagerConfig` (monitoring.coreos.com/v1alpha1),
 * built from a typed definition. Receivers' credentials are only referenced: as Secret key
 * selectors in the resource (the Operator reads the Secrets), and as `*_file` paths to the mounted
 * Secrets in the equivalent alertmanager.yml that {@link alertmanagerYaml} renders.
 */

/** Slack incoming webhook. */
export interface SlackNotifierOptions {
  /** The channel, e.g. "#fintech-alerts". */
  readonly channel: string;
  /** The Secret key holding the webhook URL (the URL itself is a credential). */
  readonly webhookUrl: SecretKeyRef;
  /** Also notify when the alert resolves. @default true */
  readonly sendResolved?: boolean;
}

/** PagerDuty Events API v2. */
export interface PagerDutyNotifierOptions {
  /** The Secret key holding the integration's routing key. */
  readonly routingKey: SecretKeyRef;
  /** @default true */
  readonly sendResolved?: boolean;
}

/** E-mail through an SMTP relay. */
export interface EmailNotifierOptions {
  /** Recipient address(es), comma-separated. */
  readonly to: string;
  readonly from: string;
  /** The SMTP relay, `host:port`. */
  readonly smarthost: string;
  /** SMTP user. @default - no SMTP authentication */
  readonly username?: string;
  /** The Secret key holding the SMTP password; required with `username`. @default - no SMTP authentication */
  readonly password?: SecretKeyRef;
  /** Refuse to send without STARTTLS. @default true */
  readonly requireTls?: boolean;
  /** @default true */
  readonly sendResolved?: boolean;
}

/** An HTTP POST of Alertmanager's webhook payload, e.g. to a heartbeat service. */
export interface WebhookNotifierOptions {
  /** The Secret key holding the URL (a heartbeat or webhook URL is a credential). */
  readonly url: SecretKeyRef;
  /** The port the URL's host is reached at, for the Alertmanager's NetworkPolicy. @default 443 */
  readonly port?: number;
  /** @default true */
  readonly sendResolved?: boolean;
}

/** Where a notification goes: one Slack channel, one PagerDuty service, one e-mail address or one webhook. */
export class Notifier {
  public static slack(options: SlackNotifierOptions): Notifier {
    return new Notifier('slack', options);
  }

  public static pagerDuty(options: PagerDutyNotifierOptions): Notifier {
    return new Notifier('pagerduty', options);
  }

  public static email(options: EmailNotifierOptions): Notifier {
    return new Notifier('email', options);
  }

  public static webhook(options: WebhookNotifierOptions): Notifier {
    return new Notifier('webhook', options);
  }

  private constructor(
    public readonly kind: 'slack' | 'pagerduty' | 'email' | 'webhook',
    public readonly options: SlackNotifierOptions | PagerDutyNotifierOptions | EmailNotifierOptions | WebhookNotifierOptions,
  ) {}
}

/** Routing by severity: who is told about critical, warning and info alerts, and how often. */
export interface AlertRoutingOptions {
  /** Critical alerts: page someone (PagerDuty), usually also a chat channel. */
  readonly critical: Notifier[];
  /** Warnings: a chat channel. Also the fallback for alerts without a known severity. */
  readonly warning: Notifier[];
  /** Informational alerts. @default - the `warning` notifiers */
  readonly info?: Notifier[];
  /** Alerts with the same values of these labels are sent together. @default ["alertname", "namespace", "service"] */
  readonly groupBy?: string[];
  /** Wait for more alerts of a new group before the first notification. @default Duration.seconds(30) */
  readonly groupWait?: Duration;
  /** Wait before notifying about alerts added to a group already notified. @default Duration.minutes(5) */
  readonly groupInterval?: Duration;
  /**
   * Repeat a notification for an alert still firing after this long, per severity.
   * @default - critical 1 hour, warning 4 hours, info 24 hours
   */
  readonly repeatInterval?: Partial<Record<RoutedSeverity, Duration>>;
  /**
   * Labels whose values must be equal for a firing critical alert to silence warning and info
   * alerts; must include "namespace" (a label both alerts lack counts as equal). @default ["namespace", "service"]
   */
  readonly inhibitEqual?: string[];
  /**
   * The dead man's switch: the stack's rules get the always-firing `Watchdog` alert (severity
   * `none`), and a route sends it, and nothing else, to this notifier every `heartbeatInterval`,
   * never grouped with other alerts and never inhibited. A heartbeat service outside the cluster
   * (e.g. a `Notifier.webhook`) then raises the alarm when the heartbeats stop: Prometheus or
   * Alertmanager is down or cannot notify. Only with the stack's own Alertmanager.
   * @default - no Watchdog alert and no heartbeat
   */
  readonly deadMansSwitch?: Notifier;
  /** How often the Watchdog is sent to `deadMansSwitch`. Between 1 and 15 minutes. @default Duration.minutes(1) */
  readonly heartbeatInterval?: Duration;
}

/** The root route's grouping labels. */
export const DEFAULT_GROUP_BY: readonly string[] = ['alertname', 'namespace', 'service'];
const DEFAULT_REPEAT: Record<string, Duration> = {
  [Severity.CRITICAL]: Duration.hours(1),
  [Severity.WARNING]: Duration.hours(4),
  [Severity.INFO]: Duration.hours(24),
};

/** Where the Alertmanager's pods see a Secret mounted through `spec.secrets`: `<dir>/<secret>/<key>`. */
export const ALERTMANAGER_SECRETS_DIR = '/etc/alertmanager/secrets';

/** The Slack message: status, alert and service in the title; summary, description and runbook of each alert. */
export const SLACK_TITLE = '[{{ .Status | toUpper }}{{ if eq .Status "firing" }}:{{ .Alerts.Firing | len }}{{ end }}] '
  + '{{ .CommonLabels.alertname }}{{ if .CommonLabels.service }} – {{ .CommonLabels.service }}{{ end }}';
export const SLACK_TEXT = '{{ range .Alerts }}*{{ .Labels.severity | toUpper }}* {{ .Annotations.summary }}\n'
  + '{{ .Annotations.description }}\n{{ if .Annotations.runbook_url }}Runbook: {{ .Annotations.runbook_url }}\n{{ end }}{{ end }}';
export const PAGERDUTY_DESCRIPTION = '{{ .CommonLabels.alertname }}{{ if .CommonLabels.service }} – {{ .CommonLabels.service }}{{ end }}: '
  + '{{ .CommonAnnotations.summary }}';

/** The receiver of the dead man's switch: `<prefix>-heartbeat`. */
export function heartbeatReceiverName(prefix: string): string {
  return `${prefix}-heartbeat`;
}

type Matcher = { name: string; value: string; matchType: '=' | '=~' };
type SecretSelector = { name: string; key: string };

/** The `spec` of an AlertmanagerConfig as synthesized, in the CRD's field names: what {@link alertmanagerYaml} reads. */
export interface AlertmanagerConfigJson {
  readonly route: {
    readonly receiver: string;
    readonly groupBy: string[];
    readonly groupWait: string;
    readonly groupInterval: string;
    readonly repeatInterval: string;
    readonly routes: Array<{ receiver: string; matchers: Matcher[]; groupWait?: string; groupInterval?: string; repeatInterval: string }>;
  };
  readonly receivers: Array<{
    name: string;
    slackConfigs?: Array<{ apiURL: SecretSelector; channel: string; sendResolved: boolean; title: string; text: string }>;
    pagerdutyConfigs?: Array<{ routingKey: SecretSelector; sendResolved: boolean; severity: string; description: string }>;
    emailConfigs?: Array<{
      to: string; from: string; smarthost: string; authUsername?: string; authPassword?: SecretSelector; requireTLS: boolean; sendResolved: boolean;
    }>;
    webhookConfigs?: Array<{ urlSecret: SecretSelector; sendResolved: boolean }>;
  }>;
  readonly inhibitRules: Array<{ sourceMatch: Matcher[]; targetMatch: Matcher[]; equal: string[] }>;
}

/** The receiver that gets a severity's alerts: `<prefix>-critical`, ... */
export function receiverName(prefix: string, severity: Severity): string {
  return `${prefix}-${severity}`;
}

/**
 * The AlertmanagerConfig spec: a root route grouping by `groupBy` that falls back to the
 * warning receiver, one child route per severity, one receiver per severity, and an inhibit
 * rule silencing warning and info alerts while a critical alert fires for the same service.
 * Checks every notifier (a missing Secret reference is an error).
 */
export function alertmanagerConfigSpec(scope: IConstruct, prop: string, routing: AlertRoutingOptions, prefix: string): AlertmanagerConfigSpec {
  checkKnownKeys(scope, prop, routing, ROUTING_OPTIONS, '{ critical: [Notifier.pagerDuty({ ... })], warning: [Notifier.slack({ ... })] }');
  checkNoNullOptions(scope, prop, routing, ROUTING_OPTIONS.filter((o) => o !== 'critical' && o !== 'warning'));
  checkLabelList(scope, `${prop}.groupBy`, routing.groupBy);
  checkLabelList(scope, `${prop}.inhibitEqual`, routing.inhibitEqual);
  if (routing.inhibitEqual !== undefined && routing.inhibitEqual.length === 0) {
    throw invalidProp(scope, `${prop}.inhibitEqual`, routing.inhibitEqual,
      'must list at least one label, e.g. ["namespace", "service"]: without one, any critical alert would silence every warning and info alert');
  }
  if (routing.inhibitEqual !== undefined && !routing.inhibitEqual.includes('namespace')) {
    throw invalidProp(scope, `${prop}.inhibitEqual`, routing.inhibitEqual, 'must include "namespace", e.g. ["namespace", "service"]: a label that two alerts both lack counts as equal, '
      + 'so without it a critical alert would silence the warning and info alerts of every other namespace');
  }
  if (routing.repeatInterval !== undefined) {
    checkKnownKeys(scope, `${prop}.repeatInterval`, routing.repeatInterval, [Severity.CRITICAL, Severity.WARNING, Severity.INFO], '{ critical: Duration.hours(1) }');
    checkNoNullOptions(scope, `${prop}.repeatInterval`, routing.repeatInterval, SEVERITIES);
  }
  const notifiers: Record<string, Notifier[]> = {
    [Severity.CRITICAL]: routing.critical,
    [Severity.WARNING]: routing.warning,
    [Severity.INFO]: routing.info ?? routing.warning,
  };
  for (const severity of SEVERITIES) {
    const list = notifiers[severity];
    const at = `${prop}.${routing.info === undefined && severity === Severity.INFO ? Severity.WARNING : severity}`;
    if (!Array.isArray(list) || list.length === 0) {
      throw invalidProp(scope, at, list, 'must list at least one Notifier (Notifier.slack, Notifier.pagerDuty or Notifier.email)');
    }
    list.forEach((n, i) => checkNotifier(scope, `${at}[${i}]`, n));
  }
  const repeat = (severity: RoutedSeverity) => checkedDuration(scope, `${prop}.repeatInterval.${severity}`, routing.repeatInterval?.[severity] ?? DEFAULT_REPEAT[severity]);
  const severityMatcher = <T>(value: string, matchType: T) => ({ name: 'severity', value, matchType });
  const groupBy = [...(routing.groupBy ?? DEFAULT_GROUP_BY)];
  if (groupBy.length === 0) throw invalidProp(scope, `${prop}.groupBy`, groupBy, 'must list at least one label, e.g. ["alertname", "namespace", "service"]');
  const groupInterval = checkedDuration(scope, `${prop}.groupInterval`, routing.groupInterval ?? Duration.minutes(5));
  checkRepeatsAfterGroupInterval(scope, prop, routing);
  const heartbeat = routing.deadMansSwitch === undefined ? undefined : checkHeartbeat(scope, prop, routing.deadMansSwitch, routing.heartbeatInterval);
  if (heartbeat === undefined && routing.heartbeatInterval !== undefined) {
    throw invalidProp(scope, `${prop}.heartbeatInterval`, humanDuration(routing.heartbeatInterval), "is set without 'deadMansSwitch'; give the heartbeat's notifier, or leave the interval out");
  }
  // The heartbeat route comes first and does not continue: the Watchdog reaches its receiver and no other.
  const heartbeatRoutes: AlertmanagerConfigSpecRoute[] = heartbeat === undefined ? [] : [{
    receiver: heartbeatReceiverName(prefix),
    matchers: [
      { name: 'alertname', value: WATCHDOG_ALERT, matchType: RouteMatchType.VALUE_EQUALS },
      severityMatcher(Severity.NONE, RouteMatchType.VALUE_EQUALS),
    ],
    groupWait: '0s',
    groupInterval: heartbeat,
    repeatInterval: heartbeat,
  }];
  return {
    route: {
      receiver: receiverName(prefix, Severity.WARNING),
      groupBy,
      groupWait: checkedDuration(scope, `${prop}.groupWait`, routing.groupWait ?? Duration.seconds(30)),
      groupInterval,
      repeatInterval: repeat(Severity.WARNING),
      routes: [...heartbeatRoutes, ...SEVERITIES.map((severity): AlertmanagerConfigSpecRoute => ({
        receiver: receiverName(prefix, severity),
        matchers: [severityMatcher(severity, RouteMatchType.VALUE_EQUALS)],
        repeatInterval: repeat(severity),
      }))],
    },
    receivers: [
      ...(heartbeat === undefined ? [] : [receiver(heartbeatReceiverName(prefix), [routing.deadMansSwitch!])]),
      ...SEVERITIES.map((severity) => receiver(receiverName(prefix, severity), notifiers[severity])),
    ],
    inhibitRules: [{
      sourceMatch: [severityMatcher(Severity.CRITICAL, SourceMatchType.VALUE_EQUALS)],
      targetMatch: [severityMatcher(`${Severity.WARNING}|${Severity.INFO}`, TargetMatchType.VALUE_EQUAL_TILDE)],
      equal: [...(routing.inhibitEqual ?? ['namespace', 'service'])],
    }],
  };
}

/**
 * The routing as the AlertmanagerConfig `<name>`: with the stack's own Alertmanager in the stack's
 * namespace, else in the services' one (which must be a single namespace, and then no dead man's
 * switch). Returns nothing without routing and without an Alertmanager of the stack's own.
 */
export function createRouting(
  stack: MonitoringScope, prop: string, routing: AlertRoutingOptions | undefined, ownAlertmanager: boolean,
): [AlertmanagerConfigSpec?, AlertmanagerConfig?] {
  if (!routing) {
    if (!ownAlertmanager) return [];
    throw invalidProp(stack, prop, undefined,
      "is required with the stack's own Alertmanager: give the notifiers of each severity, or set 'alertmanager' to false");
  }
  if (!ownAlertmanager && stack.serviceNamespaces.length !== 1) {
    throw invalidProp(stack, prop, stack.serviceNamespaces,
      "needs the services in one namespace when 'alertmanager' is false: the cluster's Alertmanager only routes an AlertmanagerConfig's alerts from its own namespace");
  }
  const spec = alertmanagerConfigSpec(stack, prop, routing, stack.name);
  if (!ownAlertmanager && routing.deadMansSwitch !== undefined) {
    throw invalidProp(stack, `${prop}.deadMansSwitch`, routing.deadMansSwitch.kind,
      "needs the stack's own Alertmanager: the cluster's Alertmanager routes the Watchdog of its own rules (kube-prometheus has one); leave it out with 'alertmanager' false");
  }
  const config = new AlertmanagerConfig(stack, 'AlertmanagerConfig', {
    metadata: { name: stack.name, namespace: ownAlertmanager ? stack.namespace : stack.serviceNamespaces[0], labels: stackLabels(stack, 'alertmanager') },
    spec,
  });
  return [spec, config];
}

/**
 * The ExternalSecrets of the receivers' Secrets that come from a store (`SecretKeyRef.fromExternalSecret`),
 * beside the AlertmanagerConfig that reads them: in the stack's namespace, which must then be its
 * Chart's (with the cluster's Alertmanager the routing lives in the services' namespace, where the
 * stack creates no objects of its own).
 */
export function createRoutingExternalSecrets(stack: MonitoringScope, prop: string, routing: AlertRoutingOptions, config: AlertmanagerConfig): ExternalSecret[] {
  const uses = routingSecretUses(prop, routing);
  const external = uses.find((u) => u.ref.externalSource !== undefined);
  if (external === undefined) return [];
  const namespace = config.metadata.namespace;
  if (namespace !== Chart.of(stack).namespace) {
    throw invalidProp(stack, external.prop, `SecretKeyRef.fromExternalSecret('${external.ref.secretName}')`, `is read by the AlertmanagerConfig in namespace '${namespace}', `
      + "where the stack creates no ExternalSecret (it does in its Chart's namespace, with its own Alertmanager); create the Secret there and reference it with SecretKeyRef.of");
  }
  return createExternalSecrets(stack, uses, stackLabels(stack, 'alertmanager'));
}

/** Every Secret key the routing's notifiers read, with the prop that names it. */
function routingSecretUses(prop: string, routing: AlertRoutingOptions): SecretUse[] {
  const lists: Array<[string, readonly Notifier[]]> = [
    [`${prop}.critical`, routing.critical], [`${prop}.warning`, routing.warning], ...(routing.info ? [[`${prop}.info`, routing.info] as [string, Notifier[]]] : []),
  ];
  const notifiers: Array<[string, Notifier]> = [
    ...lists.flatMap(([at, list]) => list.map((n, i): [string, Notifier] => [`${at}[${i}]`, n])),
    ...(routing.deadMansSwitch ? [[`${prop}.deadMansSwitch`, routing.deadMansSwitch] as [string, Notifier]] : []),
  ];
  const fields = { slack: 'webhookUrl', pagerduty: 'routingKey', email: 'password', webhook: 'url' } as const;
  return notifiers.flatMap(([at, n]) => {
    const ref = (n.options as unknown as Record<string, unknown>)[fields[n.kind]];
    return ref instanceof SecretKeyRef ? [{ prop: `${at}.${fields[n.kind]}`, ref }] : [];
  });
}

function receiver(name: string, notifiers: readonly Notifier[]): AlertmanagerConfigSpecReceivers {
  const of = <T>(kind: Notifier['kind']) => notifiers.filter((n) => n.kind === kind).map((n) => n.options as T);
  const slack = of<SlackNotifierOptions>('slack').map((o): AlertmanagerConfigSpecReceiversSlackConfigs => ({
    apiUrl: secretSelector(o.webhookUrl), channel: o.channel, sendResolved: o.sendResolved ?? true, title: SLACK_TITLE, text: SLACK_TEXT,
  }));
  const pagerduty = of<PagerDutyNotifierOptions>('pagerduty').map((o): AlertmanagerConfigSpecReceiversPagerdutyConfigs => ({
    routingKey: secretSelector(o.routingKey), sendResolved: o.sendResolved ?? true, severity: '{{ .CommonLabels.severity }}', description: PAGERDUTY_DESCRIPTION,
  }));
  const email = of<EmailNotifierOptions>('email').map((o): AlertmanagerConfigSpecReceiversEmailConfigs => ({
    to: o.to,
    from: o.from,
    smarthost: o.smarthost,
    authUsername: o.username,
    authPassword: o.password && secretSelector(o.password),
    requireTls: o.requireTls ?? true,
    sendResolved: o.sendResolved ?? true,
  }));
  const webhook = of<WebhookNotifierOptions>('webhook').map((o): AlertmanagerConfigSpecReceiversWebhookConfigs => ({
    urlSecret: secretSelector(o.url), sendResolved: o.sendResolved ?? true,
  }));
  return {
    name,
    slackConfigs: slack.length ? slack : undefined,
    pagerdutyConfigs: pagerduty.length ? pagerduty : undefined,
    emailConfigs: email.length ? email : undefined,
    webhookConfigs: webhook.length ? webhook : undefined,
  };
}

/** The Secrets an AlertmanagerConfig spec references, sorted: the Alertmanager mounts them (`spec.secrets`). */
export function referencedSecrets(spec: AlertmanagerConfigJson): string[] {
  const names = new Set<string>();
  for (const r of spec.receivers) {
    r.slackConfigs?.forEach((c) => names.add(c.apiURL.name));
    r.pagerdutyConfigs?.forEach((c) => names.add(c.routingKey.name));
    r.emailConfigs?.forEach((c) => c.authPassword && names.add(c.authPassword.name));
    r.webhookConfigs?.forEach((c) => names.add(c.urlSecret.name));
  }
  return [...names].sort();
}

/**
 * The alertmanager.yml equivalent to an AlertmanagerConfig spec (used as the Alertmanager's
 * global configuration, so no namespace matcher is added), with every credential read from the
 * file where the Alertmanager mounts its Secret: `<secretsDir>/<secret>/<key>`. This is what
 * `amtool check-config` checks. Fields it does not know are errors, never silently dropped.
 */
export function alertmanagerYaml(spec: AlertmanagerConfigJson, secretsDir = ALERTMANAGER_SECRETS_DIR): Record<string, unknown> {
  const file = (s: SecretSelector) => `${secretsDir}/${s.name}/${s.key}`;
  const matchers = (list: Matcher[]) => list.map((m) => `${m.name}${m.matchType}${JSON.stringify(m.value)}`);
  return {
    global: { resolve_timeout: '5m' },
    route: {
      receiver: spec.route.receiver,
      group_by: spec.route.groupBy,
      group_wait: spec.route.groupWait,
      group_interval: spec.route.groupInterval,
      repeat_interval: spec.route.repeatInterval,
      routes: spec.route.routes.map((r) => only(r, ['receiver', 'matchers', 'groupWait', 'groupInterval', 'repeatInterval'], {
        receiver: r.receiver, matchers: matchers(r.matchers), group_wait: r.groupWait, group_interval: r.groupInterval, repeat_interval: r.repeatInterval,
      })),
    },
    receivers: spec.receivers.map((r) => only(r, ['name', 'slackConfigs', 'pagerdutyConfigs', 'emailConfigs', 'webhookConfigs'], {
      name: r.name,
      slack_configs: r.slackConfigs?.map((c) => only(c, ['apiURL', 'channel', 'sendResolved', 'title', 'text'], {
        api_url_file: file(c.apiURL), channel: c.channel, send_resolved: c.sendResolved, title: c.title, text: c.text,
      })),
      pagerduty_configs: r.pagerdutyConfigs?.map((c) => only(c, ['routingKey', 'sendResolved', 'severity', 'description'], {
        routing_key_file: file(c.routingKey), send_resolved: c.sendResolved, severity: c.severity, description: c.description,
      })),
      email_configs: r.emailConfigs?.map((c) => only(c, ['to', 'from', 'smarthost', 'authUsername', 'authPassword', 'requireTLS', 'sendResolved'], {
        to: c.to,
        from: c.from,
        smarthost: c.smarthost,
        auth_username: c.authUsername,
        auth_password_file: c.authPassword && file(c.authPassword),
        require_tls: c.requireTLS,
        send_resolved: c.sendResolved,
      })),
      webhook_configs: r.webhookConfigs?.map((c) => only(c, ['urlSecret', 'sendResolved'], {
        url_file: file(c.urlSecret), send_resolved: c.sendResolved,
      })),
    })),
    inhibit_rules: spec.inhibitRules.map((r) => only(r, ['sourceMatch', 'targetMatch', 'equal'], {
      source_matchers: matchers(r.sourceMatch), target_matchers: matchers(r.targetMatch), equal: r.equal,
    })),
  };
}

/** `rendered` without undefined values; throws when `source` has a field the renderer does not translate. */
function only(source: object, known: string[], rendered: Record<string, unknown>): Record<string, unknown> {
  const unknown = Object.keys(source).filter((k) => !known.includes(k) && (source as any)[k] !== undefined);
  if (unknown.length > 0) throw new Error(`alertmanagerYaml: no translation for field(s) ${unknown.join(', ')}`);
  return Object.fromEntries(Object.entries(rendered).filter(([, v]) => v !== undefined));
}

function secretSelector(ref: SecretKeyRef): SecretSelector {
  return { name: ref.secretName, key: ref.key };
}

function checkNotifier(scope: IConstruct, prop: string, notifier: Notifier): void {
  if (!(notifier instanceof Notifier)) {
    // What is given instead of a Notifier is often the receiver's URL or key itself (a heartbeat URL): then shown by its kind only.
    const error = mayHoldCredential(notifier) ? invalidSecretProp : invalidProp;
    throw error(scope, prop, notifier, 'must be a Notifier: Notifier.slack(...), Notifier.pagerDuty(...), Notifier.email(...) or Notifier.webhook(...)');
  }
  const [known, example] = NOTIFIER_OPTIONS[notifier.kind];
  checkKnownKeys(scope, prop, notifier.options, known, example);
  checkNoNullOptions(scope, prop, notifier.options, OPTIONAL_NOTIFIER_OPTIONS);
  const options = notifier.options as { sendResolved?: unknown; requireTls?: unknown };
  if (options.sendResolved !== undefined) checkBoolean(scope, `${prop}.sendResolved`, options.sendResolved);
  if (options.requireTls !== undefined) checkBoolean(scope, `${prop}.requireTls`, options.requireTls);
  const secret = (field: string, ref: SecretKeyRef | undefined, what: string) => {
    checkSecretKeyRef(scope, `${prop}.${field}`, ref, `${what}, e.g. SecretKeyRef.of('alertmanager-receivers', '${kebab(field)}')`);
  };
  if (notifier.kind === 'slack') {
    const o = notifier.options as SlackNotifierOptions;
    secret('webhookUrl', o.webhookUrl, 'the Slack webhook URL');
    checkString(scope, `${prop}.channel`, o.channel, { example: '"#fintech-alerts"' });
    if (!/^[#@]?[^\s]+$/.test(o.channel ?? '')) throw invalidProp(scope, `${prop}.channel`, o.channel, 'must be a Slack channel such as "#fintech-alerts"');
    checkNotSecret(scope, `${prop}.channel`, o.channel, "give the channel's name here, and the webhook URL as 'webhookUrl' (a SecretKeyRef)");
    checkSlackChannel(scope, `${prop}.channel`, o.channel);
  } else if (notifier.kind === 'webhook') {
    const o = notifier.options as WebhookNotifierOptions;
    secret('url', o.url, 'the webhook URL');
    if (o.port !== undefined) checkPort(scope, `${prop}.port`, o.port);
  } else if (notifier.kind === 'pagerduty') {
    secret('routingKey', (notifier.options as PagerDutyNotifierOptions).routingKey, 'the PagerDuty routing key');
  } else {
    const o = notifier.options as EmailNotifierOptions;
    const examples = { to: '"oncall@example.com, sre@example.com"', from: '"alertmanager@example.com"', smarthost: '"smtp.example.com:587"' };
    for (const field of ['to', 'from', 'smarthost'] as const) checkString(scope, `${prop}.${field}`, o[field], { example: examples[field] });
    for (const field of ['to', 'from'] as const) {
      checkNotSecret(scope, `${prop}.${field}`, o[field], 'give the e-mail address only; the Alertmanager configuration is readable by the monitoring team');
      if (!/^[^\s@]+@[^\s@]+(,\s*[^\s@]+@[^\s@]+)*$/.test(o[field] ?? '')) {
        throw invalidProp(scope, `${prop}.${field}`, o[field], 'must be an e-mail address (several for "to", comma-separated)');
      }
    }
    if (o.from.includes(',')) throw invalidProp(scope, `${prop}.from`, o.from, 'must be one e-mail address, the sender; only "to" takes several');
    // An IPv6 address is written in brackets, as Go's net.SplitHostPort reads it: "[2001:db8::25]:587".
    if (!/^([^\s:[\]]+|\[[0-9A-Fa-f:.]+\]):\d+$/.test(o.smarthost ?? '')) {
      throw invalidProp(scope, `${prop}.smarthost`, o.smarthost, 'must be "host:port", e.g. "smtp.fintech.internal:587"');
    }
    const port = Number(o.smarthost.slice(o.smarthost.lastIndexOf(':') + 1));
    if (!(port >= 1 && port <= 65535)) throw invalidProp(scope, `${prop}.smarthost`, o.smarthost, 'must have a port from 1 to 65535, e.g. "smtp.fintech.internal:587"');
    if (o.username !== undefined || o.password !== undefined) {
      if (!o.username) throw invalidProp(scope, `${prop}.username`, o.username, "must be set when 'password' is");
      checkString(scope, `${prop}.username`, o.username);
      checkNotSecret(scope, `${prop}.username`, o.username, "give the SMTP user's name here, and its password as 'password' (a SecretKeyRef)");
      secret('password', o.password, 'the SMTP password');
      if (o.requireTls === false) {
        throw invalidProp(scope, `${prop}.requireTls`, false, "must not be false with a 'password': the SMTP password would cross the network unencrypted; leave it out (STARTTLS required)");
      }
    }
  }
}

/** Slack's channel names: at most 80 characters, lower case; a user ("@name") or a channel id ("C024BE91L") otherwise. */
function checkSlackChannel(scope: IConstruct, prop: string, channel: string): void {
  const user = channel.startsWith('@');
  const name = /^[#@]/.test(channel) ? channel.slice(1) : channel;
  const id = !/^[#@]/.test(channel) && /^[CGD][A-Z0-9]{8,}$/.test(channel);
  if (!id && (name === '' || name.length > 80 || (!user && name !== name.toLowerCase()))) {
    throw invalidProp(scope, prop, channel, 'must be a Slack channel name of at most 80 lowercase characters such as "#fintech-alerts", a user such as "@oncall", '
      + 'or a channel id such as "C024BE91L"');
  }
}

/** A value with a URL or a secret-looking string in it, e.g. a webhook URL given where a Notifier belongs. */
function mayHoldCredential(value: unknown): boolean {
  let text: string | undefined;
  try {
    text = typeof value === 'string' ? value : JSON.stringify(value);
  } catch {
    return true;
  }
  return text !== undefined && (text.includes('://') || secretKind(text) !== undefined);
}

/**
 * Alertmanager sends a group's notifications only at its group interval, so a repeat interval
 * shorter than it is not kept (each repeat waits for the next group interval): refused, on the
 * repeat interval when it is given, else on the group interval that exceeds a default one.
 */
function checkRepeatsAfterGroupInterval(scope: IConstruct, prop: string, routing: AlertRoutingOptions): void {
  const groupSeconds = (routing.groupInterval ?? Duration.minutes(5)).toSeconds();
  for (const severity of SEVERITIES) {
    const given = routing.repeatInterval?.[severity];
    const repeat = checkedDuration(scope, `${prop}.repeatInterval.${severity}`, given ?? DEFAULT_REPEAT[severity]);
    if ((given ?? DEFAULT_REPEAT[severity]).toSeconds() >= groupSeconds) continue;
    const group = promDuration(groupSeconds);
    throw given !== undefined
      ? invalidProp(scope, `${prop}.repeatInterval.${severity}`, repeat, `must be at least 'groupInterval' (${group}): Alertmanager repeats a notification only at a group interval`)
      : invalidProp(scope, `${prop}.groupInterval`, group, `must not exceed the repeat interval of ${severity} alerts (${repeat}, the default): `
        + `Alertmanager repeats a notification only at a group interval; give 'repeatInterval.${severity}' too, or a shorter group interval`);
  }
}

/** Checks the dead man's switch; returns its interval as a PromQL/Alertmanager duration. */
function checkHeartbeat(scope: IConstruct, prop: string, notifier: Notifier, interval: Duration = Duration.minutes(1)): string {
  checkNotifier(scope, `${prop}.deadMansSwitch`, notifier);
  const rendered = checkedDuration(scope, `${prop}.heartbeatInterval`, interval);
  const seconds = checkDuration(scope, `${prop}.heartbeatInterval`, interval);
  if (seconds < 60 || seconds > 15 * 60) {
    throw invalidProp(scope, `${prop}.heartbeatInterval`, interval.toHumanString(),
      'must be between 1 and 15 minutes: shorter floods the heartbeat service, longer hides a dead pipeline for too long');
  }
  return rendered;
}

const ROUTING_OPTIONS = [
  'critical', 'warning', 'info', 'groupBy', 'groupWait', 'groupInterval', 'repeatInterval', 'inhibitEqual', 'deadMansSwitch', 'heartbeatInterval',
];
/** Options of a Notifier with a default (or, for e-mail, none without SMTP authentication). */
const OPTIONAL_NOTIFIER_OPTIONS = ['sendResolved', 'port', 'username', 'password', 'requireTls'];
const NOTIFIER_OPTIONS: Record<Notifier['kind'], [string[], string]> = {
  slack: [['channel', 'webhookUrl', 'sendResolved'], "Notifier.slack({ channel: '#fintech-alerts', webhookUrl: SecretKeyRef.of('alertmanager-receivers', 'slack-url') })"],
  pagerduty: [['routingKey', 'sendResolved'], "Notifier.pagerDuty({ routingKey: SecretKeyRef.of('alertmanager-receivers', 'routing-key') })"],
  email: [['to', 'from', 'smarthost', 'username', 'password', 'requireTls', 'sendResolved'],
    "Notifier.email({ to: 'oncall@example.com', from: 'alertmanager@example.com', smarthost: 'smtp.example.com:587' })"],
  webhook: [['url', 'port', 'sendResolved'], "Notifier.webhook({ url: SecretKeyRef.of('alertmanager-receivers', 'heartbeat-url') })"],
};

/** A list of label names (grouping, inhibition), each a valid label name. */
function checkLabelList(scope: IConstruct, prop: string, labels: unknown): void {
  if (labels === undefined) return;
  const list = checkArray<string>(scope, prop, labels, '["namespace", "service"]');
  list.forEach((label, i) => {
    checkLabelKey(scope, `${prop}[${i}]`, label);
    if (!/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(label)) {
      throw invalidProp(scope, `${prop}[${i}]`, label, 'must be a Prometheus label name: letters, digits and "_", not starting with a digit, e.g. "service"');
    }
  });
  checkUniqueItems(scope, prop, list);
}

/** A Duration as a message shows it, whatever was given. */
function humanDuration(value: unknown): unknown {
  return value instanceof Duration ? value.toHumanString() : value;
}

function kebab(name: string): string {
  return name.replace(/([a-z])([A-Z])/g, '$1-$2').toLowerCase();
}
