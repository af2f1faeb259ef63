import { Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Application } from '../imports/applications-argoproj.io';
import { GitRepository } from '../imports/gitrepositories-source.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../imports/kustomizations-kustomize.toolkit.fluxcd.io';
import { goDuration } from './shared/duration';
import { invalidProp } from './shared/errors';
import { checkDnsLabel } from './shared/validation';
import { waveFolder } from './synth';

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
  /** Branch, tag or commit to apply. @default "main" */
  readonly revision?: string;
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
  public readonly applications: Application[];
  public readonly gitRepository?: GitRepository;
  /** By environment, lowest wave first. */
  public readonly fluxKustomizations: Map<string, Kustomization[]>;

  constructor(scope: Construct, id: string, props: GitOpsDeliveryProps) {
    super(scope, id);
    if (!/^(https:\/\/|ssh:\/\/|git@)\S+$/.test(props.repoUrl)) {
      throw invalidProp(this, 'repoUrl', props.repoUrl, 'must be an https://, ssh:// or git@ repository URL');
    }
    const revision = props.revision ?? 'main';
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
        source: { repoUrl: props.repoUrl, targetRevision: revision, path: `${outputPath}/${env.name}` },
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
      spec: { url: props.repoUrl, ref: { branch: revision }, interval },
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
