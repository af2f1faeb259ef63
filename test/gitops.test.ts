import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { App, Chart, Cron, Duration } from 'cdk8s';
import { k8s } from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { ChangeFreeze, FintechEnvironment, GitOpsDelivery, GitOpsDeliveryProps, GitOpsEnvironment, GitRevision } from '../lib';
import { EnvironmentResources, environmentResources, FolderPlan, planDelivery, wavesOf } from '../lib/tools';
import { STAGING } from '../platform';
import { only, paymentsService } from './support/fixtures';
import { checkObjects } from './support/policy-checks';
import { validateManifest } from './support/schema-validator';
import { hasTool } from './support/tools';

const hasGit = hasTool('git', 'install git (Debian: apt-get install git)');

const REPO = 'https://git.example.com/platform/fintech.git';
const NOW = new Date('2026-12-02T03:00:00Z');

/** GIVEN an environment's folder: its namespace and guard rails, one service, and whatever `extra` adds. */
function folderOf(name: string, namespace: string, extra: (app: App) => void = () => {}): FolderPlan {
  const app = new App();
  new FintechEnvironment(new Chart(app, 'environment'), namespace, { namespace, quota: STAGING.quota });
  paymentsService({}, new Chart(app, 'payments', { namespace }));
  extra(app);
  return planDelivery([{ folder: name, app }]).folders[0];
}

/** What a folder contains, as a hand-made EnvironmentResources: without the folder and waves it was read from, so any waves can be tried. */
function handMade(folder: FolderPlan): EnvironmentResources {
  const { namespaces, clusterKinds, namespacedKinds } = environmentResources(folder);
  return { namespaces, clusterKinds, namespacedKinds };
}

const STAGING_RESOURCES = handMade(folderOf('staging', 'fintech-staging'));
const PRODUCTION_RESOURCES = handMade(folderOf('production', 'fintech-production'));

function environments(production: Partial<GitOpsEnvironment> = {}): GitOpsEnvironment[] {
  return [
    { name: 'staging', namespace: 'fintech-staging', waves: [0, 1, 2], resources: STAGING_RESOURCES },
    { name: 'production', namespace: 'fintech-production', waves: [0, 2, 5], automatedSync: false, resources: PRODUCTION_RESOURCES, ...production },
  ];
}

function synthGitOps(overrides: Partial<GitOpsDeliveryProps> = {}) {
  const chart = new Chart(new App(), 'gitops');
  const delivery = new GitOpsDelivery(chart, 'delivery', { repoUrl: REPO, environments: environments(), now: NOW, ...overrides });
  return { delivery, objects: chart.toJson() };
}

/** The objects of a delivery whose production environment has these freezes. */
function withFreezes(freezes: ChangeFreeze[], overrides: Partial<GitOpsDeliveryProps> = {}) {
  return synthGitOps({ environments: environments({ freezes }), ...overrides });
}

const MONTH_START = Cron.schedule({ minute: '0', hour: '0', day: '1' });
const closing = (options: Partial<Parameters<typeof ChangeFreeze.recurring>[0]> = {}) =>
  ChangeFreeze.recurring({ schedule: MONTH_START, duration: Duration.hours(72), reason: 'Month-end closing', ...options });
const PATH = "GitOpsDelivery 'gitops/delivery'";
const FREEZE = `${PATH}: 'environments[1].freezes[0]`;

describe('GitOpsDelivery', () => {
  const { objects } = synthGitOps();

  test('an Argo CD Application per environment points at its folder; production waits for a manual sync', () => {
    const staging = only(objects, 'Application', 'fintech-staging');
    expect(staging.metadata.namespace).toBe('argocd');
    expect(staging.spec.source).toEqual({ repoURL: REPO, targetRevision: 'main', path: 'dist/staging' });
    expect(staging.spec.destination).toEqual({ server: 'https://kubernetes.default.svc', namespace: 'fintech-staging' });
    expect(staging.spec.syncPolicy.automated).toEqual({ prune: true, selfHeal: true });
    expect(only(objects, 'Application', 'fintech-production').spec.syncPolicy.automated).toBeUndefined();
  });

  test('Flux applies each wave after the previous one is ready, from one GitRepository', () => {
    const repo = only(objects, 'GitRepository');
    expect(repo.spec).toEqual({ url: REPO, ref: { branch: 'main' }, interval: '5m' });
    const production = objects.filter((o) => o.kind === 'Kustomization' && o.metadata.name.startsWith('fintech-production'));
    expect(production.map((k) => [k.metadata.name, k.spec.path, k.spec.dependsOn?.[0].name])).toEqual([
      ['fintech-production-wave-0', './dist/production/wave-0', undefined],
      ['fintech-production-wave-2', './dist/production/wave-2', 'fintech-production-wave-0'],
      ['fintech-production-wave-5', './dist/production/wave-5', 'fintech-production-wave-2'],
    ]);
    for (const k of production) {
      expect(k.spec).toMatchObject({ prune: true, wait: true, sourceRef: { kind: 'GitRepository', name: 'fintech-platform' } });
    }
  });

  test('takes an existing Flux source, a revision, a path and an interval', () => {
    const { objects: custom } = synthGitOps({
      revision: GitRevision.branch('release'), outputPath: 'deploy/', interval: Duration.minutes(1), fluxSource: { name: 'platform', namespace: 'gitops' },
    });
    expect(custom.filter((o) => o.kind === 'GitRepository')).toEqual([]);
    const first = only(custom, 'Kustomization', 'fintech-staging-wave-0');
    expect(first.spec).toMatchObject({ interval: '1m', path: './deploy/staging/wave-0', sourceRef: { name: 'platform', namespace: 'gitops' } });
    expect(only(custom, 'Application', 'fintech-staging').spec.source).toMatchObject({ targetRevision: 'release', path: 'deploy/staging' });
  });

  test('applies the branch main by default', () => {
    expect(synthGitOps().delivery.revision).toEqual(GitRevision.branch('main'));
  });

  test('validates strictly against the Argo CD and Flux CRDs', () => {
    expect(objects.flatMap(validateManifest)).toEqual([]);
  });

  const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
  test.each([
    ['a branch', GitRevision.branch('release/2026-q4'), { branch: 'release/2026-q4' }, 'release/2026-q4'],
    ['a tag', GitRevision.tag('v1.2.0'), { tag: 'v1.2.0' }, 'v1.2.0'],
    ['a commit', GitRevision.commit(SHA), { commit: SHA }, SHA],
  ])('%s becomes the matching Flux ref and Argo CD targetRevision as written, valid against both CRDs', (_, revision, ref, targetRevision) => {
    const { objects: synthesized, delivery } = synthGitOps({ revision });
    expect(delivery.revision).toBe(revision);
    expect(only(synthesized, 'GitRepository').spec.ref).toEqual(ref);
    for (const app of synthesized.filter((o) => o.kind === 'Application')) expect(app.spec.source.targetRevision).toBe(targetRevision);
    expect(synthesized.flatMap(validateManifest)).toEqual([]);
  });

  test('the Flux schema is strict about the ref: an unknown field is an error', () => {
    const repo = only(synthGitOps({ revision: GitRevision.tag('v1.2.0') }).objects, 'GitRepository');
    expect(validateManifest({ ...repo, spec: { ...repo.spec, ref: { release: 'v1.2.0' } } })).not.toEqual([]);
  });

  const REF_RULES = "no space, control character, '~', '^', ':', '?', '*', '[', '\\', '..' or '@{'; not '@'; "
    + "no empty component, none starting with '.' or ending with '.lock'; no leading '-' or '/', no trailing '/' or '.'";
  test.each([
    ['a branch with a space', GitRevision.branch('my branch'), '"my branch"', 'branch'],
    ['a branch with ..', GitRevision.branch('release..next'), '"release..next"', 'branch'],
    ['a branch starting with -', GitRevision.branch('-main'), '"-main"', 'branch'],
    ['a branch ending with .lock', GitRevision.branch('main.lock'), '"main.lock"', 'branch'],
    ['a branch with an empty component', GitRevision.branch('release//1'), '"release//1"', 'branch'],
    ['a branch component starting with a dot', GitRevision.branch('release/.hidden'), '"release/.hidden"', 'branch'],
    ['an empty branch', GitRevision.branch(''), '""', 'branch'],
    ['the branch @', GitRevision.branch('@'), '"@"', 'branch'],
    ['a tag with @{', GitRevision.tag('v1@{1}'), '"v1@{1}"', 'tag'],
    ['a tag with a colon', GitRevision.tag('v1:2'), '"v1:2"', 'tag'],
    ['a tag with a backslash', GitRevision.tag('v1\\2'), '"v1\\\\2"', 'tag'],
    ['a tag ending with a dot', GitRevision.tag('v1.'), '"v1."', 'tag'],
    ['a tag ending with /', GitRevision.tag('v1/'), '"v1/"', 'tag'],
  ])('rejects %s', (_, revision, shown, kind) => {
    expect(() => synthGitOps({ revision })).toThrow(
      `GitOpsDelivery 'gitops/delivery': 'revision' (${shown}) is invalid: must be a ${kind} name git accepts: ${REF_RULES}`);
  });

  test.each([
    ['an abbreviated SHA', SHA.slice(0, 12)],
    ['an upper-case SHA', SHA.toUpperCase()],
    ['a branch name', 'main'],
  ])('rejects a commit that is %s', (_, sha) => {
    expect(() => synthGitOps({ revision: GitRevision.commit(sha) })).toThrow(
      `GitOpsDelivery 'gitops/delivery': 'revision' ("${sha}") is invalid: must be a commit's full 40-character lowercase hexadecimal SHA-1`);
  });

  const ACCEPTED = ['main', 'feature/payments-v2', 'release-1.2', 'v1.2.0-rc.1', 'user@host', 'a.b/c_d'];
  const REJECTED = ['my branch', 'release..next', 'main.lock', 'release//1', 'release/.hidden', '', 'v1@{1}', 'v1:2', 'v1\\2', 'v1.', 'v1/',
    'tab\there', 'a~1', 'a^2', 'what?', 'star*', 'br[acket'];
  const accepts = (name: string) => {
    try {
      synthGitOps({ revision: GitRevision.tag(name) });
      return true;
    } catch {
      return false;
    }
  };

  test('accepts names git accepts', () => {
    for (const name of ACCEPTED) expect(() => synthGitOps({ revision: GitRevision.branch(name) })).not.toThrow();
  });

  (hasGit ? test : test.skip)('agrees with git check-ref-format on every name above', () => {
    // Beyond check-ref-format, `git branch` refuses a leading '-' and the name '@': those two are not compared here.
    const git = (name: string) => spawnSync('git', ['check-ref-format', `refs/tags/${name}`]).status === 0;
    for (const name of [...ACCEPTED, ...REJECTED]) expect([name, accepts(name)]).toEqual([name, git(name)]);
    expect(ACCEPTED.every(accepts)).toBe(true);
    expect(REJECTED.some(accepts)).toBe(false);
  });

  test.each([
    ['a repository that is not a URL', { repoUrl: 'platform.git' },
      "GitOpsDelivery 'gitops/delivery': 'repoUrl' (\"platform.git\") is invalid: must be an https://, ssh:// or git@ repository URL with the repository's path, e.g. \"https://git.example.com/platform/fintech.git\" or \"git@git.example.com:platform/fintech.git\""],
    ['an environment without waves', { environments: [{ name: 'staging', namespace: 'fintech-staging', waves: [], resources: STAGING_RESOURCES }] },
      "GitOpsDelivery 'gitops/delivery': 'environments[0].waves' ([]) is invalid: must list at least one wave"],
    ['an environment whose output has nothing in its namespace', { environments: [{ name: 'qa', namespace: 'fintech-qa', waves: [0], resources: STAGING_RESOURCES }] },
      "GitOpsDelivery 'gitops/delivery': 'environments[0].resources.namespaces' ([\"fintech-staging\"]) is invalid: "
        + "must include the environment's namespace \"fintech-qa\": its output has no object there"],
    ['an environment without resources', { environments: [{ name: 'qa', namespace: 'fintech-qa', waves: [0] } as unknown as GitOpsEnvironment] },
      "GitOpsDelivery 'gitops/delivery': 'environments[0].resources' (undefined) is invalid: "
        + "must be what the environment's output contains: environmentResources(folder) of its folder in the delivery plan"],
    ['a flux CLI image on latest', { fluxCliImage: 'ghcr.io/fluxcd/flux-cli:latest' },
      "GitOpsDelivery 'gitops/delivery': 'fluxCliImage' (\"ghcr.io/fluxcd/flux-cli:latest\") is invalid: must be pinned: "
        + "a version tag other than 'latest' (registry/fintech/service:1.4.2) or a digest (...@sha256:<64 hex>)"],
    ['an API server address that is not a CIDR', { apiServerCidrs: ['10.0.0.1'] },
      "GitOpsDelivery 'gitops/delivery': 'apiServerCidrs[0]' (\"10.0.0.1\") is invalid: must have a prefix length, e.g. \"10.0.0.1/32\" for this address alone"],
    ['API server addresses that are not a list', { apiServerCidrs: '10.0.0.0/8' as any },
      "GitOpsDelivery 'gitops/delivery': 'apiServerCidrs' (\"10.0.0.0/8\") is invalid: must be an array, not a string, e.g. [\"10.0.0.1/32\"]"],
  ] as Array<[string, Partial<GitOpsDeliveryProps>, string]>)('rejects %s', (_, overrides, message) => {
    expect(() => synthGitOps(overrides)).toThrow(message);
  });
});

describe('AppProject per environment', () => {
  const { objects } = synthGitOps();
  const project = (name: string, objs: any[] = objects) => only(objs, 'AppProject', `fintech-${name}`);

  test('the Applications use their environment\'s project instead of default', () => {
    expect(only(objects, 'Application', 'fintech-staging').spec.project).toBe('fintech-staging');
    expect(only(objects, 'Application', 'fintech-production').spec.project).toBe('fintech-production');
    expect(project('production').metadata.namespace).toBe('argocd');
  });

  test('allows only the repository, the namespaces and the kinds the output contains', () => {
    const spec = project('staging').spec;
    expect(spec.sourceRepos).toEqual([REPO]);
    expect(spec.destinations).toEqual([{ server: 'https://kubernetes.default.svc', namespace: 'fintech-staging' }]);
    expect(spec.clusterResourceWhitelist).toEqual([{ group: '', kind: 'Namespace' }]);
    expect(spec.namespaceResourceWhitelist).toEqual([
      { group: '', kind: 'LimitRange' }, { group: '', kind: 'ResourceQuota' }, { group: '', kind: 'Service' }, { group: '', kind: 'ServiceAccount' },
      { group: 'apps', kind: 'Deployment' }, { group: 'autoscaling', kind: 'HorizontalPodAutoscaler' }, { group: 'monitoring.coreos.com', kind: 'ServiceMonitor' },
      { group: 'networking.k8s.io', kind: 'NetworkPolicy' }, { group: 'policy', kind: 'PodDisruptionBudget' },
    ]);
    expect(spec.syncWindows).toBeUndefined();
  });

  test('the namespaced kinds are exactly those of the synthesized objects', () => {
    const app = new App();
    const namespace = 'fintech-staging';
    new FintechEnvironment(new Chart(app, 'environment'), namespace, { namespace, quota: STAGING.quota });
    const chart = new Chart(app, 'payments', { namespace });
    paymentsService({}, chart);
    const synthesized = [...app.charts.flatMap((c) => c.toJson())];
    const namespacedKinds = [...new Set(synthesized.filter((o) => o.metadata.namespace).map((o) => `${o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : ''}/${o.kind}`))].sort();
    expect(project('staging').spec.namespaceResourceWhitelist.map((k: any) => `${k.group}/${k.kind}`)).toEqual(namespacedKinds);
  });

  test('adding a ClusterRole to an environment adds exactly that kind, and an object in monitoring exactly that destination', () => {
    const folder = folderOf('staging', 'fintech-staging', (app) => {
      const chart = new Chart(app, 'monitoring', { namespace: 'monitoring' });
      new k8s.KubeClusterRole(chart, 'reader', { metadata: { name: 'reader' }, rules: [{ apiGroups: [''], resources: ['pods'], verbs: ['get'] }] });
      new k8s.KubeServiceAccount(chart, 'scraper', { metadata: { name: 'scraper' }, automountServiceAccountToken: false });
    });
    const { objects: grown } = synthGitOps({ environments: [{ name: 'staging', namespace: 'fintech-staging', waves: wavesOf(folder), resources: environmentResources(folder) }] });
    const before = project('staging').spec;
    const after = project('staging', grown).spec;
    expect(after.clusterResourceWhitelist).toEqual([...before.clusterResourceWhitelist, { group: 'rbac.authorization.k8s.io', kind: 'ClusterRole' }]);
    expect(after.namespaceResourceWhitelist).toEqual(before.namespaceResourceWhitelist);
    expect(after.destinations.map((d: any) => d.namespace)).toEqual(['fintech-staging', 'monitoring']);
  });

  test('an environment without cluster-scoped objects gets no cluster whitelist: Argo CD then denies every cluster-scoped kind', () => {
    const app = new App();
    paymentsService({}, new Chart(app, 'payments', { namespace: 'fintech-qa' }));
    const resources = environmentResources(planDelivery([{ folder: 'qa', app }]).folders[0]);
    expect(resources.clusterKinds).toEqual([]);
    const { objects: qa } = synthGitOps({ environments: [{ name: 'qa', namespace: 'fintech-qa', waves: [2], resources }] });
    expect(project('qa', qa).spec.clusterResourceWhitelist).toBeUndefined();
    expect(qa.flatMap(validateManifest)).toEqual([]);
  });

  test('an object of an unknown kind without a namespace is refused: its scope is unknown', () => {
    const app = new App();
    new k8s.KubeConfigMap(new Chart(app, 'loose'), 'settings', { data: { a: 'b' } });
    expect(() => environmentResources(planDelivery([{ folder: 'qa', app }]).folders[0])).toThrow(
      "environmentResources: 'folder' (\"qa\") is invalid: holds ConfigMap 'loose/settings', which has no namespace and is not a cluster-scoped kind; "
      + "give it a namespace (its chart's namespace or metadata.namespace)");
  });
});

describe('ChangeFreeze', () => {
  const freezes = [
    closing({ manualSync: true }),
    ChangeFreeze.oneOff({ start: '2026-12-24T00:00:00+01:00', end: '2026-12-27T00:00:00+01:00', reason: 'Year-end trading peak', timeZone: 'Europe/Berlin' }),
  ];
  const { objects, delivery } = withFreezes(freezes);

  test('renders as deny sync windows on the environment\'s AppProject, only for its Application', () => {
    expect(only(objects, 'AppProject', 'fintech-production').spec.syncWindows).toEqual([
      { kind: 'deny', schedule: '0 0 1 * *', duration: '72h', timeZone: 'UTC', applications: ['fintech-production'], manualSync: true, description: 'Month-end closing' },
      {
        kind: 'deny', schedule: '0 0 24 12 *', duration: '72h', timeZone: 'Europe/Berlin', applications: ['fintech-production'], manualSync: false,
        description: 'Year-end trading peak',
      },
    ]);
    expect(only(objects, 'AppProject', 'fintech-staging').spec.syncWindows).toBeUndefined();
  });

  test('a one-off freeze is written in its time zone: the same instants from a UTC offset', () => {
    const oneOff = ChangeFreeze.oneOff({ start: new Date('2027-03-31T22:30:00Z'), end: '2027-04-01T06:00:00Z', reason: 'Migration', timeZone: 'Asia/Tokyo' });
    const window = only(withFreezes([oneOff]).objects, 'AppProject', 'fintech-production').spec.syncWindows[0];
    expect([window.schedule, window.duration, window.timeZone]).toEqual(['30 7 1 4 *', '450m', 'Asia/Tokyo']);
  });

  test('Flux: per freeze, a CronJob suspends the environment\'s Kustomizations at the start and one resumes them at the end', () => {
    const jobs = objects.filter((o) => o.kind === 'CronJob');
    expect(jobs.map((j) => [j.metadata.name, j.metadata.namespace, j.spec.schedule, j.spec.timeZone])).toEqual([
      ['fintech-production-freeze-0-suspend', 'flux-system', '0 0 1 * *', 'UTC'],
      ['fintech-production-freeze-0-resume', 'flux-system', '0 0 4 * *', 'UTC'],
      ['fintech-production-freeze-1-suspend', 'flux-system', '0 0 24 12 *', 'Europe/Berlin'],
      ['fintech-production-freeze-1-resume', 'flux-system', '0 0 27 12 *', 'Europe/Berlin'],
    ]);
    const kustomizations = ['fintech-production-wave-0', 'fintech-production-wave-2', 'fintech-production-wave-5'];
    const container = (name: string) => only(objects, 'CronJob', name).spec.jobTemplate.spec.template.spec.containers[0];
    expect(container('fintech-production-freeze-0-suspend').args).toEqual(['suspend', 'kustomization', ...kustomizations, '--namespace=flux-system', '--cache-dir=/tmp/.kube/cache']);
    expect(container('fintech-production-freeze-0-resume').args)
      .toEqual(['resume', 'kustomization', '--wait=false', ...kustomizations, '--namespace=flux-system', '--cache-dir=/tmp/.kube/cache']);
    expect(container('fintech-production-freeze-0-resume').image).toBe('ghcr.io/fluxcd/flux-cli:v2.8.3');
    expect(delivery.fluxFreezes.get('production')!.cronJobs).toHaveLength(2);
    expect(delivery.fluxFreezes.has('staging')).toBe(false);
  });

  test('the freeze ServiceAccount may only get and patch the environment\'s own Kustomizations', () => {
    expect(only(objects, 'Role', 'fintech-production-freeze').rules).toEqual([{
      apiGroups: ['kustomize.toolkit.fluxcd.io'], resources: ['kustomizations'],
      resourceNames: ['fintech-production-wave-0', 'fintech-production-wave-2', 'fintech-production-wave-5'], verbs: ['get', 'patch'],
    }]);
    expect(only(objects, 'RoleBinding', 'fintech-production-freeze').subjects).toEqual([{ kind: 'ServiceAccount', name: 'fintech-production-freeze', namespace: 'flux-system' }]);
  });

  test('every object is valid against the schemas and passes the Pod Security, kube-score, Polaris and RBAC checks', () => {
    expect(objects.flatMap(validateManifest)).toEqual([]);
    expect(checkObjects(objects)).toEqual([]);
  });

  test.each([
    ['weekends (Saturday 00:00 for 48 hours)', closing({ schedule: Cron.schedule({ minute: '0', hour: '0', weekDay: '6' }), duration: Duration.hours(48) }), '0 0 * * 1'],
    ['every night at 22:00 for 8 hours', closing({ schedule: Cron.schedule({ minute: '0', hour: '22' }), duration: Duration.hours(8) }), '0 6 * * *'],
    ['31 December at 18:00 for 3 days', closing({ schedule: Cron.schedule({ minute: '0', hour: '18', day: '31', month: '12' }) }), '0 18 3 1 *'],
    ['the end of the months with 31 days', closing({ schedule: Cron.schedule({ minute: '0', hour: '0', day: '30', month: '1,3,5,7,8,10,12' }) }), '0 0 2 1,2,4,6,8,9,11 *'],
  ])('Flux resumes %s exactly one duration after each start', (_, freeze, resume) => {
    expect(only(withFreezes([freeze]).objects, 'CronJob', 'fintech-production-freeze-0-resume').spec.schedule).toBe(resume);
  });

  test('a freeze whose end falls on different days in different years is refused: Flux could not resume it on a cron schedule', () => {
    expect(() => withFreezes([closing({ schedule: Cron.schedule({ minute: '0', hour: '0', day: '30' }) })])).toThrow(
      `${FREEZE}.duration' ("3d") is invalid: ends on calendar days no cron schedule names exactly (months differ in length and February in leap years), `
      + 'so Flux could not resume on time; choose a start and duration whose end falls on fixed days, e.g. a freeze that starts on the 1st');
  });

  test.each([
    ['a schedule Kubernetes refuses', closing({ schedule: Cron.schedule({ minute: '61' }) }),
      `${FREEZE}.schedule' ("61 * * * *") is invalid: minute field "61": 61 is above the maximum 59; a schedule is 5 cron fields`],
    ['a schedule that starts more than 24 times a day', closing({ schedule: Cron.schedule({ minute: '*/30' }), duration: Duration.minutes(10) }),
      `${FREEZE}.schedule' ("*/30 * * * *") is invalid: must start at most 24 times a day`],
    ['a duration that is not whole minutes', closing({ duration: Duration.seconds(90) }),
      `${FREEZE}.duration' ("1m30s") is invalid: must be a whole number of minutes, e.g. Duration.hours(72)`],
    ['a duration under a minute', closing({ duration: Duration.seconds(30) }),
      `${FREEZE}.duration' ("30s") is invalid: must be at least 1m`],
    ['a duration as long as the time between two starts', closing({ schedule: Cron.schedule({ minute: '0', hour: '0' }), duration: Duration.hours(24) }),
      `${FREEZE}.duration' ("1d") is invalid: must be shorter than the shortest time between two starts of "0 0 * * *" (1d), or the freeze never ends`],
    ['a time zone that is not an IANA name', closing({ timeZone: 'CEST' }),
      `${FREEZE}.timeZone' ("CEST") is invalid: must be an IANA time zone name as the tz database spells it (case matters), such as "Etc/UTC" or "Europe/Berlin"`],
    ['an empty reason', closing({ reason: '' }), `${FREEZE}.reason' ("") is invalid: must not be empty, e.g. "Month-end closing"`],
    ['a reason on two lines', closing({ reason: 'Closing\nQ4' }), `${FREEZE}.reason' ("Closing\\nQ4") is invalid: must be one line`],
    ['a manual override that is not a boolean', closing({ manualSync: 'yes' as any }),
      `${FREEZE}.manualSync' ("yes") is invalid: must be a boolean (true or false), not a string`],
    ['an unknown option', ChangeFreeze.recurring({ schedule: MONTH_START, duration: Duration.hours(1), reason: 'x', timezone: 'UTC' } as any),
      `${FREEZE}.timezone' (a string of 3 characters) is invalid: is not a known option; the options are schedule, duration, reason, timeZone, manualSync`],
    ['a one-off freeze that has ended', ChangeFreeze.oneOff({ start: '2025-12-24T00:00:00Z', end: '2025-12-27T00:00:00Z', reason: 'Peak' }),
      `${FREEZE}.end' ("2025-12-27T00:00:00Z") is invalid: has passed (checked at 2026-12-02T03:00:00.000Z): `
        + 'the rendered schedule has no year and would freeze the same dates every year; remove the freeze'],
    ['a one-off freeze a year ahead', ChangeFreeze.oneOff({ start: '2027-12-24T00:00:00Z', end: '2027-12-27T00:00:00Z', reason: 'Peak' }),
      `${FREEZE}.start' ("2027-12-24T00:00:00Z") is invalid: is too far ahead (checked at 2026-12-02T03:00:00.000Z): `
        + 'the rendered schedule has no year, so the same dates 2026 would be frozen first; give a freeze that starts within a year, less its length'],
    ['a one-off freeze that ends before it starts', ChangeFreeze.oneOff({ start: '2026-12-24T00:00:00Z', end: '2026-12-23T00:00:00Z', reason: 'Peak' }),
      `${FREEZE}.end' ("2026-12-23T00:00:00Z") is invalid: must be after 'start' ("2026-12-24T00:00:00.000Z")`],
    ['a one-off freeze of a year', ChangeFreeze.oneOff({ start: '2026-12-24T00:00:00Z', end: '2027-12-24T00:00:00Z', reason: 'Peak' }),
      `${FREEZE}.end' ("2027-12-24T00:00:00Z") is invalid: must be less than 365 days after 'start'`],
    ['a start without a time zone', ChangeFreeze.oneOff({ start: '2026-12-24T00:00', end: '2026-12-27T00:00:00Z', reason: 'Peak' }),
      `${FREEZE}.start' ("2026-12-24T00:00") is invalid: must be a Date or an ISO 8601 date and time with a time zone, e.g. "2026-12-24T00:00:00Z" or "2026-12-24T00:00+01:00"`],
    ['an impossible date', ChangeFreeze.oneOff({ start: '2026-02-30T00:00:00Z', end: '2026-12-27T00:00:00Z', reason: 'Peak' }),
      `${FREEZE}.start' ("2026-02-30T00:00:00Z") is invalid: must be a Date or an ISO 8601 date and time with a time zone, e.g. "2026-12-24T00:00:00Z" or "2026-12-24T00:00+01:00"`],
    ['a start that is not a whole minute', ChangeFreeze.oneOff({ start: '2026-12-24T00:00:30Z', end: '2026-12-27T00:00:00Z', reason: 'Peak' }),
      `${FREEZE}.start' ("2026-12-24T00:00:30Z") is invalid: must be a whole minute (cron schedules have no seconds)`],
    ['something that is not a ChangeFreeze', { schedule: '0 0 1 * *' } as any,
      `${FREEZE}' ({"schedule":"0 0 1 * *"}) is invalid: must be a ChangeFreeze, e.g. ChangeFreeze.recurring({ schedule, duration, reason })`],
  ])('rejects %s', (_, freeze, message) => {
    expect(() => withFreezes([freeze])).toThrow(message);
  });

  test('rejects two freezes that overlap: Flux would resume while one still holds', () => {
    const christmas = ChangeFreeze.oneOff({ start: '2027-01-01T12:00:00Z', end: '2027-01-02T00:00:00Z', reason: 'New year' });
    expect(() => withFreezes([closing(), christmas])).toThrow(
      `${PATH}: 'environments[1].freezes[1]' ("0 12 1 1 *") is invalid: overlaps environments[1].freezes[0] ("0 0 1 * *"): `
      + 'Flux would resume when one ends while the other still holds; merge them into one freeze');
    expect(() => withFreezes([closing(), ChangeFreeze.oneOff({ start: '2027-01-04T00:00:00Z', end: '2027-01-05T00:00:00Z', reason: 'After' })])).not.toThrow();
  });

  test('rejects an environment name too long for its freeze CronJobs, and freezes that are not a list', () => {
    const name = 'payments-settlement-production';
    const long = [{ name, namespace: 'fintech-production', waves: [0], resources: PRODUCTION_RESOURCES, freezes: [closing()] }];
    expect(() => synthGitOps({ environments: long })).toThrow(
      `${PATH}: 'environments[0].name' ("${name}") is invalid: is too long for its freeze CronJobs' names ("fintech-${name}-freeze-0-suspend": at most 52 characters)`);
    expect(() => withFreezes(closing() as any)).toThrow(
      `${PATH}: 'environments[1].freezes' (a ChangeFreeze) is invalid: must be an array, not a ChangeFreeze, e.g. [ChangeFreeze.recurring({ ... })]`);
  });

  test('a one-off freeze in progress is accepted; an alias of an IANA name too', () => {
    const now = new Date('2026-12-25T00:00:00Z');
    const freeze = ChangeFreeze.oneOff({ start: '2026-12-24T00:00:00Z', end: '2026-12-27T00:00:00Z', reason: 'Peak', timeZone: 'Asia/Kolkata' });
    expect(() => withFreezes([freeze], { now })).not.toThrow();
  });
});

describe('dist/gitops', () => {
  const DIST = path.join(__dirname, '..', 'dist');
  const read = (file: string) => parseAllDocuments(fs.readFileSync(file, 'utf8')).map((d) => d.toJS()).filter((o) => o);
  const gitops = read(path.join(DIST, 'gitops', 'gitops.yaml'));
  const applications = gitops.filter((o) => o.kind === 'Application');

  test.each(applications.map((a) => [a.metadata.name, a]))('%s: its project allows exactly the namespaces and kinds of its folder in dist/', (_, application) => {
    const project = only(gitops, 'AppProject', application.spec.project);
    const folder = path.join(DIST, application.spec.source.path.replace(/^dist\//, ''));
    const files = (fs.readdirSync(folder, { recursive: true }) as string[]).filter((f) => f.endsWith('.yaml') && path.basename(f) !== 'kustomization.yaml');
    const output = files.flatMap((f) => read(path.join(folder, f)));
    const groupKind = (o: any) => ({ group: o.apiVersion.includes('/') ? o.apiVersion.split('/')[0] : '', kind: o.kind });
    const unique = (list: any[]) => [...new Map(list.map((k) => [`${k.group}/${k.kind}`, k])).entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, k]) => k);
    expect(project.spec.sourceRepos).toEqual([application.spec.source.repoURL]);
    expect(project.spec.destinations.map((d: any) => d.namespace)).toEqual([...new Set(output.filter((o) => o.metadata.namespace).map((o) => o.metadata.namespace))].sort());
    expect(project.spec.clusterResourceWhitelist).toEqual(unique(output.filter((o) => !o.metadata.namespace).map(groupKind)));
    expect(project.spec.namespaceResourceWhitelist).toEqual(unique(output.filter((o) => o.metadata.namespace).map(groupKind)));
  });

  test('production freezes for month-end closing with a manual override, on Argo CD and on Flux; staging does not freeze', () => {
    expect(only(gitops, 'AppProject', 'fintech-production').spec.syncWindows).toEqual([{
      kind: 'deny', schedule: '0 0 1 * *', duration: '72h', timeZone: 'UTC', applications: ['fintech-production'], manualSync: true,
      description: 'Month-end closing: the books are closed in the first three days of the month',
    }]);
    expect(only(gitops, 'AppProject', 'fintech-staging').spec.syncWindows).toBeUndefined();
    expect(gitops.filter((o) => o.kind === 'CronJob').map((j) => [j.metadata.name, j.spec.schedule])).toEqual([
      ['fintech-production-freeze-0-suspend', '0 0 1 * *'], ['fintech-production-freeze-0-resume', '0 0 4 * *'],
    ]);
  });

  test('the Flux freeze objects pass the Pod Security, kube-score, Polaris and RBAC checks', () => {
    expect(gitops.filter((o) => o.kind === 'CronJob').length).toBeGreaterThan(0);
    expect(checkObjects(gitops)).toEqual([]);
  });
});

/**
 * Argo CD's rule (SyncWindow.active): a window is active at t when the schedule's next run after
 * t - duration comes before t. Flux is suspended at t when its last CronJob run at or before t
 * was the suspend one. Both are computed minute by minute over a year with a plain cron matcher
 * written here, in UTC, and must agree.
 */
describe('Argo CD and Flux freeze the same minutes', () => {
  const field = (text: string, min: number, max: number): Set<number> => {
    const values = new Set<number>();
    for (const part of text.split(',')) {
      const [range, step] = part.split('/');
      const [from, to] = range === '*' ? [min, max] : range.includes('-') ? range.split('-').map(Number) : [Number(range), step ? max : Number(range)];
      for (let v = from; v <= to; v += Number(step ?? 1)) values.add(v);
    }
    return values;
  };
  const matcher = (cron: string) => {
    const [m, h, dom, mon, dow] = cron.split(' ');
    const sets = [field(m, 0, 59), field(h, 0, 23), field(dom, 1, 31), field(mon, 1, 12), field(dow, 0, 6)];
    return (d: Date) => {
      const domOk = sets[2].has(d.getUTCDate());
      const dowOk = sets[4].has(d.getUTCDay());
      const day = dom === '*' || dow === '*' ? domOk && dowOk : domOk || dowOk;
      return sets[0].has(d.getUTCMinutes()) && sets[1].has(d.getUTCHours()) && sets[3].has(d.getUTCMonth() + 1) && day;
    };
  };
  const durationMinutes = (text: string) => [...text.matchAll(/(\d+)([hm])/g)].reduce((sum, [, n, unit]) => sum + Number(n) * (unit === 'h' ? 60 : 1), 0);

  function agree(objects: any[], from: string, to: string): { frozen: number } {
    const window = only(objects, 'AppProject', 'fintech-production').spec.syncWindows[0];
    expect(window.timeZone).toBe('UTC');
    const starts = matcher(window.schedule);
    const length = durationMinutes(window.duration);
    const suspend = matcher(only(objects, 'CronJob', 'fintech-production-freeze-0-suspend').spec.schedule);
    const resume = matcher(only(objects, 'CronJob', 'fintech-production-freeze-0-resume').spec.schedule);
    const first = Date.parse(from) / 60000;
    const last = Date.parse(to) / 60000;
    // Flux's state at `first`: found by walking back to the last CronJob run.
    let suspended = false;
    for (let m = first - 1; m > first - 400 * 24 * 60; m--) {
      const d = new Date(m * 60000);
      if (suspend(d) || resume(d)) {
        suspended = suspend(d);
        break;
      }
    }
    let lastStart = -Infinity;
    for (let m = first - length; m < first; m++) if (starts(new Date(m * 60000))) lastStart = m;
    let frozen = 0;
    const disagreements: string[] = [];
    for (let m = first; m < last; m++) {
      const d = new Date(m * 60000);
      if (starts(d)) lastStart = m;
      if (suspend(d)) suspended = true;
      if (resume(d)) suspended = false;
      // Argo CD, at any instant within minute m: a start s with t - duration < s < t.
      const argo = m - lastStart < length && lastStart <= m;
      if (argo) frozen++;
      if (argo !== suspended && disagreements.length < 5) disagreements.push(`${d.toISOString()}: Argo CD ${argo ? 'denies' : 'allows'}, Flux ${suspended ? 'suspended' : 'running'}`);
    }
    expect(disagreements).toEqual([]);
    return { frozen };
  }

  test('the month-end closing of production in dist/: 1st 00:00 to 4th 00:00 UTC, every month of 2027', () => {
    const gitops = parseAllDocuments(fs.readFileSync(path.join(__dirname, '..', 'dist', 'gitops', 'gitops.yaml'), 'utf8')).map((d) => d.toJS()).filter((o) => o);
    expect(agree(gitops, '2027-01-01T00:00:00Z', '2028-01-01T00:00:00Z').frozen).toBe(12 * 72 * 60);
  });

  test('a weekend freeze and a one-off freeze', () => {
    const weekend = closing({ schedule: Cron.schedule({ minute: '0', hour: '0', weekDay: '6' }), duration: Duration.hours(48) });
    expect(agree(withFreezes([weekend]).objects, '2027-01-01T00:00:00Z', '2027-03-01T00:00:00Z').frozen).toBe(9 * 48 * 60); // nine Saturdays
    const oneOff = ChangeFreeze.oneOff({ start: '2027-02-27T18:30:00Z', end: '2027-03-02T06:00:00Z', reason: 'Migration' });
    expect(agree(withFreezes([oneOff]).objects, '2027-02-01T00:00:00Z', '2027-04-01T00:00:00Z').frozen).toBe((2 * 24 + 11.5) * 60);
  });
});
