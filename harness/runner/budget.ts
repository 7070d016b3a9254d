/**
 * Will a job fit in memory? An upper estimate of what one measuring process holds, checked before
 * anything is measured, so that a scenario of 50M records or a stream of billions of inserts is
 * refused with one line naming the field instead of allocating until the kernel kills it.
 *
 * A job process holds the data set's id and path strings (the runner's), and every arm's
 * implementation with all loaded and inserted entries. Implementations say what an entry costs
 * (`memoryPerEntry`, measured for the built-ins); those in the JavaScript heap are held to V8's
 * heap limit, the rest (our index lives in shared wasm memory) to the machine's memory.
 */
import { totalmem } from 'node:os';
import { getHeapStatistics } from 'node:v8';
import type { MemoryPerEntry } from '../adapters/types.js';
import { DEFAULT_OPERATIONS } from '../../scenarios/kinds.js';
import type { Scenario } from '../../scenarios/schema.js';

/**
 * The runner's own bytes per record beyond the path: a 36-character id string (~56 bytes), the
 * path string's header and two array slots. Measured: 1M records of 20-80-byte paths took 147 MB
 * of heap in a DataSet (147 = 97 + 50 mean path bytes).
 */
export const HARNESS_BYTES_PER_RECORD = 97;
/** For an implementation that does not say: more than any built-in peer measured. */
export const DEFAULT_MEMORY_PER_ENTRY: MemoryPerEntry = { bytes: 250, perPathByte: 2, jsHeap: true };
/**
 * Most items per second any implementation here was seen to process (Map gets, 26M/s; inserts are
 * slower): bounds the inserts of a time-bounded run.
 */
const MAX_ITEMS_PER_SEC = 30_000_000;
/** Least measuring time per arm (execute.ts MIN_MEASURE_MS), plus warm-up. */
const MEASURE_MS = { quick: 150 * 2, full: 500 * 2 };

export interface MachineLimits {
  /** V8's heap limit of a measuring process (the same flags as this one). */
  jsHeapBytes: number;
  totalBytes: number;
}

export function machineLimits(): MachineLimits {
  return { jsHeapBytes: getHeapStatistics().heap_size_limit, totalBytes: totalmem() };
}

export interface JobEstimate {
  /** Entries each arm holds at its largest. */
  entries: number;
  /** Of those, inserted by the operation stream. */
  inserted: number;
  jsHeapBytes: number;
  otherBytes: number;
}

/** Items (ids) an operation touches on average, and inserts on average. */
function perOperation(scenario: Scenario): { items: number; inserts: number } {
  const m = scenario.mix;
  const b = scenario.batchSize;
  const items = m.read + m.update + m.insert + m.delete + m.readModifyWrite + m.scan * ((scenario.scanLength + 1) / 2) + (m.bulkInsert + m.bulkDelete + m.bulkGet) * b;
  return { items: Math.max(items, 1e-9), inserts: m.insert + m.bulkInsert * b };
}

/** Upper estimate of the memory of one job of `scenario` with these arms in one process. */
export function estimateJob(scenario: Scenario, arms: readonly (MemoryPerEntry | undefined)[], quick: boolean): JobEstimate {
  const { items, inserts } = perOperation(scenario);
  const timeMs = (scenario.durationMs ?? 0) + (quick ? MEASURE_MS.quick : MEASURE_MS.full);
  const byTime = (MAX_ITEMS_PER_SEC * timeMs) / 1000 / items;
  const operations = Math.max(scenario.durationMs === undefined ? (scenario.operations ?? DEFAULT_OPERATIONS) : 0, byTime);
  const inserted = Math.ceil(operations * inserts);
  const base = scenario.kind === 'workload' ? scenario.dataset.records : Math.max(...(scenario.sizes ?? [0]));
  // bulk-vs-individual holds a one-by-one and a bulk instance of each size.
  const instances = scenario.kind === 'bulk-vs-individual' ? 2 : 1;
  const entries = base + (scenario.kind === 'bulk-vs-individual' ? 0 : inserted);
  const path = (scenario.dataset.pathBytes.min + scenario.dataset.pathBytes.max) / 2;
  let jsHeapBytes = entries * (HARNESS_BYTES_PER_RECORD + path);
  let otherBytes = 0;
  for (const arm of arms) {
    const m = arm ?? DEFAULT_MEMORY_PER_ENTRY;
    const bytes = entries * instances * (m.bytes + m.perPathByte * path);
    if (m.jsHeap) jsHeapBytes += bytes;
    else otherBytes += bytes;
  }
  return { entries, inserted, jsHeapBytes, otherBytes };
}

const gb = (bytes: number) => `${(bytes / 2 ** 30).toFixed(1)} GiB`;

/**
 * Why the job cannot fit, naming the scenario field that drives it, or null when it fits: at most
 * 85% of the heap limit in the JavaScript heap, 70% of the machine's memory in all.
 */
export function whyJobCannotFit(scenario: Scenario, arms: readonly { name: string; memory?: MemoryPerEntry }[], quick: boolean, limits: MachineLimits = machineLimits()): string | null {
  const e = estimateJob(scenario, arms.map((a) => a.memory), quick);
  const heapLimit = 0.85 * limits.jsHeapBytes;
  const totalLimit = 0.7 * limits.totalBytes;
  const overHeap = e.jsHeapBytes > heapLimit;
  const overTotal = e.jsHeapBytes + e.otherBytes > totalLimit;
  if (!overHeap && !overTotal) return null;
  const inserts = scenario.mix.bulkInsert > 0 ? `mix.bulkInsert x batchSize ${scenario.batchSize}` : 'mix.insert';
  const [field, lower] =
    e.inserted > e.entries / 2
      ? scenario.durationMs !== undefined
        ? [`durationMs ${scenario.durationMs} with inserts (${inserts})`, 'durationMs or the share of inserts']
        : [`operations ${scenario.operations ?? `${DEFAULT_OPERATIONS} (the default)`} with inserts (${inserts})`, scenario.mix.bulkInsert > 0 ? 'operations or batchSize' : 'operations or the share of inserts']
      : scenario.kind === 'workload'
        ? [`dataset.records ${scenario.dataset.records.toLocaleString('en-US')}`, 'dataset.records']
        : [`sizes up to ${Math.max(...(scenario.sizes ?? [0])).toLocaleString('en-US')}`, 'sizes'];
  const who = arms.length === 1 ? arms[0].name : `${arms.length} implementations in one process (${[...new Set(arms.map((a) => a.name))].join(', ')})`;
  const need = overHeap ? `about ${gb(e.jsHeapBytes)} of JavaScript heap, more than the ${gb(heapLimit)} a measuring process may use` : `about ${gb(e.jsHeapBytes + e.otherBytes)}, more than the ${gb(totalLimit)} of memory a measuring process may use here`;
  return `scenario ${scenario.name}${quick ? ' (--quick)' : ''} cannot fit: ${field} gives up to ${Math.round(e.entries).toLocaleString('en-US')} entries in ${who} and in the runner's own ids and paths, ${need}; lower ${lower}`;
}
