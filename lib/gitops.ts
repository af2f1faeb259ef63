import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Application } from '../imports/applications-argoproj.io';
import { AppProject, AppProjectSpecSyncWindows } from '../imports/appprojects-argoproj.io';
import { GitRepository, GitRepositorySpecRef } from '../imports/gitrepositories-source.toolkit.fluxcd.io';
import { Kustomization, KustomizationSpecSourceRefKind } from '../imports/kustomizations-kustomize.toolkit.fluxcd.io';
import { ChangeFreeze, checkNoOverlap, createFluxFreeze, FluxFreeze, resolveFreeze } from './change-freeze';
import { FolderPlan } from './delivery';
import { goDuration } from './shared/duration';
import { invalidProp } from './shared/errors';
import { checkArray, checkCidr, checkDnsLabel, checkPinnedImage } from './shared/validation';
import { waveFolder } from './synth';

/** An API group ("" for the core group) and a kind, as Argo CD's project resource lists name them. */
export interface GroupKind {
  /** The API group, "" for the core group (e.g. "rbac.authorization.k8s.io"). */
  readonly group: string;
  /** The kind (e.g. "ClusterRole"). */
  readonly kind: string;
}

/** What an environment's output contains: what its AppProject allows, and nothing more. */
export interface EnvironmentResources {
  /** The namespaces of its namespaced objects, sorted. */
  readonly namespaces: readonly string[];
  /** The cluster-scoped kinds among its objects, sorted. */
  readonly clusterKinds: readonly GroupKind[];
  /** The namespaced kinds among its objects, sorted. */
  readonly namespacedKinds: readonly GroupKind[];
}

/**
 * The cluster-scoped kinds of Kubernetes 1.28 and of the operators' CRDs this library knows;
 * an object of any other kind must name its namespace.
 */
const CLUSTER_SCOPED = new Set([
  '/Namespace', '/Node', '/PersistentVolume', '/ComponentStatus',
  'rbac.authorization.k8s.io/ClusterRole', 'rbac.authorization.k8s.io/ClusterRoleBinding',
  'apiextensions.k8s.io/CustomResourceDefinition', 'apiregistration.k8s.io/APIService',
  'admissionregistration.k8s.io/MutatingWebhookConfiguration', 'admissionregistration.k8s.io/ValidatingWebhookConfiguration',
  'admissionregistration.k8s.io/ValidatingAdmissionPolicy', 'admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding',
  'storage.k8s.io/StorageClass', 'storage.k8s.io/CSIDriver', 'storage.k8s.io/CSINode', 'storage.k8s.io/VolumeAttachment',
  'scheduling.k8s.io/PriorityClass', 'node.k8s.io/RuntimeClass', 'networking.k8s.io/IngressClass',
  'certificates.k8s.io/CertificateSigningRequest', 'flowcontrol.apiserver.k8s.io/FlowSchema',
  'flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration',
  'cert-manager.io/ClusterIssuer', 'external-secrets.io/ClusterSecretStore', 'external-secrets.io/ClusterExternalSecret',
  'argoproj.io/ClusterAnalysisTemplate', 'snapshot.storage.k8s.io/VolumeSnapshotClass', 'snapshot.storage.k8s.io/VolumeSnapshotContent',
]);

/**
 * What one folder of the delivery plan really contains, read from its synthesized objects:
 * the namespaces its objects go to and the kinds it creates, split by scope.
 */
export function environmentResources(folder: FolderPlan): EnvironmentResources {
  const namespaces = new Set<string>();
  const cluster = new Map<string, GroupKind>();
  const namespaced = new Map<string, GroupKind>();
  for (const object of folder.app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
    const group = object.apiGroup === 'core' ? '' : object.apiGroup;
    const key = `${group}/${object.kind}`;
    const namespace: string | undefined = object.toJson().metadata?.namespace;
    if (CLUSTER_SCOPED.has(key)) {
      cluster.set(key, { group, kind: object.kind });
    } else if (namespace) {
      namespaces.add(namespace);
      namespaced.set(key, { group, kind: object.kind });
    } else {
      throw new Error(`${object.kind} '${object.node.path}' in folder '${folder.folder}' has no namespace and is not a cluster-scoped kind; `
        + 'give it a namespace (its chart\'s namespace or metadata.namespace)');
    }
  }
  const sorted = (kinds: Map<string, GroupKind>) => [...kinds.keys()].sort().map((key) => kinds.get(key)!);
  return { namespaces: [...namespaces].sort(), clusterKinds: sorted(cluster), namespacedKinds: sorted(namespaced) };
}

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
  /** What its output contains (`environmentResources` of its folder): all that its AppProject allows. */
  readonly resources: EnvironmentResources;
  /**
   * Periods during which changes are not applied: deny sync windows on its AppProject (Argo CD),
   * Kustomizations suspended by CronJobs (Flux).
   * @default - no freeze
   */
  readonly freezes?: readonly ChangeFreeze[];
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
  /** @default "flux-system" */
  readonly fluxNamespace?: string;
  /** An existing Flux GitRepository to use. @default - a GitRepository `fintech-platform` for `repoUrl` at `revision` */
  readonly fluxSource?: FluxSourceRef;
  /** How often Flux checks the source and reconciles. @default Duration.minutes(5) */
  readonly interval?: Duration;
  /** The flux CLI image the freeze CronJobs run, pinned. @default "ghcr.io/fluxcd/flux-cli:v2.8.3" */
  readonly fluxCliImage?: string;
  /**
   * Where the Kubernetes API server is: the freeze CronJobs' pods may reach these addresses on
   * ports 443 and 6443 (and cluster DNS), nothing else. Give the API server's addresses.
   * @default ["0.0.0.0/0"]
   */
  readonly apiServerCidrs?: readonly string[];
  /** When a one-off freeze is checked to be still ahead. @default - the time of synthesis */
  readonly now?: Date;
}

/** The flux CLI image the freeze CronJobs run by default. */
export const DEFAULT_FLUX_CLI_IMAGE = 'ghcr.io/fluxcd/flux-cli:v2.8.3';
const IN_CLUSTER = 'https://kubernetes.default.svc';

/**
 * How Argo CD and Flux apply the output, unchanged: an Argo CD `Application` per environment
 * (its objects carry sync-wave annotations), and per environment one Flux `Kustomization` per
 * delivery wave, each `dependsOn` the one before and waiting for its objects to be ready.
 * Apply these once (or from an app of apps); from then on a commit is a deployment.
 *
 * Each Application belongs to its environment's own `AppProject`, which allows only `repoUrl`,
 * only the namespaces the environment's objects live in, and only the kinds it contains
 * (cluster-scoped and namespaced kinds each by an allow-list: a kind the output does not
 * contain cannot be synced), and carries the environment's change freezes as deny sync windows.
 */
export class GitOpsDelivery extends Construct {
  /** The revision both Argo CD and Flux apply. */
  public readonly revision: GitRevision;
  public readonly applications: Application[];
  public readonly gitRepository?: GitRepository;
  /** By environment, lowest wave first. */
  public readonly fluxKustomizations: Map<string, Kustomization[]>;
  /** One per environment, in the order of `environments`. */
  public readonly projects: AppProject[];
  /** By environment, for the environments with freezes: the CronJobs that suspend and resume its Kustomizations. */
  public readonly fluxFreezes: Map<string, FluxFreeze>;

  constructor(scope: Construct, id: string, props: GitOpsDeliveryProps) {
    super(scope, id);
    if (!/^(https:\/\/|ssh:\/\/|git@)\S+$/.test(props.repoUrl)) {
      throw invalidProp(this, 'repoUrl', props.repoUrl, 'must be an https://, ssh:// or git@ repository URL');
    }
    this.revision = checkRevision(this, props.revision ?? GitRevision.branch('main'));
    const outputPath = (props.outputPath ?? 'dist').replace(/\/+$/, '');
    const fluxNamespace = props.fluxNamespace ?? 'flux-system';
    const interval = goDuration(props.interval ?? Duration.minutes(5));
    const argoCdNamespace = props.argoCdNamespace ?? 'argocd';
    const now = props.now ?? new Date();
    const fluxCliImage = checkPinnedImage(this, 'fluxCliImage', props.fluxCliImage ?? DEFAULT_FLUX_CLI_IMAGE);
    const apiServerCidrs = checkArray<string>(this, 'apiServerCidrs', props.apiServerCidrs ?? ['0.0.0.0/0'], '["10.0.0.1/32"]')
      .map((cidr, i) => checkCidr(this, `apiServerCidrs[${i}]`, cidr));
    const freezes = props.environments.map((env, i) => {
      checkDnsLabel(this, `environments[${i}].name`, env.name);
      if (env.waves.length === 0) throw invalidProp(this, `environments[${i}].waves`, env.waves, 'must list at least one wave');
      checkResources(this, `environments[${i}].resources`, env);
      const prop = `environments[${i}].freezes`;
      const resolved = checkArray<ChangeFreeze>(this, prop, env.freezes ?? [], '[ChangeFreeze.recurring({ ... })]')
        .map((freeze, j) => resolveFreeze(this, `${prop}[${j}]`, freeze, now));
      checkNoOverlap(this, prop, resolved);
      const longest = `fintech-${env.name}-freeze-${resolved.length - 1}-suspend`;
      if (resolved.length > 0 && longest.length > 52) {
        throw invalidProp(this, `environments[${i}].name`, env.name, `is too long for its freeze CronJobs' names ("${longest}": at most 52 characters)`);
      }
      return resolved;
    });

    this.projects = props.environments.map((env, i) => new AppProject(this, `${env.name}-project`, {
      metadata: { name: `fintech-${env.name}`, namespace: argoCdNamespace },
      spec: {
        description: `The ${env.name} environment: only its repository, namespaces and kinds`,
        sourceRepos: [props.repoUrl],
        destinations: env.resources.namespaces.map((namespace) => ({ server: IN_CLUSTER, namespace })),
        clusterResourceWhitelist: env.resources.clusterKinds.length ? env.resources.clusterKinds.map((k) => ({ group: k.group, kind: k.kind })) : undefined,
        namespaceResourceWhitelist: env.resources.namespacedKinds.map((k) => ({ group: k.group, kind: k.kind })),
        syncWindows: freezes[i].length ? freezes[i].map((f): AppProjectSpecSyncWindows => ({
          kind: 'deny',
          schedule: f.schedule,
          duration: goDuration(Duration.minutes(f.durationMinutes)),
          timeZone: f.timeZone,
          applications: [`fintech-${env.name}`],
          manualSync: f.manualSync,
          description: f.reason,
        })) : undefined,
      },
    }));

    this.applications = props.environments.map((env) => new Application(this, `${env.name}-application`, {
      metadata: { name: `fintech-${env.name}`, namespace: argoCdNamespace },
      spec: {
        project: `fintech-${env.name}`,
        source: { repoUrl: props.repoUrl, targetRevision: this.revision.value, path: `${outputPath}/${env.name}` },
        destination: { server: IN_CLUSTER, namespace: env.namespace },
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

    this.fluxFreezes = new Map(props.environments.flatMap((env, i) => (freezes[i].length === 0 ? [] : [[env.name, createFluxFreeze(this, {
      name: `fintech-${env.name}-freeze`,
      namespace: fluxNamespace,
      kustomizations: this.fluxKustomizations.get(env.name)!.map((k) => k.name),
      freezes: freezes[i],
      image: fluxCliImage,
      apiServerCidrs,
    })] as const])));
  }
}

/** An environment's Application must deploy to a namespace its output uses, and its output must contain something. */
function checkResources(scope: Construct, prop: string, env: GitOpsEnvironment): void {
  const resources = env.resources;
  if (!resources || !Array.isArray(resources.namespaces) || !Array.isArray(resources.namespacedKinds) || !Array.isArray(resources.clusterKinds)) {
    throw invalidProp(scope, prop, resources, 'must be what the environment\'s output contains: environmentResources(folder) of its folder in the delivery plan');
  }
  if (!resources.namespaces.includes(env.namespace)) {
    throw invalidProp(scope, `${prop}.namespaces`, resources.namespaces, `must include the environment's namespace "${env.namespace}": its output has no object there`);
  }
  resources.namespaces.forEach((namespace, i) => checkDnsLabel(scope, `${prop}.namespaces[${i}]`, namespace));
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
