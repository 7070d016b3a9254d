import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, runCli } from './harness/cli-helpers.js';

/**
 * The commands of the README's quick start block, found the way ../shared/tools/fresh-clone-check
 * finds them (under mawk, which ignores IGNORECASE: the heading must say "quick start" in lower case).
 */
function quickStartCommands(): string[] {
  const lines = readFileSync(join(projectRoot, 'README.md'), 'utf8').split('\n');
  const heading = lines.findIndex((l) => /^#+ .*quick ?start/.test(l));
  assert.ok(heading >= 0, 'README needs a heading containing "quick start" in lower case');
  const open = lines.findIndex((l, i) => i > heading && l.startsWith('```'));
  const close = lines.findIndex((l, i) => i > open && l.startsWith('```'));
  return lines.slice(open + 1, close).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
}

describe('project', () => {
  it('README Quick start has exactly two commands and .ci/run runs exactly those', () => {
    const commands = quickStartCommands();
    assert.equal(commands.length, 2);
    const ci = readFileSync(join(projectRoot, '.ci/run'), 'utf8').split('\n').map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
    for (const command of commands) assert.ok(ci.includes(command), `.ci/run should run "${command}"`);
  });

  it('tunebench --version and --help answer with exit 0', () => {
    const pkg = JSON.parse(readFileSync(join(projectRoot, 'package.json'), 'utf8')) as { version: string; bin: Record<string, string> };
    assert.equal(pkg.bin.tunebench, 'dist/harness/cli.js');
    const version = runCli(['--version']);
    assert.equal(version.status, 0);
    assert.equal(version.stdout.trim(), pkg.version);
    const help = runCli(['--help']);
    assert.equal(help.status, 0);
    assert.match(help.stdout, /tunebench <command>/);
  });

  it('an unknown command is one line on stderr and exit 2', () => {
    const result = runCli(['frobnicate']);
    assert.equal(result.status, 2);
    assert.equal(result.stderr.trim().split('\n').length, 1);
    assert.match(result.stderr, /^tunebench: /);
  });
});
