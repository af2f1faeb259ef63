import { Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import {
  CanaryBackend, DataClassification, DisruptionBudgetOptions, FintechServiceProps, IngressTls, NetworkPeer, ScalingPolicy, SecretKeyRef, ServiceMonitoringOptions, Severity,
} from '../lib';
import { EnvironmentSpec, ServiceSizing } from './environments';

/** Where the platform's images live: `<registry>/fintech/<service>:<version>`. */
export const IMAGE_REGISTRY = 'registry.fintech.internal';

/**
 * A network peer in the catalogue: another service of the catalogue by its name (the wiring
 * resolves it to that service's construct), or any other {@link NetworkPeer}.
 */
export type CataloguePeer = string | NetworkPeer;

/** One service of the catalogue (PLATFORM.md, "Service catalogue"). */
export interface ServiceSpec {
  readonly name: string;
  readonly port: number;
  /** Release deployed (the stable release of a canary-delivered service); the image tag. */
  readonly version: string;
  /** What data the service holds; `CARDHOLDER` puts it in PCI DSS scope (see platform/segmentation.ts). */
  readonly dataClassification: DataClassification;
  /** The team answerable for the service's data. */
  readonly owner: string;
  /** Delivered by a CanaryRollout on this backend. @default - a FintechService, no canary */
  readonly canaryBackend?: CanaryBackend;
  /** Who may connect to the service. @default - nobody but the metrics scrapers */
  readonly ingressFrom?: readonly CataloguePeer[];
  /** Whom the service connects to, besides cluster DNS and tracing. @default - tracing only */
  readonly egressTo?: readonly CataloguePeer[];
  /** What the service needs besides the environment's sizing and its peers; may depend on the environment. */
  readonly props?: (env: EnvironmentSpec) => Partial<Omit<FintechServiceProps, 'ingressFrom' | 'egressTo'>>;
  /** The service's own alerts and thresholds in the environment's MonitoringStack. @default - the stack's defaults */
  readonly monitoring?: ServiceMonitoringOptions;
}

/**
 * The platform's address plan for what runs outside the cluster: the managed PostgreSQL servers'
 * and the EventStore's private subnets. Cardholder-data services may reach only named CIDRs.
 */
export const DATA_SUBNETS = { postgres: '10.40.10.0/24', eventStore: '10.40.20.0/24' } as const;
const POSTGRES = NetworkPeer.external('postgres', [{ port: 5432 }], DATA_SUBNETS.postgres);
const EVENT_STORE = NetworkPeer.external('eventstore', [{ port: 2113 }], DATA_SUBNETS.eventStore);
/** The OpenTelemetry collector in front of Jaeger. */
const TRACING = NetworkPeer.namespace('observability', [{ port: 4317 }]);
const GATEWAY = 'api-gateway';


/** Internal services: reached only through the gateway (and by the services named in `egressTo`). */
interface InternalServiceOptions {
  readonly owner: string;
  readonly dataClassification: DataClassification;
  readonly egressTo?: CataloguePeer[];
  readonly alsoFrom?: CataloguePeer[];
}
const internal = (name: string, port: number, version: string, options: InternalServiceOptions): ServiceSpec => ({
  name, port, version,
  dataClassification: options.dataClassification,
  owner: options.owner,
  ingressFrom: [GATEWAY, ...(options.alsoFrom ?? [])],
  egressTo: options.egressTo,
});
const { CARDHOLDER, CONFIDENTIAL, INTERNAL } = DataClassification;

const INTERNAL_SERVICES: ServiceSpec[] = [
  internal('auth-service', 8001, '1.6.0', { owner: 'identity', dataClassification: CONFIDENTIAL, egressTo: [POSTGRES] }),
  internal('account-service', 8001, '1.9.2', {
    owner: 'accounts', dataClassification: CONFIDENTIAL,
    egressTo: [POSTGRES],
    alsoFrom: ['payment-service', 'transaction-service'],
  }),
  internal('transaction-service', 8004, '2.3.1', {
    owner: 'ledger', dataClassification: CONFIDENTIAL,
    egressTo: [POSTGRES, 'account-service'],
    alsoFrom: ['payment-service'],
  }),
  internal('payment-service', 8080, '1.4.0', {
    owner: 'payments', dataClassification: CARDHOLDER,
    egressTo: [POSTGRES, 'account-service', 'transaction-service', 'risk-service', 'notification-service'],
  }),
  internal('risk-service', 8080, '1.2.5', { owner: 'risk', dataClassification: CONFIDENTIAL, alsoFrom: ['payment-service'] }),
  internal('notification-service', 8080, '1.1.3', { owner: 'engagement', dataClassification: INTERNAL, alsoFrom: ['payment-service'] }),
  internal('analytics-service', 8080, '1.0.7', { owner: 'data', dataClassification: INTERNAL }),
];

/** transactions-service: its own PostgreSQL, credentials in the Secret `postgres-credentials` [004]. */
const TRANSACTIONS_SERVICE: ServiceSpec = {
  name: 'transactions-service',
  port: 8002,
  owner: 'ledger',
  dataClassification: CARDHOLDER,
  version: '1.3.0',
  ingressFrom: [GATEWAY],
  egressTo: [POSTGRES],
  props: () => ({
    secretEnv: {
      DB_HOST: SecretKeyRef.of('postgres-credentials', 'host'),
      DB_USER: SecretKeyRef.of('postgres-credentials', 'user'),
      DB_PASSWORD: SecretKeyRef.of('postgres-credentials', 'password'),
    },
  }),
};

/** finance-service's numbers that depend on the environment's size. */
interface FinanceSizing {
  readonly replicas: number;
  readonly maxSurge: number;
  readonly maxReplicas: number;
  readonly disruptionBudget: DisruptionBudgetOptions;
  readonly resources: NonNullable<FintechServiceProps['resources']>;
  /** Node's heap limit (`--max-old-space-size`). */
  readonly maxOldSpaceMiB: number;
}

const FINANCE_SIZING: Record<ServiceSizing, FinanceSizing> = {
  [ServiceSizing.PRODUCTION]: {
    replicas: 10, maxSurge: 3, maxReplicas: 25, disruptionBudget: { minAvailable: 7 },
    resources: { cpu: { request: Cpu.millis(600), limit: Cpu.millis(1500) }, memory: { request: Size.mebibytes(1536), limit: Size.gibibytes(3) } },
    maxOldSpaceMiB: 2048,
  },
  [ServiceSizing.REDUCED]: {
    replicas: 2, maxSurge: 1, maxReplicas: 4, disruptionBudget: { maxUnavailable: 1 },
    resources: { cpu: { request: Cpu.millis(300), limit: Cpu.millis(750) }, memory: { request: Size.mebibytes(768), limit: Size.mebibytes(1536) } },
    maxOldSpaceMiB: 1024,
  },
};

/**
 * finance-service [002, 003]: production numbers from PLATFORM.md, "finance-service in
 * production". A reduced environment keeps its shape (probes, policies, configuration) at its size.
 */
const FINANCE_SERVICE: ServiceSpec = {
  name: 'finance-service',
  port: 3014,
  owner: 'finance',
  dataClassification: CARDHOLDER,
  version: '2.0.0',
  canaryBackend: CanaryBackend.PLAIN_KUBERNETES,
  ingressFrom: [GATEWAY],
  egressTo: [POSTGRES, EVENT_STORE],
  monitoring: {
    memoryCriticalPercent: 85,
    errorAlerts: [
      { alert: 'EventStoreConnectionErrors', errorType: 'eventstore_connection', severity: Severity.WARNING, summary: 'cannot reach the EventStore' },
      { alert: 'SnapshotFailures', errorType: 'snapshot_failure', severity: Severity.CRITICAL, summary: 'event-store snapshots fail' },
    ],
  },
  props: (env) => {
    const size = FINANCE_SIZING[env.serviceSizing];
    return {
      servicePort: 80,
      replicas: size.replicas,
      rollingUpdate: { maxSurge: size.maxSurge, maxUnavailable: 0 },
      sessionAffinityTimeout: Duration.hours(3),
      autoscaling: {
        maxReplicas: size.maxReplicas,
        cpuUtilizationPercent: 65,
        memoryUtilizationPercent: 75,
        scaleUp: {
          policies: [ScalingPolicy.percent(50, Duration.minutes(1)), ScalingPolicy.pods(3, Duration.minutes(1))],
          selectPolicy: 'Max',
        },
        scaleDown: {
          stabilizationWindow: Duration.minutes(5),
          policies: [ScalingPolicy.pods(1, Duration.minutes(2))],
        },
      },
      disruptionBudget: size.disruptionBudget,
      resources: size.resources,
      env: { NODE_OPTIONS: `--max-old-space-size=${size.maxOldSpaceMiB}` },
      livenessProbe: { path: '/health/live', initialDelay: Duration.seconds(60), period: Duration.seconds(15) },
      readinessProbe: { path: '/health/ready', initialDelay: Duration.seconds(30), period: Duration.seconds(5) },
      startupProbe: { path: '/health/live', period: Duration.seconds(10), window: Duration.minutes(5) },
      terminationGracePeriod: Duration.seconds(60),
      config: {
        EVENTSTORE_SNAPSHOT_FREQUENCY: '50',
        EVENTSTORE_SNAPSHOT_RETENTION: '3',
        EVENTSTORE_READ_BATCH_SIZE: '500',
        DATABASE_POOL_SIZE: '20',
        RETRY_ATTEMPTS: '5',
      },
      secretEnv: {
        DATABASE_HOST: environmentSecret(env, `finance-db-${env.name}`, 'host', 'finance-db'),
        DATABASE_USERNAME: environmentSecret(env, `finance-db-${env.name}`, 'username', 'finance-db'),
        DATABASE_PASSWORD: environmentSecret(env, `finance-db-${env.name}`, 'password', 'finance-db'),
        JWT_SECRET: environmentSecret(env, `finance-secrets-${env.name}`, 'jwt-secret', 'finance-secrets'),
        CORS_ORIGIN: environmentSecret(env, `finance-secrets-${env.name}`, 'cors-origin', 'finance-secrets'),
        EVENTSTORE_CONNECTION: environmentSecret(env, `finance-secrets-${env.name}`, 'eventstore-connection', 'finance-secrets'),
      },
    };
  },
};

/** api-gateway: the only service reachable from outside, through the ingress controller (TLS terminated there). */
const API_GATEWAY: ServiceSpec = {
  name: 'api-gateway',
  port: 8000,
  owner: 'platform',
  dataClassification: INTERNAL,
  version: '3.2.0',
  egressTo: [POSTGRES, ...[...INTERNAL_SERVICES, TRANSACTIONS_SERVICE, FINANCE_SERVICE].map((s) => s.name)],
  props: (env) => ({
    ingress: { host: env.gatewayHost, tls: IngressTls.fromClusterIssuer(env.certificateIssuer) },
    // Not on port 8000: the Ingress routes every path of it from the internet.
    metrics: { port: 9090 },
    // PLATFORM.md: min 100m / 50Mi, max 1 CPU / 500Mi (the defaults); recommendations only beside the HPA.
    verticalAutoscaling: {},
  }),
};

/**
 * The key `key` of the Secret `secretName`: in an environment with a `secretStore`, synchronised by
 * the External Secrets Operator from the remote key `fintech/<environment>/<remoteName>` (property
 * `key`), refreshed hourly; otherwise a Secret created outside git.
 */
export function environmentSecret(env: EnvironmentSpec, secretName: string, key: string, remoteName = secretName): SecretKeyRef {
  if (!env.secretStore) return SecretKeyRef.of(secretName, key);
  return SecretKeyRef.fromExternalSecret({
    secretName, key, store: env.secretStore, remoteKey: `fintech/${env.name}/${remoteName}`, property: key, refreshInterval: Duration.hours(1),
  });
}

/** The ten services, in the order they appear in dist/. */
export const SERVICES: readonly ServiceSpec[] = [API_GATEWAY, ...INTERNAL_SERVICES, TRANSACTIONS_SERVICE, FINANCE_SERVICE];

/**
 * The props of a service in an environment: the environment's sizing, shared configuration, then
 * the service's own. Its peers are not props: see {@link peersOf}.
 */
export function servicePropsFor(service: ServiceSpec, env: EnvironmentSpec): FintechServiceProps {
  const own = service.props?.(env) ?? {};
  const sizing: Partial<FintechServiceProps> = {
    replicas: env.replicas,
    autoscaling: { maxReplicas: env.maxReplicas },
    resources: env.resources && {
      cpu: { request: env.resources.cpuRequest, limit: env.resources.cpuLimit },
      memory: { request: env.resources.memoryRequest, limit: env.resources.memoryLimit },
    },
  };
  return {
    ...sizing,
    ...own,
    image: imageOf(service),
    port: service.port,
    dataClassification: service.dataClassification,
    owner: service.owner,
    config: { ...sharedConfig(service, env), ...own.config },
  };
}

/** A service's peers, in order: its own, then the tracing collector every service sends to. */
export function peersOf(service: ServiceSpec): { ingressFrom: readonly CataloguePeer[]; egressTo: readonly CataloguePeer[] } {
  return { ingressFrom: service.ingressFrom ?? [], egressTo: [...(service.egressTo ?? []), TRACING] };
}

/** `<registry>/fintech/<service>:<version>`, by default the catalogue's version. */
export function imageOf(service: ServiceSpec, version = service.version): string {
  return `${IMAGE_REGISTRY}/fintech/${service.name}:${version}`;
}

/** Configuration every service gets: who it is and where traces go. */
function sharedConfig(service: ServiceSpec, env: EnvironmentSpec): Record<string, string> {
  return {
    SERVICE_NAME: service.name,
    ENVIRONMENT: env.name,
    LOG_LEVEL: env.logLevel,
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://otel-collector.observability:4317',
  };
}
