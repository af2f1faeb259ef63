import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { GitRepository, GitRepositorySpecRef } from '../../imports/gitrepositories-source.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../../imports/kustomizations-kustomize.toolkit.fluxcd.io';
import { createFluxFreeze, FluxFreeze, ResolvedFreeze } from '../change-freeze';
import { goDuration } from '../shared/duration';
import { waveFolder } from '../synth';
import type { GitOpsEnvironment } from './environments';
import { GitRevision, GitRevisionKind } from './revision';

/** An existing Flux source to apply from. */
export interface FluxSourceRef {
  readonly name: string;
  /** @default - `fluxNamespace` */
  readonly namespace?: string;
}

/** The GitRepository this construct creates when no `fluxSource` is given. */
export const FLUX_SOURCE_NAME = 'fintech-platform';

/** What the Flux objects of every environment share. */
export interface FluxSettings {
  readonly repoUrl: string;
  readonly revision: GitRevision;
  /** Where the synthesized folders are in the repository. */
  readonly outputPath: string;
  readonly fluxNamespace: string;
  /** How often Flux checks the source and reconciles. */
  readonly interval: Duration;
  /** The pinned flux CLI image of the freeze CronJobs. */
  readonly fluxCliImage: string;
  readonly apiServerCidrs: readonly string[];
}

/** The GitRepository of `repoUrl` at the revision. */
export function createFluxSource(scope: Construct, flux: FluxSettings): GitRepository {
  return new GitRepository(scope, 'flux-source', {
    metadata: { name: FLUX_SOURCE_NAME, namespace: flux.fluxNamespace },
    spec: { url: flux.repoUrl, ref: fluxRef(flux.revision), interval: goDuration(flux.interval) },
  });
}

/** One Kustomization per delivery wave of the environment, lowest first, each waiting for the one before. */
export function createFluxKustomizations(scope: Construct, env: GitOpsEnvironment, source: FluxSourceRef, flux: FluxSettings): Kustomization[] {
  const name = (wave: number) => `fintech-${env.name}-${waveFolder(wave)}`;
  return env.waves.map((wave, i) => new Kustomization(scope, `${env.name}-${waveFolder(wave)}`, {
    metadata: { name: name(wave), namespace: flux.fluxNamespace },
    spec: {
      interval: goDuration(flux.interval),
      path: `./${flux.outputPath}/${env.name}/${waveFolder(wave)}`,
      prune: env.prune ?? true,
      wait: true,
      timeout: '10m',
      sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: source.name, namespace: source.namespace },
      dependsOn: i === 0 ? undefined : [{ name: name(env.waves[i - 1]) }],
    },
  }));
}

/** The CronJobs that suspend and resume the environment's Kustomizations for its freezes. */
export function createEnvironmentFreeze(
  scope: Construct, env: GitOpsEnvironment, kustomizations: readonly Kustomization[], freezes: readonly ResolvedFreeze[], flux: FluxSettings,
): FluxFreeze {
  return createFluxFreeze(scope, {
    name: `fintech-${env.name}-freeze`,
    namespace: flux.fluxNamespace,
    kustomizations: kustomizations.map((k) => k.name),
    freezes,
    image: flux.fluxCliImage,
    apiServerCidrs: flux.apiServerCidrs,
  });
}

/** Flux's field for each kind of revision; Argo CD's `targetRevision` takes any of them as written. */
function fluxRef(revision: GitRevision): GitRepositorySpecRef {
  switch (revision.kind) {
    case GitRevisionKind.TAG: return { tag: revision.value };
    case GitRevisionKind.COMMIT: return { commit: revision.value };
    default: return { branch: revision.value };
  }
}

