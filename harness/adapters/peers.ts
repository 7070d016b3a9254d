/**
 * Reference peers: sorted-btree (string keys) and a native Map. Each loads its own copies of the
 * strings, as a program holding its index would, so that their memory counts their strings.
 */
import sortedBtree from 'sorted-btree';
import { bulkLoad } from 'sorted-btree/extended/bulkLoad.js';
import type { Implementation, ImplementationFactory, KnobValues, OpenContext } from './types.js';

const BTree = sortedBtree.default;
type StringTree = InstanceType<typeof BTree<string, string>>;

const compareIds = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
/** A fresh flat copy of a string (the caller's strings stay the caller's). */
const own = (s: string): string => Buffer.from(s, 'utf8').toString('utf8');

class SortedBtreeImplementation implements Implementation {
  readonly isAsync = false;
  private tree: StringTree;

  constructor(
    readonly spec: string,
    readonly config: { maxNodeSize: number },
  ) {
    this.tree = new BTree<string, string>(undefined, compareIds, config.maxNodeSize);
  }

  load(ids: readonly string[], paths: readonly string[]): void {
    // Its bulk load wants sorted unique keys: sorting is part of loading.
    const order = ids.map((_, i) => i).sort((a, b) => compareIds(ids[a], ids[b]));
    this.tree = bulkLoad(order.map((i) => own(ids[i])), order.map((i) => own(paths[i])), this.config.maxNodeSize, compareIds) as StringTree;
  }

  get(id: string): string | undefined {
    return this.tree.get(id);
  }

  put(id: string, path: string): void {
    this.tree.set(id, path);
  }

  delete(id: string): boolean {
    return this.tree.delete(id);
  }

  scan(from: string, count: number): number {
    let read = 0;
    for (const entry of this.tree.entries(from)) {
      if (read >= count) break;
      void entry;
      read++;
    }
    return read;
  }

  /** Into an empty tree: sort, then its bulkLoad (its own bulk path); otherwise one set per pair. */
  bulkInsert(pairs: [string, string][]): void {
    if (this.tree.size > 0) {
      for (const [id, path] of pairs) this.tree.set(id, path);
      return;
    }
    const sorted = pairs.slice().sort((a, b) => compareIds(a[0], b[0]));
    const unique = sorted.filter((pair, i) => i + 1 === sorted.length || sorted[i + 1][0] !== pair[0]);
    this.tree = bulkLoad(unique.map((p) => p[0]), unique.map((p) => p[1]), this.config.maxNodeSize, compareIds) as StringTree;
  }

  bulkDelete(ids: string[]): void {
    for (const id of ids) this.tree.delete(id);
  }

  bulkGet(ids: string[]): number {
    let found = 0;
    for (const id of ids) if (this.tree.get(id) !== undefined) found++;
    return found;
  }

  memoryBytes(): undefined {
    return undefined;
  }

  close(): void {}
}

/**
 * A native Map. Ordered scans are done the way a user would: sort the keys once, and sort again
 * after an insert or delete changed them.
 */
export class MapImplementation implements Implementation {
  readonly isAsync = false;
  readonly config = {};
  /** The Map itself (bench:overhead runs a bare loop over this very object). */
  readonly map = new Map<string, string>();
  private sorted: string[] | null = null;

  constructor(readonly spec: string) {}

  load(ids: readonly string[], paths: readonly string[]): void {
    for (let i = 0; i < ids.length; i++) this.map.set(own(ids[i]), own(paths[i]));
    this.sorted = null;
  }

  get(id: string): string | undefined {
    return this.map.get(id);
  }

  put(id: string, path: string): void {
    if (this.sorted !== null && !this.map.has(id)) this.sorted = null;
    this.map.set(id, path);
  }

  delete(id: string): boolean {
    const existed = this.map.delete(id);
    if (existed) this.sorted = null;
    return existed;
  }

  scan(from: string, count: number): number {
    this.sorted ??= [...this.map.keys()].sort();
    const keys = this.sorted;
    let lo = 0;
    let hi = keys.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (keys[mid] < from) lo = mid + 1;
      else hi = mid;
    }
    const end = Math.min(keys.length, lo + count);
    for (let i = lo; i < end; i++) this.map.get(keys[i]);
    return end - lo;
  }

  bulkInsert(pairs: [string, string][]): void {
    for (const [id, path] of pairs) this.put(id, path);
  }

  bulkDelete(ids: string[]): void {
    for (const id of ids) this.delete(id);
  }

  bulkGet(ids: string[]): number {
    let found = 0;
    for (const id of ids) if (this.map.has(id)) found++;
    return found;
  }

  memoryBytes(): undefined {
    return undefined;
  }

  close(): void {}
}

export const sortedBtreeFactory: ImplementationFactory = {
  name: 'sorted-btree',
  description: 'sorted-btree 2.x (qwertie/btree-typescript) with string keys: the reference JavaScript B+ tree',
  knobs: {
    maxNodeSize: { type: 'integer', min: 4, max: 4096, default: 64, description: 'max items per node' },
  },
  durability: ['none'],
  // 156-177 bytes per entry measured at 50-byte paths (`run --quick`).
  memoryPerEntry: { bytes: 130, perPathByte: 1, jsHeap: true },
  open: (knobs: KnobValues, context: OpenContext) => new SortedBtreeImplementation(context.spec, { maxNodeSize: knobs.maxNodeSize as number }),
};

export const mapFactory: ImplementationFactory = {
  name: 'map',
  description: 'a native Map; ordered scans sort the keys (re-sorted after inserts and deletes)',
  knobs: {},
  durability: ['none'],
  // 177-187 bytes per entry measured at 50-byte paths (`run --quick`).
  memoryPerEntry: { bytes: 140, perPathByte: 1, jsHeap: true },
  open: (_knobs: KnobValues, context: OpenContext) => new MapImplementation(context.spec),
};
