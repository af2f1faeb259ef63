import { App, Chart } from 'cdk8s';
import { FintechEnvironment, FintechService, OutputFolder } from '../lib';
import { ENVIRONMENTS, EnvironmentSpec, environmentLabels } from './environments';
import { SERVICES, ServiceSpec, servicePropsFor } from './services';

export * from './environments';
export * from './services';

/**
 * One environment of the reference platform as an App: a chart `environment` (namespace and
 * guard rails), then one chart per service, each written to its own file.
 */
export function buildEnvironment(env: EnvironmentSpec, services: readonly ServiceSpec[] = SERVICES): App {
  const app = new App();
  const labels = environmentLabels(env);
  const environmentChart = new Chart(app, 'environment', { labels });
  new FintechEnvironment(environmentChart, env.namespace, { namespace: env.namespace, labels, quota: env.quota });
  for (const service of services) {
    const chart = new Chart(app, service.name, { namespace: env.namespace, labels });
    new FintechService(chart, service.name, servicePropsFor(service, env));
  }
  return app;
}

/** The reference platform: one output folder per environment. */
export function buildPlatform(services: readonly ServiceSpec[] = SERVICES): OutputFolder[] {
  return ENVIRONMENTS.map((env) => ({ folder: env.name, app: buildEnvironment(env, services) }));
}
