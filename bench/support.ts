/**
 * Helpers for the standalone benchmark scripts: seeded data sets, timing with a GC before each
 * measurement, medians with their spread, and plain-text tables. Benchmarks print measured
 * figures; nothing here asserts a timing.
 */
import { median, min, max } from 'simple-statistics';
import { Rng, randomPath, randomUuid, shuffle } from '../scenarios/random.js';

export { fullGc, heapBytes, nsPerOp } from '../harness/measure/timing.js';

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
