import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Application } from '../imports/applications-argoproj.io';
import { GitRepository, GitRepositorySpecRef } from '../imports/gitrepositories-source.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../imports/kustomizations-kustomize.toolkit.fluxcd.io';
import { goDuration } from './shared/duration';
import { invalidProp } from './shared/errors';
import { checkDnsLabel } from './shared/validation';
import { waveFolder } from './synth';

/** What a {@link GitRevision} names. */
export enum GitRevisionKind {
  BRANCH = 'branch',
  TAG = 'tag',
  COMMIT = 'commit',
}

/** The revision of the repository that Argo CD and Flux apply: a branch, a tag or one commit. */
export class GitRevision {
  /** The tip of branch `name` (e.g. "main"), followed as it moves: every merge is deployed. */
  public static branch(name: string): GitRevision {
    return new GitRevision(GitRevisionKind.BRANCH, name);
  }

  /** The commit tag `name` (e.g. "v1.2.0") points at: a deployment changes when the tag does. */
  public static tag(name: string): GitRevision {
    return new GitRevision(GitRevisionKind.TAG, name);
  }

  /** One commit, by its full 40-character SHA-1: pinned until this setting changes. */
  public static commit(sha: string): GitRevision {
    return new GitRevision(GitRevisionKind.COMMIT, sha);
  }

  private constructor(
    /** Branch, tag or commit. */
    public readonly kind: GitRevisionKind,
    /** The branch or tag name, or the commit SHA, as written. */
    public readonly value: string,
  ) {}
}

/** One environment folder of the output, as GitOps applies it. */
export interface GitOpsEnvironment {
  /** The environment's folder under `outputPath` (e.g. "production"). */
  readonly name: string;
  /** The namespace its objects live in. */
  readonly namespace: string;
  /** Its delivery waves, lowest first: `wavesOf` of its folder in the delivery plan (see `planDelivery`). */
  readonly waves: readonly number[];
  /**
   * Argo CD syncs on every commit. `false`: an operator syncs by hand (a production change
   * window); Flux has no manual mode and always reconciles.
   * @default true
   */
  readonly automatedSync?: boolean;
  /** Delete from the cluster what was removed from git. @default true */
  readonly prune?: boolean;
  /** Argo CD undoes changes made to the cluster by hand. @default true */
  readonly selfHeal?: boolean;
}

/** An existing Flux source to apply from. */
export interface FluxSourceRef {
  readonly name: string;
  /** @default - `fluxNamespace` */
  readonly namespace?: string;
}

/** Properties of {@link GitOpsDelivery}. */
export interface GitOpsDeliveryProps {
  /** The git repository that holds the committed output. */
  readonly repoUrl: string;
  /** The branch, tag or commit to apply. @default GitRevision.branch('main') */
  readonly revision?: GitRevision;
  /** Where the synthesized folders are in the repository. @default "dist" */
  readonly outputPath?: string;
  readonly environments: GitOpsEnvironment[];
  /** @default "argocd" */
  readonly argoCdNamespace?: string;
  /** @default "default" */
  readonly argoCdProject?: string;
  /** @default "flux-system" */
  readonly fluxNamespace?: string;
  /** An existing Flux GitRepository to use. @default - a GitRepository `fintech-platform` for `repoUrl` at `revision` */
  readonly fluxSource?: FluxSourceRef;
  /** How often Flux checks the source and reconciles. @default Duration.minutes(5) */
  readonly interval?: Duration;
}

/**
 * How Argo CD and Flux apply the output, unchanged: an Argo CD `Application` per environment
 * (its objects carry sync-wave annotations), and per environment one Flux `Kustomization` per
 * delivery wave, each `dependsOn` the one before and waiting for its objects to be ready.
 * Apply these once (or from an app of apps); from then on a commit is a deployment.
 */
export class GitOpsDelivery extends Construct {
  /** The revision both Argo CD and Flux apply. */
  public readonly revision: GitRevision;
  public readonly applications: Application[];
  public readonly gitRepository?: GitRepository;
  /** By environment, lowest wave first. */
  public readonly fluxKustomizations: Map<string, Kustomization[]>;

  constructor(scope: Construct, id: string, props: GitOpsDeliveryProps) {
    super(scope, id);
    if (!/^(https:\/\/|ssh:\/\/|git@)\S+$/.test(props.repoUrl)) {
      throw invalidProp(this, 'repoUrl', props.repoUrl, 'must be an https://, ssh:// or git@ repository URL');
    }
    this.revision = checkRevision(this, props.revision ?? GitRevision.branch('main'));
    const outputPath = (props.outputPath ?? 'dist').replace(/\/+$/, '');
    const fluxNamespace = props.fluxNamespace ?? 'flux-system';
    const interval = goDuration(props.interval ?? Duration.minutes(5));
    props.environments.forEach((env, i) => {
      checkDnsLabel(this, `environments[${i}].name`, env.name);
      if (env.waves.length === 0) throw invalidProp(this, `environments[${i}].waves`, env.waves, 'must list at least one wave');
    });

    this.applications = props.environments.map((env) => new Application(this, `${env.name}-application`, {
      metadata: { name: `fintech-${env.name}`, namespace: props.argoCdNamespace ?? 'argocd' },
      spec: {
        project: props.argoCdProject ?? 'default',
        source: { repoUrl: props.repoUrl, targetRevision: this.revision.value, path: `${outputPath}/${env.name}` },
        destination: { server: 'https://kubernetes.default.svc', namespace: env.namespace },
        syncPolicy: {
          automated: (env.automatedSync ?? true) ? { prune: env.prune ?? true, selfHeal: env.selfHeal ?? true } : undefined,
          // PruneLast: deletions wait until everything else is applied and healthy.
          syncOptions: ['PruneLast=true'],
        },
      },
    }));

    this.gitRepository = props.fluxSource ? undefined : new GitRepository(this, 'flux-source', {
      metadata: { name: 'fintech-platform', namespace: fluxNamespace },
      spec: { url: props.repoUrl, ref: fluxRef(this.revision), interval },
    });
    const source = props.fluxSource ?? { name: 'fintech-platform' };

    this.fluxKustomizations = new Map(props.environments.map((env) => {
      const name = (wave: number) => `fintech-${env.name}-${waveFolder(wave)}`;
      const kustomizations = env.waves.map((wave, i) => new Kustomization(this, `${env.name}-${waveFolder(wave)}`, {
        metadata: { name: name(wave), namespace: fluxNamespace },
        spec: {
          interval,
          path: `./${outputPath}/${env.name}/${waveFolder(wave)}`,
          prune: env.prune ?? true,
          wait: true,
          timeout: '10m',
          sourceRef: { kind: KustomizationSpecSourceRefKind.GIT_REPOSITORY, name: source.name, namespace: source.namespace },
          dependsOn: i === 0 ? undefined : [{ name: name(env.waves[i - 1]) }],
        },
      }));
      return [env.name, kustomizations];
    }));
  }
}

/** Flux's field for each kind of revision; Argo CD's `targetRevision` takes any of them as written. */
function fluxRef(revision: GitRevision): GitRepositorySpecRef {
  switch (revision.kind) {
    case GitRevisionKind.TAG: return { tag: revision.value };
    case GitRevisionKind.COMMIT: return { commit: revision.value };
    default: return { branch: revision.value };
  }
}

/**
 * A commit must be a full SHA-1 (Flux checks out exactly that commit; an abbreviation is
 * ambiguous); a branch or tag name must follow git's ref-name rules (`git check-ref-format`),
 * plus `git branch`'s: no leading '-'.
 */
function checkRevision(scope: Construct, revision: GitRevision): GitRevision {
  const { kind, value } = revision;
  if (kind === GitRevisionKind.COMMIT) {
    if (!/^[0-9a-f]{40}$/.test(value)) {
      throw invalidProp(scope, 'revision', value, "must be a commit's full 40-character lowercase hexadecimal SHA-1");
    }
    return revision;
  }
  if (!isGitRefName(value)) {
    throw invalidProp(scope, 'revision', value, `must be a ${kind} name git accepts: no space, control character, `
      + "'~', '^', ':', '?', '*', '[', '\\', '..' or '@{'; not '@'; no empty component, none starting with '.' or ending with '.lock'; "
      + "no leading '-' or '/', no trailing '/' or '.'");
  }
  return revision;
}

function isGitRefName(name: string): boolean {
  return name.length > 0
    && name !== '@'
    && !/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{/.test(name)
    && !/^[-/]|[/.]$/.test(name)
    && name.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'));
}
