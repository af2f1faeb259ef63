import { Construct } from 'constructs';
import { ChangeFreeze, checkNoOverlap, resolveFreeze, ResolvedFreeze } from '../change-freeze';
import { invalidProp } from '../shared/errors';
import {
  checkArray, checkBoolean, checkDnsLabel, checkDnsSubdomain, checkInteger, checkKnownKeys, checkNoNullOptions, checkNotSecret, checkNumber, checkString, checkUniqueField,
  checkUniqueItems,
} from '../shared/validation';

const NOT_A_SECRET = 'the folder is a path in the repository; name the environment, e.g. "production"';

/** An API group ("" for the core group) and a kind, as Argo CD's project resource lists name them. */
export interface GroupKind {
  /** The API group, "" for the core group (e.g. "rbac.authorization.k8s.io"). */
  readonly group: string;
  /** The kind (e.g. "ClusterRole"). */
  readonly kind: string;
}

/** What an environment's output contains: what its AppProject allows, and nothing more. */
export interface EnvironmentResources {
  /**
   * The folder of the delivery plan they were read from: the environment's `name` must be it.
   * @default - not checked (resources not read by `environmentResources`)
   */
  readonly folder?: string;
  /**
   * That folder's delivery waves, lowest first: the environment's `waves` must be them.
   * @default - not checked (resources not read by `environmentResources`)
   */
  readonly waves?: readonly number[];
  /** The namespaces of its namespaced objects, sorted. */
  readonly namespaces: readonly string[];
  /** The cluster-scoped kinds among its objects, sorted. */
  readonly clusterKinds: readonly GroupKind[];
  /** The namespaced kinds among its objects, sorted. */
  readonly namespacedKinds: readonly GroupKind[];
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

/**
 * Checks every environment (name, waves, resources) and resolves its freezes, which must not
 * overlap; returns the resolved freezes of each environment, in the order of `environments`.
 */
export function checkEnvironments(scope: Construct, environments: readonly GitOpsEnvironment[], now: Date): ResolvedFreeze[][] {
  const list = checkArray<GitOpsEnvironment>(scope, 'environments', environments, "[{ name: 'production', namespace: 'fintech-production', waves: [0, 1], resources }]");
  if (list.length === 0) throw invalidProp(scope, 'environments', list, 'must list at least one environment');
  const checked = list.map((env, i) => {
    checkKnownKeys(scope, `environments[${i}]`, env, ENVIRONMENT_OPTIONS, "{ name: 'production', namespace: 'fintech-production', waves: [0, 1], resources }");
    checkNoNullOptions(scope, `environments[${i}]`, env, ['freezes', 'automatedSync', 'prune', 'selfHeal']);
    // Argo CD's Application "fintech-<name>" is also its objects' tracking label value: at most 63 characters.
    checkDnsLabel(scope, `environments[${i}].name`, env.name, { prefix: 'fintech-' });
    checkDnsLabel(scope, `environments[${i}].namespace`, env.namespace);
    const waves = checkArray<number>(scope, `environments[${i}].waves`, env.waves, '[0, 1, 2]');
    if (waves.length === 0) {
      throw invalidProp(scope, `environments[${i}].waves`, env.waves, 'must list at least one wave, wavesOf(folder) of a folder laid out in waves: '
        + 'GitOps applies an environment wave by wave, and a folder planned with waves: false has none');
    }
    waves.forEach((wave, j) => checkInteger(scope, `environments[${i}].waves[${j}]`, wave, 0));
    checkUniqueItems(scope, `environments[${i}].waves`, waves);
    // Each wave's Kustomization depends on the one before it in this list.
    if (waves.some((wave, j) => j > 0 && wave < waves[j - 1])) {
      throw invalidProp(scope, `environments[${i}].waves`, waves, 'must be in ascending order, lowest first (wavesOf(folder)): each wave is applied after the one before it');
    }
    for (const flag of ['automatedSync', 'prune', 'selfHeal'] as const) {
      if (env[flag] !== undefined) checkBoolean(scope, `environments[${i}].${flag}`, env[flag]);
    }
    if (env.automatedSync === false && env.selfHeal === true) {
      throw invalidProp(scope, `environments[${i}].selfHeal`, true, 'must be left out with automatedSync: false: Argo CD undoes changes made by hand only during automated syncs, '
        + 'so it would never self-heal; leave out automatedSync for automated syncs with self-heal');
    }
    checkResources(scope, `environments[${i}]`, env);
    const prop = `environments[${i}].freezes`;
    const resolved = checkArray<ChangeFreeze>(scope, prop, env.freezes ?? [], '[ChangeFreeze.recurring({ ... })]')
      .map((freeze, j) => resolveFreeze(scope, `${prop}[${j}]`, freeze, now));
    checkNoOverlap(scope, prop, resolved);
    const longest = `fintech-${env.name}-freeze-${resolved.length - 1}-suspend`;
    if (resolved.length > 0 && longest.length > 52) {
      throw invalidProp(scope, `environments[${i}].name`, env.name, `is too long for its freeze CronJobs' names ("${longest}": at most 52 characters)`);
    }
    return resolved;
  });
  checkUniqueField(scope, 'environments', 'name', list.map((env) => env.name));
  checkUniqueField(scope, 'environments', 'namespace', list.map((env) => env.namespace),
    'two Applications pruning one namespace would each delete what the other applies');
  return checked;
}

const ENVIRONMENT_OPTIONS = ['name', 'namespace', 'waves', 'resources', 'freezes', 'automatedSync', 'prune', 'selfHeal'];

/** An environment's Application must deploy to a namespace its output uses, and its output must contain something. */
function checkResources(scope: Construct, at: string, env: GitOpsEnvironment): void {
  const prop = `${at}.resources`;
  const resources = env.resources;
  const expected = 'must be what the environment\'s output contains: environmentResources(folder) of its folder in the delivery plan';
  if (resources === null || typeof resources !== 'object' || Array.isArray(resources)) throw invalidProp(scope, prop, resources, expected);
  checkNoNullOptions(scope, prop, resources, ['folder', 'waves']);
  for (const list of ['namespaces', 'clusterKinds', 'namespacedKinds'] as const) checkArray(scope, `${prop}.${list}`, resources[list], `environmentResources(folder).${list}`);
  if (resources.folder !== undefined) {
    checkNotSecret(scope, `${prop}.folder`, checkString(scope, `${prop}.folder`, resources.folder, { example: '"production"' }), NOT_A_SECRET);
  }
  if (resources.waves !== undefined) {
    checkArray<number>(scope, `${prop}.waves`, resources.waves, 'wavesOf(folder)')
      .forEach((wave, i) => checkInteger(scope, `${prop}.waves[${i}]`, checkNumber(scope, `${prop}.waves[${i}]`, wave), 0));
  }
  resources.namespaces.forEach((namespace, i) => checkDnsLabel(scope, `${prop}.namespaces[${i}]`, namespace));
  if (resources.folder !== undefined && resources.folder !== env.name) {
    throw invalidProp(scope, `${at}.name`, env.name, `must be the name of the folder its resources were read from ("${resources.folder}"): the Application and `
      + `the Kustomizations apply <outputPath>/${env.name}; give each environment the name, waves and resources of its own folder`);
  }
  if (resources.waves !== undefined && resources.waves.length === 0) {
    throw invalidProp(scope, `${prop}.waves`, [], `must not be empty: its folder "${resources.folder ?? env.name}" was planned with waves: false, and GitOps `
      + 'applies an environment wave by wave (one Kustomization per wave folder); plan the folder in waves');
  }
  if (resources.waves !== undefined && JSON.stringify(resources.waves) !== JSON.stringify(env.waves)) {
    throw invalidProp(scope, `${at}.waves`, env.waves, `must be the waves of its folder "${resources.folder ?? env.name}", `
      + `${JSON.stringify(resources.waves)} (wavesOf(folder)): a Kustomization for a wave the folder does not have fails, and blocks the waves after it`);
  }
  if (!resources.namespaces.includes(env.namespace)) {
    throw invalidProp(scope, `${prop}.namespaces`, resources.namespaces, `must include the environment's namespace "${env.namespace}": its output has no object there`);
  }
  for (const list of ['clusterKinds', 'namespacedKinds'] as const) {
    resources[list].forEach((groupKind, i) => checkGroupKind(scope, `${prop}.${list}[${i}]`, groupKind));
  }
}

const KIND = /^[A-Z][A-Za-z0-9]*$/;

/**
 * One kind the AppProject allows, as `environmentResources` reads it from the output: never a
 * wildcard, which would let the Application sync any kind (ClusterRoles, webhooks) from git.
 */
function checkGroupKind(scope: Construct, prop: string, groupKind: unknown): void {
  checkKnownKeys(scope, prop, groupKind, ['group', 'kind'], "{ group: 'apps', kind: 'Deployment' }");
  const { group, kind } = groupKind as { group?: unknown; kind?: unknown };
  const groupRule = 'must be an API group such as "apps" or "" (the core group), never "*": the AppProject allows only the kinds its output contains';
  if (typeof group !== 'string' || group.includes('*')) throw invalidProp(scope, `${prop}.group`, group, groupRule);
  if (group !== '') checkDnsSubdomain(scope, `${prop}.group`, group);
  if (typeof kind !== 'string' || !KIND.test(kind)) {
    throw invalidProp(scope, `${prop}.kind`, kind, 'must be a kind such as "Deployment" (a capital letter, then letters and digits), never "*": the AppProject allows only the kinds its output contains');
  }
}
