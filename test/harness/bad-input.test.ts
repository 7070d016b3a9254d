/**
 * Every bad input a hostile user tried (issue 12), as a table: each is refused before any
 * measuring starts, with exit code 2, one line on stderr that names the problem, no stack trace,
 * nothing on stdout and nothing written (the --out folder is not even created).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from './cli-helpers.js';
import { currentEnvironment } from '../../harness/environment.js';
import { BASELINE_FORMAT, BASELINE_VERSION } from '../../harness/gate/baselines.js';
import { scaleForQuick } from '../../harness/runner/plan.js';
import { findBuiltin } from '../../scenarios/builtin.js';

const root = mkdtempSync(join(tmpdir(), 'tb-bad-input-'));
after(() => rmSync(root, { recursive: true, force: true }));
const out = join(root, 'out-never-written');

function scenarioFile(name: string, body: unknown): string {
  const path = join(root, `${name}.json`);
  writeFileSync(path, typeof body === 'string' ? body : JSON.stringify(body));
  return path;
}
const mix = { read: 1 };
const files = {
  quickRecords: scenarioFile('quick-records', { name: 'q1', dataset: { records: 1000 }, mix, quick: { records: 1e9 } }),
  quickOperations: scenarioFile('quick-ops', { name: 'q2', dataset: { records: 1000 }, mix, quick: { operations: 1e9 } }),
  operations: scenarioFile('ops', { name: 'q3', dataset: { records: 1000 }, mix, operations: 1e9 }),
  records: scenarioFile('records', { name: 'q4', dataset: { records: 5e7 }, mix }),
  sizes: scenarioFile('sizes', { name: 'q5', kind: 'growth', dataset: { records: 1000 }, mix, sizes: [5e7] }),
  batchSize: scenarioFile('batch', { name: 'q6', dataset: { records: 1000 }, mix: { bulkInsert: 1 }, batchSize: 1e6 }),
  bulkFlood: scenarioFile('bulk-flood', { name: 'q7', dataset: { records: 1000 }, mix: { bulkInsert: 1 }, batchSize: 100_000 }),
  mapTooBig: scenarioFile('map-big', { name: 'q8', dataset: { records: 20_000_000 }, mix }),
  zeroRecords: scenarioFile('zero', { name: 'q9', dataset: { records: 0 }, mix: { read: 0.5, insert: 0.5 } }),
  longName: scenarioFile('long-name', { name: 'a'.repeat(300), dataset: { records: 1000 }, mix }),
  day: scenarioFile('day', { name: 'q10', dataset: { records: 1000 }, mix, durationMs: 24 * 3600 * 1000 }),
  tooLongForJob: scenarioFile('ten-minutes', { name: 'q11', dataset: { records: 1000 }, mix, durationMs: 600_000 }),
  notJson: scenarioFile('not-json', '{"name": '),
};
writeFileSync(join(root, 'a-file'), 'x');

// Baselines in a folder of their own, as `gate --baseline` finds them (.tunebench/baselines/FINGERPRINT/NAME.json).
const cwd = join(root, 'project');
const machine = currentEnvironment();
const baselineDir = join(cwd, '.tunebench', 'baselines', machine.fingerprint);
mkdirSync(baselineDir, { recursive: true });
const ycsbA = scaleForQuick(findBuiltin('ycsb-a')!);
const round = (implementation: string, opsPerSec: number) => ({
  arm: implementation,
  scenario: 'ycsb-a',
  implementation,
  round: 0,
  workload: { opsPerSec, chunkOpsPerSec: [opsPerSec], latencyNs: { p50: 1000, p99: 5000 } },
  series: [],
});
function baseline(name: string, overrides: Record<string, unknown>): void {
  const body = { format: BASELINE_FORMAT, version: BASELINE_VERSION, name, savedAt: new Date().toISOString(), environment: machine, quick: true, implementations: ['primary'], scenarios: [ycsbA], rounds: [round('primary', 1e6)], ...overrides };
  writeFileSync(join(baselineDir, `${name}.json`), JSON.stringify(body));
}
baseline('empty', { rounds: [] });
baseline('skipped', { implementations: ['primary', 'map'] });
baseline('copied', { environment: { ...machine, fingerprint: 'linux-x64-8c-16g-node20-0123456789' } });
baseline('zero', { rounds: [round('primary', 0)] });
symlinkSync(join(root, 'nowhere.json'), join(baselineDir, 'ghost.json'));

type Case = [name: string, args: string[], message: RegExp, env?: NodeJS.ProcessEnv];
const cases: Case[] = [
  // Sizes that would allocate until killed.
  ['--rounds 1e9', ['run', 'ycsb-a', '--quick', '--rounds', '1e9'], /--rounds must be an integer from 1 to 1000, got 1000000000/],
  ['quick.records 1e9', ['run', '--scenario-file', files.quickRecords, '--quick'], /quick\.records: Too big: expected number to be <=20000000/],
  ['quick.operations 1e9', ['run', '--scenario-file', files.quickOperations, '--quick'], /quick\.operations: Too big/],
  ['operations 1e9', ['run', '--scenario-file', files.operations], /operations: Too big: expected number to be <=100000000/],
  ['records 5e7', ['run', '--scenario-file', files.records], /dataset\.records: Too big/],
  ['sizes [5e7]', ['run', '--scenario-file', files.sizes], /sizes\.0: Too big/],
  ['batchSize 1e6', ['run', '--scenario-file', files.batchSize], /batchSize: Too big: expected number to be <=100000/],
  ['bulk inserts that cannot fit', ['run', '--scenario-file', files.bulkFlood, '--impl', 'primary'], /cannot fit: operations 10000 \(the default\) with inserts \(mix\.bulkInsert x batchSize 100000\).*lower operations or batchSize/],
  ['20M records in a Map', ['run', '--scenario-file', files.mapTooBig, '--impl', 'map'], /cannot fit: dataset\.records 20,000,000 .* of JavaScript heap, more than the .* a measuring process may use; lower dataset\.records/],
  ['a 40M-candidate tune grid', ['tune', 'ycsb-a', '--knob', `bulkThreshold=${Array.from({ length: 400 }, (_, i) => i + 1).join(',')}`, '--knob', `maxConcurrentReaders=${Array.from({ length: 16 }, (_, i) => i + 1).join(',')}`], /6,400 configurations .*at most 1000/],
  ['--scenario-file /dev/zero', ['run', '--scenario-file', '/dev/zero'], /\/dev\/zero: not a regular file/],
  ['--scenario-file a folder', ['run', '--scenario-file', root], /a directory, not a file/],
  ['--scenario-file not JSON', ['run', '--scenario-file', files.notJson], /not valid JSON/],
  // Outputs that cannot be written, found before measuring.
  ['--out /proc/x', ['run', 'ycsb-a', '--quick', '--impl', 'map', '--rounds', '1', '--out', '/proc/x'], /--out \/proc\/x: cannot create \/proc\/x/],
  ['--out an existing file', ['run', 'ycsb-a', '--quick', '--impl', 'map', '--out', join(root, 'a-file')], /a-file is a file, not a folder/],
  ['report --out /proc/x', ['report', join(root, 'missing-report.json'), '--out', '/proc/x'], /\/proc\/x: cannot create/],
  // Names and values.
  ['a 300-character scenario name', ['run', '--scenario-file', files.longName], /name: Too big: expected string to have <=64 characters/],
  ['durationMs of a day', ['run', '--scenario-file', files.day], /durationMs: Too big: expected number to be <=600000/],
  ['durationMs past the job limit', ['compare', 'ycsb-a', '--scenario-file', files.tooLongForJob, '--a', 'map', '--b', 'map'], /durationMs 600000 x 2 implementation\(s\) in one process needs about 1500 s, more than the 1200 s a job may take/],
  ['records: 0 with reads', ['run', '--scenario-file', files.zeroRecords], /dataset\.records: 0 records leaves nothing for the mix's read to find/],
  ['gate --against ""', ['gate', 'ycsb-a', '--against', ''], /--against needs a value \(it is empty\)/],
  ['calibrate durable-writes --impl map', ['calibrate', 'durable-writes', '--impl', 'map'], /map cannot run durable-writes: it has no sync durability/],
  ['run durable-writes --impl map', ['run', 'durable-writes', '--impl', 'map'], /map cannot run durable-writes/],
  ['--a twice', ['compare', 'ycsb-a', '--a', 'primary', '--a', 'map', '--b', 'map'], /--a is given 2 times \("primary", "map"\); give it once/],
  ['--out twice', ['run', 'ycsb-a', '--out', join(root, 'A'), '--out', join(root, 'B')], /--out is given 2 times/],
  ['--against twice', ['gate', 'ycsb-a', '--against', root, '--against', root], /--against is given 2 times/],
  ['baseline save --name with no value', ['baseline', 'save', 'ycsb-a', '--name'], /--name needs a value/],
  ['--a-build ""', ['compare', 'ycsb-a', '--a', 'primary', '--b', 'primary', '--a-build', ''], /--a-build needs a value/],
  ['--impl primary twice', ['run', 'ycsb-a', '--impl', 'primary', '--impl', 'primary'], /implementation primary is named twice/],
  ['gate --impl primary twice', ['gate', 'ycsb-a', '--against', root, '--impl', 'primary', '--impl', 'primary'], /implementation primary is named twice/],
  ['TUNEBENCH_JOB_TIMEOUT_MS=abc', ['run', 'ycsb-a', '--quick', '--impl', 'map'], /TUNEBENCH_JOB_TIMEOUT_MS must be a whole number of milliseconds from 1000 to 86400000, got "abc"/, { TUNEBENCH_JOB_TIMEOUT_MS: 'abc' }],
  ['--effects with too many', ['calibrate', '--effects', Array.from({ length: 21 }, (_, i) => (i + 1) / 100).join(',')], /--effects lists 21 effects; at most 20/],
  ['--confirm 9', ['gate', 'ycsb-a', '--against', root, '--confirm', '9'], /--confirm must be an integer from 0 to 5/],
  // Baselines that cannot judge anything.
  ['a baseline with no rounds', ['gate', '--baseline', 'empty', '--quick'], /baseline "empty" has no rounds of ycsb-a x primary/],
  ['a baseline missing a skipped implementation', ['gate', '--baseline', 'skipped', '--quick'], /baseline "skipped" has no rounds of ycsb-a x map/],
  ["another machine's baseline copied here", ['gate', '--baseline', 'copied', '--quick'], /was saved on machine linux-x64-8c-16g-node20-0123456789 \(its file says so\), not this one/],
  ['a baseline with zero throughput', ['gate', '--baseline', 'zero', '--quick'], /is not a tunebench baseline: rounds\.0\.workload\.opsPerSec: .*save it again/],
  ['a dangling symlink as a baseline', ['gate', '--baseline', 'ghost', '--quick'], /no baseline named "ghost"/],
];

describe('bad input: refused before measuring, one line, exit 2, nothing written', () => {
  for (const [name, args, message, env] of cases) {
    it(name, () => {
      const withOut = args.includes('--out') || args[0] === 'baseline' ? args : [...args, '--out', out];
      // A generous limit: it only catches a hang or a run that started measuring.
      const result = runCli(withOut, { cwd, env, timeoutMs: 20_000 });
      assert.equal(result.status, 2, `exit ${result.status}: ${result.stderr}`);
      const lines = result.stderr.trim().split('\n');
      assert.equal(lines.length, 1, result.stderr);
      assert.match(lines[0], /^tunebench: /);
      assert.match(lines[0], message);
      assert.doesNotMatch(result.stderr, /\n\s+at |ZodError|TypeError|\(intermediate value\)/, 'no stack trace or internal error');
      assert.equal(result.stdout, '');
      assert.ok(!existsSync(out) || readdirSync(out).length === 0, `nothing written to ${out}`);
    });
  }

  it('baseline list skips the dangling symlink and lists the rest', () => {
    const result = runCli(['baseline', 'list'], { cwd });
    assert.equal(result.status, 0, result.stderr);
    assert.doesNotMatch(result.stdout, /ghost/);
    assert.match(result.stdout, /empty/);
  });
});
