/**
 * Acknowledging an intended regression (issue 17): trailers and --accept files parsed and checked
 * (valid, several, malformed, unknown scenario or metric), a regression accepted within its bound
 * passes and is listed apart, one beyond its bound fails, an unused acceptance is reported, and
 * the dogfood script passes the trailer of the commit under test through.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { projectRoot, runCli, assertOneLineError } from './cli-helpers.js';
import { applyAcceptances, fileAcceptances, parseAcceptance, trailerAcceptances } from '../../harness/gate/acceptances.js';

const root = mkdtempSync(join(tmpdir(), 'tb-accept-'));
after(() => rmSync(root, { recursive: true, force: true }));

const git = (cwd: string, ...args: string[]) => execFileSync('git', args, { cwd, encoding: 'utf8', env: { ...process.env, GIT_AUTHOR_NAME: 't', GIT_AUTHOR_EMAIL: 't@t', GIT_COMMITTER_NAME: 't', GIT_COMMITTER_EMAIL: 't@t' } });

/** A repository whose second commit's message is `message`. */
function repository(name: string, message: string): string {
  const dir = join(root, name);
  mkdirSync(dir);
  git(dir, 'init', '-q');
  writeFileSync(join(dir, 'a.txt'), '1');
  git(dir, 'add', '.');
  git(dir, 'commit', '-q', '-m', 'first');
  writeFileSync(join(dir, 'a.txt'), '2');
  git(dir, 'commit', '-q', '-am', message);
  return dir;
}

const oneLine = assertOneLineError;

describe('acceptances', () => {
  it('parse from trailers: several, wildcards, both bound forms', () => {
    const dir = repository('trailers', 'Add a checksum per log record\n\nSlower, safer.\n\nTunebench-Accept: durable-writes primary throughput >= 0.90 -- checksum per log record\nTunebench-Accept: * optimized p99 <= 1.2 -- fsync off the loop\nReviewed-by: someone\n');
    const list = trailerAcceptances(dir);
    assert.deepEqual(
      list.map((a) => [a.scenario, a.implementation, a.metric, a.comparator, a.bound, a.reason]),
      [
        ['durable-writes', 'primary', 'throughput', '>=', 0.9, 'checksum per log record'],
        ['*', 'optimized', 'p99', '<=', 1.2, 'fsync off the loop'],
      ],
    );
    assert.match(list[0].source, /^Tunebench-Accept trailer of [0-9a-f]{12}$/);
    assert.deepEqual(trailerAcceptances(repository('none', 'no trailers here')), []);
  });

  it('refuse malformed ones with a line naming them', () => {
    for (const [text, pattern] of [
      ['durable-writes primary throughput 0.9 -- x', /must read SCENARIO IMPLEMENTATION METRIC >= BOUND -- REASON/],
      ['durable-writes primary throughput >= 0.9', /must read/],
      ['durable-writes primary throughput >= 1.5 -- x', /">= 1.5" accepts nothing worse/],
      ['durable-writes primary p99 <= 0.8 -- x', /"<= 0.8" accepts nothing worse/],
      ['durable-writes primary latency >= 0.9 -- x', /unknown metric "latency"/],
      ['durable-writes primary throughput >= 0 -- x', /the bound must be a positive number/],
      ['durable-writes primary throughput >= 0.9 --  ', /must read|give the reason/],
    ] as const) {
      assert.throws(() => parseAcceptance(text, 'test'), (e: Error) => pattern.test(e.message), text);
    }
    assert.equal(parseAcceptance('growth primary nsPerOp@100000 <= 1.05 -- x', 't').metric, 'nsPerOp@100000');
  });

  it('parse from a JSON file, checked by its schema', () => {
    const good = join(root, 'accept.json');
    writeFileSync(good, JSON.stringify({ accept: [{ scenario: 'ycsb-a', implementation: '*', metric: 'throughput', atLeast: 0.95, reason: 'safer' }] }));
    assert.deepEqual(fileAcceptances(good).map((a) => a.text), ['ycsb-a * throughput >= 0.95 -- safer']);
    for (const [body, pattern] of [
      ['{"accept": []}', /accept: /],
      ['{"accept": [{"scenario": "ycsb-a", "implementation": "*", "metric": "throughput", "reason": "r"}]}', /give one of atLeast or atMost/],
      ['{"accept": [{"scenario": "ycsb-a", "implementation": "*", "metric": "throughput", "atLeast": 0.9, "reason": "r", "extra": 1}]}', /Unrecognized key/i],
      ['not json', /not valid JSON/],
    ] as const) {
      const path = join(root, `bad-${Math.random().toString(36).slice(2)}.json`);
      writeFileSync(path, body);
      assert.throws(() => fileAcceptances(path), (e: Error) => pattern.test(e.message), body);
    }
  });

  it('accept a regression within its bound, fail one beyond it, and report unused ones', () => {
    const regression = (metric: string, ratio: number, better: 'higher' | 'lower') => ({ scenario: 'durable-writes', pair: 'primary', metric, ratio, ci: [ratio - 0.02, ratio + 0.02] as [number, number], pValue: 0.001, better });
    const list = [parseAcceptance('durable-writes primary throughput >= 0.90 -- checksum', 't'), parseAcceptance('durable-writes primary p99 >= 0.90 -- checksum', 't'), parseAcceptance('ycsb-e * * >= 0.5 -- stale', 't')];
    const outcome = applyAcceptances([regression('throughput', 0.93, 'higher'), regression('p99', 1.2, 'lower'), regression('p50', 1.05, 'lower')], list);
    assert.deepEqual(outcome.accepted.map((a) => a.metric), ['throughput']);
    // p99 is 1.2x worse, beyond 1/0.90 = 1.11x; p50 has no acceptance.
    assert.deepEqual(outcome.failing.map((c) => c.metric), ['p99', 'p50']);
    assert.deepEqual(outcome.unused.map((a) => a.reason), ['stale']);
  });
});

describe('gate with acceptances', () => {
  const history = join(root, 'history.sqlite');
  const recorded = runCli(['run', 'ycsb-c', '--impl', 'map', '--quick', '--rounds', '6', '--record', '--history-file', history, '--commit', 'a'.repeat(40), '--branch', 'main', '--out', join(root, 'reference')]);
  assert.equal(recorded.status, 0, recorded.stderr);
  const gate = (out: string, extra: string[]) => runCli(['gate', 'ycsb-c', '--impl', 'map', '--quick', '--history', '--history-file', history, '--rounds', '6', '--min-rounds', '6', '--confirm', '0', '--alpha', '0.05', '--inject-slowdown', '0.5', '--out', join(root, out), ...extra]);
  const acceptFile = (name: string, accept: object[]) => {
    const path = join(root, `${name}.json`);
    writeFileSync(path, JSON.stringify({ accept }));
    return path;
  };

  it('passes a slowdown accepted within its bound and lists it apart, with the unused acceptance', () => {
    const r = gate('gate-accepted', ['--accept', acceptFile('wide', [{ scenario: 'ycsb-c', implementation: 'map', metric: '*', atLeast: 0.2, reason: 'the slowdown is the point' }, { scenario: 'ycsb-e', implementation: '*', metric: '*', atLeast: 0.9, reason: 'left over' }])]);
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /^accepted: ycsb-c map throughput measured 0\.\d+ \[.*\], accepted >= 0\.2: the slowdown is the point/m);
    assert.match(r.stdout, /^unused acceptance: "ycsb-e \* \* >= 0\.9 -- left over"/m);
    const report = JSON.parse(readFileSync(join(root, 'gate-accepted', 'report.json'), 'utf8'));
    assert.equal(report.gate.regressed.length, 0);
    assert.ok(report.gate.accepted.some((a: { metric: string }) => a.metric === 'throughput'));
    assert.equal(report.gate.unusedAcceptances.length, 1);
    assert.match(readFileSync(join(root, 'gate-accepted', 'summary.md'), 'utf8'), /Accepted regressions/);
    assert.ok(existsSync(join(root, 'gate-accepted', 'gate.png')));
  });

  it('fails a slowdown beyond the accepted bound', () => {
    const r = gate('gate-beyond', ['--accept', acceptFile('narrow', [{ scenario: 'ycsb-c', implementation: 'map', metric: '*', atLeast: 0.95, reason: 'a little slower' }])]);
    assert.equal(r.status, 1, r.stdout + r.stderr);
    const report = JSON.parse(readFileSync(join(root, 'gate-beyond', 'report.json'), 'utf8'));
    assert.ok(report.gate.regressed.some((c: { metric: string }) => c.metric === 'throughput'));
  });

  it('reads the trailers of HEAD with --accept-trailers, and refuses bad ones before measuring', () => {
    const accepting = repository('gate-trailer', 'slower on purpose\n\nTunebench-Accept: ycsb-c map * >= 0.2 -- the slowdown is the point\n');
    const r = runCli(['gate', 'ycsb-c', '--impl', 'map', '--quick', '--history', '--history-file', history, '--rounds', '6', '--min-rounds', '6', '--confirm', '0', '--alpha', '0.05', '--inject-slowdown', '0.5', '--accept-trailers', '--out', join(root, 'gate-trailer-out')], { cwd: accepting });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    assert.match(r.stdout, /accepted: ycsb-c map throughput .*\(Tunebench-Accept trailer of [0-9a-f]{12}\)/);
    const unknown = repository('gate-unknown', 'typo\n\nTunebench-Accept: ycsb-q map * >= 0.9 -- typo\n');
    oneLine(runCli(['gate', '--quick', '--history', '--history-file', history, '--accept-trailers', '--out', join(root, 'gate-unknown-out')], { cwd: unknown }), /unknown scenario "ycsb-q"/);
    const malformed = repository('gate-malformed', 'bad\n\nTunebench-Accept: ycsb-c map throughput about 0.9\n');
    oneLine(runCli(['gate', '--quick', '--history', '--history-file', history, '--accept-trailers', '--out', join(root, 'gate-malformed-out')], { cwd: malformed }), /acceptance "ycsb-c map throughput about 0\.9" \(Tunebench-Accept trailer of [0-9a-f]{12}\) must read/);
    oneLine(runCli(['gate', '--quick', '--history', '--history-file', history, '--accept-trailers', '--out', join(root, 'gate-nogit-out')], { cwd: mkdtempSync(join(root, 'nogit-')) }), /not in a git repository/);
    assert.equal(existsSync(join(root, 'gate-unknown-out')) || existsSync(join(root, 'gate-malformed-out')), false);
  });
});

describe('the dogfood script', () => {
  it('passes the trailer of the commit under test to the gate', () => {
    const dir = repository('dogfood', 'checksums\n\nTunebench-Accept: durable-writes primary throughput >= 0.90 -- checksum per log record\n');
    mkdirSync(join(dir, 'scripts'));
    copyFileSync(join(projectRoot, 'scripts/dogfood-gate.sh'), join(dir, 'scripts/dogfood-gate.sh'));
    const out = execFileSync('bash', [join(dir, 'scripts/dogfood-gate.sh')], { cwd: dir, encoding: 'utf8', env: { ...process.env, DOGFOOD_DRY_RUN: '1' } });
    assert.match(out, /dogfood: the commit under test accepts:\n {2}durable-writes primary throughput >= 0\.90 -- checksum per log record\n/);
    assert.match(out, /would build [0-9a-f]{12} and run: node dist\/harness\/cli\.js gate --quick --accept-trailers/);
  });
});
