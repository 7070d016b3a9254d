/**
 * The hot-id table (index/hot-ids.ts) lets a get or an update skip the parse and the descent. Its
 * rule is that every change of a key's block forgets that key's line; these tests break the rule's
 * easy cases on purpose: ids that share one line, every spelling of an id, paths whose size moves
 * the block, and changes that arrive as parsed words (log replay, write groups) or in bulk.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { type MemoryIndex, createMemoryIndex } from '../../index/index.js';
import { HotIds } from '../../index/hot-ids.js';
import { parseIdInto } from '../../index/id.js';
import { checkInvariants } from '../../index/tree/analysis.js';
import { type BTree, NONE } from '../../index/tree/btree.js';

const hex = (value: number, digits: number): string => (value >>> 0).toString(16).padStart(digits, '0').slice(-digits);

/**
 * Ids that agree on characters 4-7 and 32-35 (which place a line) and differ elsewhere: all of
 * one group share a line. Two groups, so lines also hold ids of another group.
 */
const ids = Array.from({ length: 8 }, (_, i) => {
  const group = i % 2 === 0 ? ['7a1f', 'c0de'] : ['b2e9', '5d4c'];
  return `${hex(i * 37 + 1, 4)}${group[0]}-${hex(i, 4)}-4${hex(i * 5, 3)}-8${hex(i * 11, 3)}-${hex(i * 7919, 8)}${group[1]}`;
});

/** An id from the pool: as stored, upper-cased, or a fresh copy of the same characters. */
const idArb = fc.tuple(fc.nat(ids.length - 1), fc.constantFrom('same', 'upper', 'copy')).map(([i, how]) => {
  if (how === 'upper') return ids[i].toUpperCase();
  if (how === 'copy') return Buffer.from(ids[i], 'latin1').toString('latin1');
  return ids[i];
});
// Lengths cross block sizes (4 bytes a word), so updates both stay in and leave their block.
const pathArb = fc.integer({ min: 1, max: 40 }).chain((n) => fc.constantFrom(`/${'a'.repeat(n)}`, `/é${'b'.repeat(n)}`));

type Model = Map<string, string>;

function words(id: string): Int32Array {
  const out = new Int32Array(4);
  assert.ok(parseIdInto(id, out, 0));
  return out;
}

function check(model: Model, index: MemoryIndex, touched: string[]): void {
  for (const id of touched) {
    assert.equal(index.get(id), model.get(id.toLowerCase()), `get ${id}`);
    assert.equal(index.has(id), model.has(id.toLowerCase()), `has ${id}`);
  }
  assert.equal(index.size, model.size);
}

type Step = (model: Model, index: MemoryIndex) => string[];

const steps: fc.Arbitrary<Step>[] = [
  idArb.map((id) => (model, index) => {
    assert.equal(index.get(id), model.get(id.toLowerCase()));
    return [id];
  }),
  fc.tuple(idArb, pathArb).map(([id, path]) => (model, index) => {
    assert.equal(index.insert(id, path), !model.has(id.toLowerCase()));
    model.set(id.toLowerCase(), path);
    return [id];
  }),
  idArb.map((id) => (model, index) => {
    assert.equal(index.delete(id), model.delete(id.toLowerCase()));
    return [id];
  }),
  // A write as the storage layer makes it (log replay, a durable insert): parsed words and bytes.
  fc.tuple(idArb, pathArb).map(([id, path]) => (model, index) => {
    const k = words(id);
    const bytes = Buffer.from(path, 'utf8');
    assert.equal(index.insertEncoded(k[0], k[1], k[2], k[3], bytes, 0, bytes.length), !model.has(id.toLowerCase()));
    model.set(id.toLowerCase(), path);
    return [id];
  }),
  idArb.map((id) => (model, index) => {
    const k = words(id);
    assert.equal(index.deleteEncoded(k[0], k[1], k[2], k[3]), model.delete(id.toLowerCase()));
    return [id];
  }),
  // A write group of the OptimizedIndex: distinct ids, as words.
  fc.uniqueArray(fc.tuple(fc.nat(ids.length - 1), fc.option(pathArb, { nil: undefined })), { selector: ([i]) => i, maxLength: 6 }).map((group) => (model, index) => {
    const inserts = group.filter(([, path]) => path !== undefined) as [number, string][];
    const deletes = group.filter(([, path]) => path === undefined);
    const keys = (list: [number, unknown][]): Int32Array => {
      const out = new Int32Array(4 * list.length);
      list.forEach(([i], k) => out.set(words(ids[i]), 4 * k));
      return out;
    };
    index.applyParsedGroup(keys(inserts), inserts.map(([, path]) => path), keys(deletes));
    for (const [i, path] of inserts) model.set(ids[i], path);
    for (const [i] of deletes) model.delete(ids[i]);
    return group.map(([i]) => ids[i]);
  }),
  fc.array(fc.tuple(idArb, pathArb), { maxLength: 8 }).map((pairs) => (model, index) => {
    index.bulkInsert(pairs);
    for (const [id, path] of pairs) model.set(id.toLowerCase(), path);
    return pairs.map(([id]) => id);
  }),
  fc.array(idArb, { maxLength: 8 }).map((list) => (model, index) => {
    index.bulkDelete(list);
    for (const id of list) model.delete(id.toLowerCase());
    return list;
  }),
  fc.constant<Step>((_model, index) => {
    index.compact();
    return [];
  }),
  // Readers of the heap itself, which must see every deferred update.
  fc.constant<Step>((model, index) => {
    assert.deepEqual([...index.range()], sorted(model));
    return [];
  }),
  fc.array(idArb, { maxLength: 8 }).map((list) => (model, index) => {
    assert.deepEqual(index.bulkGet(list).values, list.map((id) => model.get(id.toLowerCase())));
    return list;
  }),
  // Reader threads come and go: updates are written through while they share the tree.
  fc.constant<Step>((_model, index) => {
    const shared = (index as unknown as { guard: unknown }).guard !== null;
    index.setWriteGuard(shared ? null : { acquire() {}, release() {} });
    return [];
  }),
  // Enough new ids to grow the table (64 lines) while lines are dirty, then gone again.
  fc.constant<Step>((model, index) => {
    const fresh = Array.from({ length: 70 }, (_, i) => `${hex(i, 8)}-0000-4000-8000-${hex(i * 7, 12)}`);
    for (const id of fresh) index.insert(id, '/fresh');
    for (const id of fresh) assert.equal(index.get(id), '/fresh');
    for (const id of fresh) index.delete(id);
    return [...model.keys()];
  }),
];

function sorted(model: Model): [string, string][] {
  return [...model.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1));
}

/** The path the heap itself holds for `id` (no hot line, nothing written back first). */
function heapPath(index: MemoryIndex, id: string): string | undefined {
  const tree = (index as unknown as { btree: BTree }).btree;
  const k = words(id);
  const at = tree.findAt(k[0], k[1], k[2], k[3]);
  return at === NONE ? undefined : tree.heap.read(tree.arena.words[at]);
}

const hotOf = (index: MemoryIndex): HotIds => (index as unknown as { hot: HotIds }).hot;

describe('hot-id table', () => {
  it('a line forgotten by key words is the line the id string was remembered in, in any case', () => {
    fc.assert(
      fc.property(fc.uuid({ version: [1, 4, 7] }), fc.boolean(), (uuid, upper) => {
        fc.pre(!/^0{8}-0{4}-0{4}-0{4}-0{12}$/.test(uuid));
        const hot = new HotIds();
        const spelled = upper ? uuid.toUpperCase() : uuid;
        hot.remember(spelled, 7, '/p', 0, 0);
        assert.ok(!hot.hit(spelled)); // admitted the second time it comes
        hot.remember(spelled, 7, '/p', 0, 0);
        assert.ok(hot.hit(spelled));
        const k = words(uuid);
        hot.forgetKey(k[0], k[3]);
        assert.ok(!hot.hit(spelled));
      }),
      { numRuns: 500, seed: 0x40a7 },
    );
  });

  it('only the identical string hits; anything that is not a 36-character string misses without throwing', () => {
    const hot = new HotIds();
    hot.remember(ids[0], 3, '/a', 0, 0);
    hot.remember(ids[0], 3, '/a', 0, 0);
    assert.ok(hot.hit(ids[0]));
    assert.ok(!hot.hit(ids[2])); // same line, another id
    for (const bad of [undefined, null, 42, {}, '', ids[0].slice(1)]) assert.equal(hot.hit(bad), false);
    hot.forgetAll();
    assert.ok(!hot.hit(ids[0]));
  });

  it('an update of a hot id after compaction (every block moved) lands in its new block', () => {
    const index = createMemoryIndex({ order: 3 });
    ids.forEach((id, i) => index.insert(id, '/x'.repeat(i + 1)));
    index.delete(ids[0]);
    assert.equal(index.get(ids[5]), '/x'.repeat(6)); // now hot
    index.compact();
    index.insert(ids[5], `/${'y'.repeat(40)}`);
    index.insert(ids[5], '/z');
    assert.deepEqual(checkInvariants(index.tree), []);
    assert.deepEqual([...index.range()].map(([id]) => index.get(id)), [...index.range()].map(([, path]) => path));
    assert.equal(index.get(ids[5]), '/z');
  });

  it('hotIds: false keeps no line (every get parses and descends)', () => {
    const on = createMemoryIndex();
    const off = createMemoryIndex({ hotIds: false });
    for (const index of [on, off]) {
      ids.forEach((id, i) => index.insert(id, `/p${i}`));
      ids.forEach((id, i) => assert.equal(index.get(id), `/p${i}`));
    }
    assert.ok(hotOf(on).hit(ids[7]), 'on: the last id read of its line is remembered');
    assert.ok(!ids.some((id) => hotOf(off).hit(id)), 'off: no id is remembered');
    assert.ok(on.analyze().cacheBytes > off.analyze().cacheBytes, 'on holds the strings of its lines');
    assert.throws(() => createMemoryIndex({ hotIds: 'yes' as unknown as boolean }), /hotIds must be true or false/);
  });

  it('the table grows with the index and shrinks at compaction, and answers stay exact across each resize', () => {
    const index = createMemoryIndex({ order: 8 });
    const hot = (index as unknown as { hot: HotIds }).hot;
    const model: Model = new Map();
    const many = Array.from({ length: 3000 }, (_, i) => `${hex(i * 2654435761, 8)}-${hex(i, 4)}-4${hex(i * 7, 3)}-8${hex(i * 13, 3)}-${hex(i * 40503, 12)}`);
    assert.equal(hot.lines, 64, 'an empty index starts with 64 lines');
    const put = (id: string, path: string): void => {
      index.insert(id, path);
      model.set(id, path);
    };
    many.slice(0, 500).forEach((id, i) => {
      put(id, `/one/${i}`);
      index.get(id);
      index.get(id);
    });
    assert.equal(hot.lines, 512, 'one line per entry, rounded up to a power of two');
    const bulk = many.slice(500).map((id, i) => [id, `/bulk/${i}`] as [string, string]);
    index.bulkInsert(bulk);
    for (const [id, path] of bulk) model.set(id, path);
    assert.equal(hot.lines, 4096);
    for (const id of many) assert.equal(index.get(id), model.get(id), `after growth: ${id}`);
    index.bulkDelete(many.slice(0, 2900));
    for (const id of many.slice(0, 2900)) model.delete(id);
    for (const id of many.slice(2900)) put(id, `/moved/${'m'.repeat(id.charCodeAt(0) % 30)}`);
    index.compact();
    assert.equal(hot.lines, 128, 'compaction fits the table to what is left');
    for (const id of many) assert.equal(index.get(id), model.get(id), `after compaction: ${id}`);
    for (const id of many.slice(2900)) put(id, '/last');
    for (const id of many) assert.equal(index.get(id), model.get(id), `last: ${id}`);
    assert.deepEqual(checkInvariants(index.tree), []);
  });

  /** An index holding ids[3] at '/short', remembered, with lookups now bypassing the table. */
  function bypassingWithIdRemembered(): { index: MemoryIndex; hot: HotIds; absent: string } {
    const index = createMemoryIndex({ order: 4 });
    const hot = (index as unknown as { hot: HotIds }).hot;
    index.insert(ids[3], '/short');
    index.get(ids[3]);
    index.get(ids[3]); // remembered (the second time)
    const absent = ids[3].replace(/^..../, 'ffff');
    for (let i = 0; i < 5000 && !hot.bypassed; i++) index.get(absent);
    assert.ok(hot.bypassed, 'a window without hits turns the bypass on');
    return { index, hot, absent };
  }

  it('while lookups bypass the table (few hits), a change of a remembered id still reaches it', () => {
    const { index, hot, absent } = bypassingWithIdRemembered();
    index.insert(ids[3], `/${'m'.repeat(60)}`); // another block
    for (let i = 0; i < 100_000 && hot.bypassed; i++) index.get(absent);
    assert.ok(!hot.bypassed, 'the bypass ends');
    assert.equal(index.get(ids[3]), `/${'m'.repeat(60)}`);
    index.get(ids[3]);
    index.insert(ids[3], '/again');
    assert.equal(index.get(ids[3]), '/again');
    assert.deepEqual(checkInvariants(index.tree), []);
  });

  it('a get while lookups bypass the table keeps the line of its id (a read changes no block)', () => {
    const { index, hot, absent } = bypassingWithIdRemembered();
    assert.equal(index.get(ids[3]), '/short');
    for (let i = 0; i < 100_000 && hot.bypassed; i++) index.get(absent);
    assert.ok(!hot.bypassed, 'the bypass ends');
    assert.ok(hot.hit(ids[3]), 'the line read during the bypass still holds its id');
    assert.equal(hot.lastPath(), '/short');
  });

  /** An index whose ids[5] was read twice (so it is hot) and then updated to a path of another size. */
  function withDeferredUpdate(): MemoryIndex {
    const index = createMemoryIndex({ order: 4 });
    ids.forEach((id, i) => index.insert(id, `/p${i}`));
    index.get(ids[5]);
    index.get(ids[5]);
    index.insert(ids[5], `/${'d'.repeat(30)}`);
    assert.equal(hotOf(index).dirtyCount, 1, 'the update waits in its line');
    assert.equal(heapPath(index, ids[5]), '/p5', 'the heap still holds the old path');
    assert.equal(index.get(ids[5]), `/${'d'.repeat(30)}`);
    return index;
  }

  const heapReaders: [string, (index: MemoryIndex) => unknown][] = [
    ['tree (snapshots, invariant checks)', (index) => index.tree],
    ['heap', (index) => index.heap],
    ['range', (index) => [...index.range(ids[0])]],
    ['bulkGet', (index) => index.bulkGet([ids[1]])],
    ['analyze', (index) => index.analyze()],
    ['compact', (index) => index.compact()],
    ['a reader pool', (index) => index.setWriteGuard({ acquire() {}, release() {} })],
    ['sharedHandles', (index) => index.sharedHandles()],
    ['a get in another spelling', (index) => index.get(ids[5].toUpperCase())],
    ['an update in another spelling', (index) => index.insert(ids[5].toUpperCase(), '/upper')],
    [
      'a raw write of its key',
      (index) => {
        const k = words(ids[5]);
        return index.insertEncoded(k[0], k[1], k[2], k[3], Buffer.from('/raw'), 0, 4);
      },
    ],
    ['a delete', (index) => index.delete(ids[5])],
    ['a bulk insert of its key', (index) => index.bulkInsert([[ids[5], '/bulk']])],
  ];
  for (const [name, read] of heapReaders) {
    it(`an update deferred in a hot line reaches the heap before ${name} reads or changes it`, () => {
      const index = withDeferredUpdate();
      const model: Model = new Map(ids.map((id, i) => [id, i === 5 ? `/${'d'.repeat(30)}` : `/p${i}`]));
      read(index);
      assert.equal(hotOf(index).dirtyCount, 0);
      if (name === 'a raw write of its key') model.set(ids[5], '/raw');
      if (name === 'an update in another spelling') model.set(ids[5], '/upper');
      if (name === 'a delete') model.delete(ids[5]);
      if (name === 'a bulk insert of its key') model.set(ids[5], '/bulk');
      for (const id of ids) assert.equal(heapPath(index, id), model.get(id), `heap: ${id}`);
      assert.deepEqual(checkInvariants(index.tree), []);
      assert.deepEqual([...index.range()], sorted(model));
    });
  }

  it('hundreds of dirty lines at once (the dirty set grows) are all written back, in their new blocks', () => {
    const index = createMemoryIndex({ order: 8 });
    const many = Array.from({ length: 600 }, (_, i) => `${hex(i * 2654435761, 8)}-${hex(i, 4)}-4${hex(i * 7, 3)}-8${hex(i * 13, 3)}-${hex(i * 40503, 12)}`);
    const model: Model = new Map();
    many.forEach((id, i) => {
      index.insert(id, `/old/${i}`);
      model.set(id, `/old/${i}`);
    });
    for (const id of many) index.get(id);
    for (const id of many) index.get(id);
    many.forEach((id, i) => {
      index.insert(id, `/new/${'n'.repeat(i % 40)}`);
      model.set(id, `/new/${'n'.repeat(i % 40)}`);
    });
    assert.ok(hotOf(index).dirtyCount > 64, `${hotOf(index).dirtyCount} dirty lines`);
    assert.deepEqual([...index.range()], sorted(model));
    assert.equal(hotOf(index).dirtyCount, 0);
    for (const id of many) assert.equal(heapPath(index, id), model.get(id));
    assert.deepEqual(checkInvariants(index.tree), []);
  });

  it('while reader threads share the tree, an update of a hot id is written through', () => {
    const index = withDeferredUpdate();
    index.setWriteGuard({ acquire() {}, release() {} });
    index.insert(ids[5], '/through');
    assert.equal(hotOf(index).dirtyCount, 0);
    assert.equal(heapPath(index, ids[5]), '/through');
    index.setWriteGuard(null);
    index.insert(ids[5], '/deferred');
    assert.equal(hotOf(index).dirtyCount, 1, 'alone again: deferred');
  });

  /** Ids of the line of ids[5] in a 64-line table under other tags (the `ids` of one line share a tag). */
  function otherTagsOfLine(count: number): string[] {
    const found: string[] = [];
    for (let i = 0; found.length < count; i++) {
      const candidate = `${hex(i, 8)}-1111-4222-8333-${hex(i * 31, 12)}`;
      const probe = new HotIds();
      probe.remember(ids[5], 1, '/x', 0, 0);
      probe.remember(ids[5], 1, '/x', 0, 0);
      probe.remember(candidate, 2, '/y', 0, 0);
      probe.remember(candidate, 2, '/y', 0, 0);
      if (!probe.hit(ids[5])) found.push(candidate); // it took the line
    }
    return found;
  }

  it('a dirty line refuses ids of other tags until a window of refusals writes it back', () => {
    const index = withDeferredUpdate();
    const hot = hotOf(index);
    const [a] = otherTagsOfLine(1);
    index.insert(a, '/a');
    index.get(a);
    index.get(a);
    assert.ok(!hot.hit(a), 'refused: the line keeps the update of ids[5]');
    assert.ok(hot.hit(ids[5]));
    // Half the lookups hit ids[5] (no bypass), the other half are refused.
    let lookups = 0;
    while (hot.dirtyCount > 0 && lookups < 3 * 4096) index.get(lookups++ % 2 === 0 ? a : ids[5]);
    assert.equal(hot.dirtyCount, 0, 'a window of refusals wrote the line back');
    assert.ok(lookups <= 4096, `within a window (${lookups} lookups)`);
    assert.equal(heapPath(index, ids[5]), `/${'d'.repeat(30)}`);
    index.get(a);
    assert.ok(hot.hit(a), 'then the line takes another id');
    assert.equal(index.get(ids[5]), `/${'d'.repeat(30)}`);
  });

  for (const order of [3, 4, 63]) {
    it(`order ${order}: ids sharing lines, every spelling, moving blocks, raw, grouped and bulk writes agree with a Map`, () => {
      fc.assert(
        fc.property(fc.array(fc.oneof(...steps), { maxLength: 80 }), (run) => {
          const model: Model = new Map();
          const index = createMemoryIndex({ order });
          for (const step of run) check(model, index, step(model, index));
          check(model, index, ids);
          assert.deepEqual(checkInvariants(index.tree), []);
          assert.deepEqual([...index.range()], sorted(model));
        }),
        { numRuns: 300, seed: 0x407 + order },
      );
    });
  }
});
