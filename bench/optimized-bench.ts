/**
 * `npm run bench:optimized [-- --rounds N] [-- --seconds S] [-- --quick]`
 *
 * The OptimizedIndex against its own settings, side by side in each round (order rotated):
 *
 * - group commit: a durable `sync` index with 1, 16 and 128 closed-loop writers, bulkThreshold 1
 *   (one fsync per write) against 64;
 * - reads: a read-heavy mix (95% get, 5% insert; 256 clients) on an in-memory index, with
 *   maxConcurrentReaders 1 against 2;
 * - adaptive: the 128-writer workload with the adaptive mode on, started from bulkThreshold 4,
 *   against the best fixed bulkThreshold of {4, 16, 64, 128, 256}. The adaptive run measures
 *   after a warm-up in which it tunes; its trials keep running while it is measured.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { type OptimizationConfigInput, type OptimizedIndex, createMemoryIndex, createOptimizedIndex, openPrimaryIndex } from '../index/index.js';
import { Samples, dataSet, fullGc, rotated, showSpread, spread, table } from './support.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('bench:optimized')
  .usage('$0 [--rounds N] [--seconds S] [--quick]\n\nOptimizedIndex: group commit, reader cap and adaptive mode, measured side by side.')
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

async function durableWriters(writers: number, config: OptimizationConfigInput, warmUpMs = 100): Promise<{ rate: number; index: OptimizedIndex }> {
  const index = createOptimizedIndex(openPrimaryIndex(join(root, `d${dirs++}`), { durability: 'sync' }), { enableConcurrentOptimization: false, ...config });
  const insert = (n: number) => index.insert(writes.ids[n % writes.ids.length], writes.paths[n % writes.ids.length]);
  await closedLoop(writers, warmUpMs, insert);
  fullGc();
  const rate = await closedLoop(writers, seconds * 1000, insert);
  return { rate, index };
}

const WRITERS = [1, 16, 128];
const FIXED = [4, 16, 64, 128, 256];
const groupMeans: Record<string, number[]> = {};
const adaptiveEnds: string[] = [];

for (let round = 0; round < rounds; round++) {
  // Group commit: threshold 1 against 64 at each writer count.
  for (const writers of WRITERS) {
    for (const threshold of rotated([1, 64], round)) {
      const { rate, index } = await durableWriters(writers, { bulkThreshold: threshold });
      samples.add(`write.${writers}.${threshold}`, rate);
      (groupMeans[`${writers}.${threshold}`] ??= []).push(index.dashboard().groups.meanSize);
      await index.close();
    }
  }
  process.stderr.write(`round ${round + 1}/${rounds}: group commit done\n`);

  // Reads: 95% get, 5% insert, 256 clients, maxConcurrentReaders 1 against 2 (and no pool at all).
  for (const readers of rotated([1, 2, 0], round)) {
    const memory = createMemoryIndex();
    memory.bulkInsert(reads.ids.map((id, i) => [id, reads.paths[i]] as [string, string]));
    const index = createOptimizedIndex(memory, readers === 0 ? { enableConcurrentOptimization: false } : { enableConcurrentOptimization: true, maxConcurrentReaders: readers, readerWorkers: 2 });
    const mixed = (n: number) => (n % 20 === 0 ? index.insert(reads.probe[n % reads.probe.length], '/updated/path') : index.get(reads.probe[n % reads.probe.length]));
    await closedLoop(256, 200, mixed);
    fullGc();
    samples.add(`read.${readers}`, await closedLoop(256, seconds * 1000, mixed));
    samples.add(`read.${readers}.peak`, index.contention()?.peakReaders ?? 0);
    await index.close();
  }
  process.stderr.write(`round ${round + 1}/${rounds}: reads done\n`);

  // Adaptive against every fixed threshold, 128 writers.
  for (const setting of rotated(['adaptive', ...FIXED.map(String)], round)) {
    if (setting === 'adaptive') {
      const { rate, index } = await durableWriters(128, { bulkThreshold: 4, adaptive: { enabled: true } }, Math.max(5000, seconds * 2000));
      samples.add('adaptive', rate);
      const d = index.dashboard().adaptive;
      adaptiveEnds.push(`bulkThreshold ${d.bulkThreshold}${d.trial ? ` (trial ${d.trial.from} vs ${d.trial.to} running)` : ''}, ${index.adaptiveLog().filter((x) => x.decision === 'kept').map((x) => `${x.from}->${x.to}`).join(' ') || 'nothing kept'}`);
      await index.close();
    } else {
      const { rate, index } = await durableWriters(128, { bulkThreshold: Number(setting) });
      samples.add(`fixed.${setting}`, rate);
      await index.close();
    }
  }
  process.stderr.write(`round ${round + 1}/${rounds}: adaptive done\n`);
}

const ratio = (a: string, b: string) => spread(samples.get(a).samples.map((x, i) => x / samples.get(b).samples[i]));
const k = (s: { median: number; min: number; max: number; samples: number[] }) => spread(s.samples.map((x) => x / 1000));
console.log(`bench:optimized - ${rounds} round(s) of ${seconds} s runs; median (min-max)\n`);
console.log('Group commit on a sync durable index (k writes/s):');
const rows = [['writers', 'bulkThreshold 1', 'bulkThreshold 64', 'mean group', 'speedup', 'target', '']];
for (const writers of WRITERS) {
  const speedup = ratio(`write.${writers}.64`, `write.${writers}.1`);
  const meanGroup = spread(groupMeans[`${writers}.64`]).median;
  rows.push([String(writers), showSpread(k(samples.get(`write.${writers}.1`)), 1), showSpread(k(samples.get(`write.${writers}.64`)), 1), meanGroup.toFixed(1), `${showSpread(speedup, 1)}x`, writers === 128 ? '>= 20x' : '-', writers === 128 ? (speedup.median >= 20 ? 'meets' : 'MISSES') : '']);
}
console.log(table(rows));

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
const fixedRows = FIXED.map((t) => [`fixed ${t}`, showSpread(k(samples.get(`fixed.${t}`)), 1)]);
const best = FIXED.reduce((a, b) => (samples.get(`fixed.${b}`).median > samples.get(`fixed.${a}`).median ? b : a));
const againstBest = ratio('adaptive', `fixed.${best}`);
console.log(table([['setting', 'k writes/s'], ...fixedRows, ['adaptive', showSpread(k(samples.get('adaptive')), 1)]]));
console.log(`adaptive / best fixed (${best}): ${showSpread(againstBest)}x (target: >= 0.90) ${againstBest.median >= 0.9 ? 'meets' : 'MISSES'}`);
for (const [i, end] of adaptiveEnds.entries()) console.log(`  round ${i + 1}: ended at ${end}`);
rmSync(root, { recursive: true, force: true });
