import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Application } from '../../imports/applications-argoproj.io';
import { AppProject, AppProjectSpecSyncWindows } from '../../imports/appprojects-argoproj.io';
import { ResolvedFreeze } from '../change-freeze';
import { goDuration } from '../shared/duration';
import type { GitOpsEnvironment } from './environments';
import { GitRevision } from './revision';

/** The cluster Argo CD runs in. */
const IN_CLUSTER = 'https://kubernetes.default.svc';

/** What the Argo CD objects of every environment share. */
export interface ArgoCdSettings {
  readonly repoUrl: string;
  readonly revision: GitRevision;
  /** Where the synthesized folders are in the repository. */
  readonly outputPath: string;
  readonly argoCdNamespace: string;
}

/**
 * The environment's own AppProject: only the repository, only the namespaces its objects live
 * in, only the kinds it contains, and its freezes as deny sync windows.
 */
export function createAppProject(scope: Construct, env: GitOpsEnvironment, freezes: readonly ResolvedFreeze[], argo: ArgoCdSettings): AppProject {
  return new AppProject(scope, `${env.name}-project`, {
    metadata: { name: `fintech-${env.name}`, namespace: argo.argoCdNamespace },
    spec: {
      description: `The ${env.name} environment: only its repository, namespaces and kinds`,
      sourceRepos: [argo.repoUrl],
      destinations: env.resources.namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
      clusterResourceWhitelist: env.resources.clusterKinds.length ? env.resources.clusterKinds.map((k) => ({ group: k.group, kind: k.kind })) : undefined,
      namespaceResourceWhitelist: env.resources.namespacedKinds.map((k) => ({ group: k.group, kind: k.kind })),
      syncWindows: freezes.length ? freezes.map((f): AppProjectSpecSyncWindows => ({
        kind: 'deny',
        schedule: f.schedule,
        duration: goDuration(Duration.minutes(f.durationMinutes)),
        timeZone: f.timeZone,
        applications: [`fintech-${env.name}`],
        manualSync: f.manualSync,
        description: f.reason,
      })) : undefined,
    },
  });
}

/** The environment's Application: its folder at the revision, synced automatically unless `automatedSync` is false. */
export function createApplication(scope: Construct, env: GitOpsEnvironment, argo: ArgoCdSettings): Application {
  return new Application(scope, `${env.name}-application`, {
    metadata: { name: `fintech-${env.name}`, namespace: argo.argoCdNamespace },
    spec: {
      project: `fintech-${env.name}`,
      source: { repoUrl: argo.repoUrl, targetRevision: argo.revision.value, path: `${argo.outputPath}/${env.name}` },
      destination: { server: IN_CLUSTER, namespace: env.namespace },
      syncPolicy: {
        automated: (env.automatedSync ?? true) ? { prune: env.prune ?? true, selfHeal: env.selfHeal ?? true } : undefined,
        // PruneLast: deletions wait until everything else is applied and healthy.
        syncOptions: ['PruneLast=true'],
      },
    },
  });
}
