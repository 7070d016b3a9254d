import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BUILTIN_SCENARIOS, DEFAULT_SUITE, findBuiltin } from '../../scenarios/builtin.js';
import { ScenarioError, defineScenario, loadScenarioFile, parseScenario } from '../../scenarios/schema.js';

function problemsOf(input: unknown): string[] {
  try {
    parseScenario(input, 'f.json');
  } catch (error) {
    assert.ok(error instanceof ScenarioError);
    return error.problems;
  }
  assert.fail('expected the scenario to be refused');
}

const minimal = { name: 'tiny', dataset: { records: 10 }, mix: { read: 1 } };

describe('scenario schema', () => {
  it('every built-in scenario is valid and the default suite names only built-ins', () => {
    assert.ok(BUILTIN_SCENARIOS.length >= 8);
    for (const s of BUILTIN_SCENARIOS) assert.deepEqual(parseScenario(JSON.parse(JSON.stringify(s))), s);
    for (const name of DEFAULT_SUITE) assert.ok(findBuiltin(name), name);
    for (const name of ['ycsb-a', 'ycsb-b', 'ycsb-c', 'ycsb-d', 'ycsb-e', 'ycsb-f', 'bulk-vs-individual', 'growth']) assert.ok(findBuiltin(name), name);
  });

  it('fills defaults for a minimal scenario', () => {
    const s = defineScenario(minimal);
    assert.equal(s.kind, 'workload');
    assert.equal(s.durability, 'none');
    assert.deepEqual(s.distribution, { type: 'uniform' });
    assert.deepEqual(s.dataset.pathBytes, { min: 20, max: 80 });
    assert.equal(s.mix.update, 0);
    assert.equal(defineScenario({ ...minimal, distribution: 'zipfian' as never }).distribution.type, 'zipfian');
    assert.deepEqual(defineScenario({ ...minimal, distribution: { type: 'zipfian' } }).distribution, { type: 'zipfian', theta: 0.99 });
  });

  it('names the field path and what was expected, one line per problem', () => {
    const problems = problemsOf({
      name: 'Bad Name',
      dataset: { records: -1, pathBytes: { min: 50, max: 10 } },
      mix: { read: 0.5, update: 0.2, bogus: 0.3 },
      distribution: { type: 'zipfian', theta: 'high' },
      clients: 0,
      durability: 'maybe',
      extra: true,
    });
    const expectMention = (path: string, what: RegExp) =>
      assert.ok(problems.some((p) => p.startsWith(`f.json: ${path}:`) && what.test(p)), `no problem line for ${path} ${what}: ${problems.join(' | ')}`);
    expectMention('name', /lowercase/);
    expectMention('dataset.records', />=0|too small/i);
    expectMention('dataset.pathBytes', /min must not exceed max/);
    expectMention('mix', /bogus/);
    expectMention('distribution.theta', /expected number/);
    expectMention('clients', />=1|too small/i);
    expectMention('durability', /none|group|sync/);
    expectMention('(scenario)', /extra/);
    for (const p of problems) assert.ok(!p.includes('\n'), 'one line each');
  });

  it('refuses a mix that does not sum to 1, and other cross-field rules', () => {
    assert.ok(problemsOf({ ...minimal, mix: { read: 0.5, update: 0.4 } }).some((p) => /mix: the fractions must sum to 1 \(they sum to 0\.9\)/.test(p)));
    assert.ok(problemsOf({ ...minimal, operations: 10, durationMs: 10 }).some((p) => /durationMs: give operations or durationMs, not both/.test(p)));
    assert.ok(problemsOf({ ...minimal, kind: 'growth' }).some((p) => /sizes: a growth scenario needs sizes/.test(p)));
    assert.ok(problemsOf({ ...minimal, distribution: { type: 'hotspot', hotFraction: 1.5 } }).some((p) => p.includes('distribution.hotFraction')));
    assert.ok(problemsOf({ ...minimal, distribution: { type: 'pareto' } }).some((p) => p.includes('distribution.type')));
  });

  it('loads JSON files and reports missing files and broken JSON in one line', () => {
    const dir = mkdtempSync(join(tmpdir(), 'tb-schema-'));
    const good = join(dir, 'good.json');
    writeFileSync(good, JSON.stringify({ ...minimal, name: 'from-file', sla: { p99Ms: 2 } }));
    assert.equal(loadScenarioFile(good).name, 'from-file');
    const broken = join(dir, 'broken.json');
    writeFileSync(broken, '{ "name": ');
    assert.throws(() => loadScenarioFile(broken), (e: unknown) => e instanceof ScenarioError && e.problems.length === 1 && /not valid JSON/.test(e.problems[0]));
    assert.throws(() => loadScenarioFile(join(dir, 'missing.json')), (e: unknown) => e instanceof ScenarioError && /no such file/.test(e.message));
  });
});
