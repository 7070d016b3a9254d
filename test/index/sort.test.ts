import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { STRIDE, compareRows, sortRows } from '../../index/tree/sort.js';
import { Rng } from '../../scenarios/random.js';

/** Rows of four random words (with `shared` leading words fixed) and the input position as payload. */
function rows(n: number, seed: number, shared: number, distinct: number): Int32Array {
  const rng = new Rng(seed);
  const out = new Int32Array(n * STRIDE);
  for (let i = 0; i < n; i++) {
    for (let w = 0; w < 4; w++) out[i * STRIDE + w] = w < shared ? 0x1234 : distinct > 0 ? rng.int(distinct) : rng.u32() | 0;
    out[i * STRIDE + 4] = i;
  }
  return out;
}

function assertSortedStable(sorted: Int32Array, n: number): void {
  for (let i = 1; i < n; i++) {
    const c = compareRows(sorted, i - 1, sorted, i);
    assert.ok(c < 0 || (c === 0 && sorted[(i - 1) * STRIDE + 4] < sorted[i * STRIDE + 4]), `rows ${i - 1} and ${i} out of order`);
  }
}

function assertSamePayloads(sorted: Int32Array, n: number): void {
  const seen = new Uint8Array(n);
  for (let i = 0; i < n; i++) seen[sorted[i * STRIDE + 4]]++;
  assert.ok(seen.every((count) => count === 1), 'every input row appears exactly once');
}

describe('bulk row sort', () => {
  const cases: [string, number, number, number][] = [
    ['random keys, two radix levels', 300_000, 0, 0],
    ['96 shared leading bits (time-ordered ids)', 100_000, 3, 0],
    ['64 shared leading bits', 100_000, 2, 0],
    ['many duplicates keep input order', 100_000, 0, 50],
    ['tiny input', 7, 0, 0],
  ];
  for (const [name, n, shared, distinct] of cases) {
    it(name, () => {
      const data = rows(n, n + shared, shared, distinct);
      sortRows(data, new Int32Array(n * STRIDE), n);
      assertSortedStable(data, n);
      assertSamePayloads(data, n);
    });
  }

  it('already sorted and reversed input', () => {
    const n = 50_000;
    const data = rows(n, 5, 0, 0);
    sortRows(data, new Int32Array(n * STRIDE), n);
    const reversed = new Int32Array(n * STRIDE);
    for (let i = 0; i < n; i++) reversed.set(data.subarray((n - 1 - i) * STRIDE, (n - i) * STRIDE), i * STRIDE);
    for (let i = 0; i < n; i++) reversed[i * STRIDE + 4] = i;
    sortRows(reversed, new Int32Array(n * STRIDE), n);
    assertSortedStable(reversed, n);
    sortRows(reversed, new Int32Array(n * STRIDE), n);
    assertSortedStable(reversed, n);
  });
});
