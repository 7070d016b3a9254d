/**
 * Built-in scenarios. The YCSB core workloads are adapted to an id -> path index: records are
 * random UUIDs with 20-80 byte paths, an update writes a new path, a scan reads 1..100 entries in
 * id order from a chosen id.
 */
import { type Scenario, defineScenario } from './schema.js';

const ycsb = { dataset: { records: 100_000 }, operations: 100_000, quick: { records: 10_000, operations: 10_000 } };

export const BUILTIN_SCENARIOS: readonly Scenario[] = [
  defineScenario({
    name: 'ycsb-a',
    description: 'YCSB A, update heavy: 50% reads, 50% updates, zipfian keys (theta 0.99)',
    ...ycsb,
    mix: { read: 0.5, update: 0.5 },
    distribution: { type: 'zipfian', theta: 0.99 },
    knobs: { bulkThreshold: [1, 4, 16, 64, 256], maxConcurrentReaders: [1, 2, 4] },
  }),
  defineScenario({
    name: 'ycsb-b',
    description: 'YCSB B, read mostly: 95% reads, 5% updates, zipfian keys',
    ...ycsb,
    mix: { read: 0.95, update: 0.05 },
    distribution: { type: 'zipfian', theta: 0.99 },
  }),
  defineScenario({
    name: 'ycsb-c',
    description: 'YCSB C, read only: 100% reads, zipfian keys',
    ...ycsb,
    mix: { read: 1 },
    distribution: { type: 'zipfian', theta: 0.99 },
  }),
  defineScenario({
    name: 'ycsb-d',
    description: 'YCSB D, read latest: 95% reads of recent records, 5% inserts',
    ...ycsb,
    mix: { read: 0.95, insert: 0.05 },
    distribution: { type: 'latest', theta: 0.99 },
  }),
  defineScenario({
    name: 'ycsb-e',
    description: 'YCSB E, short ranges: 95% scans of 1..100 entries, 5% inserts, zipfian start keys',
    ...ycsb,
    operations: 20_000,
    quick: { records: 10_000, operations: 2_000 },
    mix: { scan: 0.95, insert: 0.05 },
    scanLength: 100,
    distribution: { type: 'zipfian', theta: 0.99 },
  }),
  defineScenario({
    name: 'ycsb-f',
    description: 'YCSB F, read-modify-write: 50% reads, 50% read-modify-writes, zipfian keys',
    ...ycsb,
    mix: { read: 0.5, readModifyWrite: 0.5 },
    distribution: { type: 'zipfian', theta: 0.99 },
  }),
  defineScenario({
    name: 'bulk-vs-individual',
    kind: 'bulk-vs-individual',
    description: 'insert, get and delete (half) one by one against in bulk, at 1k, 100k and 1M records',
    dataset: { records: 0 },
    mix: { read: 1 },
    sizes: [1_000, 100_000, 1_000_000],
    quick: { sizes: [1_000, 20_000] },
  }),
  defineScenario({
    name: 'growth',
    kind: 'growth',
    description: 'cost per uniform random read at 1k..1M records, for the complexity check (should grow like log n)',
    dataset: { records: 0 },
    mix: { read: 1 },
    sizes: [1_000, 10_000, 100_000, 1_000_000],
    operations: 100_000,
    quick: { sizes: [1_000, 10_000, 100_000], operations: 20_000 },
  }),
  defineScenario({
    name: 'durable-writes',
    description: 'inserts and updates on a sync index (one fsync per acknowledged write) from 16 concurrent clients',
    dataset: { records: 10_000 },
    durability: 'sync',
    mix: { insert: 0.5, update: 0.5 },
    distribution: { type: 'uniform' },
    clients: 16,
    operations: 4_000,
    quick: { records: 2_000, operations: 600 },
    knobs: { bulkThreshold: [1, 16, 64, 256], maxBatchDelayMs: [0, 1, 2] },
  }),
];

/** Scenarios `tunebench run` runs when none is named. */
export const DEFAULT_SUITE = ['ycsb-a', 'ycsb-b', 'ycsb-c', 'ycsb-d', 'ycsb-e', 'ycsb-f', 'bulk-vs-individual', 'growth', 'durable-writes'];

export function findBuiltin(name: string): Scenario | undefined {
  return BUILTIN_SCENARIOS.find((s) => s.name === name);
}
