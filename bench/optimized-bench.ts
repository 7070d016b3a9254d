/**
 * `npm run bench:optimized [-- --rounds N] [-- --seconds S] [-- --quick]`
 *
 * The OptimizedIndex against its own settings and against the bare index and lmdb, side by side
 * in each round (order rotated):
 *
 * - group commit: a durable `sync` index with 1, 16 and 128 closed-loop writers: the bare durable
 *   index (one fsync per write), the OptimizedIndex with fixed bulkThreshold 1 (one fsync per
 *   write) to 256 (the default), the default with fsyncOffLoop, and lmdb (lmdb-js, overlappingSync
 *   off so that a resolved write is on disk: async batched `put`, and one sync transaction per
 *   write, `putSync`);
 * - uncontended: one client in memory, 50% get / 50% update over 10k entries (ycsb-a's mix): the
 *   bare index against the OptimizedIndex through its synchronous calls (metrics on and off) and
 *   through its promises;
 * - reads: a read-heavy mix (95% get, 5% insert; 256 clients) on an in-memory index, with
 *   maxConcurrentReaders 1 against 2;
 * - adaptive: the 128-writer workload with the adaptive mode on, started from bulkThreshold 4,
 *   against the best fixed bulkThreshold measured above. The adaptive run measures after a
 *   warm-up in which it tunes; its trials keep running while it is measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { open as openLmdb } from 'lmdb';
import { type OptimizationConfigInput, type OptimizedIndex, createMemoryIndex, createOptimizedIndex, openPrimaryIndex } from '../index/index.js';
import { Samples, dataSet, fullGc, rotated, showSpread, spread, table } from './support.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('bench:optimized')
  .usage('$0 [--rounds N] [--seconds S] [--quick]\n\nOptimizedIndex: group commit (against the bare index and lmdb), uncontended cost, reader cap and adaptive mode, measured side by side.')
  .option('rounds', { type: 'number', default: 3 })
  .option('seconds', { type: 'number', default: 1.5, describe: 'length of each measured run' })
  .option('quick', { type: 'boolean', default: false, describe: '1 round of 0.5 s runs' })
  .strict()
  .fail((message) => {
    console.error(`bench:optimized: ${message}`);
    process.exit(2);
  })
  .parseSync();
const rounds = argv.quick ? 1 : argv.rounds;
const seconds = argv.quick ? 0.5 : argv.seconds;
if (!Number.isInteger(rounds) || rounds < 1 || !(seconds >= 0.1 && seconds <= 600)) {
  console.error('bench:optimized: --rounds must be a positive integer and --seconds from 0.1 to 600');
  process.exit(2);
}

const root = mkdtempSync(join(tmpdir(), 'tb-bench-optimized-'));
let dirs = 0;
const samples = new Samples();
const writes = dataSet(400_000, 31);
const reads = dataSet(200_000, 32);
let cursor = 0;

/** `clients` closed-loop clients, each doing `op` until `ms` have passed; returns operations per second. */
async function closedLoop(clients: number, ms: number, op: (n: number) => Promise<unknown>): Promise<number> {
  let done = 0;
  const started = performance.now();
  const end = started + ms;
  await Promise.all(
    Array.from({ length: clients }, async () => {
      while (performance.now() < end) {
        await op(cursor++);
        done++;
      }
    }),
  );
  return (done / (performance.now() - started)) * 1000;
}

/** Measures `op` with `clients` closed-loop clients after a warm-up. */
async function measured(clients: number, op: (n: number) => Promise<unknown>, warmUpMs = 100): Promise<number> {
  await closedLoop(clients, warmUpMs, op);
  fullGc();
  return closedLoop(clients, seconds * 1000, op);
}

const writeAt = (n: number): [string, string] => [writes.ids[n % writes.ids.length], writes.paths[n % writes.ids.length]];

async function durableWriters(writers: number, config: OptimizationConfigInput, warmUpMs = 100): Promise<{ rate: number; index: OptimizedIndex }> {
  const index = createOptimizedIndex(openPrimaryIndex(join(root, `d${dirs++}`), { durability: 'sync' }), { enableConcurrentOptimization: false, ...config });
  const rate = await measured(writers, (n) => index.insert(...writeAt(n)), warmUpMs);
  return { rate, index };
}

/** The bare durable index: synchronous, one fsync per write (clients take turns). */
async function bareWriters(writers: number): Promise<number> {
  const index = openPrimaryIndex(join(root, `d${dirs++}`), { durability: 'sync' });
  const rate = await measured(writers, async (n) => index.insert(...writeAt(n)));
  index.close();
  return rate;
}

/** lmdb-js with every acknowledged write on disk: `put` (batched per turn, async) or `putSync`. */
async function lmdbWriters(writers: number, mode: 'put' | 'putSync'): Promise<number> {
  const db = openLmdb<string, string>({ path: join(root, `l${dirs++}`), encoding: 'string', compression: false, overlappingSync: false });
  const rate = await measured(writers, mode === 'put' ? (n) => db.put(...writeAt(n)) : async (n) => db.putSync(...writeAt(n)));
  await db.close();
  return rate;
}

const WRITERS = [1, 16, 128];
const FIXED = [1, 4, 16, 64, 128, 256];
const WRITE_ARMS = [...FIXED.map((t) => `t${t}`), 'offloop', 'bare', 'lmdb.put', 'lmdb.putSync'];
const groupMeans: Record<string, number[]> = {};
const adaptiveEnds: string[] = [];

// The uncontended mix: 10k entries, 50% get / 50% update, one client.
const small = dataSet(10_000, 33);
const mixOp = (n: number) => (n * 0x9e3779b1) >>> 0;
async function uncontended(arm: string): Promise<number> {
  const memory = createMemoryIndex();
  memory.bulkInsert(small.ids.map((id, i) => [id, small.paths[i]] as [string, string]));
  const index = createOptimizedIndex(memory, { enableMetrics: arm !== 'sync-nometrics' });
  const id = (n: number) => small.probe[mixOp(n) % small.probe.length];
  const path = (n: number) => small.paths[mixOp(n + 1) % small.paths.length];
  const syncOp = (n: number): unknown => (n & 1 ? index.insertSync(id(n), path(n)) : index.getSync(id(n)));
  const ops: Record<string, (n: number) => unknown> = {
    bare: (n) => (n & 1 ? memory.insert(id(n), path(n)) : memory.get(id(n))),
    sync: syncOp,
    'sync-nometrics': syncOp,
    promise: (n) => (n & 1 ? index.insert(id(n), path(n)) : index.get(id(n))),
  };
  // 64 operations per turn of the closed loop: synchronous arms call straight through, the
  // promise arm awaits every call as its user would.
  const op = ops[arm];
  const awaits = arm === 'promise';
  const rate = await measured(
    1,
    async (n) => {
      for (let j = 0; j < 64; j++) {
        const r = op(64 * n + j);
        if (awaits) await r;
      }
    },
    200,
  );
  await index.close();
  return rate * 64;
}
const UNCONTENDED = ['bare', 'sync', 'sync-nometrics', 'promise'];

for (let round = 0; round < rounds; round++) {
  for (const writers of WRITERS) {
    for (const arm of rotated(WRITE_ARMS, round)) {
      let rate: number;
      if (arm === 'bare') rate = await bareWriters(writers);
      else if (arm === 'lmdb.put' || arm === 'lmdb.putSync') rate = await lmdbWriters(writers, arm === 'lmdb.put' ? 'put' : 'putSync');
      else {
        const { rate: r, index } = await durableWriters(writers, arm === 'offloop' ? { fsyncOffLoop: true } : { bulkThreshold: Number(arm.slice(1)) });
        rate = r;
        (groupMeans[`${writers}.${arm}`] ??= []).push(index.dashboard().groups.meanSize);
        await index.close();
      }
      samples.add(`write.${writers}.${arm}`, rate);
    }
  }
  process.stderr.write(`round ${round + 1}/${rounds}: group commit done\n`);

  for (const arm of rotated(UNCONTENDED, round)) samples.add(`alone.${arm}`, await uncontended(arm));
  process.stderr.write(`round ${round + 1}/${rounds}: uncontended done\n`);

  // Reads: 95% get, 5% insert, 256 clients, maxConcurrentReaders 1 against 2 (and no pool at all).
  for (const readers of rotated([1, 2, 0], round)) {
    const memory = createMemoryIndex();
    memory.bulkInsert(reads.ids.map((id, i) => [id, reads.paths[i]] as [string, string]));
    const index = createOptimizedIndex(memory, readers === 0 ? { enableConcurrentOptimization: false } : { enableConcurrentOptimization: true, maxConcurrentReaders: readers, readerWorkers: 2 });
    const mixed = (n: number) => (n % 20 === 0 ? index.insert(reads.probe[n % reads.probe.length], '/updated/path') : index.get(reads.probe[n % reads.probe.length]));
    samples.add(`read.${readers}`, await measured(256, mixed, 200));
    samples.add(`read.${readers}.peak`, index.contention()?.peakReaders ?? 0);
    await index.close();
  }
  process.stderr.write(`round ${round + 1}/${rounds}: reads done\n`);

  // Adaptive, 128 writers, against the fixed thresholds measured above in this round.
  const { rate, index } = await durableWriters(128, { bulkThreshold: 4, adaptive: { enabled: true } }, Math.max(5000, seconds * 2000));
  samples.add('adaptive', rate);
  const d = index.dashboard().adaptive;
  adaptiveEnds.push(`bulkThreshold ${d.bulkThreshold}${d.trial ? ` (trial ${d.trial.from} vs ${d.trial.to} running)` : ''}, ${index.adaptiveLog().filter((x) => x.decision === 'kept').map((x) => `${x.from}->${x.to}`).join(' ') || 'nothing kept'}`);
  await index.close();
  process.stderr.write(`round ${round + 1}/${rounds}: adaptive done\n`);
}

const ratio = (a: string, b: string) => spread(samples.get(a).samples.map((x, i) => x / samples.get(b).samples[i]));
const k = (s: { median: number; min: number; max: number; samples: number[] }) => spread(s.samples.map((x) => x / 1000));
console.log(`bench:optimized - ${rounds} round(s) of ${seconds} s runs; median (min-max)\n`);
console.log('Group commit on a sync durable index, closed-loop writers (k writes/s; every resolved write is on disk):');
const rows = [['writers', ...WRITE_ARMS.map((a) => (a.startsWith('t') ? `bulkThreshold ${a.slice(1)}${a === 't256' ? ' (default)' : ''}` : a === 'offloop' ? 'default + fsyncOffLoop' : a === 'bare' ? 'bare index' : a))]];
for (const writers of WRITERS) rows.push([String(writers), ...WRITE_ARMS.map((a) => showSpread(k(samples.get(`write.${writers}.${a}`)), 1))]);
console.log(table(rows));
const verdict = (ok: boolean) => (ok ? 'meets' : 'MISSES');
const derived = [['writers', 'mean group (default)', 'default / best fixed', 'best fixed', 'default / threshold 1', 'offloop / default', 'default / lmdb put', 'default / lmdb putSync']];
for (const writers of WRITERS) {
  const best = FIXED.reduce((a, b) => (samples.get(`write.${writers}.t${b}`).median > samples.get(`write.${writers}.t${a}`).median ? b : a));
  const vsBest = ratio(`write.${writers}.t256`, `write.${writers}.t${best}`);
  const vsOne = ratio(`write.${writers}.t256`, `write.${writers}.t1`);
  derived.push([
    String(writers),
    spread(groupMeans[`${writers}.t256`]).median.toFixed(1),
    `${showSpread(vsBest)}x ${verdict(vsBest.median >= 0.95)} (>= 0.95)`,
    String(best),
    `${showSpread(vsOne, 1)}x${writers === 128 ? ` ${verdict(vsOne.median >= 20)} (>= 20)` : ''}`,
    `${showSpread(ratio(`write.${writers}.offloop`, `write.${writers}.t256`))}x`,
    `${showSpread(ratio(`write.${writers}.t256`, `write.${writers}.lmdb.put`), 1)}x`,
    `${showSpread(ratio(`write.${writers}.t256`, `write.${writers}.lmdb.putSync`), 1)}x`,
  ]);
}
console.log(table(derived));

console.log('\nOne client in memory, 50% get / 50% update over 10k entries (k ops/s):');
console.log(
  table([
    ['bare index', 'OptimizedIndex getSync/insertSync', 'same, enableMetrics off', 'OptimizedIndex get/insert (awaited)'],
    UNCONTENDED.map((a) => showSpread(k(samples.get(`alone.${a}`)), 0)),
  ]),
);
const metricsCost = ratio('alone.sync-nometrics', 'alone.sync');
console.log(`metrics on cost: off / on ${showSpread(metricsCost)}x; sync calls / bare ${showSpread(ratio('alone.sync', 'alone.bare'))}x (target >= 0.85); awaited / bare ${showSpread(ratio('alone.promise', 'alone.bare'))}x`);

console.log('\nRead-heavy mix, 95% get / 5% insert, 256 clients, 2 reader workers (k ops/s):');
const readSpeedup = ratio('read.2', 'read.1');
console.log(
  table([
    ['maxConcurrentReaders', 'k ops/s', 'peak readers'],
    ['1', showSpread(k(samples.get('read.1')), 1), String(samples.get('read.1.peak').max)],
    ['2', showSpread(k(samples.get('read.2')), 1), String(samples.get('read.2.peak').max)],
    ['(no reader pool)', showSpread(k(samples.get('read.0')), 1), '-'],
  ]),
);
console.log(`2 readers / 1 reader: ${showSpread(readSpeedup)}x; 2 readers / no pool: ${showSpread(ratio('read.2', 'read.0'))}x`);

console.log('\nAdaptive mode, 128 writers on a sync index, started from bulkThreshold 4 (k writes/s):');
const best128 = FIXED.reduce((a, b) => (samples.get(`write.128.t${b}`).median > samples.get(`write.128.t${a}`).median ? b : a));
const againstBest = ratio('adaptive', `write.128.t${best128}`);
console.log(`adaptive ${showSpread(k(samples.get('adaptive')), 1)}; adaptive / best fixed (${best128}): ${showSpread(againstBest)}x (target: >= 0.90) ${verdict(againstBest.median >= 0.9)}`);
for (const [i, end] of adaptiveEnds.entries()) console.log(`  round ${i + 1}: ended at ${end}`);
rmSync(root, { recursive: true, force: true });
