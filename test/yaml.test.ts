import { spawnSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parseAllDocuments } from 'yaml';
import { toYaml } from '../lib/shared/yaml';
import { platformOutput } from './support/platform';

const DIST = path.resolve(__dirname, '..', 'dist');

/** The documents of a YAML text as a reader of that YAML version sees them. */
function read(text: string, version: '1.1' | '1.2'): unknown[] {
  const key = `${version}\0${text}`;
  let documents = readCache.get(key);
  if (documents === undefined) {
    documents = parseAllDocuments(text, { version }).map((doc) => {
      if (doc.errors.length) throw doc.errors[0];
      return doc.toJSON();
    });
    readCache.set(key, documents);
  }
  return documents;
}
// The synthesized files are the texts of dist/ (platform.test.ts checks it): each text is parsed once per version.
const readCache = new Map<string, unknown[]>();

function yamlFiles(dir: string): string[] {
  return fs.readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile() && e.name.endsWith('.yaml'))
    .map((e) => path.relative(dir, path.join(e.parentPath ?? (e as any).path, e.name)))
    .sort();
}

describe('toYaml', () => {
  // Plain scalars that YAML 1.1 (kubectl -f, go-yaml v2, PyYAML) or YAML 1.2 reads as booleans,
  // numbers, null or timestamps.
  test.each([
    'Off', 'off', 'ON', 'On', 'yes', 'No', 'y', 'N', 'true', 'FALSE', '~', 'null', 'Null',
    '0o14', '012', '0755', '0x1F', '0b101', '1e3', '1_000', '+12', '-0', '.inf', '-.Inf', '.NaN', '12.5',
    '190:20:30', '2024-01-01', '<<', '',
  ])('the string %j reads back as the same string in YAML 1.1 and 1.2', (value) => {
    const text = toYaml({ updateMode: value });
    expect(read(text, '1.1')).toEqual([{ updateMode: value }]);
    expect(read(text, '1.2')).toEqual([{ updateMode: value }]);
  });

  test('keys are quoted too', () => {
    const text = toYaml({ on: 'a', y: 'b', 'no': 'c' });
    expect(read(text, '1.1')).toEqual(read(text, '1.2'));
  });
});

describe('every file of dist/', () => {
  const files = yamlFiles(DIST);

  test('dist/ has YAML files', () => {
    expect(files.length).toBeGreaterThan(10);
  });

  test.each(files)('%s reads as the same objects in YAML 1.1 and YAML 1.2', (file) => {
    const text = fs.readFileSync(path.join(DIST, file), 'utf8');
    expect(read(text, '1.1')).toEqual(read(text, '1.2'));
  });
});

test('each synthesized file reads back (YAML 1.1 and 1.2) as exactly the objects synthesized', () => {
  for (const file of platformOutput().filter((f) => f.objects)) {
    expect({ file: file.path, objects: read(file.content, '1.1') }).toEqual({ file: file.path, objects: file.objects });
    expect({ file: file.path, objects: read(file.content, '1.2') }).toEqual({ file: file.path, objects: file.objects });
  }
});

/** Whether `python3` with PyYAML (a YAML 1.1 reader, as kubectl's go-yaml v2 is) is here; in CI its absence is an error. */
function hasPyYaml(): boolean {
  if (spawnSync('python3', ['-c', 'import yaml'], { stdio: 'ignore' }).status === 0) return true;
  if (process.env.CI === 'true') throw new Error("PyYAML is required in CI and is missing: apt-get install python3-yaml (.ci/run should have installed it)");
  process.stdout.write('SKIPPED: the PyYAML reading test did not run; install python3-yaml (Debian: apt-get install python3-yaml)\n');
  return false;
}

(hasPyYaml() ? test : test.skip)('PyYAML reads every file of dist/ as the same objects as a YAML 1.2 reader', () => {
  const files = yamlFiles(DIST);
  const script = [
    'import json, sys, yaml',
    'out = {}',
    'for path in sys.argv[2:]:',
    // libyaml's parser with PyYAML's safe constructor and YAML 1.1 resolver: safe_load_all, only faster.
    '    with open(sys.argv[1] + "/" + path) as f: out[path] = list(yaml.load_all(f, Loader=getattr(yaml, "CSafeLoader", yaml.SafeLoader)))',
    'print(json.dumps(out, default=lambda o: {"not a string": repr(o)}))',
  ].join('\n');
  const result = spawnSync('python3', ['-c', script, DIST, ...files], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  expect(result.stderr).toBe('');
  const pyYaml = JSON.parse(result.stdout);
  for (const file of files) {
    expect({ file, objects: pyYaml[file] }).toEqual({ file, objects: read(fs.readFileSync(path.join(DIST, file), 'utf8'), '1.2') });
  }
});
