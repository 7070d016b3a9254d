import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import {
  IndexError,
  createMemoryIndex,
  formatDocumentId,
  isDocumentId,
  normalizeDocumentId,
  parseDocumentId,
} from '../../index/index.js';
import { pagesForBuild } from '../../index/tree/bulk.js';
import { checkInvariants } from '../../index/tree/analysis.js';
import { assertMatches, pathFor, sequentialId, spreadId } from './helpers.js';

function expectIndexError(fn: () => unknown, code: string, mentions: string): void {
  assert.throws(fn, (error: unknown) => {
    assert.ok(error instanceof IndexError, `expected IndexError, got ${String(error)}`);
    assert.equal(error.code, code);
    assert.ok(error.message.includes(mentions), `message "${error.message}" should mention ${mentions}`);
    return true;
  });
}

describe('document ids', () => {
  it('round-trips through four words, accepts any case, outputs lowercase', () => {
    const id = '0191F3A2-7C4E-7B1D-9A53-1F0C2E4D5B6A';
    const words = parseDocumentId(id);
    assert.deepEqual([...words], [0x0191f3a2, 0x7c4e7b1d, 0x9a531f0c, 0x2e4d5b6a]);
    assert.equal(formatDocumentId(words), id.toLowerCase());
    assert.equal(normalizeDocumentId(id), id.toLowerCase());
    assert.equal(formatDocumentId(parseDocumentId('ffffffff-ffff-ffff-ffff-ffffffffffff')), 'ffffffff-ffff-ffff-ffff-ffffffffffff');
  });

  it('rejects malformed ids and the nil UUID with INVALID_ID naming the value', () => {
    const bad = [
      '',
      'not-a-uuid',
      '0191f3a2-7c4e-7b1d-9a53-1f0c2e4d5b6', // 35 chars
      '0191f3a2-7c4e-7b1d-9a53-1f0c2e4d5b6aa',
      '0191f3a2x7c4e-7b1d-9a53-1f0c2e4d5b6a',
      '0191f3a2-7c4e-7b1d-9a53-1f0c2e4d5b6g',
      'g191f3a2-7c4e-7b1d-9a53-1f0c2e4d5b6a',
      '0191f3a2-7c4e-7b1d-9a5\u00e9-1f0c2e4d5b6a',
      '{0191f3a2-7c4e-7b1d-9a53-1f0c2e4d5b6}',
    ];
    for (const id of bad) {
      assert.equal(isDocumentId(id), false, id);
      expectIndexError(() => parseDocumentId(id), 'INVALID_ID', JSON.stringify(id));
    }
    expectIndexError(() => parseDocumentId('00000000-0000-0000-0000-000000000000'), 'INVALID_ID', 'nil UUID');
    expectIndexError(() => parseDocumentId(42 as unknown as string), 'INVALID_ID', 'number 42');
  });
});

describe('memory index edge cases', () => {
  it('empty tree answers every call', () => {
    const index = createMemoryIndex();
    assert.equal(index.size, 0);
    assert.equal(index.get(spreadId(1)), undefined);
    assert.equal(index.has(spreadId(1)), false);
    assert.equal(index.delete(spreadId(1)), false);
    assert.deepEqual([...index.range()], []);
    assert.equal(index.bulkDelete([spreadId(1)]).deleted, 0);
    assert.deepEqual(index.bulkGet([spreadId(1)]).values, [undefined]);
    assert.equal(index.bulkInsert([]).strategy, 'empty');
    const analysis = index.analyze();
    assert.equal(analysis.entries, 0);
    assert.equal(analysis.depth, 1);
    assert.equal(analysis.balanceFactor, 1);
    index.compact();
    assert.deepEqual(checkInvariants(index.tree), []);
  });

  it('one entry: insert, replace, delete', () => {
    const index = createMemoryIndex();
    assert.equal(index.insert(spreadId(7), '/a'), true);
    assert.equal(index.insert(spreadId(7).toUpperCase(), '/b'), false);
    assert.equal(index.get(spreadId(7)), '/b');
    assert.deepEqual([...index.range()], [[spreadId(7), '/b']]);
    assert.equal(index.delete(spreadId(7)), true);
    assertMatches(index, new Map());
  });

  it('exact page boundaries, inserting one by one and bulk-building', () => {
    const order = 8;
    for (const n of [order - 1, order, order + 1, order * (order + 1), order * (order + 1) + 1, order * (order + 1) ** 2]) {
      const model = new Map<string, string>();
      const oneByOne = createMemoryIndex({ order });
      for (let i = 0; i < n; i++) {
        oneByOne.insert(spreadId(i), pathFor(i));
        model.set(spreadId(i), pathFor(i));
      }
      assertMatches(oneByOne, model);
      const built = createMemoryIndex({ order });
      built.bulkInsert([...model.entries()]);
      assertMatches(built, model);
      assert.equal(built.tree.pagesInUse, pagesForBuild(n, order), `n=${n}`);
      for (let i = 0; i < n; i += 2) {
        oneByOne.delete(spreadId(i));
        built.delete(spreadId(i));
        model.delete(spreadId(i));
      }
      assertMatches(oneByOne, model);
      assertMatches(built, model);
      for (const id of [...model.keys()]) {
        oneByOne.delete(id);
        model.delete(id);
      }
      assertMatches(oneByOne, model);
      assert.equal(oneByOne.analyze().depth, 1);
    }
  });

  it('1M sequential ids: append splits fill leaves, every id is found, deletes shrink the tree back', () => {
    const index = createMemoryIndex();
    const n = 1_000_000;
    for (let i = 0; i < n; i++) index.insert(sequentialId(i), '/s');
    assert.deepEqual(checkInvariants(index.tree), []);
    const analysis = index.analyze();
    assert.equal(analysis.entries, n);
    assert.ok(analysis.meanLeafFill > 0.99, `append splits should leave leaves full, mean fill ${analysis.meanLeafFill}`);
    for (let i = 0; i < n; i += 997) assert.equal(index.get(sequentialId(i)), '/s');
    assert.equal(index.bulkGet(Array.from({ length: 1000 }, (_, i) => sequentialId(i * 999))).found, 1000);
    for (let i = 0; i < n; i += 2) index.delete(sequentialId(i));
    assert.deepEqual(checkInvariants(index.tree), []);
    assert.equal(index.size, n / 2);
    const bulk = createMemoryIndex();
    bulk.bulkInsert(Array.from({ length: n }, (_, i) => [sequentialId(n - 1 - i), '/b'] as const));
    assert.deepEqual(checkInvariants(bulk.tree), []);
    assert.equal(bulk.range().next().value?.[0], sequentialId(0));
  });

  it('paths up to 4096 UTF-8 bytes and unicode round-trip exactly', () => {
    const index = createMemoryIndex();
    const paths = [
      'p'.repeat(4096),
      '\u00e9'.repeat(2048), // 2 bytes each: exactly 4096 bytes
      '\u65e5'.repeat(1365) + 'a', // 3 * 1365 + 1 = 4096 bytes
      '/docs/\u{1F600}/r\u00e9sum\u00e9.pdf',
      '/\u05e9\u05dc\u05d5\u05dd/\u4e16\u754c',
      'x',
      '.hidden/..name/a..b',
    ];
    paths.forEach((path, i) => index.insert(spreadId(i), path));
    paths.forEach((path, i) => assert.equal(index.get(spreadId(i)), path));
    assert.deepEqual(
      index.bulkGet(paths.map((_, i) => spreadId(i))).values,
      paths,
    );
    index.compact();
    paths.forEach((path, i) => assert.equal(index.get(spreadId(i)), path));
  });

  it('every invalid input throws a named error and changes nothing', () => {
    const index = createMemoryIndex({ order: 5 });
    for (let i = 0; i < 100; i++) index.insert(spreadId(i), pathFor(i));
    const before = [...index.range()];
    const analysisBefore = index.analyze();
    const good = spreadId(500);
    const badPaths: [unknown, string][] = [
      ['', 'empty'],
      ['p'.repeat(4097), '4097'],
      ['\u00e9'.repeat(2049), '4098'],
      ['\u65e5'.repeat(1366), '4098'],
      ['/a\0b', 'NUL'],
      ['..', "'..'"],
      ['../etc', "'..'"],
      ['/a/../b', "'..'"],
      ['/a/..', "'..'"],
      ['a\\..\\b', "'..'"],
      ['/bad\uD800surrogate', 'surrogate'],
      [42, 'string'],
      [null, 'string'],
    ];
    for (const [path, mention] of badPaths) {
      expectIndexError(() => index.insert(good, path as string), 'INVALID_PATH', mention);
      expectIndexError(() => index.bulkInsert([[spreadId(600), '/fine'], [good, path as string]]), 'INVALID_PATH', 'pairs[1]');
    }
    const badIds: unknown[] = ['nope', '00000000-0000-0000-0000-000000000000', 7, undefined, spreadId(1).slice(1)];
    for (const id of badIds) {
      expectIndexError(() => index.insert(id as string, '/x'), 'INVALID_ID', 'invalid document id');
      expectIndexError(() => index.get(id as string), 'INVALID_ID', 'invalid document id');
      expectIndexError(() => index.delete(id as string), 'INVALID_ID', 'invalid document id');
      expectIndexError(() => index.bulkInsert([[spreadId(601), '/fine'], [id as string, '/x']]), 'INVALID_ID', 'pairs[1]');
      expectIndexError(() => index.bulkDelete([spreadId(1), id as string]), 'INVALID_ID', 'ids[1]');
      expectIndexError(() => index.bulkGet([spreadId(1), id as string]), 'INVALID_ID', 'ids[1]');
      if (id !== undefined) expectIndexError(() => index.range(id as string), 'INVALID_ID', 'range start');
    }
    expectIndexError(() => index.bulkInsert([[spreadId(602), '/fine'], 'oops' as unknown as [string, string]]), 'INVALID_ARGUMENT', 'pairs[1]');
    expectIndexError(() => index.bulkInsert(null as unknown as []), 'INVALID_ARGUMENT', 'null');
    expectIndexError(() => createMemoryIndex({ order: 2 }), 'INVALID_ARGUMENT', 'order');
    for (const limit of [-1, 1.5, NaN, '3', null]) expectIndexError(() => index.range(undefined, undefined, limit as number), 'INVALID_ARGUMENT', 'range limit');
    assert.deepEqual([...index.range()], before);
    const analysisAfter = index.analyze();
    assert.equal(analysisAfter.entries, analysisBefore.entries);
    assert.equal(analysisAfter.rawBytes, analysisBefore.rawBytes);
    assert.deepEqual(checkInvariants(index.tree), []);
  });

  it('bulk results report measured figures', () => {
    const index = createMemoryIndex({ order: 16 });
    const pairs = Array.from({ length: 5000 }, (_, i) => [spreadId(i), pathFor(i)] as [string, string]);
    const built = index.bulkInsert(pairs);
    assert.equal(built.strategy, 'build');
    assert.equal(built.inserted, 5000);
    assert.equal(built.operations, 5000);
    assert.equal(built.balanceFactor, 1);
    assert.ok(built.memoryDeltaBytes > 0);
    assert.ok(built.durationMs > 0 && Number.isFinite(built.opsPerSec));
    const phases = built.phasesMs;
    assert.ok(phases.parseMs + phases.encodeMs + phases.sortMs + phases.applyMs <= built.durationMs + 1e-6);
    const small = index.bulkInsert(pairs.slice(0, 10).map(([id]) => [id, '/updated'] as [string, string]));
    assert.equal(small.strategy, 'sorted');
    assert.equal(small.updated, 10);
    const merged = index.bulkInsert(Array.from({ length: 4000 }, (_, i) => [spreadId(10_000 + i), '/m'] as [string, string]));
    assert.equal(merged.strategy, 'merge');
    const got = index.bulkGet([spreadId(1), spreadId(99_999), spreadId(1)]);
    assert.deepEqual(got.values, ['/updated', undefined, '/updated']);
    assert.equal(got.found, 2);
  });

  it('compact after deleting 90% gives back the freed memory (compared with a fresh build of the rest)', () => {
    const n = 100_000;
    const index = createMemoryIndex();
    for (let i = 0; i < n; i++) index.insert(spreadId(i), pathFor(i));
    const full = index.analyze().bytesAllocated;
    const doomed = Array.from({ length: n }, (_, i) => spreadId(i)).filter((_, i) => i % 10 !== 0);
    index.bulkDelete(doomed);
    const fresh = createMemoryIndex();
    fresh.bulkInsert([...index.range()]);
    fresh.compact();
    index.compact();
    const after = index.analyze().bytesAllocated;
    const ideal = fresh.analyze().bytesAllocated;
    assert.ok(after <= ideal, `compacted ${after} bytes, a fresh build of the rest holds ${ideal}`);
    assert.ok((full - after) / (full - ideal) >= 0.97);
    assert.equal(index.analyze().heapFragmentation, 0);
  });
});
