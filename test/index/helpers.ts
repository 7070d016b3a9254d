/** Shared test helpers for the index: deterministic ids and paths, and a content check. */
import assert from 'node:assert/strict';
import type { MemoryIndex } from '../../index/index.js';
import { checkInvariants } from '../../index/tree/analysis.js';

const hex = (value: number, digits: number): string => (value >>> 0).toString(16).padStart(digits, '0').slice(-digits);

/** A valid UUID derived from `i`: ids spread over the key space (word 0 varies). */
export function spreadId(i: number): string {
  const h = Math.imul(i + 1, 0x9e3779b1);
  return `${hex(h, 8)}-${hex(i >>> 16, 4)}-4${hex(i, 3)}-8${hex(h >>> 4, 3)}-${hex(i, 4)}${hex(h, 8)}`;
}

/** A valid UUID derived from `i` that shares its first 96 bits with its neighbours (time-ordered ids). */
export function sequentialId(i: number): string {
  return `0190a1b2-c3d4-7e5f-8a6b-${hex(Math.floor((i + 1) / 2 ** 32), 4)}${hex(i + 1, 8)}`;
}

export function pathFor(i: number, length = 20 + (i % 61)): string {
  return `/data/${i}/`.padEnd(length, 'x');
}

/** Asserts the index holds exactly `model` (ids lowercase) and that every invariant holds. */
export function assertMatches(index: MemoryIndex, model: Map<string, string>): void {
  assert.deepEqual(checkInvariants(index.tree), []);
  assert.equal(index.size, model.size);
  const expected = [...model.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  assert.deepEqual([...index.range()], expected);
}
