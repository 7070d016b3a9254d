/**
 * Which commit and branch a recorded run measured: --commit and --branch when given, else git in
 * the current folder (the user's repository, not tunebench's). A CI checkout of a pull request is
 * a detached HEAD; its branch then comes from the CI's variables (GitHub's GITHUB_HEAD_REF or
 * GITHUB_REF_NAME, GitLab's CI_COMMIT_REF_NAME), else it is recorded as none.
 */
import { execFileSync } from 'node:child_process';
import { UsageError } from '../errors.js';
import type { Provenance } from './records.js';

function git(args: string[], cwd: string): string | null {
  try {
    return execFileSync('git', args, { cwd, stdio: ['ignore', 'pipe', 'ignore'], encoding: 'utf8' }).trim() || null;
  } catch {
    return null;
  }
}

/** A hex object name: SHA-1 (40) or SHA-256 (64), or an abbreviation of at least 7. */
const COMMIT = /^[0-9a-f]{7,64}$/i;
/** git's own rules are looser; this keeps a branch printable and one line. */
const BRANCH = /^[^\s\u0000-\u001f\u007f]{1,200}$/;

export function checkCommit(commit: string, flag = '--commit'): string {
  if (!COMMIT.test(commit)) throw new UsageError(`${flag} must be a commit's hex SHA (7 to 64 hex digits), got "${commit}"`);
  return commit.toLowerCase();
}

export function checkBranch(branch: string, flag = '--branch'): string {
  if (!BRANCH.test(branch)) throw new UsageError(`${flag} must be a branch name without spaces or control characters (at most 200 characters), got ${JSON.stringify(branch)}`);
  return branch;
}

/** git HEAD of `cwd`, or null outside a repository. */
export function headCommit(cwd = process.cwd()): string | null {
  return git(['rev-parse', 'HEAD'], cwd);
}

/** "commit 3f2c0a1b9d8e on main", for the lines that say what was recorded. */
export function provenanceText(where: Provenance): string {
  return `commit ${where.commit.slice(0, 12)}${where.branch ? ` on ${where.branch}` : ''}`;
}

export function provenance(flags: { commit?: string; branch?: string }, cwd = process.cwd(), env: NodeJS.ProcessEnv = process.env): Provenance {
  const commit = flags.commit !== undefined ? checkCommit(flags.commit) : headCommit(cwd);
  if (commit === null) throw new UsageError(`no commit to record: ${cwd} is not in a git repository with a commit; pass --commit SHA`);
  if (flags.branch !== undefined) return { commit, branch: checkBranch(flags.branch) };
  const head = git(['rev-parse', '--abbrev-ref', 'HEAD'], cwd);
  const fromCi = env.GITHUB_HEAD_REF || env.GITHUB_REF_NAME || env.CI_COMMIT_REF_NAME || null;
  const branch = head !== null && head !== 'HEAD' ? head : fromCi;
  return { commit, branch: branch === null || !BRANCH.test(branch) ? null : branch };
}
