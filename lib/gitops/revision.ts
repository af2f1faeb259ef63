import { Construct } from 'constructs';
import { invalidProp } from '../shared/errors';
import { checkNotSecret, checkOneOf, checkString } from '../shared/validation';

/** What a {@link GitRevision} names. */
export enum GitRevisionKind {
  BRANCH = 'branch',
  TAG = 'tag',
  COMMIT = 'commit',
}

/** The revision of the repository that Argo CD and Flux apply: a branch, a tag or one commit. */
export class GitRevision {
  /** The tip of branch `name` (e.g. "main"), followed as it moves: every merge is deployed. */
  public static branch(name: string): GitRevision {
    return new GitRevision(GitRevisionKind.BRANCH, name);
  }

  /** The commit tag `name` (e.g. "v1.2.0") points at: a deployment changes when the tag does. */
  public static tag(name: string): GitRevision {
    return new GitRevision(GitRevisionKind.TAG, name);
  }

  /** One commit, by its full 40-character SHA-1: pinned until this setting changes. */
  public static commit(sha: string): GitRevision {
    return new GitRevision(GitRevisionKind.COMMIT, sha);
  }

  private constructor(
    /** Branch, tag or commit. */
    public readonly kind: GitRevisionKind,
    /** The branch or tag name, or the commit SHA, as written. */
    public readonly value: string,
  ) {}
}

/**
 * A commit must be a full SHA-1 (Flux checks out exactly that commit; an abbreviation is
 * ambiguous); a branch or tag name must follow git's ref-name rules (`git check-ref-format`),
 * plus `git branch`'s: no leading '-'.
 */
export function checkRevision(scope: Construct, revision: GitRevision): GitRevision {
  const kind = checkOneOf(scope, 'revision.kind', revision.kind, Object.values(GitRevisionKind),
    "GitRevision.branch(name), GitRevision.tag(name) or GitRevision.commit(sha): made by its factories, not with new");
  const example = { [GitRevisionKind.BRANCH]: "GitRevision.branch('main')", [GitRevisionKind.TAG]: "GitRevision.tag('v1.2.0')",
    [GitRevisionKind.COMMIT]: "GitRevision.commit('<40 hex digits>')" }[kind];
  const value = checkString(scope, 'revision', revision.value, { example, allowEmpty: true });
  if (kind === GitRevisionKind.COMMIT) {
    if (!/^[0-9a-f]{40}$/.test(value)) {
      throw invalidProp(scope, 'revision', value, "must be a commit's full 40-character lowercase hexadecimal SHA-1");
    }
    return revision;
  }
  checkNotSecret(scope, 'revision', value, `give the ${kind}'s name; Argo CD and Flux read the repository's credentials from a repository Secret`);
  if (value === 'HEAD') {
    throw invalidProp(scope, 'revision', value, `must name a ${kind}, not "HEAD": Flux cannot check out a ${kind} called HEAD; give the branch, e.g. GitRevision.branch('main')`);
  }
  if (/^[0-9a-f]{40}$/i.test(value)) {
    throw invalidProp(scope, 'revision', value, `is a commit SHA, not a ${kind} name: Flux would look for a ${kind} of that name; use GitRevision.commit('${value.toLowerCase()}')`);
  }
  if (value.startsWith('refs/')) {
    throw invalidProp(scope, 'revision', value, `must be the ${kind}'s short name, without "refs/heads/" or "refs/tags/", e.g. ${example}: Flux adds the prefix itself`);
  }
  if (!isGitRefName(value)) {
    throw invalidProp(scope, 'revision', value, `must be a ${kind} name git accepts: no space, control character, `
      + "'~', '^', ':', '?', '*', '[', '\\', '..' or '@{'; not '@'; no empty component, none starting with '.' or ending with '.lock'; "
      + "no leading '-' or '/', no trailing '/' or '.'");
  }
  return revision;
}

function isGitRefName(name: string): boolean {
  return name.length > 0
    && name !== '@'
    && !/[\x00-\x20\x7f~^:?*[\\]|\.\.|@\{/.test(name)
    && !/^[-/]|[/.]$/.test(name)
    && name.split('/').every((part) => part.length > 0 && !part.startsWith('.') && !part.endsWith('.lock'));
}
