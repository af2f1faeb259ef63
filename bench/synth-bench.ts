/**
 * Synthesis benchmark: how long building and synthesizing a platform takes, and how that compares
 * with the cost of serializing the same objects to YAML alone (the "floor").
 *
 *   npm run bench                                  # reference platform + N = 10, 100, 1000; 5 runs each
 *   npm run bench -- --sizes=10,100 --runs=3      # arguments reach node build/bench.js
 *
 * Scenarios: the reference platform (platform/, 10 services) and generated platforms of N services,
 * each built for every environment of ENVIRONMENTS (one App per environment) and synthesized with
 * `synthesizeFolders`. Each scenario runs once as a warm-up, then `--runs` times; medians are shown.
 * Nothing is written to disk.
 */
import * as os from 'os';
import { performance } from 'perf_hooks';
import * as v8 from 'v8';
import * as vm from 'vm';
import { Size } from 'cdk8s';
import { Cpu } from 'cdk8s-plus-28';
import { parseAllDocuments } from 'yaml';
import { DataClassification, EnvironmentQuota, NetworkPeer, SecretKeyRef } from '../lib';
import { OutputFile, OutputFolder, synthesizeFolders } from '../lib/tools';
import { toYaml } from '../lib/shared/yaml';
import { buildEnvironment, buildPlatform } from '../main';
import { CANARY_RELEASES, ENVIRONMENTS, ServiceSpec } from '../platform';

// ---------------------------------------------------------------------------------------------
// Command line

interface Options {
  readonly runs: number;
  readonly sizes: number[];
  /** Generated platforms include a MonitoringStack too (its rules and dashboards grow with N). */
  readonly withMonitoring: boolean;
}

function parseOptions(argv: readonly string[]): Options {
  let runs = 5;
  let sizes = [10, 100, 1000];
  let withMonitoring = false;
  for (const arg of argv) {
    const [flag, value] = arg.split('=', 2);
    if (flag === '--runs') {
      runs = Number(value);
      if (!Number.isInteger(runs) || runs < 1) fail(`--runs must be a positive integer, got '${value}'`);
    } else if (flag === '--sizes') {
      sizes = (value ?? '').split(',').filter((s) => s !== '').map(Number);
      if (sizes.some((n) => !Number.isInteger(n) || n < 4)) fail(`--sizes must be a comma-separated list of integers >= 4, got '${value}'`);
    } else if (flag === '--with-monitoring') {
      withMonitoring = true;
    } else if (flag === '--help' || flag === '-h') {
      console.log('usage: node build/bench.js [--runs=K] [--sizes=10,100,1000] [--with-monitoring]');
      process.exit(0);
    } else {
      fail(`unknown argument '${arg}' (expected --runs=K or --sizes=N,N,...)`);
    }
  }
  return { runs, sizes, withMonitoring };
}

function fail(message: string): never {
  console.error(`synth-bench: ${message}`);
  process.exit(2);
}

// ---------------------------------------------------------------------------------------------
// Generated platforms

const POSTGRES = NetworkPeer.external('postgres', [{ port: 5432 }]);
const INGRESS_CONTROLLER = NetworkPeer.namespace('ingress-nginx');

/**
 * N services shaped like the reference catalogue: `svc-0001` is the gateway (ingress from the
 * ingress controller, egress to two services); every other service takes ingress from the gateway
 * and from the two services that call it, calls the next two services and postgres, and has a
 * small config and two secret references.
 */
export function generateServices(n: number): ServiceSpec[] {
  const width = Math.max(4, String(n).length);
  const name = (i: number) => `svc-${String(i + 1).padStart(width, '0')}`;
  // Services 1..n-1 form a ring; each calls the next two on the ring (never itself, never the gateway).
  const ring = (i: number, step: number) => 1 + ((i - 1 + step + (n - 1)) % (n - 1));
  const gateway = name(0);
  return Array.from({ length: n }, (_, i): ServiceSpec => {
    const own = name(i);
    const isGateway = i === 0;
    const callees = isGateway ? [1, 2] : [ring(i, 1), ring(i, 2)];
    const callers = isGateway ? [] : [ring(i, -1), ring(i, -2)].filter((c) => c !== i);
    return {
      name: own,
      port: 8000 + (i % 100),
      version: `1.${i % 10}.${i % 7}`,
      owner: 'bench',
      dataClassification: DataClassification.INTERNAL,
      ingressFrom: isGateway ? [INGRESS_CONTROLLER] : [gateway, ...callers.map(name)],
      egressTo: [...callees.map(name), POSTGRES],
      props: (env) => ({
        config: {
          HTTP_TIMEOUT_MS: '5000',
          CACHE_TTL_SECONDS: String(60 * (1 + (i % 5))),
          UPSTREAMS: callees.map(name).join(','),
        },
        secretEnv: {
          DB_USER: SecretKeyRef.of(`${own}-db-${env.name}`, 'username'),
          DB_PASSWORD: SecretKeyRef.of(`${own}-db-${env.name}`, 'password'),
        },
      }),
    };
  });
}

// ---------------------------------------------------------------------------------------------
// Measurement

interface Scenario {
  readonly name: string;
  readonly services: number;
  readonly build: () => OutputFolder[];
}

interface Sample {
  readonly constructMs: number;
  readonly synthMs: number;
  readonly totalMs: number;
  readonly floorMs: number;
}

interface Result {
  readonly scenario: Scenario;
  readonly documents: number;
  readonly files: number;
  readonly runs: number;
  readonly constructMs: number;
  readonly synthMs: number;
  readonly totalMs: number;
  readonly floorMs: number;
  readonly minTotalMs: number;
  readonly maxTotalMs: number;
  readonly floorMatchesOutput: boolean;
}

/** A full GC between iterations, so that one iteration's garbage is not collected in the next's timing. */
const collectGarbage: () => void = (() => {
  try {
    v8.setFlagsFromString('--expose-gc');
    const gc = vm.runInNewContext('gc') as () => void;
    return () => gc();
  } catch {
    return () => undefined;
  }
})();

const yamlFiles = (files: readonly OutputFile[]) => files.filter((f) => !f.path.endsWith('kustomization.yaml'));

/** The plain objects of the YAML files (outside any timed region). */
function plainObjects(files: readonly OutputFile[]): unknown[][] {
  return yamlFiles(files).map((f) => (f.content.trim() === '' ? [] : parseAllDocuments(f.content).map((d) => d.toJSON())));
}

/** The floor: serializing all objects, joined by `---\n`, with the options lib/synth.ts uses. */
function serialize(objects: readonly unknown[]): string {
  return objects.map(toYaml).join('---\n');
}

function timeOnce(scenario: Scenario, allObjects: readonly unknown[]): Sample & { files: OutputFile[]; floorOutput: string } {
  collectGarbage();
  const t0 = performance.now();
  const folders = scenario.build();
  const t1 = performance.now();
  const files = synthesizeFolders(folders);
  const t2 = performance.now();
  collectGarbage();
  const t3 = performance.now();
  const floorOutput = serialize(allObjects);
  const t4 = performance.now();
  return { constructMs: t1 - t0, synthMs: t2 - t1, totalMs: t2 - t0, floorMs: t4 - t3, files, floorOutput };
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * A quota that holds `services` generated services with room to spare (the platform's quotas are
 * sized for its own catalogue, and synthesis refuses workloads over their quota).
 */
function quotaFor(services: number): EnvironmentQuota {
  return {
    requestsCpu: Cpu.units(services + 10), requestsMemory: Size.gibibytes(2 * services + 20),
    limitsCpu: Cpu.units(2 * services + 20), limitsMemory: Size.gibibytes(4 * services + 40),
  };
}

function runScenario(scenario: Scenario, runs: number): Result {
  // Untimed: the output once, its plain objects, and the document count.
  const reference = synthesizeFolders(scenario.build());
  const perFile = plainObjects(reference);
  const allObjects = perFile.flat();
  const documents = allObjects.length;
  const separatorCount = yamlFiles(reference)
    .filter((f) => f.content.trim() !== '')
    .reduce((sum, f) => sum + (f.content.match(/^---$/gm)?.length ?? 0) + 1, 0);
  if (separatorCount !== documents) {
    throw new Error(`${scenario.name}: ${documents} documents parsed but ${separatorCount} counted by separators`);
  }
  // The floor re-serializes exactly what synth produced: per file, the same text.
  const floorMatchesOutput = yamlFiles(reference).every((f, i) => serialize(perFile[i]) === f.content);

  timeOnce(scenario, allObjects); // warm-up
  const samples: Sample[] = [];
  for (let r = 0; r < runs; r++) {
    const { files, floorOutput, ...sample } = timeOnce(scenario, allObjects);
    if (files.length !== reference.length || floorOutput.length === 0) throw new Error(`${scenario.name}: output changed between runs`);
    samples.push(sample);
  }
  const totals = samples.map((s) => s.totalMs);
  return {
    scenario,
    documents,
    files: reference.length,
    runs,
    constructMs: median(samples.map((s) => s.constructMs)),
    synthMs: median(samples.map((s) => s.synthMs)),
    totalMs: median(totals),
    floorMs: median(samples.map((s) => s.floorMs)),
    minTotalMs: Math.min(...totals),
    maxTotalMs: Math.max(...totals),
    floorMatchesOutput,
  };
}

// ---------------------------------------------------------------------------------------------
// Output

function table(header: string[], rows: string[][], leftAligned = 1): string {
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => r[c].length)));
  const line = (cells: string[]) => cells.map((cell, c) => (c < leftAligned ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
}

const ms = (value: number) => value.toFixed(value < 100 ? 1 : 0);
const ratio = (value: number) => `${value.toFixed(2)}x`;
const count = (value: number) => Math.round(value).toLocaleString('en-US');

function main(): void {
  const options = parseOptions(process.argv.slice(2));
  const cpus = os.cpus();
  console.log(`synth-bench: node ${process.version}, ${cpus[0]?.model ?? 'unknown CPU'} (${cpus.length} CPUs), ${os.platform()}/${os.arch()}`);
  console.log(`environments: ${ENVIRONMENTS.map((e) => e.name).join(', ')}; ${options.runs} runs per scenario after 1 warm-up; medians in ms`);
  console.log('');

  const envs = ENVIRONMENTS.length;
  const scenarios: Scenario[] = [
    { name: 'reference', services: 10, build: () => buildPlatform(CANARY_RELEASES) },
    ...options.sizes.map((n): Scenario => {
      const services = generateServices(n);
      return {
        name: `generated-${n}`,
        services: n,
        build: () => ENVIRONMENTS.map((env) => ({
          folder: env.name, app: buildEnvironment({ ...env, quota: quotaFor(n) }, services, {}, { monitoring: options.withMonitoring }),
        })),
      };
    }),
  ];

  const results: Result[] = [];
  for (const scenario of scenarios) {
    process.stderr.write(`running ${scenario.name} (${scenario.services} services x ${envs} environments)...\n`);
    results.push(runScenario(scenario, options.runs));
  }

  console.log(table(
    ['scenario', 'services', 'documents', 'construct ms', 'synth ms', 'total ms', 'docs/s', 'floor ms', 'total/floor', 'synth/floor'],
    results.map((r) => [
      r.scenario.name,
      `${r.scenario.services} x ${envs}`,
      count(r.documents),
      ms(r.constructMs),
      ms(r.synthMs),
      ms(r.totalMs),
      count(r.documents / (r.totalMs / 1000)),
      ms(r.floorMs),
      ratio(r.totalMs / r.floorMs),
      ratio(r.synthMs / r.floorMs),
    ]),
  ));
  console.log('');
  console.log('total = construct (building the Apps) + synth (synthesizeFolders); floor = yaml.stringify of the same');
  console.log('plain objects alone (lineWidth 0, joined by ---). docs/s = documents / total. kustomization.yaml not counted.');

  const generated = results.filter((r) => r.scenario.name.startsWith('generated-'));
  if (generated.length > 0) {
    console.log('');
    console.log('linearity (generated platforms; per service = median / N, each service built in every environment):');
    console.log(table(
      ['scenario', 'N', 'total ms/service', 'construct ms/service', 'synth ms/service', 'floor ms/service', 'total min..max ms'],
      generated.map((r) => {
        const n = r.scenario.services;
        return [
          r.scenario.name,
          String(n),
          (r.totalMs / n).toFixed(3),
          (r.constructMs / n).toFixed(3),
          (r.synthMs / n).toFixed(3),
          (r.floorMs / n).toFixed(3),
          `${ms(r.minTotalMs)}..${ms(r.maxTotalMs)}`,
        ];
      }),
    ));
    for (let i = 1; i < generated.length; i++) {
      const [a, b] = [generated[i - 1], generated[i]];
      const growth = (b.totalMs / b.scenario.services) / (a.totalMs / a.scenario.services);
      console.log(`per-service total, ${b.scenario.name} vs ${a.scenario.name}: ${ratio(growth)} (1.00x = linear; above 1 = superlinear)`);
    }
  }

  const mismatched = results.filter((r) => !r.floorMatchesOutput).map((r) => r.scenario.name);
  console.log('');
  console.log(mismatched.length === 0
    ? 'check: re-serializing the parsed objects reproduces every synthesized file byte for byte (the floor does the same work).'
    : `warning: re-serializing the parsed objects differs from the synthesized files for ${mismatched.join(', ')}; the floor is approximate.`);
}

main();
