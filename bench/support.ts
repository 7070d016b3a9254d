/**
 * Helpers for the standalone benchmark scripts: seeded data sets, timing with a GC before each
 * measurement, medians with their spread, and plain-text tables. Benchmarks print measured
 * figures; nothing here asserts a timing.
 */
import { median, min, max } from 'simple-statistics';
import { Rng, randomPath, randomUuid, shuffle } from '../scenarios/random.js';

export interface DataSet {
  ids: string[];
  paths: string[];
  /** The same ids in another random order, as fresh strings laid out in that order in memory. */
  probe: string[];
}

/**
 * `n` random UUIDs with 20-80 byte paths. Probe ids are copied into new strings in probe order:
 * ids a caller looks up were made in the order it holds them, and reading ids scattered over the
 * heap would charge every lookup a cache miss that has nothing to do with the index.
 */
export function dataSet(n: number, seed = 1): DataSet {
  const rng = new Rng(seed);
  const ids: string[] = [];
  const paths: string[] = [];
  for (let i = 0; i < n; i++) {
    ids.push(flatCopy(randomUuid(rng)));
    paths.push(flatCopy(randomPath(rng, 20, 80)));
  }
  const probe = shuffle(rng, ids.slice()).map(flatCopy);
  return { ids, paths, probe };
}

/**
 * A new flat copy of an ASCII string. Strings built by concatenation are ropes that V8 flattens on
 * first use; without this the first measured pass would pay for flattening the data set.
 */
export function flatCopy(s: string): string {
  return Buffer.from(s, 'latin1').toString('latin1');
}

type GcOptions = { type: 'major'; execution: 'sync' };
const collect = (globalThis as { gc?: (options?: GcOptions) => void }).gc;

/**
 * Runs a full, synchronous GC when the script was started with --expose-gc (the npm scripts do).
 * A plain gc() leaves freed ArrayBuffers counted until a background sweep: 90 MB still showed
 * after freeing 100 MB of buffers, so memory deltas came out negative.
 */
export function fullGc(): void {
  collect?.({ type: 'major', execution: 'sync' });
}

/** Milliseconds taken by `fn`, after a full GC so that earlier garbage is not charged to it. */
export function timeMs(fn: () => void): number {
  fullGc();
  const started = performance.now();
  fn();
  return performance.now() - started;
}

/**
 * Nanoseconds per operation of `op` (which performs `ops` operations), repeated on a fresh
 * `setup()` until at least `minMs` of timed work, so that small sizes are not one cold batch.
 * Setup time is not counted.
 */
export function nsPerOp<T>(setup: () => T, op: (state: T) => void, ops: number, minMs = 150): number {
  let total = 0;
  let reps = 0;
  fullGc();
  while (reps === 0 || total < minMs) {
    const state = setup();
    const started = performance.now();
    op(state);
    total += performance.now() - started;
    reps++;
  }
  return (total * 1e6) / (reps * ops);
}

/**
 * Bytes on the JS heap after a full GC. (Array buffers are left out: their count lags behind frees
 * even after a synchronous major GC, so our index reports its exact buffer bytes itself.)
 */
export function heapBytes(): number {
  fullGc();
  return process.memoryUsage().heapUsed;
}

export interface Spread {
  median: number;
  min: number;
  max: number;
  samples: number[];
}

export function spread(samples: number[]): Spread {
  return { median: median(samples), min: min(samples), max: max(samples), samples };
}

/** Collects one sample per round for each named measurement. */
export class Samples {
  private readonly byName = new Map<string, number[]>();

  add(name: string, value: number): void {
    const list = this.byName.get(name) ?? [];
    list.push(value);
    this.byName.set(name, list);
  }

  get(name: string): Spread {
    const list = this.byName.get(name);
    if (!list || list.length === 0) throw new Error(`no samples for ${name}`);
    return spread(list);
  }

  has(name: string): boolean {
    return this.byName.has(name);
  }
}

/** "1.23 (1.10-1.40)": a median with its min-max spread. */
export function showSpread(s: Spread, digits = 2): string {
  return `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}-${s.max.toFixed(digits)})`;
}

/** Formats rows as an aligned text table; the first row is the header. */
export function table(rows: string[][]): string {
  const widths = rows[0].map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  const line = (r: string[]) => r.map((cell, c) => (c === 0 ? cell.padEnd(widths[c]) : cell.padStart(widths[c]))).join('  ');
  return [line(rows[0]), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.slice(1).map(line)].join('\n');
}

/** Rotates `items` by `round`, so that no implementation always runs first in a round. */
export function rotated<T>(items: T[], round: number): T[] {
  const k = round % items.length;
  return [...items.slice(k), ...items.slice(0, k)];
}
