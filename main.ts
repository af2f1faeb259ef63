import * as fs from 'fs';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { CanaryBackend, CanaryRollout, FintechEnvironment, FintechService, GitOpsDelivery, MonitoringStack, NetworkPeer } from './lib';
import {
  capacityMarkdown, capacityTable, compareOutput, DeliveryPlan, environmentResources, OutputFile, OutputFolder, planDelivery, SegmentationResult,
  segmentationMarkdown, synthesize, Synthesis, wavesOf, writeFileAtomically, writeOutput,
} from './lib/tools';
import {
  CANARY_RELEASES, CanaryReleases, CataloguePeer, ENVIRONMENTS, EnvironmentSpec, environmentLabels, GITOPS, GitOpsSettings, imageOf, monitoringNamespaceOf, monitoringPropsFor, monitoringStackNameOf,
  peersOf, platformBackups, RUNBOOK_BASE_URL, scopeEntrancesFor, SERVICES, ServiceSpec, servicePropsFor,
} from './platform';
import { synthArgs } from './scripts/args';

/** The capacity report, committed beside dist/ (not applied: outside the environment folders). */
export const CAPACITY_REPORT = 'reports/capacity.md';
/** The cardholder-data scope and its connections, for the assessor, regenerated with dist/. */
export const SEGMENTATION_REPORT = 'reports/segmentation.md';

/** What an environment's App includes beyond the namespace and the services. */
export interface EnvironmentOptions {
  /** The environment's MonitoringStack. @default true */
  readonly monitoring?: boolean;
}

/**
 * One environment of the reference platform as an App: a chart `environment` (namespace and
 * guard rails), the database backups, one chart per service, each written to its own file, and
 * the environment's monitoring (namespace `<namespace>-monitoring`). A service with a canary release is
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
  const monitoringStackName = monitoringStackNameOf(env);
  const monitoringNamespace = monitoringNamespaceOf(env);
  const watched: FintechService[] = [];
  for (const service of services) {
    const chart = new Chart(app, service.name, { namespace: env.namespace, labels });
    const { image, ...serviceProps } = servicePropsFor(service, env);
    const props = { ...serviceProps, metricsScrapers: NetworkPeer.namespace(monitoringNamespace) };
    const canary = canaries[service.name];
    if (service.canaryBackend) {
      watched.push(new CanaryRollout(chart, service.name, {
        ...props,
        backend: service.canaryBackend,
        stableImage: image,
        canaryImage: canary && imageOf(service, canary.canaryVersion),
        phase: canary?.phase,
        ...(service.canaryBackend === CanaryBackend.ARGO_ROLLOUTS
          ? { analysis: { prometheusAddress: MonitoringStack.prometheusUrlOf(monitoringStackName, monitoringNamespace) } }
          : { runbookBaseUrl: RUNBOOK_BASE_URL }),
      }).service);
    } else {
      watched.push(new FintechService(chart, service.name, { ...props, image }));
    }
  }
  connectPeers(services, watched);
  platformBackups(app, env, labels, watched);
  if (options.monitoring === false) return app;
  const monitoringChart = new Chart(app, 'monitoring', { namespace: monitoringNamespace, labels });
  new MonitoringStack(monitoringChart, monitoringStackName, { services: watched, ...monitoringPropsFor(env, services) });
  return app;
}

/**
 * Gives each service its catalogue peers, in order, with every peer the catalogue names resolved
 * to the service built for it: the one place where names become objects.
 */
function connectPeers(specs: readonly ServiceSpec[], built: readonly FintechService[]): void {
  const byName = new Map(built.map((svc) => [svc.name, svc]));
  for (const spec of specs) {
    const service = byName.get(spec.name)!;
    const resolve = (peer: CataloguePeer): NetworkPeer => {
      if (typeof peer !== 'string') return peer;
      const target = byName.get(peer);
      if (!target) throw new Error(`Service '${spec.name}' names '${peer}' as a peer, which is not in the catalogue; known: ${[...byName.keys()].join(', ')}`);
      return NetworkPeer.service(target);
    };
    const { ingressFrom, egressTo } = peersOf(spec);
    ingressFrom.forEach((peer) => service.allowFrom(resolve(peer)));
    egressTo.forEach((peer) => service.allowTo(resolve(peer)));
  }
}

/** The reference platform: one output folder per environment. */
export function buildPlatform(
  canaries: CanaryReleases = {}, services: readonly ServiceSpec[] = SERVICES, environments: readonly EnvironmentSpec[] = ENVIRONMENTS,
): OutputFolder[] {
  return environments.map((env) => ({
    folder: env.name, app: buildEnvironment(env, services, canaries), scopeEntrances: scopeEntrancesFor(env, services),
  }));
}

/**
 * The Argo CD and Flux objects that apply the environments' folders of `plan` wave by wave, in folder `gitops`:
 * each environment's AppProject allows what its folder contains, and carries its freezes.
 */
export function buildGitOps(
  plan: DeliveryPlan, settings: GitOpsSettings = GITOPS, environments: readonly EnvironmentSpec[] = ENVIRONMENTS,
): OutputFolder {
  const app = new App();
  new GitOpsDelivery(new Chart(app, 'gitops'), 'delivery', {
    repoUrl: settings.repoUrl,
    revision: settings.revision,
    environments: plan.folders.flatMap((folder) => environments.filter((env) => env.name === folder.folder).map((env) => ({
      name: env.name,
      namespace: env.namespace,
      waves: wavesOf(folder),
      resources: environmentResources(folder),
      automatedSync: env.automatedSync,
      freezes: env.freezes,
    }))),
  });
  return { folder: 'gitops', app, waves: false };
}

/** The reference platform's delivery plan: one folder per environment, in waves, and dist/gitops/ applying them. */
export function platformPlan(): DeliveryPlan {
  const environments = planDelivery(buildPlatform(CANARY_RELEASES));
  return { folders: [...environments.folders, ...planDelivery([buildGitOps(environments)]).folders] };
}

/** The reference platform's synthesis: the files `npm run synth` writes into dist/, and the segmentation it checked. */
export function platformSynthesis(): Synthesis {
  return synthesize(platformPlan());
}

/** The reference platform's files: what `npm run synth` writes into dist/. */
export function platformFiles(): OutputFile[] {
  return platformSynthesis().files;
}

/**
 * Synthesizes the reference platform into dist/ (or $CDK8S_OUTDIR when run by `cdk8s synth`)
 * and writes its capacity and segmentation reports (synthesis has checked that every environment
 * fits its quota). With `--check`, writes nothing and fails when the committed output or a report
 * differs from a fresh synth.
 */
function main(argv: readonly string[]): void {
  const { check, outdir } = synthArgs(argv, process.env);
  const { files, segmentation, capacity } = platformSynthesis();
  const warnings = capacity.flatMap((report) => report.warnings);
  const reports = new Map([[CAPACITY_REPORT, capacityMarkdown(capacity)], [SEGMENTATION_REPORT, segmentationReport(segmentation)]]);

  if (check) {
    const differences = compareOutput(files, outdir);
    for (const [file, report] of reports) {
      if (!fs.existsSync(file) || fs.readFileSync(file, 'utf8') !== report) differences.push(`changed: ${file}`);
    }
    if (differences.length > 0) {
      console.error(`${outdir}/ is stale; run \`npm run synth\` and commit the result:\n  ${differences.join('\n  ')}`);
      process.exit(1);
    }
    console.log(`${outdir}/, ${[...reports.keys()].join(' and ')} are up to date (${files.length} files).`);
    return;
  }
  writeOutput(files, outdir);
  for (const [file, report] of reports) writeFileAtomically(file, report);
  console.log(capacity.map(capacityTable).join('\n\n'));
  for (const warning of warnings) console.warn(`WARNING: ${warning}`);
}

/**
 * The segmentation report of every environment, from the analyses synthesis checked its folders
 * against (and would have failed on any violation).
 */
export function segmentationReport(segmentation: readonly SegmentationResult[], environments: readonly EnvironmentSpec[] = ENVIRONMENTS): string {
  return segmentationMarkdown(environments.map((env) => {
    const result = segmentation.find((r) => r.environment === env.name);
    if (!result) throw new Error(`No segmentation analysis for environment '${env.name}': it was not synthesized`);
    return result;
  }));
}

// The tools (scripts/, bench/) and the tests import the wiring above; esbuild bundles them with
// this file, where `require.main === module` holds too, so run only as the app itself.
if (/^main\.[jt]s$/.test(path.basename(process.argv[1] ?? ''))) {
  try {
    main(process.argv.slice(2));
  } catch (error) {
    // Nothing was written: a failed synthesis leaves dist/ as it was.
    console.error((error as Error).message);
    process.exit(1);
  }
}
