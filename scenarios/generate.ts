/**
 * Seeded data sets and operation streams. Everything derives from the scenario's seed through
 * 32-bit integer arithmetic, so the same scenario gives the same ids, paths and operations on
 * every machine (a test pins the hash of a stream).
 */
import { createKeyChooser } from './distributions.js';
import { Rng, randomPath, randomUuid } from './random.js';
import { OPERATION_KINDS, type OperationKind } from './kinds.js';
import type { Scenario } from './schema.js';

/**
 * Operation kinds as small integers, in OPERATION_KINDS order. Literal constants, so that a
 * `switch` over them compiles to integer compares instead of property loads per case.
 */
export const OP = {
  read: 0,
  update: 1,
  insert: 2,
  delete: 3,
  scan: 4,
  readModifyWrite: 5,
  bulkInsert: 6,
  bulkDelete: 7,
  bulkGet: 8,
} as const satisfies Record<OperationKind, number>;
OPERATION_KINDS.forEach((kind, i) => {
  if (OP[kind] !== i) throw new Error(`OP.${kind} must be ${i}`);
});

/** Distinct paths that updates and inserts draw from (the loaded records each have their own). */
export const PATH_POOL_SIZE = 4096;

/**
 * The records of a data set: `records` loaded ones, then room for every id an operation stream
 * inserts. Ids and paths are generated lazily in blocks so that a stream that inserts 100k ids
 * does not pay for them up front.
 */
export class DataSet {
  readonly ids: string[] = [];
  readonly paths: string[] = [];
  readonly pool: string[] = [];
  private readonly idRng: Rng;
  private readonly pathRng: Rng;

  /** Whether `paths` is kept (a copy for an operation stream needs only the ids and the pool). */
  private readonly withPaths: boolean;

  constructor(
    readonly seed: number,
    readonly records: number,
    readonly pathBytes: { min: number; max: number },
    options: { paths?: boolean } = {},
  ) {
    this.withPaths = options.paths ?? true;
    this.idRng = new Rng(seed ^ 0x1d5e7a11);
    this.pathRng = new Rng(seed ^ 0x3a7f00d5);
    const poolRng = new Rng(seed ^ 0x0b5e55ed);
    for (let i = 0; i < PATH_POOL_SIZE; i++) this.pool.push(randomPath(poolRng, pathBytes.min, pathBytes.max));
    this.ensure(records);
  }

  /** Makes ids[0..count) and paths[0..count) exist. */
  ensure(count: number): void {
    while (this.ids.length < count) {
      this.ids.push(randomUuid(this.idRng));
      if (this.withPaths) this.paths.push(randomPath(this.pathRng, this.pathBytes.min, this.pathBytes.max));
    }
  }

  /**
   * The same ids and pool as new strings (no paths): what one arm of a paired run passes to its
   * implementation. Arms that shared the strings ran one chunk of the same keys after the other,
   * so the second found the first's id strings in the CPU caches: in an A/A pair at 10k records
   * (ycsb-c) the arm taking the second turn measured 1.15-1.3x the first in every round.
   */
  forArm(): DataSet {
    const copy = new DataSet(this.seed, this.records, this.pathBytes, { paths: false });
    copy.ensure(this.ids.length);
    return copy;
  }
}

/**
 * A block of operations as parallel typed arrays. Operation i is `kinds[i]` on record `keys[i]`;
 * `args[i]` is the pool path it writes, or for a scan the number of entries it reads (uniform in
 * 1..scanLength, as YCSB's workload E). A bulk operation's records are
 * batch[keys[i] .. keys[i] + batchSize).
 */
export interface OpBlock {
  count: number;
  kinds: Uint8Array;
  keys: Int32Array;
  args: Int32Array;
  batch: Int32Array;
  /** Record count after this block's inserts (ids and paths up to it exist). */
  recordsAfter: number;
  /** The kind of every operation when they are all alike, else -1 (lets the runner skip dispatch). */
  onlyKind: number;
}

/** Produces a scenario's operations block by block, deterministically. */
export class OpStream {
  private readonly rng: Rng;
  private readonly chooser;
  private readonly thresholds: Float64Array;
  /** Records that exist so far (loaded plus inserted), which bounds key choices. */
  private count: number;
  generated = 0;

  constructor(
    private readonly scenario: Scenario,
    private readonly data: DataSet,
    records = data.records,
  ) {
    this.rng = new Rng(scenario.seed ^ 0x5ca1ab1e);
    this.chooser = createKeyChooser(scenario.distribution);
    this.count = records;
    let cumulative = 0;
    this.thresholds = Float64Array.from(OPERATION_KINDS, (kind) => (cumulative += scenario.mix[kind]));
    this.thresholds[this.thresholds.length - 1] = Infinity;
  }

  private pickKind(): number {
    const u = this.rng.float();
    let kind = 0;
    while (u >= this.thresholds[kind]) kind++;
    return kind;
  }

  private existing(): number {
    // A workload over an empty data set reads or deletes record 0 until something is inserted.
    return this.count === 0 ? 0 : this.chooser.next(this.rng, this.count);
  }

  /** The next `n` operations. */
  next(n: number): OpBlock {
    const { batchSize, scanLength } = this.scenario;
    const kinds = new Uint8Array(n);
    const keys = new Int32Array(n);
    const args = new Int32Array(n);
    const batch: number[] = [];
    for (let i = 0; i < n; i++) {
      const kind = this.pickKind();
      kinds[i] = kind;
      args[i] = kind === OP.scan ? 1 + this.rng.int(scanLength) : this.rng.int(PATH_POOL_SIZE);
      switch (kind) {
        case OP.insert:
          keys[i] = this.count++;
          break;
        case OP.bulkInsert:
          keys[i] = batch.length;
          for (let b = 0; b < batchSize; b++) batch.push(this.count++);
          break;
        case OP.bulkDelete:
        case OP.bulkGet:
          keys[i] = batch.length;
          for (let b = 0; b < batchSize; b++) batch.push(this.existing());
          break;
        default:
          keys[i] = this.existing();
      }
    }
    this.generated += n;
    this.data.ensure(this.count);
    let onlyKind = n > 0 ? kinds[0] : -1;
    for (let i = 1; i < n && onlyKind !== -1; i++) if (kinds[i] !== onlyKind) onlyKind = -1;
    return { count: n, kinds, keys, args, batch: Int32Array.from(batch), recordsAfter: this.count, onlyKind };
  }
}

/** 32-bit FNV-1a over the bytes of typed arrays and strings: a fingerprint of a stream. */
export function fnv1a(parts: (ArrayBufferView | string)[]): string {
  let hash = 0x811c9dc5;
  for (const part of parts) {
    const bytes = typeof part === 'string' ? Buffer.from(part, 'utf8') : new Uint8Array(part.buffer, part.byteOffset, part.byteLength);
    for (let i = 0; i < bytes.length; i++) hash = Math.imul(hash ^ bytes[i], 0x01000193);
  }
  return (hash >>> 0).toString(16).padStart(8, '0');
}
