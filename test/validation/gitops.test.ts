import { App, Chart, Cron, Duration } from 'cdk8s';
import { ChangeFreeze, FintechEnvironment, GitOpsDelivery, GitRevision } from '../../lib';
import { environmentResources, planDelivery } from '../../lib/tools';
import { STAGING } from '../../platform';
import { plainErrorMessage } from '../support/errors';

/** GIVEN a mistake in a GitOpsDelivery prop, an environment or a ChangeFreeze THEN it is refused with its path, the prop, the value and what is valid. */
const G = "GitOpsDelivery 'gitops/delivery'";
const NOW = new Date('2026-12-02T03:00:00Z');

function resources(namespace: string) {
  const app = new App();
  new FintechEnvironment(new Chart(app, 'environment'), namespace, { namespace, quota: STAGING.quota });
  // Written out as a hand-made EnvironmentResources (no folder or waves to check the environment against).
  const { namespaces, clusterKinds, namespacedKinds } = environmentResources(planDelivery([{ folder: 'staging', app }]).folders[0]);
  return { namespaces, clusterKinds, namespacedKinds };
}
const RESOURCES = resources('fintech-staging');
const env = (o: object = {}) => ({ name: 'staging', namespace: 'fintech-staging', waves: [0, 1], resources: RESOURCES, ...o });
const freeze = (o: object = {}) => ChangeFreeze.recurring({
  schedule: Cron.schedule({ minute: '0', hour: '0', day: '1' }), duration: Duration.hours(72), reason: 'Month-end closing', ...o,
} as any);

function messageOf(props: object): string {
  return plainErrorMessage(() => {
    new GitOpsDelivery(new Chart(new App(), 'gitops'), 'delivery',
      { repoUrl: 'https://git.example.com/platform/fintech.git', environments: [env()], now: NOW, ...props } as any);
  });
}

const CASES: Array<[string, object, string]> = [
  ['a misspelt prop', { repoURL: 'https://git.example.com/platform/fintech.git' },
    `${G}: 'props.repoURL' (a string of 44 characters) is invalid: is not a known option; the options are repoUrl, revision, outputPath, environments, argoCdNamespace, fluxNamespace, fluxSource, interval, fluxCliImage, apiServerCidrs, now`],
  ['no repository URL', { repoUrl: undefined },
    `${G}: 'repoUrl' (undefined) is invalid: must be a string, not undefined, e.g. 'https://git.example.com/platform/fintech.git'`],
  ['an http repository URL', { repoUrl: 'http://git.example.com/platform/fintech.git' },
    `${G}: 'repoUrl' ("http://git.example.com/platform/fintech.git") is invalid: must be an https://, ssh:// or git@ repository URL with the repository's path, e.g. "https://git.example.com/platform/fintech.git" or "git@git.example.com:platform/fintech.git"`],
  ['an https URL with a token, its value unseen', { repoUrl: 'https://ci:ghp_Xy7Qw2Er9Ty4Ui8Op3AsXy7Qw2Er9Ty4Ui8Op3As@github.com/org/fintech.git' },
    `${G}: 'repoUrl' (a string of 82 characters) is invalid: must not contain credentials ("user:token@"): the URL is written into the manifests; give Argo CD and Flux the credentials in a repository Secret`],
  ['an https URL with a user', { repoUrl: 'https://deploy@git.example.com/platform/fintech.git' },
    `${G}: 'repoUrl' (a string of 51 characters) is invalid: must not contain credentials ("user:token@"): the URL is written into the manifests; give Argo CD and Flux the credentials in a repository Secret`],
  ['an ssh URL with a password', { repoUrl: 'ssh://git:Sup3rS3cretPw@git.example.com/platform/fintech.git' },
    `${G}: 'repoUrl' (a string of 60 characters) is invalid: must not contain credentials ("user:token@"): the URL is written into the manifests; give Argo CD and Flux the credentials in a repository Secret`],
  ['an scp-like URL with a password', { repoUrl: 'git:Sup3rS3cretPw@git.example.com:platform/fintech.git' },
    `${G}: 'repoUrl' (a string of 54 characters) is invalid: must not contain credentials ("user:token@"): the URL is written into the manifests; give Argo CD and Flux the credentials in a repository Secret`],
  ['a revision as a string', { revision: 'main' },
    `${G}: 'revision' ("main") is invalid: must be a GitRevision, not a string, e.g. GitRevision.branch('main')`],
  ['an absolute output path', { outputPath: '/srv/dist' },
    `${G}: 'outputPath' ("/srv/dist") is invalid: must be a folder relative to the repository's root, without "..", "." or empty segments, e.g. "dist" or "deploy/dist"`],
  ['an output path leaving the repository', { outputPath: '../dist' },
    `${G}: 'outputPath' ("../dist") is invalid: must be a folder relative to the repository's root, without "..", "." or empty segments, e.g. "dist" or "deploy/dist"`],
  ['a namespace in capitals', { fluxNamespace: 'Flux-System' },
    `${G}: 'fluxNamespace' ("Flux-System") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
  ['an Argo CD namespace as a number', { argoCdNamespace: 1 },
    `${G}: 'argoCdNamespace' (1) is invalid: must be a string, not a number; a DNS-1123 label such as "payments"`],
  ['an interval as a string', { interval: '5m' },
    `${G}: 'interval' ("5m") is invalid: must be a Duration, not a string, e.g. Duration.minutes(5)`],
  ['an interval in milliseconds', { interval: Duration.millis(1500) },
    `${G}: 'interval' ("1500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.minutes(5)`],
  ['a misspelt Flux source option', { fluxSource: { nam: 'platform' } },
    `${G}: 'fluxSource.nam' (a string of 8 characters) is invalid: is not a known option; the options are name, namespace`],
  ['a date string as now', { now: '2026-12-02' },
    `${G}: 'now' ("2026-12-02") is invalid: must be a valid Date, e.g. new Date('2026-12-02T03:00:00Z')`],
  ['one environment instead of a list', { environments: env() },
    `${G}: 'environments' ({"name":"staging","namespace":"fintech-staging","waves":[0,1],"resources":{"namespaces":["fintech-staging"],"clusterKinds":[{"group":"","kind":"Namespace"}],"namespacedKinds":[{"group":"","kind":"LimitRange"},{"group":"","kind":"ResourceQuota"},{"group":"networking.k8s.io","kind":"NetworkPolicy"}]}}) is invalid: must be an array, not an object, e.g. [{ name: 'production', namespace: 'fintech-production', waves: [0, 1], resources }]`],
  ['no environments', { environments: [] },
    `${G}: 'environments' ([]) is invalid: must list at least one environment`],
  ['a misspelt environment option', { environments: [env({ selfheal: true })] },
    `${G}: 'environments[0].selfheal' (a boolean) is invalid: is not a known option; the options are name, namespace, waves, resources, freezes, automatedSync, prune, selfHeal`],
  ['an environment namespace in capitals', { environments: [env({ namespace: 'Fintech-Staging' })] },
    `${G}: 'environments[0].namespace' ("Fintech-Staging") is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or "-", starting and ending with a letter or digit`],
  ['one wave instead of a list', { environments: [env({ waves: 0 })] },
    `${G}: 'environments[0].waves' (0) is invalid: must be an array, not a number, e.g. [0, 1, 2]`],
  ['a negative wave', { environments: [env({ waves: [-1, 0] })] },
    `${G}: 'environments[0].waves[0]' (-1) is invalid: must be an integer of at least 0`],
  ['a wave as a string', { environments: [env({ waves: ['0'] })] },
    `${G}: 'environments[0].waves[0]' ("0") is invalid: must be an integer of at least 0`],
  ['a wave listed twice', { environments: [env({ waves: [0, 0] })] },
    `${G}: 'environments[0].waves[1]' (0) is invalid: is also environments[0].waves[0]; each must be unique`],
  ['prune as a string', { environments: [env({ prune: 'true' })] },
    `${G}: 'environments[0].prune' ("true") is invalid: must be a boolean (true or false), not a string`],
  ['two environments of one name', { environments: [env(), env()] },
    `${G}: 'environments[1].name' ("staging") is invalid: is also the name of environments[0]; each must be unique`],
  ['one freeze instead of a list', { environments: [env({ freezes: freeze() })] },
    `${G}: 'environments[0].freezes' (a ChangeFreeze) is invalid: must be an array, not a ChangeFreeze, e.g. [ChangeFreeze.recurring({ ... })]`],
  ['a freeze as a plain object', { environments: [env({ freezes: [{ schedule: '0 0 1 * *' }] })] },
    `${G}: 'environments[0].freezes[0]' ({"schedule":"0 0 1 * *"}) is invalid: must be a ChangeFreeze, e.g. ChangeFreeze.recurring({ schedule, duration, reason })`],
  ['a freeze duration as a string', { environments: [env({ freezes: [freeze({ duration: '72h' })] })] },
    `${G}: 'environments[0].freezes[0].duration' ("72h") is invalid: must be a Duration, not a string, e.g. Duration.hours(72)`],
  ['a freeze duration in milliseconds', { environments: [env({ freezes: [freeze({ duration: Duration.millis(90_000_500) })] })] },
    `${G}: 'environments[0].freezes[0].duration' ("90000500ms") is invalid: must be a Duration of a whole, positive number of seconds, e.g. Duration.hours(72)`],
  ['a freeze schedule as a string', { environments: [env({ freezes: [freeze({ schedule: '0 0 1 * *' })] })] },
    `${G}: 'environments[0].freezes[0].schedule' ("0 0 1 * *") is invalid: must be a Cron, not a string; a schedule is 5 cron fields (minute hour day-of-month month day-of-week), e.g. Cron.schedule({ minute: '0', hour: '2' }) for "0 2 * * *"`],
  ['a misspelt freeze option', { environments: [env({ freezes: [freeze({ reasons: 'closing' })] })] },
    `${G}: 'environments[0].freezes[0].reasons' (a string of 7 characters) is invalid: is not a known option; the options are schedule, duration, reason, timeZone, manualSync`],
];

describe('GitOpsDelivery and ChangeFreeze bad input (table)', () => {
  test.each(CASES)('%s', (_name, props, expected) => {
    expect(messageOf(props)).toBe(expected);
  });

  test('an ssh URL with the user "git", and a revision, are accepted', () => {
    expect(() => new GitOpsDelivery(new Chart(new App(), 'gitops'), 'delivery', {
      repoUrl: 'ssh://git@git.example.com/platform/fintech.git', revision: GitRevision.tag('v1.2.0'), environments: [env()], now: NOW,
    })).not.toThrow();
    expect(() => new GitOpsDelivery(new Chart(new App(), 'gitops'), 'delivery', {
      repoUrl: 'git@git.example.com:platform/fintech.git', outputPath: 'deploy/dist/', environments: [env()], now: NOW,
    })).not.toThrow();
  });
});
