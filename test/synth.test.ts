import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart, Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { KubeConfigMap, KubeServiceAccount } from 'cdk8s-plus-28/lib/imports/k8s';
import { FintechEnvironment, FintechService, NetworkPeer } from '../lib';
import { compareOutput, OutputFile, planDelivery, synthesize, synthesizeFolders, writeOutput } from '../lib/tools';

const IMAGE = 'registry.fintech.internal/fintech/payments:1.4.2';

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

function tempDir(): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-synth-'));
  tempDirs.push(dir);
  return dir;
}

function onePaymentsApp(): App {
  const app = new App();
  new FintechService(new Chart(app, 'payments', { namespace: 'fintech-test' }), 'payments', { image: IMAGE, port: 8080 });
  return app;
}

function readTree(dir: string): Record<string, string> {
  const tree: Record<string, string> = {};
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (entry.isFile()) {
      const full = path.join(entry.parentPath ?? (entry as any).path, entry.name);
      tree[path.relative(dir, full)] = fs.readFileSync(full, 'utf8');
    }
  }
  return tree;
}

describe('synthesizeFolders', () => {
  test('writes one file per chart, named after the chart, in its wave folder, with kustomizations listing them', () => {
    const files = synthesizeFolders([{ folder: 'test', app: onePaymentsApp() }]);
    expect(files.map((f) => f.path)).toEqual(['test/wave-2/payments.yaml', 'test/wave-2/kustomization.yaml', 'test/kustomization.yaml']);
    expect(files[1].content).toBe('apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - payments.yaml\n');
    expect(files[2].content).toBe('apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - wave-2\n');
    expect(files[0].content.split('\n---\n').length).toBe(7);
    expect(files[0].content).toContain("argocd.argoproj.io/sync-wave: \"2\"");
  });

  test('runs construct validations, and fails with every problem listed', () => {
    const app = new App();
    const chart = new Chart(app, 'payments', { namespace: 'fintech-test' });
    new FintechService(chart, 'payments', { image: IMAGE, port: 8080, egressTo: [NetworkPeer.serviceNamed('nobody', [])] });
    expect(() => synthesizeFolders([{ folder: 'test', app }])).toThrow(
      /Validation failed:\n {2}\[payments\/payments\] FintechService 'payments\/payments': 'egressTo\[0\].ports' \(\[\]\) is invalid: must name at least one port to reach on service nobody/);
  });

  test('rejects two charts with the same id, which would write the same file', () => {
    const app = new App();
    new Chart(app, 'payments');
    const group = new Chart(app, 'group');
    new Chart(group, 'payments');
    expect(() => synthesizeFolders([{ folder: 'test', app }])).toThrow(/another chart of this app has the id 'payments'/);
  });
});

describe('writeOutput', () => {
  test('replaces the output folder with exactly the files given', () => {
    const outdir = path.join(tempDir(), 'dist');
    fs.mkdirSync(path.join(outdir, 'old'), { recursive: true });
    fs.writeFileSync(path.join(outdir, 'old', 'stale.yaml'), 'stale');
    writeOutput([{ path: 'staging/a.yaml', content: 'a' }, { path: 'production/b.yaml', content: 'b' }], outdir);
    expect(readTree(outdir)).toEqual({ 'staging/a.yaml': 'a', 'production/b.yaml': 'b' });
    expect(fs.readdirSync(path.dirname(outdir))).toEqual(['dist']);
  });

  test('leaves the previous output untouched when writing fails half-way', () => {
    const outdir = path.join(tempDir(), 'dist');
    writeOutput([{ path: 'staging/a.yaml', content: 'previous' }], outdir);
    // A file and a folder of the same name: the second write fails after the first succeeded.
    const conflicting: OutputFile[] = [{ path: 'staging/a.yaml', content: 'new' }, { path: 'staging/a.yaml/b.yaml', content: 'x' }];
    expect(() => writeOutput(conflicting, outdir)).toThrow();
    expect(readTree(outdir)).toEqual({ 'staging/a.yaml': 'previous' });
    expect(fs.readdirSync(path.dirname(outdir))).toEqual(['dist']);
  });

  test('writes nothing when synthesis fails, so the previous output stays', () => {
    const outdir = path.join(tempDir(), 'dist');
    writeOutput([{ path: 'staging/a.yaml', content: 'previous' }], outdir);
    const synthThenWrite = () => writeOutput(synthesizeFolders([{ folder: 'staging', app: badApp() }]), outdir);
    expect(synthThenWrite).toThrow(/must name at least one port to reach on service ledger/);
    expect(readTree(outdir)).toEqual({ 'staging/a.yaml': 'previous' });
  });
});

describe('compareOutput', () => {
  test('reports changed, missing and extra files, and nothing for an identical folder', () => {
    const outdir = path.join(tempDir(), 'dist');
    const files = [{ path: 'staging/a.yaml', content: 'a' }, { path: 'staging/b.yaml', content: 'b' }];
    writeOutput(files, outdir);
    expect(compareOutput(files, outdir)).toEqual([]);
    fs.writeFileSync(path.join(outdir, 'staging/a.yaml'), 'edited by hand');
    fs.rmSync(path.join(outdir, 'staging/b.yaml'));
    fs.writeFileSync(path.join(outdir, 'staging/c.yaml'), 'c');
    expect(compareOutput(files, outdir)).toEqual(['changed: staging/a.yaml', 'missing: staging/b.yaml', 'not produced by synth: staging/c.yaml']);
  });
});

function badApp(): App {
  const app = new App();
  new FintechService(new Chart(app, 'payments', { namespace: 'fintech-test' }), 'payments', {
    image: IMAGE, port: 8080, egressTo: [NetworkPeer.serviceNamed('ledger', [])],
  });
  return app;
}

describe('what synthesis refuses', () => {
  test('two constructs of any kind that emit an object of the same kind, namespace and name', () => {
    // GIVEN a FintechService and a BackupCronJob-like ConfigMap of the same name in one namespace.
    const app = onePaymentsApp();
    const other = new Chart(app, 'other', { namespace: 'fintech-test' });
    new KubeConfigMap(other, 'clash', { metadata: { name: 'payments' } });
    new KubeServiceAccount(other, 'clash-sa', { metadata: { name: 'payments' } });
    expect(() => synthesizeFolders([{ folder: 'test', app }])).toThrow(
      "Synthesis failed:\n  test: 'other/clash-sa' emits ServiceAccount.core fintech-test/payments, which 'payments/payments/ServiceAccount' emits too; "
      + "each object needs its own name (change the construct's name)");
  });

  test('two folders of the same name', () => {
    expect(() => synthesizeFolders([{ folder: 'test', app: onePaymentsApp() }, { folder: 'test', app: onePaymentsApp() }]))
      .toThrow("synthesizeFolders: 'folders[1].folder' (\"test\") is invalid: is also the folder of folders[0]; each App needs a folder of its own");
  });

  test('an App without objects (a pruning sync would delete the environment)', () => {
    const app = new App();
    new Chart(app, 'empty');
    expect(() => synthesizeFolders([{ folder: 'test', app }])).toThrow(
      "synthesizeFolders: 'folders[0].app' (an App) is invalid: has no objects; a GitOps sync with pruning would apply the empty folder by deleting everything "
      + 'it applied before. Add the charts, or leave the folder out');
  });
});

describe('capacity at synthesis', () => {
  /** A namespace whose quota holds `requestsCpu` millicores of requests, and a service of 3 pods of 250m (750m), 1 CPU while rolling out. */
  function overQuotaApp(requestsCpu: number): App {
    const app = new App();
    new FintechEnvironment(new Chart(app, 'environment'), 'env', {
      namespace: 'fintech-test',
      quota: { requestsCpu: Cpu.millis(requestsCpu), requestsMemory: Size.gibibytes(32), limitsCpu: Cpu.units(32), limitsMemory: Size.gibibytes(64) },
    });
    new FintechService(new Chart(app, 'payments', { namespace: 'fintech-test' }), 'payments', {
      image: IMAGE, port: 8080, replicas: 3, autoscaling: { maxReplicas: 10 },
      resources: { cpu: { request: Cpu.millis(250), limit: Cpu.millis(500) }, memory: { request: Size.mebibytes(512), limit: Size.gibibytes(1) } },
    });
    return app;
  }

  test('a folder whose workloads do not fit their namespace\'s quota fails, and nothing is written', () => {
    const outdir = path.join(tempDir(), 'dist');
    expect(() => writeOutput(synthesizeFolders([{ folder: 'test', app: overQuotaApp(500) }]), outdir))
      .toThrow("Synthesis failed:\n  capacity of folder 'test': namespace 'fintech-test' at steady state: requests.cpu 750m exceeds the quota 500m;"
        + ' largest consumers: Deployment/payments 750m (3 pods)\n'
        + "  capacity of folder 'test': namespace 'fintech-test' during the rollout of payments (Deployment/payments +1): requests.cpu 1 exceeds the quota 500m;"
        + ' largest consumers: Deployment/payments 1 (4 pods)');
    expect(fs.existsSync(outdir)).toBe(false);
  });

  test('the same folder with room in its quota synthesizes, and the report is returned', () => {
    const plan = planDelivery([{ folder: 'test', app: overQuotaApp(4000) }]);
    const { capacity } = synthesize(plan);
    expect(capacity.map((report) => [report.namespace, report.errors])).toEqual([['fintech-test', []]]);
  });
});
