/**
 * Model-based tests: random sequences of every operation, applied to the index and to a Map.
 * After each step the contents and every structural invariant must match.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type MemoryIndex, createMemoryIndex } from '../../index/index.js';
import { checkInvariants } from '../../index/tree/analysis.js';
import { assertMatches, sequentialId, spreadId } from './helpers.js';

type Model = { map: Map<string, string> };
type Real = { index: MemoryIndex };

const POOL = 400;
const ids = [...Array.from({ length: POOL / 2 }, (_, i) => spreadId(i)), ...Array.from({ length: POOL / 2 }, (_, i) => sequentialId(i * 3))];

/** An id from the pool, sometimes in upper case (ids are case-insensitive). */
const idArb = fc.tuple(fc.nat(POOL - 1), fc.boolean()).map(([i, upper]) => (upper ? ids[i].toUpperCase() : ids[i]));
const pathArb = fc.oneof(
  { weight: 8, arbitrary: fc.string({ minLength: 1, maxLength: 24, unit: fc.constantFrom('a', 'b', '/', '-', 'é', '日', '😀', '.') }).filter(noDotDot) },
  { weight: 1, arbitrary: fc.integer({ min: 1, max: 4096 }).map((n) => 'p'.repeat(n)) },
);

function noDotDot(path: string): boolean {
  return !path.split(/[/\\]/).includes('..');
}

function afterStep(model: Model, real: Real): void {
  assert.deepEqual(checkInvariants(real.index.tree), []);
  assert.equal(real.index.size, model.map.size);
}

function sortedEntries(map: Map<string, string>): [string, string][] {
  return [...map.entries()].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
}

class Insert implements fc.Command<Model, Real> {
  constructor(readonly id: string, readonly path: string) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const key = this.id.toLowerCase();
    assert.equal(real.index.insert(this.id, this.path), !model.map.has(key));
    model.map.set(key, this.path);
    afterStep(model, real);
  }
  toString = () => `insert(${this.id}, ${JSON.stringify(this.path.slice(0, 20))})`;
}

class Delete implements fc.Command<Model, Real> {
  constructor(readonly id: string) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const key = this.id.toLowerCase();
    assert.equal(real.index.delete(this.id), model.map.delete(key));
    afterStep(model, real);
  }
  toString = () => `delete(${this.id})`;
}

class Get implements fc.Command<Model, Real> {
  constructor(readonly id: string) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const key = this.id.toLowerCase();
    assert.equal(real.index.get(this.id), model.map.get(key));
    assert.equal(real.index.has(this.id), model.map.has(key));
  }
  toString = () => `get(${this.id})`;
}

class BulkInsert implements fc.Command<Model, Real> {
  constructor(readonly pairs: [string, string][]) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const fresh = new Set(this.pairs.map(([id]) => id.toLowerCase()).filter((id) => !model.map.has(id)));
    const result = real.index.bulkInsert(this.pairs);
    for (const [id, path] of this.pairs) model.map.set(id.toLowerCase(), path);
    assert.equal(result.inserted, fresh.size);
    assert.equal(result.updated, this.pairs.length - fresh.size);
    assert.equal(result.operations, this.pairs.length);
    assert.equal(result.balanceFactor, 1);
    afterStep(model, real);
  }
  toString = () => `bulkInsert(${this.pairs.length})`;
}

class BulkDelete implements fc.Command<Model, Real> {
  constructor(readonly ids: string[]) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const present = new Set(this.ids.map((id) => id.toLowerCase()).filter((id) => model.map.has(id)));
    const result = real.index.bulkDelete(this.ids);
    for (const id of this.ids) model.map.delete(id.toLowerCase());
    assert.equal(result.deleted, present.size);
    afterStep(model, real);
  }
  toString = () => `bulkDelete(${this.ids.length})`;
}

class BulkGet implements fc.Command<Model, Real> {
  constructor(readonly ids: string[]) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const result = real.index.bulkGet(this.ids);
    assert.deepEqual(result.values, this.ids.map((id) => model.map.get(id.toLowerCase())));
    assert.equal(result.found, result.values.filter((v) => v !== undefined).length);
  }
  toString = () => `bulkGet(${this.ids.length})`;
}

class Range implements fc.Command<Model, Real> {
  constructor(readonly from: string | undefined, readonly to: string | undefined, readonly limit: number | undefined) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const lo = this.from?.toLowerCase();
    const hi = this.to?.toLowerCase();
    const expected = sortedEntries(model.map)
      .filter(([id]) => (lo === undefined || id >= lo) && (hi === undefined || id < hi))
      .slice(0, this.limit ?? Infinity);
    assert.deepEqual([...real.index.range(this.from, this.to, this.limit)], expected);
  }
  toString = () => `range(${this.from}, ${this.to}, ${this.limit})`;
}

/** Iterates part of a range, changes the index, then checks the rest resumes after the last id returned. */
class RangeAcrossChange implements fc.Command<Model, Real> {
  constructor(readonly take: number, readonly inserts: [string, string][], readonly deletes: string[], readonly limit: number | undefined) {}
  check = () => true;
  run(model: Model, real: Real): void {
    const iterator = real.index.range(undefined, undefined, this.limit);
    const seen: string[] = [];
    let finished = false;
    for (let i = 0; i < this.take && !finished; i++) {
      const step = iterator.next();
      if (step.done) finished = true;
      else seen.push(step.value[0]);
    }
    real.index.bulkInsert(this.inserts);
    for (const [id, path] of this.inserts) model.map.set(id.toLowerCase(), path);
    real.index.bulkDelete(this.deletes);
    for (const id of this.deletes) model.map.delete(id.toLowerCase());
    // A finished iterator stays finished; an unfinished one resumes after the last id it returned,
    // and its limit counts what it returned before the change.
    const last = seen.at(-1);
    const left = (this.limit ?? Infinity) - seen.length;
    const expected = finished ? [] : sortedEntries(model.map).filter(([id]) => last === undefined || id > last).slice(0, left);
    assert.deepEqual([...iterator], expected);
    afterStep(model, real);
  }
  toString = () => `rangeAcrossChange(take ${this.take}, +${this.inserts.length}, -${this.deletes.length}, limit ${this.limit})`;
}

class Compact implements fc.Command<Model, Real> {
  check = () => true;
  run(model: Model, real: Real): void {
    const result = real.index.compact();
    assert.ok(result.bytesAllocatedAfter <= result.bytesAllocatedBefore || model.map.size === 0);
    assert.equal(real.index.analyze().heapFreeBytes, 0);
    afterStep(model, real);
  }
  toString = () => 'compact()';
}

const pairArb = fc.tuple(idArb, pathArb);
const commands = [
  fc.tuple(idArb, pathArb).map(([id, path]) => new Insert(id, path)),
  fc.tuple(idArb, pathArb).map(([id, path]) => new Insert(id, path)),
  idArb.map((id) => new Delete(id)),
  idArb.map((id) => new Get(id)),
  fc.array(pairArb, { maxLength: 120, size: 'max' }).map((pairs) => new BulkInsert(pairs)),
  fc.array(idArb, { maxLength: 120, size: 'max' }).map((list) => new BulkDelete(list)),
  fc.array(idArb, { maxLength: 60, size: 'max' }).map((list) => new BulkGet(list)),
  fc
    .tuple(fc.option(idArb, { nil: undefined }), fc.option(idArb, { nil: undefined }), fc.option(fc.nat(120), { nil: undefined }))
    .map(([a, b, limit]) => new Range(a, b, limit)),
  fc
    .tuple(fc.nat(40), fc.array(pairArb, { maxLength: 30, size: 'max' }), fc.array(idArb, { maxLength: 30, size: 'max' }), fc.option(fc.nat(80), { nil: undefined }))
    .map(([take, inserts, deletes, limit]) => new RangeAcrossChange(take, inserts, deletes, limit)),
  fc.constant(new Compact()),
];

describe('index against a Map model', () => {
  for (const order of [3, 4, 5, 8, 63]) {
    it(`order ${order}: random sequences of every operation keep contents and invariants`, () => {
      fc.assert(
        fc.property(fc.commands(commands, { maxCommands: 60, size: 'max' }), (cmds) => {
          const model: Model = { map: new Map() };
          const real: Real = { index: createMemoryIndex({ order }) };
          fc.modelRun(() => ({ model, real }), cmds);
          assertMatches(real.index, model.map);
        }),
        { numRuns: order === 63 ? 60 : 120, seed: 0x7b1d + order },
      );
    });
  }

  for (const order of [3, 4, 5, 6]) {
    it(`order ${order}: long runs of single inserts and deletes reach every split, borrow and merge`, () => {
      const single = [
        fc.tuple(idArb, pathArb).map(([id, path]) => new Insert(id, path)),
        idArb.map((id) => new Delete(id)),
        idArb.map((id) => new Get(id)),
      ];
      fc.assert(
        fc.property(fc.commands(single, { maxCommands: 600, size: 'max' }), (cmds) => {
          const model: Model = { map: new Map() };
          const real: Real = { index: createMemoryIndex({ order }) };
          fc.modelRun(() => ({ model, real }), cmds);
          assertMatches(real.index, model.map);
        }),
        { numRuns: 40, seed: 0x5eed + order },
      );
    });
  }

  it('growing to hundreds of entries and shrinking to empty, one operation at a time, keeps every invariant', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(3, 4, 5, 7),
        fc.array(fc.tuple(fc.boolean(), fc.integer({ min: 50, max: 900 }), fc.nat()), { minLength: 2, maxLength: 6 }),
        (order, phases) => {
          const index = createMemoryIndex({ order });
          const model = new Map<string, string>();
          for (const [growing, steps, seed] of phases) {
            for (let step = 0; step < steps; step++) {
              // Growing phases insert 4 times in 5; shrinking phases delete 4 times in 5.
              const id = ids[(seed + step * 7919) % POOL];
              const insert = (step % 5 === 0) !== growing;
              if (insert) {
                assert.equal(index.insert(id, `/${step}`), !model.has(id));
                model.set(id, `/${step}`);
              } else {
                assert.equal(index.delete(id), model.delete(id));
              }
              if (step % 25 === 0) assert.deepEqual(checkInvariants(index.tree), []);
            }
            assertMatches(index, model);
          }
          for (const id of [...model.keys()]) assert.equal(index.delete(id), true);
          assertMatches(index, new Map());
          assert.equal(index.analyze().depth, 1);
        },
      ),
      { numRuns: 40, seed: 99 },
    );
  });

  it('large random batches cross the merge/finger threshold both ways', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(5000), fc.nat(3)), { minLength: 1, maxLength: 12 }),
        (steps) => {
          const index = createMemoryIndex({ order: 7 });
          const model = new Map<string, string>();
          steps.forEach(([size, kind], step) => {
            const batch = Array.from({ length: size }, (_, i) => spreadId((i * 7919 + step * 31) % 6000));
            if (kind === 0) {
              index.bulkDelete(batch);
              for (const id of batch) model.delete(id);
            } else {
              const pairs = batch.map((id, i) => [id, `/s${step}/${i}`] as [string, string]);
              index.bulkInsert(pairs);
              for (const [id, path] of pairs) model.set(id, path);
            }
            assert.deepEqual(checkInvariants(index.tree), []);
          });
          assertMatches(index, model);
        },
      ),
      { numRuns: 25, seed: 42 },
    );
  });

  it('scans of leaves of up to 512 entries decode every batch, with ASCII, UTF-8, long and cached paths mixed', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(63, 512),
        // Sizes drawn directly: fast-check's default size keeps a generated array to about ten items.
        fc.integer({ min: 1, max: 3000 }),
        fc.nat(),
        fc.array(pathArb, { minLength: 1, maxLength: 12 }),
        fc.array(fc.nat(2999), { maxLength: 200, size: 'max' }),
        fc.array(fc.tuple(fc.nat(2999), fc.option(fc.nat(1200), { nil: undefined })), { minLength: 1, maxLength: 8 }),
        (order, count, seed, palette, reads, scans) => {
          const index = createMemoryIndex({ order });
          const model = new Map<string, string>();
          const entries = Array.from({ length: count }, (_, i) => [spreadId((i * 7919 + seed) % 3000), palette[(i * 31 + seed) % palette.length]] as [string, string]);
          index.bulkInsert(entries);
          for (const [id, path] of entries) model.set(id, path);
          // Gets put some paths in the heap's cache, which a scan takes them from.
          for (const i of reads) assert.equal(index.get(spreadId(i)), model.get(spreadId(i)));
          const sorted = sortedEntries(model);
          for (const [start, limit] of scans) {
            const from = spreadId(start);
            const expected = sorted.filter(([id]) => id >= from).slice(0, limit ?? Infinity);
            assert.deepEqual([...index.range(from, undefined, limit)], expected, `range(${from}, ${limit})`);
          }
        },
      ),
      { numRuns: 30, seed: 0x5ca9 },
    );
  });
});
