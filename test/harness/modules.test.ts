/**
 * A user's own implementation loaded with --impl-module or a tunebench.config file (issue 15):
 * every malformed module is refused before anything runs (exit 2, one line naming it, nothing
 * written), and a good one goes through run, compare, tune, baseline + gate --baseline and
 * gate --against a folder holding another version of it. The projects are temporary folders with
 * tunebench linked into their node_modules, as a user's project would have it installed.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot, runCli } from './cli-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'tb-modules-'));
after(() => rmSync(root, { recursive: true, force: true }));
const fixture = readFileSync(join(projectRoot, 'test/fixtures/modules/spin-store.mjs'), 'utf8');

/** A user's project folder: tunebench in node_modules, the fixture adapter (with `spin` as its default) and `files`. */
function project(name: string, files: Record<string, string> = {}, spin = 0): string {
  const dir = join(root, name);
  mkdirSync(join(dir, 'node_modules'), { recursive: true });
  symlinkSync(projectRoot, join(dir, 'node_modules', 'tunebench'), 'dir');
  writeFileSync(join(dir, 'store.mjs'), fixture.replace('DEFAULT_SPIN = 0', `DEFAULT_SPIN = ${spin}`));
  for (const [file, text] of Object.entries(files)) writeFileSync(join(dir, file), text);
  return dir;
}

const readReport = (dir: string) => JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8'));

/** A factory module's text with `override` merged into a valid factory's fields. */
const factoryModule = (override: string, open = 'open: (knobs, context) => ({ spec: context.spec, config: {}, isAsync: false, load() {}, get() {}, put() {}, delete: () => false, scan: () => 0, bulkInsert() {}, bulkDelete() {}, bulkGet: () => 0, memoryBytes: () => undefined, close() {} })') =>
  `export default { name: 'mine', description: 'd', knobs: {}, durability: ['none'], ${open}, ${override} };\n`;

describe('a malformed implementation module is refused before anything runs', () => {
  const bad = project('bad', {
    'syntax.mjs': 'export default {',
    'no-default.mjs': 'export const factory = {};\n',
    'number.mjs': 'export default 42;\n',
    'empty-array.mjs': 'export default [];\n',
    'no-name.mjs': factoryModule("name: undefined"),
    'bad-name.mjs': factoryModule("name: 'my:store'"),
    'no-open.mjs': factoryModule('open: undefined'),
    'bad-durability.mjs': factoryModule("durability: ['eventually']"),
    'knob-type.mjs': factoryModule("knobs: { k: { type: 'string', default: 1, description: '' } }"),
    'knob-min-max.mjs': factoryModule("knobs: { k: { type: 'integer', min: 10, max: 1, default: 5, description: '' } }"),
    'knob-default.mjs': factoryModule("knobs: { k: { type: 'integer', min: 1, max: 8, default: 9, description: '' } }"),
    'knob-bool.mjs': factoryModule("knobs: { k: { type: 'boolean', default: 1, description: '' } }"),
    'missing-method.mjs': factoryModule('', 'open: (knobs, context) => ({ spec: context.spec, config: {}, isAsync: false, get() {}, close() {} })'),
    'open-throws.mjs': factoryModule('', "open() { throw new Error('cannot open the store'); }"),
    'clash.mjs': factoryModule("name: 'primary'"),
    'twice.mjs': `export default [${['a', 'a'].map((n) => `{ name: '${n}', description: 'd', knobs: {}, durability: ['none'], open() {} }`).join(', ')}];\n`,
    'module.ts': 'export default {};\n',
  });
  const cases: [string[], RegExp][] = [
    [['nothing.mjs'], /implementation module nothing\.mjs does not exist/],
    [['module.ts'], /module\.ts is not JavaScript/],
    [['syntax.mjs'], /syntax\.mjs does not load: /],
    [['no-default.mjs'], /no-default\.mjs has no default export/],
    [['number.mjs'], /number\.mjs: .*expected object/i],
    [['empty-array.mjs'], /empty-array\.mjs exports an empty array/],
    [['no-name.mjs'], /no-name\.mjs: name: name must be a string/],
    [['bad-name.mjs'], /bad-name\.mjs: name: name must be letters/],
    [['no-open.mjs'], /no-open\.mjs: open: open must be a function/],
    [['bad-durability.mjs'], /bad-durability\.mjs: durability\.0: durability modes are/],
    [['knob-type.mjs'], /knob-type\.mjs: knobs\.k\.type: type must be/],
    [['knob-min-max.mjs'], /knob-min-max\.mjs: knobs\.k: min 10 is above max 1/],
    [['knob-default.mjs'], /knob-default\.mjs: knobs\.k: default 9 is outside 1\.\.8/],
    [['knob-bool.mjs'], /knob-bool\.mjs: knobs\.k: a boolean knob needs a true or false default/],
    [['missing-method.mjs'], /missing-method\.mjs: mine: the implementation it opens has no load, put, delete, scan, bulkInsert, bulkDelete, bulkGet, memoryBytes methods/],
    [['open-throws.mjs'], /open-throws\.mjs: mine: open\(\) with the default knobs failed: cannot open the store/],
    [['clash.mjs'], /clash\.mjs: the name "primary" is already taken by the built-in implementation primary/],
    [['twice.mjs'], /twice\.mjs: the name "a" is already taken by module twice\.mjs/],
    [['store.mjs', 'store.mjs', 'no-open.mjs'], /no-open\.mjs: open: open must be a function/],
  ];
  for (const [modules, expected] of cases) {
    it(`${modules.join(' + ')}: ${expected.source}`, () => {
      const out = join(bad, 'out');
      const result = runCli(['run', 'ycsb-a', '--quick', ...modules.flatMap((m) => ['--impl-module', m]), '--out', out], { cwd: bad });
      assert.equal(result.status, 2, result.stderr);
      assert.match(result.stderr, expected);
      assert.equal(result.stderr.trim().split('\n').length, 1, result.stderr);
      assert.doesNotMatch(result.stderr, /\n\s+at /);
      assert.equal(result.stdout, '');
      assert.equal(existsSync(out), false);
    });
  }

  it('a config file that is not valid, or two of them', () => {
    const broken = project('broken-config', { 'tunebench.config.json': '{"modules": ' });
    assert.match(runCli(['list'], { cwd: broken }).stderr, /^tunebench: tunebench\.config\.json is not valid JSON/);
    const unknown = project('unknown-key', { 'tunebench.config.json': '{"modules": [], "impls": []}' });
    const result = runCli(['list'], { cwd: unknown });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /tunebench\.config\.json: .*impls.*\(expected \{ "modules": \["\.\/my-adapter\.mjs"\] \}\)/);
    const both = project('both', { 'tunebench.config.json': '{"modules": []}', 'tunebench.config.mjs': 'export default { modules: [] };' });
    assert.match(runCli(['list'], { cwd: both }).stderr, /has both tunebench\.config\.mjs and tunebench\.config\.json: keep one/);
    const missing = project('missing', { 'tunebench.config.mjs': "export default { modules: ['./not-there.mjs'] };" });
    assert.match(runCli(['list'], { cwd: missing }).stderr, /implementation module not-there\.mjs does not exist/);
  });
});

describe('a user\'s adapter through every command', () => {
  const fast = project('fast', { 'tunebench.config.json': JSON.stringify({ modules: ['./store.mjs'] }) });
  const slow = project('slow', { 'tunebench.config.mjs': "export default { modules: ['./store.mjs'] };\n" }, 400);
  const loose = project('loose');
  const out = (name: string) => join(root, 'reports', name);

  it('list shows it with its knobs (from --impl-module, and from a config file)', () => {
    for (const [cwd, args] of [[loose, ['--impl-module', 'store.mjs']], [fast, []], [slow, []]] as const) {
      const result = runCli(['list', '--json', ...args], { cwd });
      assert.equal(result.status, 0, result.stderr);
      const mine = JSON.parse(result.stdout).implementations.find((f: { name: string }) => f.name === 'spin-store');
      assert.deepEqual(Object.keys(mine.knobs), ['spin', 'throwOnGet']);
      assert.equal(mine.knobs.spin.default, cwd === slow ? 400 : 0);
    }
  });

  it('run with knobs set by --impl and --set', () => {
    const result = runCli(['run', 'ycsb-c', '--quick', '--rounds', '1', '--impl-module', 'store.mjs', '--impl', 'spin-store:spin=3', '--impl', 'map', '--set', 'throwOnGet=false', '--out', out('run')], { cwd: loose });
    assert.equal(result.status, 0, result.stderr);
    const report = readReport(out('run'));
    assert.deepEqual(report.results.map((r: { implementation: string }) => r.implementation), ['spin-store:spin=3,throwOnGet=false', 'map']);
    assert.equal(report.results[0].config.spin, 3);
  });

  it('a job whose adapter throws fails alone: the others are measured, exit 2 with a summary', () => {
    const result = runCli(['run', 'ycsb-c', 'ycsb-b', '--quick', '--rounds', '1', '--impl', 'spin-store:throwOnGet=true', '--impl', 'map', '--out', out('throws')], { cwd: fast });
    assert.equal(result.status, 2, result.stderr);
    assert.match(result.stderr, /2 jobs FAILED \(the others went on; exit code 2\):\n {2}ycsb-c x spin-store:throwOnGet=true \(round 1\) failed: spin-store: get\(\) was told to throw\n {2}ycsb-b x spin-store/);
    assert.doesNotMatch(result.stderr, /\n\s+at /);
    const report = readReport(out('throws'));
    assert.deepEqual(report.results.map((r: { scenario: string; implementation: string }) => `${r.scenario} ${r.implementation}`), ['ycsb-c map', 'ycsb-b map']);
    assert.equal(report.failures.length, 2);
    assert.match(readFileSync(join(out('throws'), 'summary.md'), 'utf8'), /## Failed jobs/);
  });

  it('compare two configurations of it: the slower one is found slower', () => {
    const result = runCli(['compare', 'ycsb-c', '--quick', '--a', 'spin-store', '--b', 'spin-store:spin=400', '--min-rounds', '4', '--rounds', '6', '--seed', '1', '--out', out('compare')], { cwd: fast });
    assert.equal(result.status, 0, result.stderr);
    const throughput = readReport(out('compare')).comparisons.find((c: { metric: string }) => c.metric === 'throughput');
    assert.equal(throughput.verdict, 'regressed');
  });

  it('tune its own knob', () => {
    const result = runCli(['tune', 'ycsb-c', '--quick', '--impl', 'spin-store', '--knob', 'spin=0,400', '--rounds', '6', '--seed', '2', '--out', out('tune')], { cwd: fast });
    assert.equal(result.status, 0, result.stderr);
    assert.equal(readReport(out('tune')).tuning.recommended.label, 'spin-store:spin=0');
  });

  it('baseline save, then gate --baseline with it', () => {
    const saved = runCli(['baseline', 'save', 'ycsb-c', '--quick', '--impl', 'spin-store', '--rounds', '3', '--name', 'mine'], { cwd: fast });
    assert.equal(saved.status, 0, saved.stderr);
    const gate = runCli(['gate', 'ycsb-c', '--quick', '--baseline', 'mine', '--seed', '3', '--out', out('gate-baseline')], { cwd: fast });
    assert.ok(gate.status === 0 || gate.status === 1, gate.stderr);
    assert.deepEqual(readReport(out('gate-baseline')).gate.mode, 'baseline');
  });

  it('gate --against the folder of the faster version fails the slower one (exit 1)', () => {
    // The first pass decides (--confirm 0): the statistics are tested elsewhere, this is the plumbing.
    const result = runCli(['gate', 'ycsb-c', '--quick', '--impl', 'spin-store', '--against', fast, '--confirm', '0', '--alpha', '0.05', '--min-rounds', '6', '--rounds', '6', '--seed', '4', '--out', out('gate-against')], { cwd: slow, timeoutMs: 240_000 });
    assert.equal(result.status, 1, `${result.stdout}\n${result.stderr}`);
    const report = readReport(out('gate-against'));
    assert.deepEqual(new Set(report.gate.regressed.map((r: { pair: string }) => r.pair)), new Set(['spin-store']));
    assert.ok(report.gate.regressed.some((r: { metric: string }) => r.metric === 'throughput'));
  });

  it('gate --against a folder without modules, or whose module is missing there', () => {
    const empty = join(root, 'empty');
    mkdirSync(empty);
    assert.match(runCli(['gate', 'ycsb-c', '--quick', '--impl', 'spin-store', '--against', empty], { cwd: fast }).stderr, /is neither a tunebench checkout nor a folder with implementation modules/);
    const result = runCli(['gate', 'ycsb-c', '--quick', '--impl-module', 'store.mjs', '--impl', 'spin-store', '--against', empty], { cwd: loose });
    assert.equal(result.status, 2);
    assert.match(result.stderr, /implementation module .*empty\/store\.mjs does not exist \(looked for in .*empty\)/);
  });
});
