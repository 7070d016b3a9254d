import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectRoot, runCli } from './harness/cli-helpers.js';

function quickStartCommands(): string[] {
  const readme = readFileSync(join(projectRoot, 'README.md'), 'utf8');
  const section = readme.split(/^## Quick start$/m)[1]?.split(/^## /m)[0] ?? '';
  const block = section.split('```')[1] ?? '';
  return block.split('\n').slice(1).map((l) => l.trim()).filter((l) => l && !l.startsWith('#'));
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
