import { CanaryPhase, GitRevision } from '../lib';

/** A release being rolled out to a service as a canary; the service's catalogue `version` is the stable release. */
export interface CanaryRelease {
  /** The new release (image tag). */
  readonly canaryVersion: string;
  /** Plain Kubernetes only: where the rollout stands. */
  readonly phase?: CanaryPhase;
}

/** Canary releases in progress, by service name. */
export type CanaryReleases = Readonly<Record<string, CanaryRelease>>;

/**
 * Releases being rolled out, by service. Promote or roll back by moving `phase` along
 * 10 → 30 → 60 → 100 (or back): a one-line, reviewable commit that Argo CD or Flux applies.
 * After 100, set the service's `version` in platform/services.ts to the canary's and remove
 * the entry. finance-service 2.1.0 is at 100 %: all ten pods run it.
 */
export const CANARY_RELEASES: CanaryReleases = {
  'finance-service': { canaryVersion: '2.1.0', phase: CanaryPhase.percent(100) },
};

/** Where the platform's git repository is (each environment says how it is synced: `EnvironmentSpec.automatedSync`). */
export interface GitOpsSettings {
  readonly repoUrl: string;
  /** @default GitRevision.branch('main') */
  readonly revision?: GitRevision;
}

/** How Argo CD and Flux apply dist/ (dist/gitops/). */
export const GITOPS: GitOpsSettings = {
  repoUrl: 'https://git.fintech.example.com/platform/cdk8s-fintech.git',
  revision: GitRevision.branch('main'),
};
