import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { ApiObject, App, Chart, Cron, Duration, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { ChangeFreeze, FintechEnvironment, FintechService, GitOpsDelivery, GitOpsEnvironment, GitRevision } from '../../lib';
import {
  checkCapacity, diffResources, environmentResources, objectsOf, OutputFolder, planCapacity, planDelivery, synthesize, synthesizeFolders, synthesizePlan,
  wavesOf, writeFileAtomically, writeOutput,
} from '../../lib/tools';
import { readIntendedChanges, ReleaseGuardError } from '../../lib/release-guard';
import { diffArgs, guardArgs, synthArgs } from '../../scripts/args';
import { plainErrorMessage } from '../support/errors';

/**
 * Mistakes with the delivery (GitOps environments, revisions, freezes, delivery plans), the whole
 * app (charts without namespace, chart ids, plans out of date) and the tools a consumer calls,
 * each refused with the construct's path (or the function), the full prop path, the value (a
 * secret by its kind only) and what is valid. One small App per case.
 */

const NOW = new Date('2026-12-02T07:00:00Z');
const IMAGE = 'registry.example.com/payments/payments:1.0.0';
const GITHUB_TOKEN = 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5';
const ACCESS_KEY = 'AKIAIOSFODNN7EXAMPLE';
const SHA = '0123456789abcdef0123456789abcdef01234567';

/** GIVEN an environment's App: its namespace and guard rails, and one service. */
function environmentApp(namespace = 'payments'): App {
  const app = new App();
  new FintechEnvironment(new Chart(app, 'namespace'), namespace, {
    namespace, quota: { requestsCpu: Cpu.units(4), requestsMemory: Size.gibibytes(8), limitsCpu: Cpu.units(8), limitsMemory: Size.gibibytes(16) },
  });
  new FintechService(new Chart(app, 'payments', { namespace }), 'payments', { image: IMAGE, port: 8080 });
  return app;
}

const folderPlan = (folder = 'production', app = environmentApp()) => planDelivery([{ folder, app }]).folders[0];

/** The production environment as GitOps applies it, read from its folder, with `extra` on top. */
function environment(extra: Partial<GitOpsEnvironment> = {}): GitOpsEnvironment {
  const folder = folderPlan();
  return { name: 'production', namespace: 'payments', waves: wavesOf(folder), resources: environmentResources(folder), ...extra };
}

function gitops(props: object): () => void {
  return () => new GitOpsDelivery(new Chart(new App(), 'gitops'), 'delivery', {
    repoUrl: 'https://git.example.com/platform/fintech.git', environments: [environment()], now: NOW, ...props,
  });
}

const monthEnd = { schedule: Cron.schedule({ minute: '0', hour: '0', day: '1' }), duration: Duration.hours(72), reason: 'Month-end closing' };
const ledger = (chart: Chart, id = 'ledger') => new FintechService(chart, id, { image: IMAGE, port: 8080 });
const synth = (app: App, extra: Partial<OutputFolder> = {}) => () => synthesizeFolders([{ folder: 'production', app, ...extra }]);
const tmp = () => fs.mkdtempSync(path.join(os.tmpdir(), 'redteam-delivery-'));

// ---------------------------------------------------------------------------------------------
// GitOpsDelivery

const GITOPS: Array<[string, () => unknown, string]> = [
  ["a branch named HEAD (Flux cannot check it out)", gitops({ revision: GitRevision.branch('HEAD') }),
    "GitOpsDelivery 'gitops/delivery': 'revision' (\"HEAD\") is invalid: must name a branch, not \"HEAD\": Flux cannot check out a branch called HEAD; give the branch, e.g. GitRevision.branch('main')"],
  ['a tag that is a GitHub token', gitops({ revision: GitRevision.tag(GITHUB_TOKEN) }),
    "GitOpsDelivery 'gitops/delivery': 'revision' (a string of 40 characters) is invalid: looks like a credential (a GitHub token), and secret values never go into manifests: give the tag's name; Argo CD and Flux read the repository's credentials from a repository Secret"],
  ['a branch holding an AWS access key id', gitops({ revision: GitRevision.branch(`deploy-${ACCESS_KEY}`) }),
    "GitOpsDelivery 'gitops/delivery': 'revision' (a string of 27 characters) is invalid: looks like a credential (an AWS access key id), and secret values never go into manifests: give the branch's name; Argo CD and Flux read the repository's credentials from a repository Secret"],
  ['a commit SHA given as a branch', gitops({ revision: GitRevision.branch(SHA) }),
    "GitOpsDelivery 'gitops/delivery': 'revision' (\"0123456789abcdef0123456789abcdef01234567\") is invalid: is a commit SHA, not a branch name: Flux would look for a branch of that name; use GitRevision.commit('0123456789abcdef0123456789abcdef01234567')"],
  ['an upper-case commit SHA given as a tag', gitops({ revision: GitRevision.tag(SHA.toUpperCase()) }),
    "GitOpsDelivery 'gitops/delivery': 'revision' (\"0123456789ABCDEF0123456789ABCDEF01234567\") is invalid: is a commit SHA, not a tag name: Flux would look for a tag of that name; use GitRevision.commit('0123456789abcdef0123456789abcdef01234567')"],
  ['an output path that is a token', gitops({ outputPath: GITHUB_TOKEN }),
    "GitOpsDelivery 'gitops/delivery': 'outputPath' (a string of 40 characters) is invalid: looks like a credential (a GitHub token), and secret values never go into manifests: give the folder of the output in the repository, e.g. \"dist\""],
  ["an environment named otherwise than its folder ('prod' for 'production')", gitops({ environments: [environment({ name: 'prod' })] }),
    "GitOpsDelivery 'gitops/delivery': 'environments[0].name' (\"prod\") is invalid: must be the name of the folder its resources were read from (\"production\"): the Application and the Kustomizations apply <outputPath>/prod; give each environment the name, waves and resources of its own folder"],
  ["an environment's waves that are not its folder's", gitops({ environments: [environment({ waves: [0, 1, 2] })] }),
    "GitOpsDelivery 'gitops/delivery': 'environments[0].waves' ([0,1,2]) is invalid: must be the waves of its folder \"production\", [0,2] (wavesOf(folder)): a Kustomization for a wave the folder does not have fails, and blocks the waves after it"],
  ['the resources of another folder', () => {
    const staging = folderPlan('staging', environmentApp('payments-staging'));
    return gitops({ environments: [environment({ resources: environmentResources(staging) })] })();
  },
    "GitOpsDelivery 'gitops/delivery': 'environments[0].name' (\"production\") is invalid: must be the name of the folder its resources were read from (\"staging\"): the Application and the Kustomizations apply <outputPath>/production; give each environment the name, waves and resources of its own folder"],
  ['the waves of a folder planned without waves', () => {
    const flat = planDelivery([{ folder: 'production', app: environmentApp(), waves: false }]).folders[0];
    return gitops({ environments: [environment({ waves: wavesOf(flat), resources: environmentResources(flat) })] })();
  },
    "GitOpsDelivery 'gitops/delivery': 'environments[0].waves' ([]) is invalid: must list at least one wave, wavesOf(folder) of a folder laid out in waves: GitOps applies an environment wave by wave, and a folder planned with waves: false has none"],
  ['waves given by hand for a folder planned without waves', () => {
    const flat = planDelivery([{ folder: 'production', app: environmentApp(), waves: false }]).folders[0];
    return gitops({ environments: [environment({ waves: [0], resources: environmentResources(flat) })] })();
  },
    "GitOpsDelivery 'gitops/delivery': 'environments[0].resources.waves' ([]) is invalid: must not be empty: its folder \"production\" was planned with waves: false, and GitOps applies an environment wave by wave (one Kustomization per wave folder); plan the folder in waves"],
  ['self-heal on an environment synced by hand', gitops({ environments: [environment({ automatedSync: false, selfHeal: true })] }),
    "GitOpsDelivery 'gitops/delivery': 'environments[0].selfHeal' (true) is invalid: must be left out with automatedSync: false: Argo CD undoes changes made by hand only during automated syncs, so it would never self-heal; leave out automatedSync for automated syncs with self-heal"],
  ['a freeze reason of spaces', gitops({ environments: [environment({ freezes: [ChangeFreeze.recurring({ ...monthEnd, reason: '   ' })] })] }),
    "GitOpsDelivery 'gitops/delivery': 'environments[0].freezes[0].reason' (\"   \") is invalid: must say why syncs are frozen, not be blank, e.g. \"Month-end closing\""],
  ['a freeze reason holding an AWS access key id', gitops({ environments: [environment({ freezes: [ChangeFreeze.recurring({ ...monthEnd, reason: `key ${ACCESS_KEY}` })] })] }),
    "GitOpsDelivery 'gitops/delivery': 'environments[0].freezes[0].reason' (a string of 24 characters) is invalid: looks like a credential (an AWS access key id), and secret values never go into manifests: the reason is written into the manifests; say why the freeze holds, e.g. \"Month-end closing\""],
  ['a GitOpsDelivery added to the environment\'s App after its plan', () => {
    const app = environmentApp();
    const plan = planDelivery([{ folder: 'production', app }]);
    const chart = new Chart(app, 'gitops');
    new GitOpsDelivery(chart, 'delivery', {
      repoUrl: 'https://git.example.com/platform/fintech.git', now: NOW,
      environments: [{ name: 'production', namespace: 'payments', waves: wavesOf(plan.folders[0]), resources: environmentResources(plan.folders[0]) }],
    });
  },
    "wavesOf: 'folder.charts' ([\"namespace\",\"payments\"]) is invalid: does not include chart 'gitops' of the folder's App, which was added after planDelivery(folders): its objects would be left out, and a pruning GitOps sync would delete them; plan the delivery once the App is complete"],
];

describe('GitOpsDelivery mistakes (delivery red team)', () => {
  test.each(GITOPS)('%s', (_name, build, expected) => {
    expect(plainErrorMessage(build)).toBe(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// The whole app: charts, namespaces, plans

const APP: Array<[string, () => unknown, string]> = [
  ['a service in a Chart without a namespace', () => {
    const app = environmentApp();
    ledger(new Chart(app, 'ledger'));
    return synth(app)();
  },
    "Chart 'ledger': 'namespace' (undefined) is invalid: must be set: ServiceAccount 'ledger/ledger/ServiceAccount' lives in a namespace and names none, so it would be applied wherever the tool applying it points (kubectl: the \"default\" namespace); e.g. new Chart(app, 'ledger', { namespace: 'payments' })"],
  ['a raw ConfigMap in a Chart without a namespace', () => {
    const app = environmentApp();
    new ApiObject(new Chart(app, 'settings'), 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } });
    return synth(app)();
  },
    "Chart 'settings': 'namespace' (undefined) is invalid: must be set: ConfigMap 'settings/settings' lives in a namespace and names none, so it would be applied wherever the tool applying it points (kubectl: the \"default\" namespace); e.g. new Chart(app, 'settings', { namespace: 'payments' })"],
  ['a raw ConfigMap without a namespace, read for GitOps', () => {
    const app = environmentApp();
    new ApiObject(new Chart(app, 'settings'), 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } });
    return environmentResources(planDelivery([{ folder: 'production', app }]).folders[0]);
  },
    "environmentResources: 'folder' (\"production\") is invalid: holds ConfigMap 'settings/settings', which has no namespace and is not a cluster-scoped kind; give it a namespace (its chart's namespace or metadata.namespace)"],
  ["a chart with the id 'kustomization' (its file would replace the folder's kustomization)", () => {
    const app = environmentApp();
    ledger(new Chart(app, 'kustomization', { namespace: 'payments' }));
    return synth(app, { waves: false })();
  },
    "synthesizeFolders: 'folders[0].app' (an App) is invalid: chart 'kustomization': its file would be kustomization.yaml, the name of the folder's own kustomization file; give the chart another id"],
  ['two chart ids that differ only in case', () => {
    const app = environmentApp();
    ledger(new Chart(app, 'Ledger', { namespace: 'payments' }));
    new FintechService(new Chart(app, 'ledger', { namespace: 'payments' }), 'ledger-v2', { image: IMAGE, port: 8081 });
    return synth(app, { waves: false })();
  },
    "synthesizeFolders: 'folders[0].app' (an App) is invalid: chart 'ledger': another chart of this app ('Ledger') has the id 'Ledger', the same file name where case does not count (macOS, Windows); file names must be unique: give each chart its own id"],
  ['a chart id that is an AWS access key id', () => {
    const app = environmentApp();
    ledger(new Chart(app, ACCESS_KEY, { namespace: 'payments' }));
    return synth(app)();
  },
    "synthesizeFolders: 'folders[0].app' (a string of 20 characters) is invalid: has a chart whose id looks like a credential (an AWS access key id): the id names the chart's file in the repository; give the chart a plain id"],
  ['a Chart label value with a space', () => {
    const app = environmentApp();
    ledger(new Chart(app, 'ledger', { namespace: 'payments', labels: { team: 'Payments Team' } }));
    return synth(app)();
  },
    "Chart 'ledger': 'labels.team' (\"Payments Team\") is invalid: must be a label value: at most 63 letters, digits, \"-\", \"_\" or \".\", starting and ending with a letter or digit"],
  ['a Chart label holding a token', () => {
    const app = environmentApp();
    ledger(new Chart(app, 'ledger', { namespace: 'payments', labels: { token: GITHUB_TOKEN } }));
    return synth(app)();
  },
    "Chart 'ledger': 'labels.token' (a string of 40 characters) is invalid: looks like a credential (a GitHub token), and secret values never go into manifests: labels are readable by anyone who can list the object; keep secrets in a Secret"],
  ['a Chart namespace in capitals, over a raw ConfigMap', () => {
    const app = environmentApp();
    new ApiObject(new Chart(app, 'settings', { namespace: 'Payments' }), 'settings', { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' } });
    return synth(app)();
  },
    "Chart 'settings': 'namespace' (\"Payments\") is invalid: is the namespace of its Chart 'settings', and must be a DNS-1123 label: at most 63 lowercase letters, digits or \"-\", starting and ending with a letter or digit"],
  ['a folder named with a GitHub token', () => synthesizeFolders([{ folder: GITHUB_TOKEN, app: environmentApp() }]),
    "synthesizeFolders: 'folders[0].folder' (a string of 40 characters) is invalid: looks like a credential (a GitHub token): the folder's name is a path in the repository; name the environment, e.g. \"production\""],
  ['a chart added after planDelivery', () => {
    const app = environmentApp();
    const plan = planDelivery([{ folder: 'production', app }]);
    ledger(new Chart(app, 'late', { namespace: 'payments' }));
    return synthesizePlan(plan);
  },
    "synthesizePlan: 'plan.folders[0].charts' ([\"namespace\",\"payments\"]) is invalid: does not include chart 'late' of the folder's App, which was added after planDelivery(folders): its objects would be left out, and a pruning GitOps sync would delete them; plan the delivery once the App is complete"],
  ['the waves of a plan read after a chart was added', () => {
    const app = environmentApp();
    const plan = planDelivery([{ folder: 'production', app }]);
    new Chart(app, 'late', { namespace: 'payments' });
    return wavesOf(plan.folders[0]);
  },
    "wavesOf: 'folder.charts' ([\"namespace\",\"payments\"]) is invalid: does not include chart 'late' of the folder's App, which was added after planDelivery(folders): its objects would be left out, and a pruning GitOps sync would delete them; plan the delivery once the App is complete"],
  ['a scope entrance from a service without its namespace', synth(environmentApp(), { scopeEntrances: [{ from: 'api-gateway', to: 'payments/payments', reason: 'takes payments' }] }),
    "synthesizeFolders: 'folders[0].scopeEntrances[0].from' (\"api-gateway\") is invalid: must name the sender as \"<namespace>/<workload or app name>\", \"<namespace>/*\" for any pod of a namespace, or an external sender's CIDR, e.g. \"fintech-production/api-gateway\""],
  ['a scope entrance into a whole namespace', synth(environmentApp(), { scopeEntrances: [{ from: 'payments/*', to: 'payments/*', reason: 'takes payments' }] }),
    "synthesizeFolders: 'folders[0].scopeEntrances[0].to' (\"payments/*\") is invalid: must name the in-scope workload as \"<namespace>/<workload or app name>\", e.g. \"fintech-production/payments\""],
  ['a scope entrance with an empty reason', synth(environmentApp(), { scopeEntrances: [{ from: 'payments/*', to: 'payments/payments', reason: '' }] }),
    "synthesizeFolders: 'folders[0].scopeEntrances[0].reason' (\"\") is invalid: must say in one line why the connection is needed, for the assessor, e.g. \"takes card payments\""],
  ['a scope entrance whose reason holds a token', synth(environmentApp(), { scopeEntrances: [{ from: 'payments/*', to: 'payments/payments', reason: `token ${GITHUB_TOKEN}` }] }),
    "synthesizeFolders: 'folders[0].scopeEntrances[0].reason' (a string of 46 characters) is invalid: looks like a credential (a GitHub token): the reason is written into the segmentation report; say why the connection is needed"],
];

describe('whole-app mistakes (delivery red team)', () => {
  test.each(APP)('%s', (_name, build, expected) => {
    expect(plainErrorMessage(build)).toBe(expected);
  });

  test('a scope entrance from an external CIDR is accepted', () => {
    expect(() => synthesizeFolders([{ folder: 'production', app: environmentApp(), scopeEntrances: [{ from: '10.0.0.0/8', to: 'payments/payments', reason: 'card terminals' }] }])).not.toThrow();
  });
});

// ---------------------------------------------------------------------------------------------
// Output, capacity and diff tools

const FILE_OUTSIDE = [{ path: 'production/a.yaml', content: 'a: 1\n' }, { path: 'production/a.yaml/b.yaml', content: 'b: 1\n' }];

const TOOLS: Array<[string, () => unknown, string]> = [
  ['writeOutput of a file that is not YAML', () => writeOutput([{ path: 'production/notes.txt', content: 'x' }], path.join(tmp(), 'dist')),
    "writeOutput: 'files[0].path' (\"production/notes.txt\") is invalid: must name a YAML file (\".yaml\" or \".yml\"): the output folder holds manifests only"],
  ['writeOutput of text that does not parse', () => writeOutput([{ path: 'production/a.yaml', content: 'a: [1\n' }], path.join(tmp(), 'dist')),
    "writeOutput: 'files[0].content' (a string of 6 characters) is invalid: must be valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1"],
  ['writeOutput of a file inside another file', () => writeOutput(FILE_OUTSIDE, path.join(tmp(), 'dist')),
    "writeOutput: 'files[1].path' (\"production/a.yaml/b.yaml\") is invalid: is inside \"production/a.yaml\", the path of files[0]: a path cannot be both a file and a folder"],
  ['writeOutput of the whole synthesis', () => writeOutput(synthesize(planDelivery([{ folder: 'production', app: environmentApp() }])) as any, path.join(tmp(), 'dist')),
    "writeOutput: 'files' (an object) is invalid: must be the array of files, not the whole synthesis: pass its files, e.g. writeOutput(synthesize(plan).files, 'dist')"],
  ['objectsOf text that does not parse', () => objectsOf([{ path: 'production/a.yaml', content: 'a: [1\n' }]),
    "objectsOf: 'files[0].content' (a string of 6 characters) is invalid: must be valid YAML: Flow sequence in block collection must be sufficiently indented and end with a ] at line 2, column 1"],
  ['planCapacity of the files instead of their objects', () => planCapacity(synthesizeFolders([{ folder: 'production', app: environmentApp() }])),
    "planCapacity: 'objects[0]' (\"production/wave-0/namespace.yaml\") is invalid: is an output file, not a Kubernetes object: give the objects of the files, objectsOf(files)"],
  ['diffResources of text that does not parse', () => diffResources([], [{ path: 'production/a.yaml', content: 'a: [1' }]),
    "diffResources: 'after[0].content' (a string of 5 characters) is invalid: is not valid YAML (production/a.yaml): Flow sequence in block collection must be sufficiently indented and end with a ] at line 1, column 6"],
];

describe('tool mistakes (delivery red team)', () => {
  test.each(TOOLS)('%s', (_name, build, expected) => {
    expect(plainErrorMessage(build)).toBe(expected);
  });

  test('writeFileAtomically onto a folder names the path and leaves the folder as it was', () => {
    const folder = tmp();
    expect(plainErrorMessage(() => writeFileAtomically(folder, 'x'))).toBe(
      `writeFileAtomically: 'filePath' (${JSON.stringify(folder)}) is invalid: could not be written (it is a folder); the file was left as it was`);
    expect(fs.readdirSync(folder)).toEqual([]);
  });

  test("a quota's cpu and memory are its requests.cpu and requests.memory", () => {
    const [report] = checkCapacity([{
      namespace: 'payments', quota: { cpu: '1', memory: '1Gi' },
      workloads: [{ workload: 'Deployment/a', rolloutGroup: 'a', replicas: 4, surge: 0, maxReplicas: 4, containers: [{ name: 'a', requests: { cpu: '500m', memory: '128Mi' } }], initContainers: [] }],
    }]);
    expect(report.quota).toEqual({ 'requests.cpu': 1000, 'requests.memory': 2 ** 30 });
    expect(report.errors).toEqual([
      "namespace 'payments' at steady state: requests.cpu 2 exceeds the quota 1; largest consumers: Deployment/a 2 (4 pods)",
      "namespace 'payments' during no rolling update: requests.cpu 2 exceeds the quota 1; largest consumers: Deployment/a 2 (4 pods)",
    ]);
  });
});

// ---------------------------------------------------------------------------------------------
// The list of intended immutable-field changes (immutable-changes.yaml)

function intended(text: string): () => unknown {
  return () => {
    const file = path.join(tmp(), 'immutable-changes.yaml');
    fs.writeFileSync(file, text);
    return readIntendedChanges(file);
  };
}

const INTENDED: Array<[string, () => unknown, string]> = [
  ['one entry instead of a list', intended('intended:\n  kind: Deployment\n'),
    "immutable-changes.yaml: 'intended' ({\"kind\":\"Deployment\"}) is invalid: must be a list of { kind, namespace, name, field, reason }, each optionally with its environment"],
  ['an entry without its field', intended('intended:\n  - { kind: Deployment, namespace: payments, name: payments, reason: recreated by the release }\n'),
    "immutable-changes.yaml: 'intended[0].field' (undefined) is invalid: must be a non-empty string as the guard names it, e.g. \"spec.selector\""],
  ["a misspelt key 'namesapce'", intended('intended:\n  - { kind: Deployment, namesapce: payments, name: payments, field: spec.selector, reason: recreated }\n'),
    "immutable-changes.yaml: 'intended[0].namesapce' (a string of 8 characters) is invalid: is not a known key; the keys are environment, kind, namespace, name, field, reason"],
  ['the environment as a list', intended('intended:\n  - { environment: [production], kind: Deployment, namespace: payments, name: payments, field: spec.selector, reason: recreated }\n'),
    "immutable-changes.yaml: 'intended[0].environment' ([\"production\"]) is invalid: must be a string: the output folder, e.g. \"production\"; leave it out for every environment"],
];

describe('intended-change list mistakes (delivery red team)', () => {
  test.each(INTENDED)('%s', (_name, build, expected) => {
    expect(() => build()).toThrow(ReleaseGuardError);
    expect(() => build()).toThrow(expected);
  });
});

// ---------------------------------------------------------------------------------------------
// The commands: npm run synth / check / guard / diff

const COMMANDS: Array<[string, () => unknown, string]> = [
  ['npm run synth -- --chek (a typo of --check)', () => synthArgs(['--chek'], {}),
    "synth: unexpected argument '--chek'; usage: npm run synth (writes dist/, or $CDK8S_OUTDIR), npm run check (compares, writes nothing)"],
  ['npm run synth -- dist2 (the folder as an argument)', () => synthArgs(['dist2'], {}),
    "synth: unexpected argument 'dist2'; usage: npm run synth (writes dist/, or $CDK8S_OUTDIR), npm run check (compares, writes nothing)"],
  ['an empty CDK8S_OUTDIR', () => synthArgs([], { CDK8S_OUTDIR: '' }),
    "synth: CDK8S_OUTDIR is set but empty; unset it for dist/, or give the output folder; usage: npm run synth (writes dist/, or $CDK8S_OUTDIR), npm run check (compares, writes nothing)"],
  ['npm run guard -- --base (no ref)', () => guardArgs(['--base']),
    "'--base' needs a commit, tag or branch, e.g. --base origin/main; usage: npm run guard [-- --base <ref>]"],
  ['npm run guard -- --base= (empty ref)', () => guardArgs(['--base=']),
    "'--base' needs a commit, tag or branch, e.g. --base origin/main; usage: npm run guard [-- --base <ref>]"],
  ['npm run guard -- --base HEAD --base main', () => guardArgs(['--base', 'HEAD', '--base', 'main']),
    "'--base' is given twice ('HEAD', 'main'); give one; usage: npm run guard [-- --base <ref>]"],
  ['npm run guard -- main (the ref without --base)', () => guardArgs(['main']),
    "unexpected argument 'main'; usage: npm run guard [-- --base <ref>]"],
  ['npm run diff -- --fail-on-changes (a typo)', () => diffArgs(['--fail-on-changes']),
    "unknown option --fail-on-changes; usage: npm run diff [-- [--fail-on-change] [folder]]"],
  ['npm run diff -- a b (two folders)', () => diffArgs(['a', 'b']),
    "one folder to compare with, not 2 (a, b); usage: npm run diff [-- [--fail-on-change] [folder]]"],
];

describe('command-line mistakes (delivery red team)', () => {
  test.each(COMMANDS)('%s', (_name, build, expected) => {
    expect(plainErrorMessage(build)).toBe(expected);
  });

  test('the commands read what they document', () => {
    expect(synthArgs(['--check'], {})).toEqual({ check: true, outdir: 'dist' });
    expect(synthArgs([], { CDK8S_OUTDIR: 'out' })).toEqual({ check: false, outdir: 'out' });
    expect(guardArgs(['--base', 'v1.0.0'])).toEqual({ base: 'v1.0.0' });
    expect(guardArgs(['--base=origin/main'])).toEqual({ base: 'origin/main' });
    expect(guardArgs(['--help'])).toEqual({ help: true });
    expect(diffArgs(['--fail-on-change', 'other'])).toEqual({ failOnChange: true, outdir: 'other' });
  });
});
