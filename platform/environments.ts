import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { EnvironmentQuota } from '../lib';

/** How one environment of the reference platform is sized (PLATFORM.md, "Environments"). */
export interface EnvironmentSpec {
  /** Folder in dist/ and value of the `environment` label. */
  readonly name: 'staging' | 'production';
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
}

/**
 * Staging is small: 2 replicas (so a disruption budget still allows a drain) and a quarter of
 * production's resources, which keeps all ten services plus a rollout surge inside its quota.
 */
export const STAGING: EnvironmentSpec = {
  name: 'staging',
  namespace: 'fintech-staging',
  gatewayHost: 'api.staging.fintech.example.com',
  certificateIssuer: 'letsencrypt-staging',
  quota: {
    requestsCpu: Cpu.units(4),
    requestsMemory: Size.gibibytes(8),
    limitsCpu: Cpu.units(8),
    limitsMemory: Size.gibibytes(16),
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
};

/** Production uses the library's defaults, which are PLATFORM.md's production defaults. */
export const PRODUCTION: EnvironmentSpec = {
  name: 'production',
  namespace: 'fintech-production',
  gatewayHost: 'api.fintech.example.com',
  certificateIssuer: 'letsencrypt-production',
  quota: {
    requestsCpu: Cpu.units(16),
    requestsMemory: Size.gibibytes(32),
    limitsCpu: Cpu.units(32),
    limitsMemory: Size.gibibytes(64),
    persistentVolumeClaims: 10,
  },
  replicas: 3,
  maxReplicas: 10,
};

export const ENVIRONMENTS: readonly EnvironmentSpec[] = [STAGING, PRODUCTION];

/** Labels on every object of an environment, and on its Namespace. */
export function environmentLabels(env: EnvironmentSpec): Record<string, string> {
  return { environment: env.name, team: 'fintech' };
}
