/**
 * Concurrent reads: a torn-read stress test (a writer rewrites pairs of keys in bulk calls while
 * workers read them), the readers-writer lock's rules across threads, and workers that die.
 */
import { describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import { IndexError, RwLock, createMemoryIndex, createReaderPool } from '../../index/index.js';
import { checkInvariants } from '../../index/tree/analysis.js';
import { nextMessage, startTsWorker } from '../fixtures/workers.js';
import { spreadId } from './helpers.js';

const lockWorker = new URL('../fixtures/lock-worker.ts', import.meta.url);

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  return Promise.race([promise, new Promise<T>((_, reject) => setTimeout(() => reject(new Error(`${what} hung for ${ms} ms`)), ms).unref())]);
}

describe('torn reads', () => {
  it('readers never see a half-applied change: every value is whole and both keys of a pair come from one bulk call', async () => {
    const pairs = 60;
    const a = (i: number) => spreadId(i);
    const b = (i: number) => spreadId(10_000 + i);
    const valueOf = (side: string, i: number, version: number) => `/v/${version}/${side}/${i}/${'x'.repeat((version * 7 + i) % 90)}`;
    const parse = /^\/v\/(\d+)\/([ab])\/(\d+)\/x*$/;
    const index = createMemoryIndex({ order: 4 });
    const write = (version: number) => {
      const batch: [string, string][] = [];
      for (let i = 0; i < pairs; i++) batch.push([a(i), valueOf('a', i, version)], [b(i), valueOf('b', i, version)]);
      index.bulkInsert(batch);
      // Churn other keys too, so splits, merges and page reuse happen between the pair updates.
      const churn = Array.from({ length: 40 }, (_, j) => spreadId(50_000 + ((version * 13 + j) % 300)));
      if (version % 2 === 0) index.bulkInsert(churn.map((id) => [id, `/churn/${version}`] as [string, string]));
      else index.bulkDelete(churn);
    };
    write(1);
    const pool = createReaderPool(index, { workers: 2, holdOps: 16 });
    const keys = Array.from({ length: pairs }, (_, i) => [a(i), b(i)]).flat();
    let written = 1;
    let violations: string[] = [];
    let reads = 0;
    let writing = true;
    const seen = new Set<number>();
    // The writer keeps going until the readers have done 300 batch reads (or 20000 versions).
    const writer = (async () => {
      for (let version = 2; reads < 300 && version <= 20_000; version++) {
        write(version);
        written = version;
        await yieldToLoop();
      }
      writing = false;
    })();
    const reader = async (consistent: boolean) => {
      while (writing) {
        const values = await pool.getMany(keys, { consistent });
        reads++;
        for (let i = 0; i < pairs; i++) {
          const va = parse.exec(values[2 * i] ?? '');
          const vb = parse.exec(values[2 * i + 1] ?? '');
          if (!va || !vb) {
            violations.push(`pair ${i}: not a whole value: ${values[2 * i]} / ${values[2 * i + 1]}`);
            continue;
          }
          const [versionA, versionB] = [Number(va[1]), Number(vb[1])];
          if (values[2 * i] !== valueOf('a', i, versionA) || values[2 * i + 1] !== valueOf('b', i, versionB)) violations.push(`pair ${i}: value altered`);
          if (versionA > written || versionB > written) violations.push(`pair ${i}: version from the future`);
          // Within one lock hold (consistent), both keys of a pair come from the same bulk call.
          if (consistent && versionA !== versionB) violations.push(`pair ${i}: a from version ${versionA}, b from ${versionB}`);
          seen.add(versionA);
        }
        if (violations.length > 10) violations = violations.slice(0, 10);
      }
    };
    await withTimeout(Promise.all([writer, reader(true), reader(true), reader(false)]), 120_000, 'the stress test');
    await pool.close();
    assert.deepEqual(violations, []);
    assert.ok(reads >= 300, `${reads} batch reads`);
    assert.ok(seen.size > 20, `readers saw ${seen.size} different versions`);
    assert.deepEqual(checkInvariants(index.tree), []);
  });
});

describe('readers-writer lock across threads', () => {
  it('prefers writers: once a writer waits, new readers wait too', async () => {
    const lock = new RwLock(undefined, 8);
    assert.ok(lock.tryRead());
    const writer = startTsWorker(lockWorker, { lock: lock.buffer, mode: 'write' });
    const writerInside = nextMessage(writer);
    while (lock.metrics().pendingWriters === 0) await new Promise((r) => setTimeout(r, 2));
    assert.equal(lock.tryRead(), false, 'a reader may not enter while a writer waits');
    lock.releaseRead();
    assert.equal(await withTimeout(writerInside, 10_000, 'the writer'), 'write-inside');
    assert.equal(lock.tryRead(), false, 'nor while it is inside');
    writer.postMessage('release');
    assert.equal(await nextMessage(writer), 'write-released');
    assert.ok(lock.tryRead());
    lock.releaseRead();
    await writer.terminate();
  });

  it('maxConcurrentReaders caps the readers inside: the measured peak equals the cap', async () => {
    for (const cap of [1, 2, 3]) {
      const lock = new RwLock(undefined, cap);
      const counter = new SharedArrayBuffer(8);
      // `seed` carries the number of workers to wait for at the start barrier.
      const workers = Array.from({ length: 4 }, () => startTsWorker(lockWorker, { lock: lock.buffer, mode: 'cap', counter, rounds: 25, holdMs: 3, seed: 4 }));
      const peaks = await withTimeout(Promise.all(workers.map((w) => nextMessage<number>(w))), 60_000, 'the cap test');
      assert.equal(Math.max(...peaks), cap, `peaks ${peaks} with cap ${cap}`);
      assert.equal(lock.metrics().peakReaders, cap);
      await Promise.all(workers.map((w) => w.terminate()));
    }
  });

  it('a reader that cannot get in within its timeout gets a clear TIMEOUT error', async () => {
    const lock = new RwLock(undefined, 2);
    assert.ok(lock.tryWrite());
    const reader = startTsWorker(lockWorker, { lock: lock.buffer, mode: 'read-timeout', timeoutMs: 150 });
    const message = await withTimeout(nextMessage<string>(reader), 10_000, 'the timeout test');
    assert.match(message, /^TIMEOUT: could not take the read lock within 150 ms \(0 readers inside, writer inside, 0 writers waiting\)$/);
    lock.releaseWrite();
    assert.equal(lock.metrics().pendingReaders, 0, 'a reader that gave up is no longer pending');
    await reader.terminate();
  });

  it('a random schedule of readers and writers on three threads completes, writers always alone', async () => {
    const lock = new RwLock(undefined, 2);
    const counter = new SharedArrayBuffer(12);
    const workers = [1, 2, 3].map((seed) => startTsWorker(lockWorker, { lock: lock.buffer, mode: 'random', counter, rounds: 600, seed }));
    const results = await withTimeout(Promise.all(workers.map((w) => nextMessage(w))), 60_000, 'the random schedule');
    assert.deepEqual(results, ['done', 'done', 'done']);
    assert.equal(new Int32Array(counter)[2], 0, 'no writer ever shared the lock');
    const metrics = lock.metrics();
    assert.equal(metrics.acquisitions, 1800);
    assert.ok(metrics.contendedAcquisitions > 0 && metrics.contentionRatio < 1);
    assert.equal(metrics.activeReaders + metrics.activeWriters + metrics.pendingReaders + metrics.pendingWriters, 0);
    await Promise.all(workers.map((w) => w.terminate()));
  });
});

describe('reader pool', () => {
  it('answers in input order, reports bad ids, and counts work done in the workers', async () => {
    const index = createMemoryIndex();
    const pairs = Array.from({ length: 5000 }, (_, i) => [spreadId(i), `/p/${i}`] as [string, string]);
    index.bulkInsert(pairs);
    const pool = createReaderPool(index, { workers: 2 });
    const ids = [...pairs.map((p) => p[0]), spreadId(99_999)];
    assert.deepEqual(await pool.getMany(ids), [...pairs.map((p) => p[1]), undefined]);
    const counts = await pool.readWorkload(ids, { decode: true });
    assert.equal(counts.ops, 5001);
    assert.equal(counts.found, 5000);
    assert.equal(counts.pathBytes, pairs.reduce((s, p) => s + p[1].length, 0));
    await assert.rejects(pool.getMany([spreadId(1), 'not-an-id']), (e: unknown) => e instanceof IndexError && e.code === 'INVALID_ID' && /not-an-id.* at ids\[1\]/.test(e.message));
    // 36 characters but not hex: found by the worker's byte parser, reported by value and position.
    const big = [...ids.slice(0, 300), 'zzzzzzzz-zzzz-zzzz-zzzz-zzzzzzzzzzzz'];
    await assert.rejects(pool.getMany(big), (e: unknown) => e instanceof IndexError && e.code === 'INVALID_ID' && /zzzzzzzz.* at ids\[300\]/.test(e.message));
    await assert.rejects(pool.readWorkload(big), (e: unknown) => e instanceof IndexError && e.code === 'INVALID_ID' && /at ids\[300\]/.test(e.message));
    // 36 characters with a non-ASCII one: its UTF-8 does not fit the 36-byte slot.
    await assert.rejects(pool.getMany([spreadId(1).slice(0, 35) + '\u00e9']), (e: unknown) => e instanceof IndexError && e.code === 'INVALID_ID');
    assert.deepEqual(await pool.getMany([spreadId(2)]), ['/p/2'], 'the pool still works after a bad request');
    await pool.close();
    await assert.rejects(pool.getMany([spreadId(1)]), (e: unknown) => e instanceof IndexError && e.code === 'CLOSED');
    index.insert(spreadId(1), '/after-close');
    assert.equal(index.get(spreadId(1)), '/after-close');
  });

  it('a worker that exits or throws fails the pending and later calls clearly, without hanging', async () => {
    for (const how of ['exit', 'throw'] as const) {
      const index = createMemoryIndex();
      index.bulkInsert(Array.from({ length: 20_000 }, (_, i) => [spreadId(i), `/p/${i}`] as [string, string]));
      const pool = createReaderPool(index, { workers: 2 });
      const threads = (pool as unknown as { threadsForTest: import('node:worker_threads').Worker[] }).threadsForTest;
      const pending = pool.readWorkload(Array.from({ length: 20_000 }, (_, i) => spreadId(i)));
      if (how === 'exit') await threads[1].terminate();
      else threads[1].emit('error', new Error('boom'));
      await withTimeout(
        assert.rejects(pending, (e: unknown) => e instanceof IndexError && e.code === 'WORKER_FAILED' && /reader worker 2 (exited unexpectedly|failed: boom)/.test(e.message)),
        10_000,
        'a pending call',
      );
      await assert.rejects(pool.getMany([spreadId(1)]), (e: unknown) => e instanceof IndexError && e.code === 'WORKER_FAILED');
      await pool.close();
    }
  });
});
