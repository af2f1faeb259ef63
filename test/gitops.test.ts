import { App, Chart, Duration } from 'cdk8s';
import { GitOpsDelivery, GitOpsDeliveryProps } from '../lib';
import { only } from './support/fixtures';
import { validateManifest } from './support/schema-validator';

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
      revision: 'release', outputPath: 'deploy/', interval: Duration.minutes(1), fluxSource: { name: 'platform', namespace: 'gitops' },
    });
    expect(custom.filter((o) => o.kind === 'GitRepository')).toEqual([]);
    const first = only(custom, 'Kustomization', 'fintech-staging-wave-0');
    expect(first.spec).toMatchObject({ interval: '1m', path: './deploy/staging/wave-0', sourceRef: { name: 'platform', namespace: 'gitops' } });
    expect(only(custom, 'Application', 'fintech-staging').spec.source).toMatchObject({ targetRevision: 'release', path: 'deploy/staging' });
  });

  test('validates strictly against the Argo CD and Flux CRDs', () => {
    expect(objects.flatMap(validateManifest)).toEqual([]);
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
