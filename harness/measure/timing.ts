/** Timing and memory helpers shared by the runner and the benchmark scripts. */
import { stretch } from './slowdown.js';

type GcOptions = { type: 'major'; execution: 'sync' };
const collect = (globalThis as { gc?: (options?: GcOptions) => void }).gc;

/** True when the process was started with --expose-gc (the runner's children always are). */
export const canCollect = collect !== undefined;

/**
 * Runs a full, synchronous GC when --expose-gc is on. A plain gc() leaves freed ArrayBuffers
 * counted until a background sweep: 90 MB still showed after freeing 100 MB of buffers.
 */
export function fullGc(): void {
  collect?.({ type: 'major', execution: 'sync' });
}

/**
 * Bytes on the JS heap after a full GC. (Array buffers are left out: their count lags behind frees
 * even after a synchronous major GC, so structures in buffers report their exact bytes themselves.)
 */
export function heapBytes(): number {
  fullGc();
  return process.memoryUsage().heapUsed;
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

/** One side of nsPerOpArms: its own setup, operation and teardown, and an optional slowdown. */
export interface TimedArm<T> {
  setup: () => Promise<T> | T;
  op: (state: T) => Promise<void> | void;
  teardown?: (state: T) => Promise<void> | void;
  slowdown?: number;
}

/**
 * Nanoseconds per operation of each arm's `op` (which performs `ops` operations), repeated on a
 * fresh `setup()` (untimed, as is `teardown`) until the arm has at least `minMs` of timed work or
 * `maxReps` repetitions (when setup is costly, untimed setups would otherwise dominate the run).
 * Repetitions alternate between the arms, the first one rotating, so that the machine's moods
 * fall on all of them.
 */
export async function nsPerOpArms(arms: TimedArm<unknown>[], ops: number, minMs = 150, maxReps = 40, first = 0): Promise<number[]> {
  const total = arms.map(() => 0);
  const reps = arms.map(() => 0);
  const unfinished = (k: number) => reps[k] === 0 || (total[k] < minMs && reps[k] < maxReps);
  fullGc();
  for (let cycle = 0; arms.some((_, k) => unfinished(k)); cycle++) {
    for (let j = 0; j < arms.length; j++) {
      const k = (first + cycle + j) % arms.length;
      if (!unfinished(k)) continue;
      const arm = arms[k];
      const state = await arm.setup();
      const started = performance.now();
      await arm.op(state);
      stretch(started, arm.slowdown ?? 0);
      total[k] += performance.now() - started;
      reps[k]++;
      await arm.teardown?.(state);
    }
  }
  return total.map((t, k) => (t * 1e6) / (reps[k] * ops));
}

/** The median cost of one performance.now() call, in nanoseconds (what a timed operation adds). */
export function timerOverheadNs(samples = 2001): number {
  const deltas = new Float64Array(samples);
  for (let i = 0; i < samples; i++) {
    const a = performance.now();
    deltas[i] = performance.now() - a;
  }
  deltas.sort();
  return deltas[samples >> 1] * 1e6;
}
