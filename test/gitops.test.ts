import { spawnSync } from 'child_process';
import { App, Chart, Duration } from 'cdk8s';
import { GitOpsDelivery, GitOpsDeliveryProps, GitRevision } from '../lib';
import { only } from './support/fixtures';
import { validateManifest } from './support/schema-validator';
import { hasTool } from './support/tools';

const hasGit = hasTool('git', 'install git (Debian: apt-get install git)');

const REPO = 'https://git.example.com/platform/fintech.git';

function synthGitOps(overrides: Partial<GitOpsDeliveryProps> = {}) {
  const chart = new Chart(new App(), 'gitops');
  const delivery = new GitOpsDelivery(chart, 'delivery', {
    repoUrl: REPO,
    environments: [
      { name: 'staging', namespace: 'fintech-staging', waves: [0, 1, 2] },
      { name: 'production', namespace: 'fintech-production', waves: [0, 2, 5], automatedSync: false },
    ],
    ...overrides,
  });
  return { delivery, objects: chart.toJson() };
}

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
      "GitOpsDelivery 'gitops/delivery': 'repoUrl' (\"platform.git\") is invalid: must be an https://, ssh:// or git@ repository URL"],
    ['an environment without waves', { environments: [{ name: 'staging', namespace: 'fintech-staging', waves: [] }] },
      "GitOpsDelivery 'gitops/delivery': 'environments[0].waves' ([]) is invalid: must list at least one wave"],
  ] as Array<[string, Partial<GitOpsDeliveryProps>, string]>)('rejects %s', (_, overrides, message) => {
    expect(() => synthGitOps(overrides)).toThrow(message);
  });
});
