// Plain JavaScript, as a caller without type checking writes it: wrong shapes given to the
// delivery (freezes and revisions made with `new`, hand-made delivery plans, scope entrances)
// and to the capacity and segmentation tools give the usual error naming the construct path or
// the function, the full prop or argument path, the value (a secret by its kind only) and what is
// valid; never a TypeError, never a silent acceptance.
const fs = require('fs');
const os = require('os');
const path = require('path');
const { App, Chart, Cron, Duration, Size } = require('cdk8s');
const { Construct } = require('constructs');
const { Cpu } = require('cdk8s-plus-28');
const { ChangeFreeze, FintechEnvironment, FintechService, GitOpsDelivery, GitRevision } = require('../../lib');
const {
  analyseSegmentation, assertCapacity, capacityMarkdown, capacityTable, checkCapacity, environmentResources, formatResourceChanges, identityLabel, NetworkModel,
  objectsOf, planCapacity, planDelivery, segmentationMarkdown, synthesizeFolders, synthesizePlan, wavesOf, writeOutput,
} = require('../../lib/tools');
const { plainErrorMessage } = require('../support/errors');

const IMAGE = 'registry.example.com/payments/payments:1.0.0';

function environmentApp(namespace = 'payments') {
  const app = new App();
  new FintechEnvironment(new Chart(app, 'namespace'), namespace, {
    namespace, quota: { requestsCpu: Cpu.units(4), requestsMemory: Size.gibibytes(8), limitsCpu: Cpu.units(8), limitsMemory: Size.gibibytes(16) },
  });
  new FintechService(new Chart(app, 'payments', { namespace }), 'payments', { image: IMAGE, port: 8080 });
  return app;
}
const folderPlan = (app = environmentApp()) => planDelivery([{ folder: 'production', app }]).folders[0];
const handMade = (change) => () => {
  const folder = folderPlan();
  return synthesizePlan({ folders: [{ ...folder, ...change(folder) }] });
};

function gitops(props) {
  const folder = folderPlan();
  new GitOpsDelivery(new Chart(new App(), 'gitops'), 'delivery', {
    repoUrl: 'https://git.example.com/platform/fintech.git', now: new Date('2026-12-02T07:00:00Z'),
    environments: [{ name: 'production', namespace: 'payments', waves: wavesOf(folder), resources: environmentResources(folder) }], ...props,
  });
}
const withFreeze = (freeze) => () => {
  const folder = folderPlan();
  gitops({ environments: [{ name: 'production', namespace: 'payments', waves: wavesOf(folder), resources: environmentResources(folder), freezes: [freeze] }] });
};
const monthEnd = { schedule: Cron.schedule({ minute: '0', hour: '0', day: '1' }), duration: Duration.hours(72), reason: 'Month-end closing' };
const entrances = (scopeEntrances) => () => synthesizeFolders([{ folder: 'production', app: environmentApp(), scopeEntrances }]);
const workload = (o) => ({ workload: 'Deployment/a', rolloutGroup: 'a', replicas: 3, surge: 1, maxReplicas: 3, containers: [], initContainers: [], ...o });
const capacity = (o) => () => checkCapacity([{ namespace: 'payments', quota: {}, workloads: [], ...o }]);
const quota = { apiVersion: 'v1', kind: 'ResourceQuota', metadata: { name: 'quota', namespace: 'payments' }, spec: { hard: { 'requests.cpu': '4' } } };

/** An App class from a second installed copy of cdk8s: same name, another class. */
class OtherApp extends Construct {
  constructor() { super(undefined, ''); }
}
Object.defineProperty(OtherApp, 'name', { value: 'App' });

const CASES = [
  ["a ChangeFreeze made with new and an unknown kind", withFreeze(new ChangeFreeze('weekly', monthEnd)),
    "GitOpsDelivery 'gitops/delivery': 'environments[0].freezes[0].kind' (\"weekly\") is invalid: must be one of ChangeFreeze.recurring({ ... }) or ChangeFreeze.oneOff({ ... }): made by its factories, not with new"],
  ["a GitRevision made with new and a capitalised kind", () => gitops({ revision: new GitRevision('Branch', 'main') }),
    "GitOpsDelivery 'gitops/delivery': 'revision.kind' (\"Branch\") is invalid: must be one of GitRevision.branch(name), GitRevision.tag(name) or GitRevision.commit(sha): made by its factories, not with new"],
  ['an App from another copy of cdk8s', () => synthesizeFolders([{ folder: 'production', app: new OtherApp() }]),
    "synthesizeFolders: 'folders[0].app' (an App) is invalid: must be an App, not an App of another copy of cdk8s: two copies are installed (`npm ls cdk8s`); install one version, shared as a peer dependency"],
  ['a scope entrance given as null', entrances([null]),
    "synthesizeFolders: 'folders[0].scopeEntrances[0]' (null) is invalid: must be { from, to, reason }, not null, e.g. { from: 'fintech-production/api-gateway', to: 'fintech-production/payments', reason: 'takes card payments' }"],
  ['a scope entrance without its target and reason', entrances([{ from: 'payments/*' }]),
    "synthesizeFolders: 'folders[0].scopeEntrances[0].to' (undefined) is invalid: must name the in-scope workload as \"<namespace>/<workload or app name>\", e.g. \"fintech-production/payments\""],
  ['a scope entrance with a port', entrances([{ from: 'payments/*', to: 'payments/payments', reason: 'takes payments', port: 8080 }]),
    "synthesizeFolders: 'folders[0].scopeEntrances[0].port' (a number) is invalid: is not a known option; the options are from, to, reason"],
  ['a hand-made plan whose waves leave a chart out', handMade((folder) => ({ waves: [folder.waves[0]] })),
    "synthesizePlan: 'plan.folders[0].waves' ([0]) is invalid: put chart 'payments' in no wave: its objects would be left out; plan the folder with planDelivery(folders)"],
  ['a hand-made plan with the charts of another App', handMade(() => { const other = folderPlan(environmentApp('other')); return { charts: other.charts, waves: other.waves }; }),
    "synthesizePlan: 'plan.folders[0].charts[0]' (\"namespace\") is invalid: must be a Chart of the folder's App, not one of another App: plan the folder with planDelivery(folders)"],
  ['a hand-made plan with its waves in descending order', handMade((folder) => ({ waves: [...folder.waves].reverse() })),
    "synthesizePlan: 'plan.folders[0].waves[1].wave' (0) is invalid: must be an integer above 2 (plan.folders[0].waves[0].wave): the waves are listed lowest first"],
  ['a hand-made plan with a chart in two waves', handMade((folder) => ({ waves: [{ wave: 0, charts: folder.charts }, { wave: 2, charts: folder.charts }] })),
    "synthesizePlan: 'plan.folders[0].waves[1].charts[0]' (\"namespace\") is invalid: is also in plan.folders[0].waves[0]; each chart is applied in one wave"],
  ['a hand-made plan with a negative wave', handMade((folder) => ({ waves: [{ wave: -1, charts: folder.charts }] })),
    "synthesizePlan: 'plan.folders[0].waves[0].wave' (-1) is invalid: must be an integer of at least 0"],
  ['output files whose objects are not a list', () => writeOutput([{ path: 'production/a.yaml', content: 'a: 1\n', objects: 'a: 1' }], path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'redteam-delivery-')), 'dist')),
    "writeOutput: 'files[0].objects' (a string of 4 characters) is invalid: must be the array of the file's objects as synthesized, or left out (the content is then parsed)"],
  ['planCapacity of a null object', () => planCapacity([null]),
    "planCapacity: 'objects[0]' (null) is invalid: must be a parsed Kubernetes object ({ apiVersion, kind, metadata }), not null: give objectsOf(files)"],
  ['planCapacity of YAML text', () => planCapacity(['kind: ResourceQuota']),
    "planCapacity: 'objects[0]' (a string of 19 characters) is invalid: must be a parsed Kubernetes object ({ apiVersion, kind, metadata }), not a string: give objectsOf(files)"],
  ['planCapacity of a ResourceQuota without metadata', () => planCapacity([{ apiVersion: 'v1', kind: 'ResourceQuota', spec: { hard: { 'requests.cpu': '1' } } }]),
    "planCapacity: 'objects[0].metadata.namespace' (undefined) is invalid: must be set: the capacity check reads it from the ResourceQuota"],
  ['planCapacity of a Deployment without spec', () => planCapacity([quota, { apiVersion: 'apps/v1', kind: 'Deployment', metadata: { name: 'payments', namespace: 'payments' } }]),
    "planCapacity: 'objects[1].spec.template.spec.containers' (undefined) is invalid: must be set: the capacity check reads it from the Deployment 'payments'"],
  ['planCapacity of a Rollout whose workloadRef names no Deployment', () => planCapacity([quota, { apiVersion: 'argoproj.io/v1alpha1', kind: 'Rollout', metadata: { name: 'payments', namespace: 'payments' }, spec: { workloadRef: { name: 'gone' } } }]),
    "planCapacity: 'objects[1].spec' (an object) is invalid: must have a template, or a workloadRef naming a Deployment among the objects: the capacity check reads the pods of Rollout 'payments' from it"],
  ['a Helm-style resources block on a container', capacity({ workloads: [workload({ containers: [{ name: 'a', resources: { requests: { cpu: '1' } } }] })] }),
    "checkCapacity: 'inputs[0].workloads[0].containers[0].resources' (an object) is invalid: is not a known field; the fields are name, requests, limits"],
  ['memory written as mem', capacity({ workloads: [workload({ containers: [{ name: 'a', requests: { cpu: '1', mem: '1Gi' } }] })] }),
    "checkCapacity: 'inputs[0].workloads[0].containers[0].requests.mem' (a string of 3 characters) is invalid: is not a known field; the fields are cpu, memory"],
  ['maxReplica for maxReplicas', capacity({ workloads: [workload({ maxReplica: 9 })] }),
    "checkCapacity: 'inputs[0].workloads[0].maxReplica' (a number) is invalid: is not a known field; the fields are workload, rolloutGroup, replicas, surge, maxReplicas, containers, initContainers"],
  ['maxReplicas below the replicas', capacity({ workloads: [workload({ maxReplicas: 1 })] }),
    "checkCapacity: 'inputs[0].workloads[0].maxReplicas' (1) is invalid: must be at least its replicas (3): the pods with the autoscaler at its maximum, or the replicas without one"],
  ['a quota resource written request.cpu', capacity({ quota: { 'request.cpu': '1' } }),
    "checkCapacity: 'inputs[0].quota[\"request.cpu\"]' (\"1\") is invalid: names no ResourceQuota resource: the check adds up requests.cpu, requests.memory, limits.cpu, limits.memory, pods (\"cpu\" and \"memory\" mean requests.cpu and requests.memory)"],
  ['a capacity input with limits at the top', capacity({ limits: { cpu: '1' } }),
    "checkCapacity: 'inputs[0].limits' (an object) is invalid: is not a known field; the fields are namespace, quota, limitRange, workloads"],
  ['a hand-made capacity report without warnings', () => assertCapacity([{ namespace: 'payments', errors: [] }]),
    "assertCapacity: 'reports[0]' ({\"namespace\":\"payments\",\"errors\":[]}) is invalid: must be one report of planCapacity(objects)"],
  ['analyseSegmentation of the files instead of their objects', () => analyseSegmentation('production', synthesizeFolders([{ folder: 'production', app: environmentApp() }])),
    "analyseSegmentation: 'objects[0]' (\"production/wave-0/namespace.yaml\") is invalid: is an output file, not a Kubernetes object: give the objects of the files, objectsOf(files)"],
  ['analyseSegmentation of a null object', () => analyseSegmentation('production', [null]),
    "analyseSegmentation: 'objects[0]' (null) is invalid: must be a parsed Kubernetes object ({ apiVersion, kind, metadata }), not null: give objectsOf(files)"],
  ['analyseSegmentation with a declaration without target', () => analyseSegmentation('production', [], [{ from: 'payments/*' }]),
    "analyseSegmentation: 'declared[0].to' (undefined) is invalid: must name the in-scope workload as \"<namespace>/<workload or app name>\", e.g. \"fintech-production/payments\""],
  ['segmentationMarkdown of an empty object', () => segmentationMarkdown([{}]),
    "segmentationMarkdown: 'results[0]' ({}) is invalid: must be one result of analyseSegmentation(...), as synthesize(plan).segmentation lists them"],
  ['capacityTable of a report without its points', () => capacityTable({ namespace: 'payments', steadyState: {} }),
    "capacityTable: 'report' ({\"namespace\":\"payments\",\"steadyState\":{}}) is invalid: must be one report of planCapacity(objects)"],
  ['capacityMarkdown of a null report', () => capacityMarkdown([null]),
    "capacityMarkdown: 'reports[0]' (null) is invalid: must be one report of planCapacity(objects)"],
  ['formatResourceChanges of a null change', () => formatResourceChanges([null]),
    "formatResourceChanges: 'changes[0]' (null) is invalid: must be one change of diffResources(before, after): { change, identity, label, fields }"],
  ['identityLabel of an empty object', () => identityLabel({}),
    "identityLabel: 'id' ({}) is invalid: must be a ResourceIdentity, as resourceIdentity(object) returns it: { folder, group, kind, namespace, name }"],
  ['a capacity input container without a name', capacity({ workloads: [workload({ containers: [{ requests: { cpu: '1' } }] })] }),
    "checkCapacity: 'inputs[0].workloads[0].containers[0].name' (undefined) is invalid: must be the container's name, a string"],
  ['a capacity input namespace that is a token', capacity({ namespace: 'ghp_aB3dE5fG7hJ9kL1mN3pQ5rS7tU9vW1xY3zA5' }),
    "checkCapacity: 'inputs[0].namespace' (a string of 40 characters) is invalid: must be a DNS-1123 label: at most 63 lowercase letters, digits or \"-\", starting and ending with a letter or digit"],
  ['a NetworkModel of nothing', () => new NetworkModel(),
    "NetworkModel: 'objects' (undefined) is invalid: must be an array, not undefined, e.g. objectsOf(files)"],
  ['a NetworkModel of a null object', () => new NetworkModel([null]),
    "NetworkModel: 'objects[0]' (null) is invalid: must be a parsed Kubernetes object ({ apiVersion, kind, metadata }), not null: give objectsOf(files)"],
];

describe('delivery and tool mistakes from JavaScript (delivery red team)', () => {
  test.each(CASES)('%s', (_name, build, expected) => {
    expect(plainErrorMessage(build)).toBe(expected);
  });

  test("a quota's cpu and memory are read as requests, and qualified quota names are accepted", () => {
    const [report] = checkCapacity([{ namespace: 'payments', quota: { 'cpu': '2', 'requests.cpu': '1', 'count/deployments.apps': '10', 'persistentvolumeclaims': 5 }, workloads: [] }]);
    expect(report.quota).toEqual({ 'requests.cpu': 1000 });
    expect(objectsOf([{ path: 'production/a.yaml', content: 'kind: ConfigMap\n' }])).toEqual([{ kind: 'ConfigMap' }]);
  });
});
