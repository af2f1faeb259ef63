import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import { parse, parseAllDocuments } from 'yaml';
import { ImmutableFieldChange, immutableFieldChanges } from './immutable-fields';
import { identityLabel } from './resource-diff';
import { describeValue } from './shared/errors';
import { describeSecret } from './shared/secrets';
import { objectsOf, OutputFile } from './synth';

/**
 * The release guard: the new output compared with the previous release, read from git, failing
 * on a change the API server would refuse on an existing object (see `immutableFieldChanges`).
 *
 * The previous release is, by default:
 * - on a branch (HEAD not on the main branch): the merge-base of HEAD with the main branch, the
 *   release the branch will be merged onto;
 * - on the main branch itself (CI after a merge): the parent of the last commit that changed the
 *   output folder, i.e. the output that was live before the current one. A commit that leaves the
 *   output alone (docs, tests) therefore still compares the current output with its predecessor.
 */

/** A change of an immutable field that is intended: the object will be deleted and recreated. */
export interface IntendedChange {
  /** The environment (output folder). @default - every environment */
  readonly environment?: string;
  /** The object's kind, e.g. `Deployment`. */
  readonly kind: string;
  readonly namespace: string;
  readonly name: string;
  /** The field as the guard names it, e.g. `spec.selector`. */
  readonly field: string;
  /** Why, and how the object is replaced (e.g. who deletes it when). */
  readonly reason: string;
}

/** Options of {@link checkRelease}. */
export interface ReleaseGuardOptions {
  /** A directory inside the git working tree. @default process.cwd() */
  readonly repoDir?: string;
  /** The previous release: any commit-ish. @default - see the module's documentation */
  readonly base?: string;
  /** The output folder, relative to `repoDir`. @default "dist" */
  readonly outputPath?: string;
  /** The branch releases are made from; `origin/<mainBranch>` is used when there is no local one. @default "main" */
  readonly mainBranch?: string;
  /** The list of intended changes, relative to `repoDir`; a missing file lists none. @default "immutable-changes.yaml" */
  readonly intendedChangesFile?: string;
}

/** What the guard found. */
export interface ReleaseGuardResult {
  /** The commit compared with, or `undefined` when there is no previous release. */
  readonly baseCommit?: string;
  /** How the base was chosen, for the log. */
  readonly baseDescription: string;
  /** Changes that fail the release. */
  readonly violations: readonly ImmutableFieldChange[];
  /** Changes listed as intended, each with its reason. */
  readonly intended: readonly { readonly change: ImmutableFieldChange; readonly reason: string }[];
  /** Listed intended changes that match no change any more (to be removed from the list). */
  readonly unusedIntended: readonly IntendedChange[];
}

/** The guard cannot compare (not a git repository, a missing or unfetched base, a bad list file). */
export class ReleaseGuardError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ReleaseGuardError';
  }
}

/** Compares `files` (a fresh synth of the output folder) with the output of the previous release. */
export function checkRelease(files: readonly OutputFile[], options: ReleaseGuardOptions = {}): ReleaseGuardResult {
  const git = gitIn(options.repoDir ?? process.cwd());
  const outputPath = (options.outputPath ?? 'dist').replace(/\/+$/, '');
  const intendedFile = path.join(options.repoDir ?? process.cwd(), options.intendedChangesFile ?? 'immutable-changes.yaml');
  const listed = readIntendedChanges(intendedFile);
  const base = options.base !== undefined ? givenBase(git, options.base) : defaultBase(git, outputPath, options.mainBranch ?? 'main');
  if (base.commit === undefined) return { baseDescription: base.description, violations: [], intended: [], unusedIntended: listed };

  const previous = byFolder(filesAt(git, base.commit, outputPath));
  const current = byFolder(files);
  const changes = [...current].flatMap(([folder, now]) =>
    immutableFieldChanges(objectsOf(previous.get(folder) ?? []), objectsOf(now), folder));
  const matches = (entry: IntendedChange, change: ImmutableFieldChange) => (entry.environment ?? change.identity.folder) === change.identity.folder
    && entry.kind === change.identity.kind && entry.namespace === change.identity.namespace && entry.name === change.identity.name
    && entry.field === change.field;
  const intended = changes.flatMap((change) => {
    const entry = listed.find((e) => matches(e, change));
    return entry ? [{ change, reason: entry.reason }] : [];
  });
  return {
    baseCommit: base.commit,
    baseDescription: base.description,
    violations: changes.filter((change) => !listed.some((e) => matches(e, change))),
    intended,
    unusedIntended: listed.filter((e) => !changes.some((change) => matches(e, change))),
  };
}

/** The guard's result as text for a log; `ok` is false when the release must not go ahead. */
export function formatReleaseGuard(result: ReleaseGuardResult, outputPath = 'dist'): { text: string; ok: boolean } {
  const lines = [`Immutable fields: the new ${outputPath}/ compared with ${result.baseDescription}.`];
  for (const { change, reason } of result.intended) lines.push(`  intended: ${change.message} (${reason})`);
  for (const entry of result.unusedIntended) {
    lines.push(`  no longer needed in the list of intended changes: ${intendedLabel(entry)} ${entry.field}`);
  }
  if (result.violations.length === 0) {
    lines.push(result.baseCommit === undefined ? 'Nothing to compare.' : 'No immutable field changed.');
    return { text: lines.join('\n'), ok: true };
  }
  lines.push(...result.violations.map((v) => `  ${v.message}`));
  lines.push(`${result.violations.length} immutable-field change(s). Keep the old values, or, to replace the objects on purpose, `
    + 'list each change with its reason in immutable-changes.yaml (see README, "Immutable fields").');
  return { text: lines.join('\n'), ok: false };
}

// ---------------------------------------------------------------------------------------------

type Git = (...args: string[]) => string;

interface Base {
  readonly commit?: string;
  readonly description: string;
}

function gitIn(dir: string): Git {
  const git: Git = (...args) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 256 * 2 ** 20 });
  try {
    git('rev-parse', '--git-dir');
  } catch {
    throw new ReleaseGuardError(`${dir} is not in a git working tree: the previous release is read from git history`);
  }
  return git;
}

function tryGit(git: Git, ...args: string[]): string | undefined {
  try {
    return git(...args).trim();
  } catch {
    return undefined;
  }
}

function commitOf(git: Git, ref: string): string | undefined {
  return tryGit(git, 'rev-parse', '--verify', '--quiet', `${ref}^{commit}`) || undefined;
}

function shallowNote(git: Git): string {
  return tryGit(git, 'rev-parse', '--is-shallow-repository') === 'true'
    ? ' This clone is shallow: fetch the history (`git fetch --unshallow`, or a checkout with fetch-depth 0).'
    : '';
}

function givenBase(git: Git, ref: string): Base {
  const commit = commitOf(git, ref);
  if (commit === undefined) throw new ReleaseGuardError(`the base '${ref}' is not a commit of this clone.${shallowNote(git)}`);
  return { commit, description: `${ref} (${commit.slice(0, 12)}, given)` };
}

function defaultBase(git: Git, outputPath: string, mainBranch: string): Base {
  const head = commitOf(git, 'HEAD');
  if (head === undefined) throw new ReleaseGuardError('HEAD is not a commit: nothing is committed yet');
  const main = [mainBranch, `origin/${mainBranch}`].find((ref) => commitOf(git, ref) !== undefined);
  if (main === undefined) {
    throw new ReleaseGuardError(`there is no branch '${mainBranch}' (nor 'origin/${mainBranch}') to find the previous release on; `
      + `fetch it, or give the base (\`npm run guard -- --base <ref>\`).${shallowNote(git)}`);
  }
  const mergeBase = tryGit(git, 'merge-base', 'HEAD', main);
  if (!mergeBase) {
    throw new ReleaseGuardError(`HEAD and '${main}' have no common commit in this clone.${shallowNote(git)} Or give the base (\`npm run guard -- --base <ref>\`).`);
  }
  if (mergeBase !== head) return { commit: mergeBase, description: `the merge-base of HEAD and ${main} (${mergeBase.slice(0, 12)})` };

  const pathspec = `:(top)${git('rev-parse', '--show-prefix').trim()}${outputPath}`;
  const lastChange = tryGit(git, 'log', '-1', '--format=%H', 'HEAD', '--', pathspec);
  if (!lastChange) return { description: `no previous release (${outputPath}/ was never committed)` };
  const parents = git('rev-list', '--parents', '-n', '1', lastChange).trim().split(' ').slice(1);
  if (parents.length === 0) {
    const shallow = shallowNote(git);
    if (shallow) throw new ReleaseGuardError(`the commit before ${lastChange.slice(0, 12)}, which last changed ${outputPath}/, is not in this clone.${shallow}`);
    return { description: `no previous release (${outputPath}/ first appears in the root commit ${lastChange.slice(0, 12)})` };
  }
  return {
    commit: parents[0],
    description: `the release before the last change of ${outputPath}/ (${parents[0].slice(0, 12)}, the parent of ${lastChange.slice(0, 12)})`,
  };
}

/** The output folder's files at `commit`, with paths relative to the folder. */
function filesAt(git: Git, commit: string, outputPath: string): OutputFile[] {
  const folder = `${git('rev-parse', '--show-prefix').trim()}${outputPath}/`;
  const paths = git('ls-tree', '--full-tree', '-r', '-z', '--name-only', commit, '--', folder).split('\0').filter((p) => /\.ya?ml$/.test(p));
  if (paths.length === 0) return [];
  // One process for every file: `git cat-file --batch` answers "<sha> blob <size>\n<content>\n" per request.
  const output = execFileSync('git', ['cat-file', '--batch'], {
    cwd: git('rev-parse', '--show-toplevel').trim(), input: paths.map((p) => `${commit}:${p}\n`).join(''), maxBuffer: 256 * 2 ** 20,
  });
  const files: OutputFile[] = [];
  let offset = 0;
  for (const p of paths) {
    const headerEnd = output.indexOf(0x0a, offset);
    const size = Number(output.subarray(offset, headerEnd).toString('utf8').split(' ')[2]);
    const content = output.subarray(headerEnd + 1, headerEnd + 1 + size).toString('utf8');
    offset = headerEnd + 1 + size + 1;
    files.push({ path: p.slice(folder.length), content, objects: parseAllDocuments(content).map((d) => d.toJSON()) });
  }
  return files;
}

function byFolder(files: readonly OutputFile[]): Map<string, OutputFile[]> {
  const folders = new Map<string, OutputFile[]>();
  for (const file of files) {
    if (path.posix.basename(file.path) === 'kustomization.yaml' || !/\.ya?ml$/.test(file.path)) continue;
    const folder = file.path.includes('/') ? file.path.slice(0, file.path.indexOf('/')) : '';
    folders.set(folder, [...(folders.get(folder) ?? []), file]);
  }
  return folders;
}

const INTENDED_KEYS = ['environment', 'kind', 'namespace', 'name', 'field', 'reason'];
const INTENDED_HINTS: Readonly<Record<string, string>> = {
  kind: ', e.g. "Deployment"', namespace: ', e.g. "fintech-production"', name: ': the object\'s name', field: ' as the guard names it, e.g. "spec.selector"',
  reason: ': why the object is replaced, and who deletes it when',
};

/** The list of intended changes: `intended:` followed by entries of {@link IntendedChange}. */
export function readIntendedChanges(file: string): IntendedChange[] {
  if (!fs.existsSync(file)) return [];
  const where = path.basename(file);
  let document: any;
  try {
    document = parse(fs.readFileSync(file, 'utf8'));
  } catch (error) {
    throw new ReleaseGuardError(`${where}: not valid YAML: ${(error as Error).message}`);
  }
  const entries = document?.intended ?? [];
  const invalid = (at: string, value: unknown, expectation: string) => new ReleaseGuardError(`${where}: '${at}' (${describeValue(value)}) is invalid: ${expectation}`);
  if (!Array.isArray(entries)) throw invalid('intended', entries, 'must be a list of { kind, namespace, name, field, reason }, each optionally with its environment');
  return entries.map((entry: any, i: number) => {
    const at = `intended[${i}]`;
    if (entry === null || typeof entry !== 'object' || Array.isArray(entry)) throw invalid(at, entry, 'must be a mapping of kind, namespace, name, field and reason');
    const unknown = Object.keys(entry).find((k) => !INTENDED_KEYS.includes(k));
    if (unknown !== undefined) {
      throw new ReleaseGuardError(`${where}: '${at}.${unknown}' (${describeSecret(entry[unknown])}) is invalid: is not a known key; the keys are ${INTENDED_KEYS.join(', ')}`);
    }
    for (const key of INTENDED_KEYS.filter((k) => k !== 'environment')) {
      if (typeof entry[key] !== 'string' || entry[key].trim() === '') throw invalid(`${at}.${key}`, entry[key], `must be a non-empty string${INTENDED_HINTS[key]}`);
    }
    if (entry.environment !== undefined && typeof entry.environment !== 'string') {
      throw invalid(`${at}.environment`, entry.environment, 'must be a string: the output folder, e.g. "production"; leave it out for every environment');
    }
    return entry as IntendedChange;
  });
}

/** `production Deployment fintech-production/payments` for an intended change. */
function intendedLabel(entry: IntendedChange): string {
  return identityLabel({ folder: entry.environment ?? '', group: '', kind: entry.kind, namespace: entry.namespace, name: entry.name });
}
