import { execFileSync } from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import { App, Chart } from 'cdk8s';
import { FintechService, FintechServiceProps } from '../lib';
import { OutputFile, synthesizeFolders, writeOutput } from '../lib/tools';
import { checkRelease, formatReleaseGuard, ReleaseGuardError } from '../lib/release-guard';

const IMAGE = 'registry.example.com/shop/payments:1.0.0';
const SELECTOR_MESSAGE = 'test Deployment.apps shop/payments: spec.selector is immutable '
  + '({"matchLabels":{"app.kubernetes.io/name":"payments"}} → {"matchLabels":{"app.kubernetes.io/name":"payments","track":"stable"}}); '
  + 'the sync would fail: keep the old value, or delete and recreate the object';

const tempDirs: string[] = [];
afterAll(() => tempDirs.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

/** The output of one FintechService `payments` in folder `test`, as `npm run synth` would write it. */
function output(props: Partial<FintechServiceProps> = {}): OutputFile[] {
  const app = new App();
  new FintechService(new Chart(app, 'payments', { namespace: 'shop' }), 'payments', { image: IMAGE, port: 8080, ...props });
  return synthesizeFolders([{ folder: 'test', app }]);
}

/** A git repository in a temp folder whose commits each hold one version of dist/ (or other files). */
function repository() {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-guard-'));
  tempDirs.push(dir);
  const git = (...args: string[]) => execFileSync('git', args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] }).trim();
  git('init', '-q', '-b', 'main');
  git('config', 'user.email', 'ci@example.com');
  git('config', 'user.name', 'CI');
  git('config', 'commit.gpgsign', 'false');
  const commit = (message: string, files?: OutputFile[], extra: Record<string, string> = {}) => {
    if (files) writeOutput(files, path.join(dir, 'dist'));
    for (const [name, content] of Object.entries(extra)) fs.writeFileSync(path.join(dir, name), content);
    git('add', '-A');
    git('commit', '-q', '--allow-empty', '-m', message);
    return git('rev-parse', 'HEAD');
  };
  return { dir, git, commit };
}

describe('checkRelease: the new output against the previous release in git', () => {
  test('on main: a second commit that changes a Deployment selector fails, naming the object and the field', () => {
    const repo = repository();
    const first = repo.commit('first release', output());
    const changed = output({ trackLabels: { track: 'stable' } });
    repo.commit('add a track label', changed);
    const result = checkRelease(changed, { repoDir: repo.dir });
    expect(result.baseCommit).toBe(first);
    expect(result.violations.map((v) => [v.message, v.field])).toEqual([[SELECTOR_MESSAGE, 'spec.selector']]);
    const { text, ok } = formatReleaseGuard(result);
    expect(ok).toBe(false);
    expect(text).toContain(`  ${SELECTOR_MESSAGE}\n1 immutable-field change(s).`);
  });

  test('the same change passes when immutable-changes.yaml lists it with a reason, and the list is checked', () => {
    const repo = repository();
    repo.commit('first release', output());
    const changed = output({ trackLabels: { track: 'stable' } });
    const entry = 'intended:\n  - environment: test\n    kind: Deployment\n    namespace: shop\n    name: payments\n    field: spec.selector\n'
      + '    reason: payments is deleted before the sync\n';
    repo.commit('add a track label, on purpose', changed, { 'immutable-changes.yaml': entry });
    const result = checkRelease(changed, { repoDir: repo.dir });
    expect(result.violations).toEqual([]);
    expect(result.intended.map((i) => [i.change.message, i.reason])).toEqual([[SELECTOR_MESSAGE, 'payments is deleted before the sync']]);
    expect(formatReleaseGuard(result).ok).toBe(true);

    // Another environment's entry does not cover it.
    fs.writeFileSync(path.join(repo.dir, 'immutable-changes.yaml'), entry.replace('environment: test', 'environment: production'));
    expect(checkRelease(changed, { repoDir: repo.dir }).violations.map((v) => v.message)).toEqual([SELECTOR_MESSAGE]);
    // An entry without a reason is refused.
    fs.writeFileSync(path.join(repo.dir, 'immutable-changes.yaml'), entry.replace(/ {4}reason: .*\n/, ''));
    expect(() => checkRelease(changed, { repoDir: repo.dir })).toThrow("immutable-changes.yaml: 'intended[0].reason' (undefined) is invalid: must be a non-empty string: why the object is replaced, and who deletes it when");
  });

  test('an unchanged selector passes, and a commit that leaves dist/ alone still compares with the release before', () => {
    const repo = repository();
    const first = repo.commit('first release', output());
    const scaled = output({ replicas: 5 });
    repo.commit('scale payments', scaled);
    repo.commit('docs only', undefined, { 'NOTES.md': 'notes\n' });
    const result = checkRelease(scaled, { repoDir: repo.dir });
    expect([result.baseCommit, result.violations]).toEqual([first, []]);
    expect(formatReleaseGuard(result)).toEqual({ ok: true, text: expect.stringMatching(/No immutable field changed\.$/) });
  });

  test('on a branch: compares with the merge-base with main', () => {
    const repo = repository();
    const base = repo.commit('first release', output());
    repo.git('checkout', '-q', '-b', 'feature');
    const changed = output({ trackLabels: { track: 'stable' } });
    repo.commit('scale', output({ replicas: 5 }));
    repo.commit('track label', changed);
    const result = checkRelease(changed, { repoDir: repo.dir });
    expect(result.baseCommit).toBe(base);
    expect(result.baseDescription).toBe(`the merge-base of HEAD and main (${base.slice(0, 12)})`);
    expect(result.violations.map((v) => v.message)).toEqual([SELECTOR_MESSAGE]);
  });

  test('a clone without a local main uses origin/main; without either, it says what to do', () => {
    const repo = repository();
    const base = repo.commit('first release', output());
    repo.git('checkout', '-q', '-b', 'feature');
    repo.commit('track label', output({ trackLabels: { track: 'stable' } }));
    const clone = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-guard-clone-'));
    tempDirs.push(clone);
    const git = (...args: string[]) => execFileSync('git', args, { cwd: clone, stdio: 'ignore' });
    // The clone's only local branch is the one checked out at the origin: feature.
    execFileSync('git', ['clone', '-q', `file://${repo.dir}`, clone], { stdio: 'ignore' });
    const result = checkRelease(output({ trackLabels: { track: 'stable' } }), { repoDir: clone });
    expect([result.baseDescription, result.violations.map((v) => v.field)]).toEqual([
      `the merge-base of HEAD and origin/main (${base.slice(0, 12)})`, ['spec.selector'],
    ]);
    git('update-ref', '-d', 'refs/remotes/origin/main');
    expect(() => checkRelease(output(), { repoDir: clone })).toThrow(
      "there is no branch 'main' (nor 'origin/main') to find the previous release on; fetch it, or give the base (`npm run guard -- --base <ref>`).");
  });

  test('a base given on the command line', () => {
    const repo = repository();
    repo.commit('first release', output());
    repo.git('tag', 'v1');
    repo.commit('track label', output({ trackLabels: { track: 'stable' } }));
    repo.commit('back to the first selector', output());
    expect(checkRelease(output(), { repoDir: repo.dir, base: 'v1' }).violations).toEqual([]);
    expect(checkRelease(output(), { repoDir: repo.dir, base: 'HEAD~1' }).violations.map((v) => v.field)).toEqual(['spec.selector']);
    expect(() => checkRelease(output(), { repoDir: repo.dir, base: 'v9' })).toThrow(new ReleaseGuardError("the base 'v9' is not a commit of this clone."));
  });

  test('fails with a clear message, never passes, when the previous release is not in a shallow clone', () => {
    const repo = repository();
    repo.commit('first release', output());
    repo.commit('track label', output({ trackLabels: { track: 'stable' } }));
    const shallow = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-guard-shallow-'));
    tempDirs.push(shallow);
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo.dir}`, shallow], { stdio: 'ignore' });
    expect(() => checkRelease(output(), { repoDir: shallow })).toThrow(
      /^the commit before [0-9a-f]{12}, which last changed dist\/, is not in this clone\. This clone is shallow: fetch the history/);
  });

  test('no previous release: dist/ first committed in the root commit', () => {
    const repo = repository();
    const root = repo.commit('first release', output());
    const result = checkRelease(output({ trackLabels: { track: 'stable' } }), { repoDir: repo.dir });
    expect(result).toEqual({
      baseDescription: `no previous release (dist/ first appears in the root commit ${root.slice(0, 12)})`, violations: [], intended: [], unusedIntended: [],
    });
  });

  test('outside a git repository', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cdk8s-fintech-guard-nogit-'));
    tempDirs.push(dir);
    expect(() => checkRelease(output(), { repoDir: dir })).toThrow(`${dir} is not in a git working tree: the previous release is read from git history`);
  });
});
