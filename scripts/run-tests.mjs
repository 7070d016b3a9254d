#!/usr/bin/env node
// Runs every test file under test/ with Node's own test runner (tsx loads the TypeScript).
// Node 20's runner does not expand globs, so the files are listed here. Extra arguments are passed
// on (for example --test-name-pattern=gate). Two test files run at a time, one per core of this
// machine (TUNEBENCH_TEST_CONCURRENCY=1: one at a time): the suite took 250 s one at a time and
// 165 s two at a time, and no test asserts a timing; those that assert a verdict measure effects
// far beyond any noise a second process adds (a 30% slowdown, a 66x slower adapter).
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { spawnSync } from 'node:child_process';

const root = new URL('..', import.meta.url).pathname;
function collect(dir) {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return collect(path);
    return name.endsWith('.test.ts') ? [relative(root, path)] : [];
  });
}
const only = process.argv.slice(2).filter((a) => !a.startsWith('--'));
const flags = process.argv.slice(2).filter((a) => a.startsWith('--'));
const files = collect(join(root, 'test')).filter((f) => only.length === 0 || only.some((o) => f.includes(o))).sort();
if (files.length === 0) {
  console.error(`no test files match ${only.join(' ')}`);
  process.exit(2);
}
const result = spawnSync(
  process.execPath,
  ['--import', 'tsx', '--test', `--test-concurrency=${process.env.TUNEBENCH_TEST_CONCURRENCY ?? 2}`, '--test-reporter=spec', ...flags, ...files],
  { cwd: root, stdio: 'inherit' },
);
process.exit(result.status ?? 1);
