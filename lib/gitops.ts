import { ApiObject, Duration } from 'cdk8s';
import { Construct } from 'constructs';
import { Application } from '../imports/applications-argoproj.io';
import { AppProject } from '../imports/appprojects-argoproj.io';
import { GitRepository } from '../imports/gitrepositories-source.toolkit.fluxcd.io';
import { Kustomization } from '../imports/kustomizations-kustomize.toolkit.fluxcd.io';
import { FluxFreeze } from './change-freeze';
import { checkFolderPlan, FolderPlan } from './delivery';
import { createApplication, createAppProject } from './gitops/argocd';
import { checkEnvironments, EnvironmentResources, GitOpsEnvironment, GroupKind } from './gitops/environments';
import { createEnvironmentFreeze, createFluxKustomizations, createFluxSource, FLUX_SOURCE_NAME, FluxSourceRef } from './gitops/flux';
import { checkRevision, GitRevision } from './gitops/revision';
import { invalidArgument, invalidProp, invalidSecretProp } from './shared/errors';
import { isClusterScoped } from './shared/kinds';
import {
  checkArray, checkCidr, checkConstructId, checkDnsLabel, checkDuration, checkImageReference, checkInstance, checkKnownKeys, checkNoNullOptions,
  checkNoNulls, checkNotSecret, checkPinnedImage, checkString,
} from './shared/validation';

export { GitRevision, GitRevisionKind } from './gitops/revision';
export type { EnvironmentResources, GitOpsEnvironment, GroupKind } from './gitops/environments';
export type { FluxSourceRef } from './gitops/flux';

/**
 * What one folder of the delivery plan really contains, read from its synthesized objects:
 * the namespaces its objects go to and the kinds it creates, split by scope.
 */
export function environmentResources(folder: FolderPlan): EnvironmentResources {
  checkFolderPlan('environmentResources', 'folder', folder);
  const namespaces = new Set<string>();
  const cluster = new Map<string, GroupKind>();
  const namespaced = new Map<string, GroupKind>();
  for (const object of folder.app.node.findAll().filter((c): c is ApiObject => c instanceof ApiObject)) {
    const group = object.apiGroup === 'core' ? '' : object.apiGroup;
    const key = `${group}/${object.kind}`;
    const namespace: string | undefined = object.toJson().metadata?.namespace;
    if (isClusterScoped(group, object.kind)) {
      cluster.set(key, { group, kind: object.kind });
    } else if (namespace) {
      namespaces.add(namespace);
      namespaced.set(key, { group, kind: object.kind });
    } else {
      throw invalidArgument('environmentResources', 'folder', folder.folder, `holds ${object.kind} '${object.node.path}', which has no namespace and is not `
        + 'a cluster-scoped kind; give it a namespace (its chart\'s namespace or metadata.namespace)');
    }
  }
  const sorted = (kinds: Map<string, GroupKind>) => [...kinds.keys()].sort().map((key) => kinds.get(key)!);
  return { folder: folder.folder, waves: (folder.waves ?? []).map((w) => w.wave), namespaces: [...namespaces].sort(), clusterKinds: sorted(cluster), namespacedKinds: sorted(namespaced) };
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
  /**
   * An existing Flux GitRepository to use. Flux then follows that GitRepository's own URL and
   * ref, so `repoUrl` and `revision` are Argo CD's only: keep them the same as the GitRepository's.
   * @default - a GitRepository `fintech-platform` for `repoUrl` at `revision`
   */
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
  /** The git repository that holds the committed output. */
  public readonly repoUrl: string;
  /** The revision Argo CD applies, and Flux too unless `fluxSource` names a GitRepository of its own. */
  public readonly revision: GitRevision;
  /** Where the synthesized folders are in the repository, without a trailing "/". */
  public readonly outputPath: string;
  /** Where the AppProjects and Applications live. */
  public readonly argoCdNamespace: string;
  /** Where the GitRepository, the Kustomizations and the freeze objects live. */
  public readonly fluxNamespace: string;
  /** How often Flux checks the source and reconciles. */
  public readonly interval: Duration;
  /** The flux CLI image the freeze CronJobs run. */
  public readonly fluxCliImage: string;
  /** Where the freeze CronJobs' pods may reach the Kubernetes API server. */
  public readonly apiServerCidrs: readonly string[];
  public readonly applications: Application[];
  public readonly gitRepository?: GitRepository;
  /** By environment, lowest wave first. */
  public readonly fluxKustomizations: Map<string, Kustomization[]>;
  /** One per environment, in the order of `environments`. */
  public readonly projects: AppProject[];
  /** By environment, for the environments with freezes: the CronJobs that suspend and resume its Kustomizations. */
  public readonly fluxFreezes: Map<string, FluxFreeze>;

  constructor(scope: Construct, id: string, props: GitOpsDeliveryProps) {
    checkConstructId(scope, id, 'GitOpsDelivery');
    super(scope, id);
    checkKnownKeys(this, 'props', props, GITOPS_PROPS, "{ repoUrl: 'https://git.example.com/platform/fintech.git', environments: [...] }");
    const { repoUrl: _repoUrl, environments: _environments, ...optional } = props;
    checkNoNulls(this, optional);
    this.repoUrl = checkRepoUrl(this, props.repoUrl);
    this.revision = checkRevision(this, checkInstance(this, 'revision', props.revision ?? GitRevision.branch('main'), GitRevision, "GitRevision.branch('main')"));
    this.outputPath = checkOutputPath(this, props.outputPath ?? 'dist');
    this.fluxNamespace = checkDnsLabel(this, 'fluxNamespace', props.fluxNamespace ?? 'flux-system');
    this.interval = props.interval ?? Duration.minutes(5);
    checkDuration(this, 'interval', this.interval, { example: 'e.g. Duration.minutes(5)' });
    this.argoCdNamespace = checkDnsLabel(this, 'argoCdNamespace', props.argoCdNamespace ?? 'argocd');
    if (props.fluxSource !== undefined) {
      checkKnownKeys(this, 'fluxSource', props.fluxSource, ['name', 'namespace'], "{ name: 'platform', namespace: 'flux-system' }");
      checkNoNullOptions(this, 'fluxSource', props.fluxSource, ['namespace']);
      checkDnsLabel(this, 'fluxSource.name', props.fluxSource.name);
      if (props.fluxSource.namespace !== undefined) checkDnsLabel(this, 'fluxSource.namespace', props.fluxSource.namespace);
    }
    if (props.now !== undefined && !(props.now instanceof Date && !Number.isNaN(props.now.getTime()))) {
      throw invalidProp(this, 'now', props.now, "must be a valid Date, e.g. new Date('2026-12-02T03:00:00Z')");
    }
    this.fluxCliImage = checkImageReference(this, 'fluxCliImage', checkPinnedImage(this, 'fluxCliImage', props.fluxCliImage ?? DEFAULT_FLUX_CLI_IMAGE));
    this.apiServerCidrs = checkArray<string>(this, 'apiServerCidrs', props.apiServerCidrs ?? ['0.0.0.0/0'], '["10.0.0.1/32"]')
      .map((cidr, i) => checkCidr(this, `apiServerCidrs[${i}]`, cidr));
    if (this.apiServerCidrs.length === 0) {
      throw invalidProp(this, 'apiServerCidrs', [], 'must list at least one address range, e.g. ["10.0.0.1/32"]: the freeze CronJobs could not reach the API server, and no freeze would start or end');
    }
    const freezes = checkEnvironments(this, props.environments, props.now ?? new Date());

    this.projects = props.environments.map((env, i) => createAppProject(this, env, freezes[i], this));
    this.applications = props.environments.map((env) => createApplication(this, env, this));
    this.gitRepository = props.fluxSource ? undefined : createFluxSource(this, this);
    const source = props.fluxSource ?? { name: FLUX_SOURCE_NAME };
    this.fluxKustomizations = new Map(props.environments.map((env) => [env.name, createFluxKustomizations(this, env, source, this)]));
    this.fluxFreezes = new Map(props.environments.flatMap((env, i) => (freezes[i].length === 0 ? []
      : [[env.name, createEnvironmentFreeze(this, env, this.fluxKustomizations.get(env.name)!, freezes[i], this)] as const])));
  }
}

const GITOPS_PROPS = [
  'repoUrl', 'revision', 'outputPath', 'environments', 'argoCdNamespace', 'fluxNamespace', 'fluxSource', 'interval', 'fluxCliImage', 'apiServerCidrs', 'now',
];

/** A path relative to the repository's root, inside it: no leading "/", no "..", no empty segment. */
function checkOutputPath(scope: Construct, value: string): string {
  const path = checkString(scope, 'outputPath', value, { example: '"dist"' }).replace(/\/+$/, '');
  checkNotSecret(scope, 'outputPath', value, 'give the folder of the output in the repository, e.g. "dist"');
  if (path === '' || path.startsWith('/') || path.split('/').some((segment) => segment === '' || segment === '.' || segment === '..') || /[\s\\]/.test(path)) {
    throw invalidProp(scope, 'outputPath', value, 'must be a folder relative to the repository\'s root, without "..", "." or empty segments, e.g. "dist" or "deploy/dist"');
  }
  return path;
}

/** A repository URL a controller can fetch without credentials in it: https://, ssh:// or git@host:path (the user "git" is no secret). */
function checkRepoUrl(scope: Construct, repoUrl: string): string {
  checkString(scope, 'repoUrl', repoUrl, { example: "'https://git.example.com/platform/fintech.git'" });
  // Only ssh may name a user ("git@" or "ssh://git@"), and never with a password; https never names one.
  const sshUser = /^ssh:\/\/([^@/]*)@/.exec(repoUrl)?.[1] ?? /^([^@/:\s]*)@[^@]*$/.exec(repoUrl)?.[1];
  const credentials = repoUrl.startsWith('https://') ? repoUrl.includes('@')
    : sshUser === undefined ? repoUrl.includes('@') : !/^[a-z_][a-z0-9_-]*$/.test(sshUser) || repoUrl.indexOf('@') !== repoUrl.lastIndexOf('@');
  if (credentials) {
    throw invalidSecretProp(scope, 'repoUrl', repoUrl,
      'must not contain credentials ("user:token@"): the URL is written into the manifests; give Argo CD and Flux the credentials in a repository Secret');
  }
  checkNotSecret(scope, 'repoUrl', repoUrl, 'give the repository\'s address; Argo CD and Flux read its credentials from a repository Secret');
  if (!/^(https:\/\/|ssh:\/\/)[^/\s]+\/\S+$|^git@[^:/\s]+:\S+$/.test(repoUrl)) {
    throw invalidProp(scope, 'repoUrl', repoUrl, 'must be an https://, ssh:// or git@ repository URL with the repository\'s path, e.g. "https://git.example.com/platform/fintech.git" or "git@git.example.com:platform/fintech.git"');
  }
  return repoUrl;
}
