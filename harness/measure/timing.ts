/** Timing and memory helpers shared by the runner and the benchmark scripts. */

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

/**
 * Like nsPerOp for asynchronous setup and operations; `teardown` runs after each repetition,
 * untimed. At most `maxReps` repetitions: when setup is costly (loading a structure for a 50 us
 * operation) the untimed setups would otherwise dominate the run.
 */
export async function nsPerOpAsync<T>(
  setup: () => Promise<T> | T,
  op: (state: T) => Promise<void> | void,
  ops: number,
  teardown: (state: T) => Promise<void> | void = () => {},
  minMs = 150,
  maxReps = 40,
): Promise<number> {
  let total = 0;
  let reps = 0;
  fullGc();
  while (reps === 0 || (total < minMs && reps < maxReps)) {
    const state = await setup();
    const started = performance.now();
    await op(state);
    total += performance.now() - started;
    reps++;
    await teardown(state);
  }
  return (total * 1e6) / (reps * ops);
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
