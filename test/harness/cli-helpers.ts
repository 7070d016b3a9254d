/** Runs the built CLI (dist/, which `npm test` builds first) and captures its output. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const projectRoot = fileURLToPath(new URL('../../', import.meta.url));
export const cliPath = fileURLToPath(new URL('../../dist/harness/cli.js', import.meta.url));

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

export function runCli(args: string[], options: { cwd?: string; timeoutMs?: number; env?: NodeJS.ProcessEnv } = {}): CliResult {
  const result = spawnSync(process.execPath, [cliPath, ...args], {
    cwd: options.cwd ?? projectRoot,
    encoding: 'utf8',
    timeout: options.timeoutMs ?? 120_000,
    env: { ...process.env, ...options.env },
  });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

/**
 * A user mistake: exit code 2 and one `tunebench:` line matching `pattern` on stderr, with nothing
 * else there but a shard's plan line (printed before the check that failed).
 */
export function assertOneLineError(r: CliResult, pattern: RegExp): void {
  assert.equal(r.status, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  const errors = lines.filter((l) => l.startsWith('tunebench: '));
  assert.equal(errors.length, 1, r.stderr);
  assert.match(errors[0], pattern);
  assert.ok(lines.every((l) => l.startsWith('tunebench: ') || l.startsWith('shard ')), r.stderr);
}
