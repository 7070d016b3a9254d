/**
 * The measurements behind `tunebench claims`, in this process: bulk against individual calls (in
 * memory and on a sync durable index), reads on worker threads, grouped durable writes, lock
 * contention, memory overhead and reclamation, heap fragmentation and tree balance. Each returns
 * one sample; the caller repeats them in rounds and takes medians.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createMemoryIndex, createOptimizedIndex, createReaderPool, openPrimaryIndex, type PrimaryIndex } from '../../index/index.js';
import { DataSet } from '../../scenarios/generate.js';
import { Rng, shuffle } from '../../scenarios/random.js';
import { fullGc } from '../measure/timing.js';

export interface Data {
  ids: string[];
  paths: string[];
  pairs: [string, string][];
  /** The ids in random order. */
  probe: string[];
}

export function data(n: number, seed: number): Data {
  const set = new DataSet(seed, n, { min: 20, max: 80 });
  const ids = set.ids.slice(0, n);
  const paths = set.paths.slice(0, n);
  return { ids, paths, pairs: ids.map((id, i) => [id, paths[i]]), probe: shuffle(new Rng(seed ^ 0x5a), ids.slice()) };
}

function ms(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

export type Durability = 'memory' | 'sync';

/** A scratch folder for durable indexes, removed by `cleanUp`. */
export class Scratch {
  readonly root = mkdtempSync(join(tmpdir(), 'tunebench-claims-'));
  private next = 0;
  dir(): string {
    return join(this.root, `d${this.next++}`);
  }
  cleanUp(): void {
    rmSync(this.root, { recursive: true, force: true });
  }
}

function open(durability: Durability, scratch: Scratch): PrimaryIndex & { close?: () => void } {
  return durability === 'memory' ? createMemoryIndex() : openPrimaryIndex(scratch.dir(), { durability: 'sync' });
}

function closeIndex(index: PrimaryIndex & { close?: () => void }): void {
  index.close?.();
}

export interface Speedups {
  insert: number;
  delete: number;
  get: number;
}

/** Milliseconds per entry of each way of doing it. */
export interface CallTimes {
  insertEach: number;
  insertBulk: number;
  getEach: number;
  getBulk: number;
  deleteEach: number;
  deleteBulk: number;
}

/** Gets per timed sample at least (passes over the ids repeat for small sizes). */
const GET_ENTRIES_PER_SAMPLE = 200_000;

/** Least time a speedup sample spends in its individual calls: one pass over 1k entries takes ~0.2 ms, far too short to time alone. */
const MIN_SAMPLE_MS = 20;

/** Speedups from repeated passes until the individual calls took MIN_SAMPLE_MS: ratios of summed times. */
export function bulkSpeedups(d: Data, durability: Durability, scratch: Scratch, sampleCap: number): Speedups {
  const sum: CallTimes = { insertEach: 0, insertBulk: 0, getEach: 0, getBulk: 0, deleteEach: 0, deleteBulk: 0 };
  let spent = 0;
  do {
    const t = callTimes(d, durability, scratch, sampleCap);
    for (const k of Object.keys(sum) as (keyof CallTimes)[]) sum[k] += t[k];
    spent += t.insertEach * Math.min(d.ids.length, sampleCap);
  } while (spent < MIN_SAMPLE_MS);
  return { insert: sum.insertEach / sum.insertBulk, delete: sum.deleteEach / sum.deleteBulk, get: sum.getEach / sum.getBulk };
}

/**
 * Time per entry of bulk and individual calls at size `n`: insert n into an empty index, get all n in
 * random order, delete half. Individual calls on a sync index each pay an fsync, so beyond
 * `sampleCap` calls they are timed on the first `sampleCap` ids and scaled per call (the cost of
 * one call does not depend on how many follow it).
 */
function callTimes(d: Data, durability: Durability, scratch: Scratch, sampleCap: number): CallTimes {
  const n = d.ids.length;
  const sample = Math.min(n, sampleCap);
  const half = d.probe.slice(0, Math.max(1, Math.floor(n / 2)));
  const deleteSample = half.slice(0, Math.min(half.length, sampleCap));

  let index = open(durability, scratch);
  const insertEach = ms(() => {
    for (let i = 0; i < sample; i++) index.insert(d.ids[i], d.paths[i]);
  }) / sample;
  closeIndex(index);
  index = open(durability, scratch);
  const insertBulk = ms(() => index.bulkInsert(d.pairs)) / n;

  // Gets touch no disk, so one pass over 1k ids takes ~0.1 ms even on a sync index: repeat them.
  const passes = Math.max(1, Math.ceil(GET_ENTRIES_PER_SAMPLE / n));
  let found = 0;
  const getEach = ms(() => {
    for (let p = 0; p < passes; p++) for (const id of d.probe) if (index.get(id) !== undefined) found++;
  }) / (n * passes);
  const getBulk = ms(() => {
    for (let p = 0; p < passes; p++) found += index.bulkGet(d.probe).values.length;
  }) / (n * passes);
  if (found !== 2 * n * passes) throw new Error(`claims: found ${found} of ${2 * n * passes} gets`);

  const deleteEach = ms(() => {
    for (const id of deleteSample) index.delete(id);
  }) / deleteSample.length;
  closeIndex(index);
  index = open(durability, scratch);
  index.bulkInsert(d.pairs);
  const deleteBulk = ms(() => index.bulkDelete(half)) / half.length;
  closeIndex(index);
  return { insertEach, insertBulk, getEach, getBulk, deleteEach, deleteBulk };
}

/** Reads per second through `workers` reader workers (each decoding the paths it finds) over `entries` entries. */
export async function readScaling(entries: number, workers: number[]): Promise<Record<number, number>> {
  const d = data(entries, 21);
  const index = createMemoryIndex();
  index.bulkInsert(d.pairs);
  const pool = createReaderPool(index, { workers: Math.max(...workers) });
  try {
    await pool.readWorkload(d.probe.slice(0, Math.min(50_000, entries)), { workers: Math.max(...workers) });
    const rates: Record<number, number> = {};
    for (const w of workers) {
      fullGc();
      const counts = await pool.readWorkload(d.probe, { decode: true, workers: w });
      if (counts.found !== entries) throw new Error(`claims: workers found ${counts.found} of ${entries}`);
      rates[w] = (entries / counts.durationMs) * 1000;
    }
    return rates;
  } finally {
    await pool.close();
  }
}

/**
 * Lock contention while 2 reader workers read and the main thread bulk-inserts 1k entries every
 * 10 ms: acquisitions that had to wait over all acquisitions.
 */
export async function contentionRatio(entries: number): Promise<{ ratio: number; acquisitions: number }> {
  const d = data(entries, 23);
  const extra = data(100_000, 24);
  const index = createMemoryIndex();
  index.bulkInsert(d.pairs);
  const pool = createReaderPool(index, { workers: 2 });
  let at = 0;
  const timer = setInterval(() => {
    const from = at % (extra.pairs.length - 1000);
    at += 1000;
    index.bulkInsert(extra.pairs.slice(from, from + 1000));
  }, 10);
  try {
    pool.resetContention();
    await pool.readWorkload(d.probe, { decode: true, workers: 2 });
    const m = pool.contention();
    return { ratio: m.contentionRatio, acquisitions: m.acquisitions };
  } finally {
    clearInterval(timer);
    await pool.close();
  }
}

/** Acknowledged durable writes per second: `writers` concurrent callers on an OptimizedIndex over a sync index. */
export async function durableWriteRate(writers: number, durationMs: number, scratch: Scratch): Promise<number> {
  const d = data(200_000, 31);
  const index = createOptimizedIndex(openPrimaryIndex(scratch.dir(), { durability: 'sync' }), { enableConcurrentOptimization: false });
  let cursor = 0;
  let done = 0;
  const started = performance.now();
  const end = started + durationMs;
  await Promise.all(
    Array.from({ length: writers }, async () => {
      while (performance.now() < end) {
        const k = cursor++ % d.ids.length;
        await index.insert(d.ids[k], d.paths[k]);
        done++;
      }
    }),
  );
  const rate = (done / (performance.now() - started)) * 1000;
  await index.close();
  return rate;
}

export interface MemoryFigures {
  /** Bytes the index holds over the raw bytes of its entries (16 per id plus the path bytes), right after a bulk load. */
  overheadAfterBulk: number;
  /** The same after a bulk insert of as many again into the loaded index (a merge). */
  overheadAfterMerge: number;
  /** 1 - bytes held after deleting every entry in bulk and compacting / bytes held before. */
  reclaimed: number;
  /** Freed heap bytes over heap bytes after deleting half the entries one by one and compacting. */
  fragmentationAfterCompact: number;
  /** Freed heap bytes over heap bytes before that compaction. */
  fragmentationBeforeCompact: number;
  /** Min leaf depth / max leaf depth after random inserts and deletes. */
  balanceFactor: number;
  fillFactor: number;
}

export function memoryFigures(entries: number): MemoryFigures {
  const d = data(entries, 41);
  const more = data(entries, 42);
  const index = createMemoryIndex();
  index.bulkInsert(d.pairs);
  const overheadAfterBulk = index.analyze().allocatedOverhead;
  index.bulkInsert(more.pairs);
  const overheadAfterMerge = index.analyze().allocatedOverhead;
  const full = index.analyze().bytesAllocated;
  index.bulkDelete([...d.ids, ...more.ids]);
  index.compact();
  const reclaimed = 1 - index.analyze().bytesAllocated / full;

  const churn = createMemoryIndex();
  for (const [id, path] of d.pairs) churn.insert(id, path);
  for (const id of d.probe.slice(0, Math.floor(entries / 2))) churn.delete(id);
  const before = churn.analyze();
  churn.compact();
  const after = churn.analyze();
  return {
    overheadAfterBulk,
    overheadAfterMerge,
    reclaimed,
    fragmentationBeforeCompact: before.heapFragmentation,
    fragmentationAfterCompact: after.heapFragmentation,
    balanceFactor: before.balanceFactor,
    fillFactor: before.fillFactor,
  };
}
