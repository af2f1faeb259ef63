import { Cron, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { ChangeFreeze, EnvironmentQuota, PrometheusOptions, SecretStoreRef } from '../lib';

/** How the catalogue sizes a service that sizes itself (finance-service) in an environment. */
export enum ServiceSizing {
  /** PLATFORM.md's production numbers. */
  PRODUCTION = 'production',
  /** The same shape (probes, policies, configuration) at a fraction of the size. */
  REDUCED = 'reduced',
}

/**
 * One environment of the reference platform (PLATFORM.md, "Environments"): everything in which
 * environments differ is a field here, so that another environment is one more value of this type.
 */
export interface EnvironmentSpec {
  /** Folder in dist/ and value of the `environment` label. */
  readonly name: string;
  readonly namespace: string;
  readonly quota: EnvironmentQuota;
  /** Public DNS name of the API gateway. */
  readonly gatewayHost: string;
  /** The cert-manager ClusterIssuer that issues the gateway's certificate. */
  readonly certificateIssuer: string;
  /** Replicas of every service that the catalogue does not size itself. */
  readonly replicas: number;
  /** Autoscaler ceiling of every service that the catalogue does not size itself. */
  readonly maxReplicas: number;
  /** Container resources of every service that the catalogue does not size itself; undefined: the library's production defaults. */
  readonly resources?: {
    readonly cpuRequest: Cpu;
    readonly cpuLimit: Cpu;
    readonly memoryRequest: Size;
    readonly memoryLimit: Size;
  };
  /** How the services that size themselves are sized. */
  readonly serviceSizing: ServiceSizing;
  /** The services' `LOG_LEVEL`. */
  readonly logLevel: 'debug' | 'info';
  /** The platform database (schema `fintech`) that the backups dump. */
  readonly platformDatabase: string;
  /**
   * The age recipients (public keys, `age1...`) every backup of the environment is encrypted to.
   * Their identities (private keys) are kept offline in the bank's vault; the environment's
   * Secret `backup-age-identity` holds the one the restore and verification Jobs decrypt with.
   */
  readonly backupRecipients: readonly string[];
  /** Where alerts go: every severity to this Slack channel, and critical ones page through PagerDuty when `pageOnCritical`. */
  readonly alerts: { readonly slackChannel: string; readonly pageOnCritical: boolean };
  /** Prometheus sizing (its version is the platform's). @default - the library's defaults */
  readonly prometheus?: Omit<PrometheusOptions, 'version'>;
  /** Argo CD syncs every commit; `false`: only when an operator says so (a change window). */
  readonly automatedSync: boolean;
  /** Periods during which neither Argo CD nor Flux applies changes. */
  readonly freezes: readonly ChangeFreeze[];
  /**
   * The External Secrets Operator store that finance-service's and the database backup's Secrets
   * are synchronised from (remote keys `fintech/<environment>/<secret>`). @default - those Secrets are created outside git
   */
  readonly secretStore?: SecretStoreRef;
}

/**
 * Month-end closing: the books of the month are closed in the first three days of the next,
 * so production changes freeze from midnight UTC on the 1st for 72 hours. An operator may
 * still sync by hand in an emergency. (The last days of a month cannot be named by a cron
 * schedule, and a fixed length from the 28th would cover a different number of days each month.)
 */
export const MONTH_END_CLOSING = ChangeFreeze.recurring({
  schedule: Cron.schedule({ minute: '0', hour: '0', day: '1' }),
  duration: Duration.hours(72),
  reason: 'Month-end closing: the books are closed in the first three days of the month',
  timeZone: 'UTC',
  manualSync: true,
});

/**
 * Staging is small: 2 replicas (so a disruption budget still allows a drain), a quarter of
 * production's resources and a smaller Prometheus; its changes sync at once. Its quota is
 * PLATFORM.md's 4 / 8Gi / 8 / 16Gi raised to what the autoscaler maxima need, with headroom
 * (reports/capacity.md shows the figures).
 */
export const STAGING: EnvironmentSpec = {
  name: 'staging',
  namespace: 'fintech-staging',
  gatewayHost: 'api.staging.fintech.example.com',
  certificateIssuer: 'letsencrypt-staging',
  quota: {
    requestsCpu: Cpu.units(6),
    requestsMemory: Size.gibibytes(14),
    limitsCpu: Cpu.units(14),
    limitsMemory: Size.gibibytes(28),
    persistentVolumeClaims: 5,
  },
  replicas: 2,
  maxReplicas: 4,
  resources: {
    cpuRequest: Cpu.millis(100),
    cpuLimit: Cpu.millis(250),
    memoryRequest: Size.mebibytes(256),
    memoryLimit: Size.mebibytes(512),
  },
  serviceSizing: ServiceSizing.REDUCED,
  logLevel: 'debug',
  platformDatabase: 'fintech_ai_staging',
  backupRecipients: ['age1axecfyprmxh2zsjfmny596u2nf9v42teuvad8tstdal2x4e3ypxsmwsl2j'],
  alerts: { slackChannel: '#fintech-staging-alerts', pageOnCritical: false },
  // Samples are kept for the objectives' 30-day window (the library's default retention); the
  // volume's size cap (nine tenths of it) stops a full disk first if staging is busier than expected.
  prometheus: {
    storage: Size.gibibytes(20),
    resources: { cpu: { request: Cpu.millis(250), limit: Cpu.millis(500) }, memory: { request: Size.gibibytes(1), limit: Size.gibibytes(2) } },
  },
  automatedSync: true,
  freezes: [],
};

/**
 * Production uses the library's defaults (Prometheus included), which are PLATFORM.md's
 * production defaults, and syncs only when an operator says so. Its quota is not PLATFORM.md's 16 / 32Gi / 32 / 64Gi: those do not hold even a rollout of
 * finance-service (33Gi of requests.memory), and the guide's own autoscaler maxima need
 * 37.5 CPU / 82.5Gi of requests and 82.5 CPU / 165Gi of limits. The quota below is those
 * maxima plus a finance-service rollout at its maximum, with about 10 % headroom.
 */
export const PRODUCTION: EnvironmentSpec = {
  name: 'production',
  namespace: 'fintech-production',
  gatewayHost: 'api.fintech.example.com',
  certificateIssuer: 'letsencrypt-production',
  quota: {
    requestsCpu: Cpu.units(44),
    requestsMemory: Size.gibibytes(96),
    limitsCpu: Cpu.units(96),
    limitsMemory: Size.gibibytes(192),
    persistentVolumeClaims: 10,
  },
  replicas: 3,
  maxReplicas: 10,
  serviceSizing: ServiceSizing.PRODUCTION,
  logLevel: 'info',
  platformDatabase: 'fintech_ai_prod',
  backupRecipients: ['age1y9ak30xdyt8ha8af3r8hnna2ksq65tqzyelcuwqkwdae0cf2v4ysy770en'],
  alerts: { slackChannel: '#fintech-alerts', pageOnCritical: true },
  automatedSync: false,
  freezes: [MONTH_END_CLOSING],
  secretStore: SecretStoreRef.cluster('vault-backend'),
};

export const ENVIRONMENTS: readonly EnvironmentSpec[] = [STAGING, PRODUCTION];

/** Labels on every object of an environment, and on its Namespace. */
export function environmentLabels(env: EnvironmentSpec): Record<string, string> {
  return { environment: env.name, team: 'fintech' };
}
