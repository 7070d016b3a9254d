/**
 * `tunebench/harness`: the contract between the runner and an implementation under test, for
 * anyone who wants the scenarios, `compare`, `tune` and `gate` on their own store. The built-in
 * implementations (harness/adapters/) are written against exactly this.
 *
 * What the runner guarantees an implementation:
 * - every job (scenario x implementation x round) runs in a fresh child process, one at a time;
 *   it first warms the JIT up on a throwaway instance with its own data, then opens the measured
 *   instance with `open(knobs, context)`; `context.directory` is a fresh, empty, existing
 *   directory for files, removed after the job; `context.durability` is the scenario's mode and is
 *   always one the factory lists in `durability`;
 * - knobs arrive validated against `knobs` (type, bounds) with defaults filled in;
 * - `load` is called once, before any measured operation, with the first records; then the
 *   operations of the scenario's mix, each awaited when it returns a promise (a closed loop per
 *   client), and `close` at the end;
 * - strings passed in are the runner's, and the same id string comes again and again: a store that
 *   keeps them should copy them (as the built-in peers do), so that its memory counts them;
 *   results are consumed (folded into a checksum) so that a JIT cannot drop a call;
 * - an implementation that returns plain values (not promises) is called in a tight loop with no
 *   await; set `isAsync` when any method returns a promise.
 */
import type { ImplementationFactory } from './adapters/types.js';

export type { Durability, Implementation, ImplementationFactory, KnobSpec, KnobValue, KnobValues, MaybePromise, MemoryPerEntry, OpenContext } from './adapters/types.js';

/**
 * Declares an implementation factory with its types checked (the identity at run time): a
 * module's default export, e.g. `export default defineImplementation({ name: 'mystore', ... })`.
 */
export function defineImplementation(factory: ImplementationFactory): ImplementationFactory {
  return factory;
}
