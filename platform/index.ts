import { App, Chart } from 'cdk8s';
import {
  CanaryPhase, CanaryRollout, FintechEnvironment, FintechService, GitOpsDelivery, MonitoringStack, prometheusUrl,
} from '../lib';
import { foldersWaves, OutputFolder } from '../lib/tools';
import { platformBackups } from './backups';
import { ENVIRONMENTS, EnvironmentSpec, environmentLabels } from './environments';
import { monitoringPropsFor } from './monitoring';
import { imageOf, SERVICES, ServiceSpec, servicePropsFor } from './services';

export * from './backups';
export * from './environments';
export * from './monitoring';
export * from './services';

/** A release being rolled out to a service as a canary; the service's catalogue `version` is the stable release. */
export interface CanaryRelease {
  /** The new release (image tag). */
  readonly canaryVersion: string;
  /** Plain Kubernetes only: where the rollout stands. */
  readonly phase?: CanaryPhase;
}

/** Canary releases in progress, by service name. */
export type CanaryReleases = Readonly<Record<string, CanaryRelease>>;

/** What an environment's App includes beyond the namespace and the services. */
export interface EnvironmentOptions {
  /** The environment's MonitoringStack. @default true */
  readonly monitoring?: boolean;
}

/**
 * One environment of the reference platform as an App: a chart `environment` (namespace and
 * guard rails), the database backups, one chart per service, each written to its own file, and
 * the environment's monitoring (namespace `monitoring`). A service with a canary release is
 * delivered by a CanaryRollout, the others by a FintechService.
 */
export function buildEnvironment(
  env: EnvironmentSpec, services: readonly ServiceSpec[] = SERVICES, canaries: CanaryReleases = {}, options: EnvironmentOptions = {},
): App {
  const unknown = Object.keys(canaries).filter((name) => !services.some((s) => s.name === name && s.canaryBackend));
  if (unknown.length > 0) throw new Error(`Canary releases name services that are not canary-delivered in the catalogue: ${unknown.join(', ')}`);
  const app = new App();
  const labels = environmentLabels(env);
  const environmentChart = new Chart(app, 'environment', { labels });
  new FintechEnvironment(environmentChart, env.namespace, { namespace: env.namespace, labels, quota: env.quota });
  platformBackups(app, env, labels);
  const monitoringStackName = `fintech-${env.name}`;
  const watched: FintechService[] = [];
  for (const service of services) {
    const chart = new Chart(app, service.name, { namespace: env.namespace, labels });
    const { image, ...props } = servicePropsFor(service, env);
    const canary = canaries[service.name];
    if (service.canaryBackend) {
      watched.push(new CanaryRollout(chart, service.name, {
        ...props,
        backend: service.canaryBackend,
        stableImage: image,
        canaryImage: canary && imageOf(service, canary.canaryVersion),
        phase: canary?.phase,
        analysis: { prometheusAddress: prometheusUrl(monitoringStackName) },
      }).service);
    } else {
      watched.push(new FintechService(chart, service.name, { ...props, image }));
    }
  }
  if (options.monitoring === false) return app;
  const monitoringChart = new Chart(app, 'monitoring', { namespace: 'monitoring', labels });
  new MonitoringStack(monitoringChart, monitoringStackName, { services: watched, ...monitoringPropsFor(env, services.map((s) => s.name)) });
  return app;
}

/** Where the platform's git repository is and how each environment is synced. */
export interface GitOpsSettings {
  readonly repoUrl: string;
  /** @default "main" */
  readonly revision?: string;
  /** Environments that Argo CD syncs only when an operator says so. @default - none */
  readonly manualSync?: readonly EnvironmentSpec['name'][];
}

/** The reference platform: one output folder per environment. */
export function buildPlatform(canaries: CanaryReleases = {}, services: readonly ServiceSpec[] = SERVICES): OutputFolder[] {
  return ENVIRONMENTS.map((env) => ({ folder: env.name, app: buildEnvironment(env, services, canaries) }));
}

/** The Argo CD and Flux objects that apply `environments` (the output of buildPlatform), in folder `gitops`. */
export function buildGitOps(environments: readonly OutputFolder[], settings: GitOpsSettings): OutputFolder {
  const app = new App();
  const waves = foldersWaves(environments);
  new GitOpsDelivery(new Chart(app, 'gitops'), 'delivery', {
    repoUrl: settings.repoUrl,
    revision: settings.revision,
    environments: ENVIRONMENTS.filter((env) => waves.has(env.name)).map((env) => ({
      name: env.name,
      namespace: env.namespace,
      waves: waves.get(env.name)!,
      automatedSync: !settings.manualSync?.includes(env.name),
    })),
  });
  return { folder: 'gitops', app, waves: false };
}
