import { IConstruct } from 'constructs';
import { FintechService } from '../fintech-service';
import { invalidProp } from '../shared/errors';
import { checkArray, checkKnownKeys, checkNoNullOptions, checkNotSecret, checkRecord, checkString, propPath } from '../shared/validation';
import type { ErrorCounterAlert, ServiceAlertOptions } from './alert-rules';
import type { ServiceLevelObjective } from './slo';


/** How one service is watched, beyond what every service gets. */
export interface ServiceMonitoringOptions extends ServiceAlertOptions {
  /** The service's objectives; `[]` for none. @default - the stack's `objectives` */
  readonly objectives?: ServiceLevelObjective[];
  /** The uid of the service's dashboard. @default - derived from the stack's and the service's names */
  readonly dashboardUid?: string;
}

/**
 * The services a stack watches and the per-service options: which services, each once, each
 * with metrics on, and options only for services of the stack.
 */

const SERVICE_OPTIONS = [
  'objectives', 'highErrorRatePerSecond', 'memoryWarningPercent', 'memoryCriticalPercent', 'cpuWarningPercent', 'requestVolumeFactor', 'errorAlerts', 'dashboardUid',
];
const ERROR_ALERT_OPTIONS = ['alert', 'errorType', 'severity', 'summary', 'window', 'threshold', 'for'];

/** Throws unless `services` lists FintechServices with metrics on, each once and with a name unique in the stack. */
export function checkMonitoredServices(scope: IConstruct, prop: string, services: FintechService[]): FintechService[] {
  if (!Array.isArray(services) || services.length === 0) {
    throw invalidProp(scope, prop, services, 'must list at least one FintechService');
  }
  const seen = new Set<string>();
  services.forEach((svc, i) => {
    if (!(svc instanceof FintechService)) throw invalidProp(scope, `${prop}[${i}]`, svc, 'must be a FintechService');
    const key = `${svc.namespace}/${svc.name}`;
    if (seen.has(key)) throw invalidProp(scope, `${prop}[${i}]`, key, 'is listed twice; each service must be monitored once');
    seen.add(key);
    if (!svc.serviceMonitor) {
      throw invalidProp(scope, `${prop}[${i}]`, key, "has metrics turned off (no ServiceMonitor), so nothing would be scraped; turn 'metrics' on or leave the service out");
    }
  });
  const names = services.map((s) => s.name);
  const clash = names.find((n, i) => names.indexOf(n) !== i);
  if (clash) {
    throw invalidProp(scope, prop, clash, 'names two services in different namespaces; service names must be unique in a stack (they name its rules and dashboards)');
  }
  return [...services];
}

/** Throws unless every entry names a service of the stack and has only known options of the right shapes. */
export function checkServiceOptions(
  scope: IConstruct, prop: string, options: Record<string, ServiceMonitoringOptions>, services: readonly FintechService[],
): Record<string, ServiceMonitoringOptions> {
  checkRecord(scope, prop, options, '{ payments: { memoryCriticalPercent: 85 } }');
  const known = services.map((s) => s.name);
  for (const [name, given] of Object.entries(options)) {
    const at = propPath(prop, name);
    if (!known.includes(name)) throw invalidProp(scope, at, name, `names no service of the stack; known: ${known.join(', ')}`);
    checkKnownKeys(scope, at, given, SERVICE_OPTIONS, '{ memoryCriticalPercent: 85 }');
    checkNoNullOptions(scope, at, given, SERVICE_OPTIONS);
    if (given.objectives !== undefined) checkArray(scope, `${at}.objectives`, given.objectives, '[ServiceLevelObjective.availability({ objectivePercent: 99.9 })]');
    if (given.errorAlerts !== undefined) {
      checkArray<ErrorCounterAlert>(scope, `${at}.errorAlerts`, given.errorAlerts, "[{ alert: 'SnapshotFailures', errorType: 'snapshot_failure', ... }]")
        .forEach((a, i) => {
          checkKnownKeys(scope, `${at}.errorAlerts[${i}]`, a, ERROR_ALERT_OPTIONS, "{ alert: 'SnapshotFailures', errorType: 'snapshot_failure', severity: Severity.WARNING, summary: '...' }");
          checkNoNullOptions(scope, `${at}.errorAlerts[${i}]`, a, ['window', 'threshold', 'for']);
        });
    }
    if (given.dashboardUid !== undefined) checkNotSecret(scope, `${at}.dashboardUid`, checkString(scope, `${at}.dashboardUid`, given.dashboardUid), 'a dashboard UID is part of its public URL');
  }
  return options;
}
