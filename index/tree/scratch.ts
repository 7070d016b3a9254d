/**
 * Grow-only scratch buffers shared by every bulk call in this thread. Allocating fresh typed arrays
 * of tens of megabytes per bulk call triggered V8 full GCs costing 45-90 ms at 1M entries in the
 * prototype; reusing them keeps a bulk call free of large allocations after the first.
 */
import { STRIDE } from './sort.js';

const rowBuffers = new Map<string, Int32Array>();
const intBuffers = new Map<string, Int32Array>();

function grown(map: Map<string, Int32Array>, name: string, length: number): Int32Array {
  const current = map.get(name);
  if (current && current.length >= length) return current;
  // Round up to a power of two so that a slowly growing batch size does not reallocate each call.
  const size = 2 ** Math.ceil(Math.log2(Math.max(length, 1024)));
  const next = new Int32Array(size);
  map.set(name, next);
  return next;
}

/** A scratch buffer named `name` with room for at least `rows` stride-5 rows. */
export function growRows(name: string, rows: number): Int32Array {
  return grown(rowBuffers, name, rows * STRIDE);
}

/** A scratch Int32Array named `name` with at least `length` elements. */
export function growInts(name: string, length: number): Int32Array {
  return grown(intBuffers, name, length);
}

/** Bytes currently held by scratch buffers. */
export function scratchBytes(): number {
  let total = 0;
  for (const a of rowBuffers.values()) total += a.byteLength;
  for (const a of intBuffers.values()) total += a.byteLength;
  return total;
}

/** Lets the scratch buffers be collected (they are re-created on the next bulk call). */
export function releaseScratch(): void {
  rowBuffers.clear();
  intBuffers.clear();
}
