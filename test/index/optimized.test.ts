/**
 * The OptimizedIndex: each config field flipped and its effect observed; ordering and
 * read-your-writes under many concurrent callers against a Map model; a durable index killed
 * while writers wait on their groups; the dashboard, Prometheus text and alerts; and the adaptive
 * mode converging on a synthetic workload whose best setting is known, then rolling back.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setImmediate as yieldToLoop, setTimeout as sleep } from 'node:timers/promises';
import fc from 'fast-check';
import parsePrometheus from 'parse-prometheus-text-format';
import { IndexError, MemoryIndex, type OptimizedIndex, createMemoryIndex, createOptimizedIndex, openPrimaryIndex } from '../../index/index.js';
import type { IdPathPair } from '../../index/index.js';
import { checkInvariants } from '../../index/tree/analysis.js';
import { complexityAlert, fitGrowth, memoryLeakAlert, slaAlerts } from '../../index/metrics/alerts.js';
import { LATENCY_SAMPLE_EVERY } from '../../index/metrics/collector.js';
import { ADAPTIVE_FIELDS, CONFIG_FIELDS, DEFAULT_CONFIG } from '../../index/optimized/config.js';
import { optimizedFactory } from '../../harness/adapters/optimized.js';
import { renderPrometheus as renderPrometheusOf } from '../../index/metrics/prometheus.js';
import { idFor, pathFor as crashPath } from '../fixtures/crash-writer.js';
import { pathFor, spreadId } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'tb-optimized-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(scratch, `d${dirs++}`);

/** Closes the index even when the test body throws, so no worker thread keeps the run alive. */
async function using<T>(index: OptimizedIndex, body: (index: OptimizedIndex) => Promise<T>): Promise<T> {
  try {
    return await body(index);
  } finally {
    await index.close();
  }
}

const inMemory = (config: Parameters<typeof createOptimizedIndex>[1] = {}) => createOptimizedIndex(createMemoryIndex(), { enableConcurrentOptimization: false, ...config });

/** `count` concurrent inserts issued in one turn of the event loop. */
/**
 * Whether `timed` is a plausible number of timed operations among `n`: the gaps between them are
 * random in 1..2 * LATENCY_SAMPLE_EVERY - 1 (mean LATENCY_SAMPLE_EVERY), and the first is timed.
 */
function sampledAmong(timed: number, n: number): boolean {
  return timed >= Math.max(1, Math.floor(n / (2 * LATENCY_SAMPLE_EVERY))) && timed <= Math.ceil((2 * n) / LATENCY_SAMPLE_EVERY);
}

function insertAll(index: OptimizedIndex, from: number, count: number, path = (i: number) => pathFor(i)): Promise<boolean[]> {
  return Promise.all(Array.from({ length: count }, (_, i) => index.insert(spreadId(from + i), path(from + i))));
}

describe('config validation', () => {
  it('the harness knobs are the config fields, with the same bounds and defaults (one table)', () => {
    for (const [field, spec] of Object.entries(CONFIG_FIELDS)) {
      const knob = optimizedFactory.knobs[field];
      assert.ok(knob, field);
      assert.deepEqual([knob.type, knob.min, knob.max, knob.default], [spec.type, spec.min, spec.max, DEFAULT_CONFIG[field as keyof typeof CONFIG_FIELDS]], field);
    }
    assert.deepEqual([optimizedFactory.knobs.adaptiveEpochOps.min, optimizedFactory.knobs.adaptiveEpochOps.max], [ADAPTIVE_FIELDS.epochOps.min, ADAPTIVE_FIELDS.epochOps.max]);
  });

  it('names an unknown field or a bad value with INVALID_ARGUMENT', () => {
    const bad = (config: object, mention: RegExp) =>
      assert.throws(
        () => createOptimizedIndex(createMemoryIndex(), config as never),
        (e: unknown) => e instanceof IndexError && e.code === 'INVALID_ARGUMENT' && mention.test(e.message),
      );
    bad({ bulkTreshold: 4 }, /no field "bulkTreshold"/);
    bad({ bulkThreshold: 0 }, /bulkThreshold must be an integer from 1/);
    bad({ maxBatchDelayMs: -1 }, /maxBatchDelayMs/);
    bad({ rebalancingTriggerThreshold: 1.5 }, /rebalancingTriggerThreshold must be a number from 0 to 1/);
    bad({ enableBulkOperations: 'yes' }, /enableBulkOperations must be true or false/);
    bad({ adaptive: { knobs: ['order'] } }, /adaptive.knobs/);
    bad({ adaptive: { epochOps: 1 } }, /adaptive.epochOps/);
    bad({ sla: { p99Ms: 0 } }, /sla.p99Ms/);
    bad({ maxConcurrentReaders: 65 }, /maxConcurrentReaders must be an integer from 1 to 64/);
    bad({ readerWorkers: 2.5 }, /readerWorkers must be an integer/);
  });
});

describe('each config field changes behaviour', () => {
  it('enableBulkOperations: on, 200 concurrent writes form groups; off, every write is applied alone', async () => {
    const grouped = await using(inMemory({ bulkThreshold: 64, maxBatchDelayMs: 5 }), async (index) => {
      await insertAll(index, 0, 200);
      return index.dashboard().groups;
    });
    assert.equal(grouped.writes, 200);
    assert.ok(grouped.count <= 4, `groups: ${grouped.count}`);
    assert.equal(grouped.maxSize, 64);
    const alone = await using(inMemory({ enableBulkOperations: false, bulkThreshold: 64, maxBatchDelayMs: 5 }), async (index) => {
      await insertAll(index, 0, 200);
      assert.equal(index.size, 200);
      return index.dashboard().groups;
    });
    assert.deepEqual([alone.count, alone.maxSize], [200, 1]);
  });

  it('with nothing to fsync and no batch delay (the in-memory default), every write is applied at once: the index holds it before the promise settles', async () => {
    await using(inMemory(), async (index) => {
      const writes = insertAll(index, 0, 200);
      assert.equal(index.size, 200);
      assert.ok((await writes).every((inserted) => inserted));
      assert.deepEqual(index.dashboard().groups.sizes, [{ size: 1, groups: 200 }]);
      // A bad write still fails alone, with the index's own error.
      await assert.rejects(index.insert('not-an-id', '/x'), (e: unknown) => e instanceof IndexError && e.code === 'INVALID_ID');
      await assert.rejects(index.insert(spreadId(1), ''), (e: unknown) => e instanceof IndexError && e.code === 'INVALID_PATH');
    });
  });

  it('bulkThreshold caps the group size', async () => {
    for (const threshold of [1, 8, 50]) {
      const groups = await using(inMemory({ bulkThreshold: threshold, maxBatchDelayMs: 5 }), async (index) => {
        await insertAll(index, 0, 100);
        return index.dashboard().groups;
      });
      assert.equal(groups.maxSize, threshold);
      assert.equal(groups.count, Math.ceil(100 / threshold));
    }
  });

  for (const fsyncOffLoop of [false, true]) it(`group commit on a sync durable index (fsync ${fsyncOffLoop ? 'off' : 'on'} the event loop): writers issued together share one fsync, writers arriving during it form the next group, bulkThreshold caps a group`, async () => {
    for (const [threshold, fsyncs] of [
      [256, 1],
      [64, 2],
      [1, 128],
    ]) {
      const durable = openPrimaryIndex(freshDir(), { durability: 'sync' });
      await using(createOptimizedIndex(durable, { bulkThreshold: threshold, fsyncOffLoop, enableConcurrentOptimization: false }), async (index) => {
        const before = durable.stats.fsyncs;
        await insertAll(index, 0, 128);
        assert.equal(durable.stats.fsyncs - before, fsyncs, `threshold ${threshold}`);
        assert.equal(durable.stats.logRecords, fsyncs);
      });
    }
    // Followers: 16 closed-loop writers; after the first fsync each group holds the writers that
    // came back while it was in flight, so there are far fewer fsyncs than writes.
    const durable = openPrimaryIndex(freshDir(), { durability: 'sync' });
    await using(createOptimizedIndex(durable, { fsyncOffLoop, enableConcurrentOptimization: false }), async (index) => {
      let next = 0;
      await Promise.all(Array.from({ length: 16 }, async () => {
        while (next < 640) {
          const k = next++;
          await index.insert(spreadId(k), pathFor(k));
        }
      }));
      assert.equal(index.size, 640);
      assert.ok(durable.stats.fsyncs <= 640 / 4, `fsyncs: ${durable.stats.fsyncs}`);
      // Until a group is fsynced and applied, its writes are read from the overlay.
      const write = index.insert(spreadId(5000), '/pending');
      assert.equal(durable.get(spreadId(5000)), undefined);
      assert.equal(await index.get(spreadId(5000)), '/pending');
      await write;
      assert.equal(durable.get(spreadId(5000)), '/pending');
    });
  });

  it('fsyncOffLoop: on, the event loop runs while a group is fsynced (its writes are not yet applied after the commit turn); off, the commit turn applies them', async () => {
    for (const fsyncOffLoop of [false, true]) {
      const durable = openPrimaryIndex(freshDir(), { durability: 'sync' });
      await using(createOptimizedIndex(durable, { fsyncOffLoop, enableConcurrentOptimization: false }), async (index) => {
        const write = index.insert(spreadId(7), '/seven');
        // The group's commit runs in the immediate scheduled by the write, before this one.
        await new Promise((resolve) => setImmediate(resolve));
        assert.equal(durable.get(spreadId(7)), fsyncOffLoop ? undefined : '/seven', `fsyncOffLoop ${fsyncOffLoop}`);
        assert.equal(await write, true);
        assert.equal(durable.get(spreadId(7)), '/seven');
      });
    }
  });

  it('enableMetrics: off, operations are counted exactly but nothing is timed', async () => {
    for (const enableMetrics of [true, false]) {
      const d = await using(inMemory({ enableMetrics }), async (index) => {
        for (let i = 0; i < 64; i++) await index.insert(spreadId(i), pathFor(i));
        for (let i = 0; i < 64; i++) index.getSync(spreadId(i));
        await index.bulkInsert([[spreadId(100), '/b']]);
        return index.dashboard();
      });
      assert.deepEqual([d.operations.insert.count, d.operations.get.count, d.operations.bulkInsert.count], [64, 64, 1]);
      assert.equal(d.latencySampleEvery, enableMetrics ? LATENCY_SAMPLE_EVERY : 0);
      const timed = [d.operations.insert.latencyNs.count, d.operations.get.latencyNs.count, d.operations.bulkInsert.latencyNs.count];
      // The first single insert and the first single get are always timed; bulk calls always.
      if (enableMetrics) assert.ok(sampledAmong(timed[0], 64) && sampledAmong(timed[1], 64) && timed[2] === 1, `timed ${timed.join(', ')}`);
      else assert.deepEqual(timed, [0, 0, 0]);
    }
  });

  it('maxBatchDelayMs: a partial group waits that long for more writes', async () => {
    const spread = async (delayMs: number) =>
      using(inMemory({ bulkThreshold: 64, maxBatchDelayMs: delayMs }), async (index) => {
        const first = index.insert(spreadId(1), '/a');
        let firstDone = false;
        void first.then(() => (firstDone = true));
        // Turns of the event loop, not a timer: on a loaded machine a 5 ms timer could fire
        // before an immediate scheduled from inside the check phase.
        for (let turn = 0; turn < 3; turn++) await new Promise((resolve) => setImmediate(resolve));
        const pendingAfterTurns = !firstDone;
        await Promise.all([first, index.insert(spreadId(2), '/b')]);
        return { groups: index.dashboard().groups.count, pendingAfterTurns };
      });
    assert.deepEqual(await spread(0), { groups: 2, pendingAfterTurns: false });
    assert.deepEqual(await spread(500), { groups: 1, pendingAfterTurns: true });
  });

  it('enableConcurrentOptimization: on, batched reads go through the reader pool; off, there is no pool', async () => {
    const ids = Array.from({ length: 2000 }, (_, i) => spreadId(i));
    for (const enabled of [true, false]) {
      await using(createOptimizedIndex(createMemoryIndex(), { enableConcurrentOptimization: enabled }), async (index) => {
        await index.bulkInsert(ids.map((id, i) => [id, pathFor(i)] as IdPathPair));
        const values = await index.getMany(ids);
        assert.deepEqual(values, ids.map((_, i) => pathFor(i)));
        const contention = index.contention();
        if (enabled) assert.ok(contention !== null && contention.readAcquisitions > 0);
        else assert.equal(contention, null);
      });
    }
  });

  it('maxConcurrentReaders and readerWorkers bound the readers inside the lock at once', async () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => spreadId(i));
    const peak = async (config: { maxConcurrentReaders: number; readerWorkers: number }) =>
      using(createOptimizedIndex(createMemoryIndex(), { enableConcurrentOptimization: true, ...config }), async (index) => {
        await index.bulkInsert(ids.map((id, i) => [id, pathFor(i)] as IdPathPair));
        // Two readers overlap within a few batches; stop as soon as they do.
        for (let round = 0; round < 30 && index.contention()!.peakReaders < 2; round++) await Promise.all([index.getMany(ids), index.getMany(ids)]);
        return index.contention()!.peakReaders;
      });
    assert.equal(await peak({ maxConcurrentReaders: 2, readerWorkers: 2 }), 2);
    assert.equal(await peak({ maxConcurrentReaders: 1, readerWorkers: 2 }), 1);
    assert.equal(await peak({ maxConcurrentReaders: 2, readerWorkers: 1 }), 1);
  });

  it('enableAutoRebalancing and rebalancingTriggerThreshold: a tree whose leaf fill falls below the threshold is compacted', async () => {
    const compactions = async (config: { enableAutoRebalancing: boolean; rebalancingTriggerThreshold: number }) =>
      using(inMemory({ ...config, enableMemoryOptimization: false, bulkThreshold: 32 }), async (index) => {
        // Random-order inserts leave leaves about 70% full.
        await insertAll(index, 0, 3000);
        const reasons = index.metrics.compactions.map((c) => c.reason);
        assert.deepEqual(checkInvariants(index.memory.tree), []);
        assert.equal(index.size, 3000);
        return reasons;
      });
    const triggered = await compactions({ enableAutoRebalancing: true, rebalancingTriggerThreshold: 0.9 });
    assert.ok(triggered.length > 0 && triggered.every((r) => /leaf fill .* below 0.9/.test(r)), triggered.join('; '));
    assert.deepEqual(await compactions({ enableAutoRebalancing: false, rebalancingTriggerThreshold: 0.9 }), []);
    assert.deepEqual(await compactions({ enableAutoRebalancing: true, rebalancingTriggerThreshold: 0.2 }), []);
  });

  it('enableMemoryOptimization and fragmentationThreshold: a heap fragmented by deletes is compacted', async () => {
    const run = async (config: { enableMemoryOptimization: boolean; fragmentationThreshold: number }) =>
      using(inMemory({ ...config, enableAutoRebalancing: false, bulkThreshold: 64 }), async (index) => {
        await insertAll(index, 0, 4000, (i) => pathFor(i, 200));
        await Promise.all(Array.from({ length: 2000 }, (_, i) => index.delete(spreadId(2 * i))));
        return { reasons: index.metrics.compactions.map((c) => c.reason), fragmentation: index.analyze().heapFragmentation };
      });
    const on = await run({ enableMemoryOptimization: true, fragmentationThreshold: 0.2 });
    assert.ok(on.reasons.length > 0 && on.reasons.every((r) => /heap fragmentation .* above 0.2/.test(r)), on.reasons.join('; '));
    assert.ok(on.fragmentation <= 0.2, `fragmentation left: ${on.fragmentation}`);
    const off = await run({ enableMemoryOptimization: false, fragmentationThreshold: 0.2 });
    assert.deepEqual(off.reasons, []);
    assert.ok(off.fragmentation > 0.3, `fragmentation without compaction: ${off.fragmentation}`);
    assert.deepEqual((await run({ enableMemoryOptimization: true, fragmentationThreshold: 0.9 })).reasons, []);
  });

  it('sla: a p99 or throughput service level the index misses raises an alert naming its evidence; none without one', async () => {
    const alerts = async (sla: { p99Ms?: number; minOpsPerSec?: number }) =>
      using(inMemory({ sla }), async (index) => {
        // Enough single operations for 100 timed ones (an alert's least), at one in LATENCY_SAMPLE_EVERY.
        await insertAll(index, 0, 8000);
        for (let i = 0; i < 200; i++) await index.get(spreadId(i));
        return index.dashboard().alerts;
      });
    const p99 = await alerts({ p99Ms: 1e-6 });
    // One single operation in LATENCY_SAMPLE_EVERY (on average) is timed: about 125 of the 8000 inserts.
    const insertAlert = p99.find((a) => a.kind === 'p99' && a.evidence.operation === 'insert');
    assert.ok(insertAlert !== undefined && sampledAmong(Number(insertAlert.evidence.samples), 8000), JSON.stringify(p99));
    const throughput = await alerts({ minOpsPerSec: 1e12 });
    assert.ok(throughput.some((a) => a.kind === 'throughput' && Number(a.evidence.operations) >= 8200));
    assert.deepEqual(await alerts({}), []);
  });
});

describe('ordering and read-your-writes under concurrent callers', () => {
  type Command = { caller: number; op: 'insert' | 'delete' | 'get' | 'getMany' | 'bad' | 'yield'; key: number; path: number };
  const command = fc.record({
    caller: fc.nat(7),
    op: fc.constantFrom('insert', 'insert', 'delete', 'get', 'get', 'getMany', 'bad', 'yield') as fc.Arbitrary<Command['op']>,
    key: fc.nat(40),
    path: fc.nat(1000),
  });

  it('every answer matches a Map model in issue order; every read sees the caller\'s earlier writes; bad items fail alone', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(command, { minLength: 1, maxLength: 160 }), fc.integer({ min: 1, max: 24 }), fc.constantFrom(0, 0, 1), fc.boolean(), async (commands, bulkThreshold, maxBatchDelayMs, durable) => {
        const inner = durable ? openPrimaryIndex(freshDir(), { durability: 'group' }) : createMemoryIndex({ order: 4 });
        const index = createOptimizedIndex(inner, { bulkThreshold, maxBatchDelayMs, enableConcurrentOptimization: false });
        const model = new Map<string, string>();
        // Each key's values with the issue sequence that wrote them: a read may return any value
        // the key held between its issue and its answer (it saw the state at some moment in between).
        const history = new Map<string, { seq: number; value: string | undefined }[]>();
        let seq = 0;
        const failures: string[] = [];
        const acceptable = (id: string, from: number, to: number): (string | undefined)[] => {
          const h = history.get(id) ?? [];
          let at: string | undefined;
          for (const e of h) if (e.seq <= from) at = e.value;
          return [at, ...h.filter((e) => e.seq > from && e.seq <= to).map((e) => e.value)];
        };
        const callers = Array.from({ length: 8 }, (_, c) => commands.filter((x) => x.caller === c));
        await using(index, async () => {
          await Promise.all(
            callers.map(async (mine) => {
              for (const cmd of mine) {
                const id = spreadId(cmd.key);
                if (cmd.op === 'yield') {
                  await yieldToLoop();
                } else if (cmd.op === 'insert' || cmd.op === 'delete') {
                  const expected = cmd.op === 'insert' ? !model.has(id) : model.has(id);
                  const value = cmd.op === 'insert' ? `/p/${cmd.path}` : undefined;
                  if (value === undefined) model.delete(id);
                  else model.set(id, value);
                  history.set(id, [...(history.get(id) ?? []), { seq: ++seq, value }]);
                  // Not awaited: the caller's next read must see it anyway.
                  void (cmd.op === 'insert' ? index.insert(id, value!) : index.delete(id)).then((got) => {
                    if (got !== expected) failures.push(`${cmd.op} ${cmd.key}: answered ${got}, expected ${expected}`);
                  });
                } else if (cmd.op === 'bad') {
                  const error = await index.insert(id, '/a/../etc/passwd').then(() => null, (e: unknown) => e);
                  if (!(error instanceof IndexError && error.code === 'INVALID_PATH')) failures.push(`bad insert did not fail with INVALID_PATH: ${String(error)}`);
                } else {
                  const ids = cmd.op === 'get' ? [id] : [id, spreadId((cmd.key + 7) % 41), spreadId((cmd.key + 19) % 41)];
                  const from = seq;
                  const values = cmd.op === 'get' ? [await index.get(id)] : await index.getMany(ids);
                  values.forEach((v, i) => {
                    // The state at issue (which holds this caller's earlier writes) or a later one.
                    const possible = acceptable(ids[i], from, seq);
                    if (!possible.includes(v)) failures.push(`${cmd.op} ${ids[i]} returned ${v}, possible: ${possible.join(',')}`);
                  });
                }
              }
            }),
          );
          await index.flush();
          assert.deepEqual(failures, []);
          assert.deepEqual(checkInvariants(index.memory.tree), []);
          assert.deepEqual(new Map(index.memory.range()), new Map([...model].sort((a, b) => (a[0] < b[0] ? -1 : 1))));
        });
        if (durable) {
          // What the durable index acknowledged is what it holds after reopening.
          const reopened = openPrimaryIndex((inner as ReturnType<typeof openPrimaryIndex>).directory);
          try {
            assert.deepEqual(new Map(reopened.range()), new Map([...model].sort((a, b) => (a[0] < b[0] ? -1 : 1))));
          } finally {
            reopened.close();
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('a read issued right after a write by the same caller sees it, with the reader pool on', async () => {
    await using(createOptimizedIndex(createMemoryIndex(), { bulkThreshold: 1000, maxBatchDelayMs: 50, enableConcurrentOptimization: true }), async (index) => {
      await index.bulkInsert(Array.from({ length: 5000 }, (_, i) => [spreadId(i), pathFor(i)] as IdPathPair));
      const writes = Array.from({ length: 300 }, (_, i) => index.insert(spreadId(i * 3), `/new/${i}`));
      const deletes = Array.from({ length: 100 }, (_, i) => index.delete(spreadId(i * 3 + 1)));
      // The writes are still waiting for their group (50 ms), so these answers come from the pending writes.
      const values = await index.getMany(Array.from({ length: 400 }, (_, i) => spreadId(i)));
      values.forEach((v, i) => {
        const expected = i % 3 === 0 ? `/new/${i / 3}` : i % 3 === 1 && i < 300 ? undefined : pathFor(i);
        assert.equal(v, expected, `id ${i}`);
      });
      assert.equal(await index.get(spreadId(3)), '/new/1');
      assert.deepEqual(await Promise.all(writes), new Array(300).fill(false));
      assert.deepEqual(await Promise.all(deletes), new Array(100).fill(true));
    });
  });

  it('range applies pending writes first and stops at its limit; rangeSync does the same where writes apply at once', async () => {
    const ids = Array.from({ length: 600 }, (_, i) => spreadId(i)).sort();
    await using(createOptimizedIndex(createMemoryIndex(), { bulkThreshold: 1000, maxBatchDelayMs: 50, enableConcurrentOptimization: false }), async (index) => {
      await index.bulkInsert(ids.slice(0, 500).map((id, i) => [id, pathFor(i)] as IdPathPair));
      const pending = ids.slice(500).map((id) => index.insert(id, '/pending'));
      const entries: [string, string][] = [];
      for await (const entry of index.range(ids[450], undefined, 100)) entries.push(entry);
      assert.deepEqual(entries.map(([id]) => id), ids.slice(450, 550));
      assert.deepEqual(entries.slice(50).map(([, path]) => path), new Array(50).fill('/pending'));
      await Promise.all(pending);
      assert.throws(() => index.rangeSync(), (e: unknown) => e instanceof IndexError && e.code === 'INVALID_ARGUMENT');
      await assert.rejects(async () => {
        for await (const entry of index.range(undefined, undefined, -1)) void entry;
      }, (e: unknown) => e instanceof IndexError && e.code === 'INVALID_ARGUMENT');
    });
    await using(createOptimizedIndex(createMemoryIndex()), async (index) => {
      assert.ok(index.appliesWritesAtOnce);
      await index.bulkInsert(ids.map((id, i) => [id, pathFor(i)] as IdPathPair));
      assert.deepEqual([...index.rangeSync(ids[10], ids[20], 5)].map(([id]) => id), ids.slice(10, 15));
      assert.deepEqual([...index.rangeSync(ids[10], ids[20], 50)].map(([id]) => id), ids.slice(10, 20));
      assert.deepEqual([...index.rangeSync(ids[598], undefined, 0)], []);
    });
  });

  it('a write to a closed index rejects with CLOSED; close applies pending writes first', async () => {
    const memory = createMemoryIndex();
    const index = createOptimizedIndex(memory, { bulkThreshold: 100, maxBatchDelayMs: 1000, enableConcurrentOptimization: false });
    const pending = index.insert(spreadId(1), '/kept');
    await index.close();
    assert.equal(await pending, true);
    assert.equal(memory.get(spreadId(1)), '/kept');
    await assert.rejects(index.insert(spreadId(2), '/x'), (e: unknown) => e instanceof IndexError && e.code === 'CLOSED');
    await assert.rejects(index.get(spreadId(2)), (e: unknown) => e instanceof IndexError && e.code === 'CLOSED');
  });
});

describe('crash while writers wait on their groups', () => {
  it('every write whose promise resolved survives SIGKILL (6 kills of 64 concurrent writers on a sync index)', async () => {
    const dir = freshDir();
    const writer = fileURLToPath(new URL('../fixtures/optimized-crash-writer.ts', import.meta.url));
    const acked: number[] = [];
    let first = 0;
    for (let kill = 0; kill < 6; kill++) {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(first)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      await new Promise<void>((resolve) => {
        let armed = false;
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (!armed && out.includes('ack ')) {
            armed = true;
            setTimeout(() => child.kill('SIGKILL'), 30 + Math.random() * 200);
          }
        });
        child.on('exit', () => resolve());
      });
      const acks = [...out.matchAll(/^ack (\d+)$/gm)].map((m) => first + Number(m[1]));
      assert.ok(acks.length > 0, `writer ${kill} acknowledged nothing: ${out.slice(0, 200)}`);
      acked.push(...acks);
      // Leave a gap so the next writer's ids never collide with unacknowledged ones.
      first = Math.max(...acks) + 1000;
      const index = openPrimaryIndex(dir);
      try {
        const held = new Map(index.range());
        const missing = acked.filter((n) => held.get(idFor(n)) !== crashPath(n, 0));
        assert.deepEqual(missing.slice(0, 10), [], `${missing.length} acknowledged writes lost after kill ${kill}`);
        for (const [id, path] of held) assert.match(path, /^\/k\/\d+\/0$/, `unexpected entry ${id} -> ${path}`);
      } finally {
        index.close();
      }
    }
  });
});

describe('dashboard and Prometheus', () => {
  it('the dashboard reports measured figures and the Prometheus text parses, prefixed tunebench_ with units in names', async () => {
    await using(createOptimizedIndex(createMemoryIndex(), { enableConcurrentOptimization: true }), async (index) => {
      await insertAll(index, 0, 500);
      await index.getMany(Array.from({ length: 300 }, (_, i) => spreadId(i)));
      for (let i = 0; i < 50; i++) await index.get(spreadId(i));
      await index.delete(spreadId(0));
      const d = index.dashboard();
      assert.equal(d.operations.insert.count, 500);
      assert.equal(d.operations.get.count, 50);
      assert.equal(d.operations.getMany.count, 300);
      assert.equal(d.operations.delete.count, 1);
      // Counts are exact; single operations are timed one in LATENCY_SAMPLE_EVERY, getMany always.
      assert.equal(d.latencySampleEvery, LATENCY_SAMPLE_EVERY);
      assert.ok(sampledAmong(d.operations.insert.latencyNs.count, 500), `insert timed ${d.operations.insert.latencyNs.count}`);
      assert.equal(d.operations.getMany.latencyNs.count, 1);
      assert.ok(d.operations.insert.latencyNs.p50 > 0 && d.operations.insert.latencyNs.p50 <= d.operations.insert.latencyNs.p99);
      assert.equal(d.groups.writes, 501);
      assert.equal(d.tree.entries, 499);
      assert.ok(d.contention !== null && d.contention.readAcquisitions > 0);
      assert.ok(d.memory.bytesUsed > 0 && d.memory.bytesAllocated >= d.memory.bytesUsed);
      assert.deepEqual(JSON.parse(JSON.stringify(d)), d);

      const families = parsePrometheus(await index.prometheus());
      const byName = new Map(families.map((f) => [f.name, f]));
      for (const f of families) assert.match(f.name, /^tunebench_[a-z_]+$/);
      const ops = byName.get('tunebench_operations_total')!;
      assert.equal(ops.type, 'COUNTER');
      const insertCount = ops.metrics.find((m) => 'labels' in m && m.labels?.operation === 'insert');
      assert.equal(Number((insertCount as { value: string }).value), 500);
      const latency = byName.get('tunebench_operation_latency_seconds')!;
      const p99 = latency.metrics.find((m) => 'labels' in m && m.labels?.operation === 'insert' && m.labels?.quantile === '0.99') as { value: string };
      assert.ok(Math.abs(Number(p99.value) - d.operations.insert.latencyNs.p99 / 1e9) < 1e-12);
      assert.equal(Number((byName.get('tunebench_tree_entries')!.metrics[0] as { value: string }).value), 499);
      for (const name of ['tunebench_memory_bytes', 'tunebench_lock_contention_ratio', 'tunebench_write_groups_total', 'tunebench_alert_active']) assert.ok(byName.has(name), name);
    });
  });

  it('bulk efficiency compares grouped writes with this index\'s own writes applied alone', async () => {
    await using(inMemory({ bulkThreshold: 64, maxBatchDelayMs: 1 }), async (index) => {
      for (let i = 0; i < 50; i++) await index.insert(spreadId(i), pathFor(i));
      assert.equal(index.dashboard().bulkEfficiency.speedup, null);
      await insertAll(index, 1000, 640);
      const b = index.dashboard().bulkEfficiency;
      assert.ok(b.individualNsPerWrite! > 0 && b.groupedNsPerWrite! > 0);
      assert.equal(b.speedup, b.individualNsPerWrite! / b.groupedNsPerWrite!);
    });
  });
});

describe('analyzeAndOptimize, recommendations and SLA compliance', () => {
  it('analyzeAndOptimize compacts a heap fragmented by deletes and reports measured figures before and after; a healthy tree is left alone', async () => {
    await using(inMemory({ enableMemoryOptimization: false, enableAutoRebalancing: false }), async (index) => {
      await index.bulkInsert(Array.from({ length: 4000 }, (_, i) => [spreadId(i), pathFor(i)] as IdPathPair));
      const healthy = await index.analyzeAndOptimize();
      assert.deepEqual(healthy.actions, []);
      assert.equal(healthy.after, healthy.before);
      assert.ok(healthy.before.readProbeNsPerGet! > 0);
      await index.bulkDelete(Array.from({ length: 2500 }, (_, i) => spreadId(i)));
      const report = await index.analyzeAndOptimize();
      assert.equal(report.actions.length, 1);
      assert.equal(report.actions[0].action, 'compact');
      assert.ok(report.actions[0].reasons.some((r) => /heap fragmentation .* above 0.3/.test(r)), report.actions[0].reasons.join('; '));
      assert.ok(report.before.heapFragmentation > 0.3 && report.after.heapFragmentation === 0);
      assert.ok(report.after.bytesAllocated < report.before.bytesAllocated);
      assert.deepEqual([report.before.entries, report.after.entries], [1500, 1500]);
      assert.ok(report.after.readProbeNsPerGet! > 0 && report.durationMs > 0);
      assert.equal(index.dashboard().maintenance.lastReason, `analyzeAndOptimize: ${report.actions[0].reasons.join('; ')}`);
    });
  });

  it('recommendations name a setting that works against the workload, with its figures; none for a healthy one', async () => {
    const healthy = await using(inMemory(), async (index) => {
      for (let i = 0; i < 200; i++) await index.insert(spreadId(i), pathFor(i));
      return index.recommendations();
    });
    assert.deepEqual(healthy, []);
    // A batch delay that no writer shares: 60 sequential writes each wait it out alone.
    const delayed = await using(inMemory({ maxBatchDelayMs: 1 }), async (index) => {
      for (let i = 0; i < 60; i++) await index.insert(spreadId(i), pathFor(i));
      return index.dashboard();
    });
    const r = delayed.recommendations.find((x) => x.id === 'batch-delay-alone');
    assert.ok(r, JSON.stringify(delayed.recommendations));
    assert.deepEqual(r.evidence, { meanGroupSize: 1, groups: 60, maxBatchDelayMs: 1 });
    // A reader pool that single reads never fill, and a p99 above the service level.
    const pooled = await using(createOptimizedIndex(createMemoryIndex(), { enableConcurrentOptimization: true, sla: { p99Ms: 1e-6 } }), async (index) => {
      await index.bulkInsert([[spreadId(1), '/one']]);
      for (let i = 0; i < 8000; i++) await index.get(spreadId(1)); // 100+ timed at one in LATENCY_SAMPLE_EVERY
      return index.dashboard();
    });
    const ids = pooled.recommendations.map((x) => x.id);
    assert.ok(ids.includes('reader-pool-idle') && ids.includes('p99-over-sla-get'), ids.join(', '));
    const families = parsePrometheus(await renderPrometheusOf(pooled));
    const info = families.find((f) => f.name === 'tunebench_recommendation_info')!;
    assert.equal(info.metrics.length, pooled.recommendations.length);
  });

  it('SLA compliance is the measured share of timed operations within p99Ms (and null without a level)', async () => {
    const share = async (sla: { p99Ms?: number }) =>
      using(inMemory({ sla }), async (index) => {
        for (let i = 0; i < 320; i++) await index.insert(spreadId(i), pathFor(i));
        return index.dashboard().sla;
      });
    const none = await share({});
    assert.deepEqual([none.p99Ms, none.withinLatency], [null, null]);
    assert.ok(sampledAmong(none.timedOperations, 320), `timed ${none.timedOperations}`);
    assert.equal((await share({ p99Ms: 60_000 })).withinLatency, 1);
    assert.equal((await share({ p99Ms: 1e-9 })).withinLatency, 0);
  });
});

describe('alerts from measured data', () => {
  it('fitGrowth tells a log n cost from a linear one', () => {
    const sizes = [1e3, 1e4, 1e5, 1e6];
    assert.ok(fitGrowth(sizes.map((n) => ({ n, cost: 100 + 20 * Math.log2(n) })))!.exponent < 0.2);
    assert.ok(Math.abs(fitGrowth(sizes.map((n) => ({ n, cost: 0.5 * n })))!.exponent - 1) < 1e-9);
    assert.equal(fitGrowth([{ n: 10, cost: 1 }]), null);
  });

  it('complexity: flags cost growing like n, not like log n, and names the points', () => {
    const points = (cost: (n: number) => number) => [1e3, 1e4, 1e5].map((entries) => ({ entries, nsPerOp: cost(entries), samples: 100 }));
    assert.equal(complexityAlert(points((n) => 200 + 30 * Math.log2(n))), null);
    const alert = complexityAlert(points((n) => n / 10));
    assert.equal(alert?.kind, 'complexity');
    assert.equal((alert!.evidence.points as unknown[]).length, 3);
    // Too few samples or too narrow a size range: no verdict.
    assert.equal(complexityAlert(points((n) => n / 10).map((p) => ({ ...p, samples: 10 }))), null);
    assert.equal(complexityAlert([1e3, 2e3, 4e3].map((entries) => ({ entries, nsPerOp: entries, samples: 100 }))), null);
  });

  it('memory leak: flags a compaction that kept far more bytes per entry than the leanest before it', () => {
    const record = (entries: number, after: number) => ({ at: 0, entries, bytesAllocatedBefore: after, bytesAllocatedAfter: after, reason: 'test' });
    assert.equal(memoryLeakAlert([record(100_000, 10e6), record(10_000, 2e6)]), null);
    const alert = memoryLeakAlert([record(100_000, 10e6), record(10_000, 9e6)]);
    assert.equal(alert?.kind, 'memory-leak');
    assert.equal(alert!.evidence.bytesAfter, 9e6);
  });

  it('the index raises no leak alert when deletes and compaction give memory back', async () => {
    await using(inMemory({ enableAutoRebalancing: false, enableMemoryOptimization: false }), async (index) => {
      await index.bulkInsert(Array.from({ length: 200_000 }, (_, i) => [spreadId(i), pathFor(i)] as IdPathPair));
      await index.compact();
      await index.bulkDelete(Array.from({ length: 180_000 }, (_, i) => spreadId(i)));
      await index.compact();
      const [full, emptied] = index.metrics.compactions;
      assert.ok(emptied.bytesAllocatedAfter < full.bytesAllocatedAfter / 3, `${emptied.bytesAllocatedAfter} of ${full.bytesAllocatedAfter}`);
      assert.equal(memoryLeakAlert(index.metrics.compactions), null);
    });
  });

  it('slaAlerts needs enough samples before it judges', () => {
    const latency = { count: 50, p50: 1e6, p95: 1e7, p99: 1e8, p999: 1e8, mean: 1e6, min: 1e5, max: 1e8 };
    assert.deepEqual(slaAlerts({ p99Ms: 1 }, { get: latency }, 10, 50), []);
    assert.equal(slaAlerts({ p99Ms: 1 }, { get: { ...latency, count: 100 } }, 10, 100)[0].kind, 'p99');
  });
});

/**
 * A memory index whose grouped writes cost like a device with a fixed cost per call, a small cost
 * per item, and a steep cost per item beyond a capacity: F + P n + X max(0, n - capacity). The
 * best group size is the capacity, so the best bulkThreshold is known.
 */
class SyntheticCostIndex extends MemoryIndex {
  fixedMs = 2;
  perItemMs = 0.01;
  capacity = 64;
  overflowMs = 0.05;

  override applyParsedGroup(insertKeys: Int32Array, insertPaths: readonly string[], deleteKeys: Int32Array): void {
    const n = insertPaths.length + deleteKeys.length / 4;
    const until = performance.now() + this.fixedMs + this.perItemMs * n + this.overflowMs * Math.max(0, n - this.capacity);
    super.applyParsedGroup(insertKeys, insertPaths, deleteKeys);
    while (performance.now() < until);
  }
}

describe('adaptive mode', () => {
  it('converges to the best bulkThreshold of a synthetic workload, then rolls back when the kept value turns worse', async () => {
    const inner = new SyntheticCostIndex();
    const index = createOptimizedIndex(inner, { bulkThreshold: 16, maxBatchDelayMs: 1, enableConcurrentOptimization: false, adaptive: { enabled: true, knobs: ['bulkThreshold'], epochOps: 640, minGain: 0.05 } });
    await using(index, async () => {
      let running = true;
      let n = 0;
      const writers = Array.from({ length: 256 }, async () => {
        while (running) {
          const k = n++ % 20_000;
          await index.insert(spreadId(k), pathFor(k));
          // Full groups resolve on microtasks; a client that never yields would starve timers.
          await yieldToLoop();
        }
      });
      const waitFor = async (done: () => boolean, what: string, epochs: number) => {
        const deadline = (index.dashboard().adaptive.epochs ?? 0) + epochs;
        while (!done()) {
          assert.ok(index.dashboard().adaptive.epochs < deadline, `${what} within ${epochs} epochs; log: ${JSON.stringify(index.adaptiveLog().map((d) => [d.decision, d.from, d.to, d.gain.toFixed(2)]))}`);
          await sleep(20);
        }
      };
      try {
        // 16 -> 32 -> 64, then 128 is rejected (and 32 again on the way back).
        await waitFor(() => index.adaptiveLog().some((d) => d.decision === 'rejected' && d.from === 64 && d.to === 128), 'reach 64 and reject 128', 120);
        const kept = index.adaptiveLog().filter((d) => d.decision === 'kept').map((d) => [d.from, d.to]);
        assert.deepEqual(kept, [
          [16, 32],
          [32, 64],
        ]);
        assert.equal(index.config.bulkThreshold, 64);
        for (const d of index.adaptiveLog()) assert.equal(d.samplesA.length + d.samplesB.length, 10);

        // The device changes: its capacity drops to 16 and overflow costs ten times more. 64 is now
        // worse than 32, the value it replaced; the next re-check must roll it back.
        const before = index.adaptiveLog().length;
        inner.capacity = 16;
        inner.overflowMs = 0.5;
        await waitFor(() => index.adaptiveLog().slice(before).some((d) => d.decision === 'rolled-back'), 'roll back 64', 120);
        const rollback = index.adaptiveLog().slice(before).find((d) => d.decision === 'rolled-back')!;
        assert.deepEqual([rollback.from, rollback.to], [32, 64]);
        assert.ok(rollback.gain < -0.05 && rollback.pValue < 0.05);
        assert.ok(index.config.bulkThreshold <= 32);
      } finally {
        running = false;
        await Promise.all(writers);
      }
    });
  });

  it('keeps the current value when no neighbour wins by minGain (a flat workload)', async () => {
    const inner = new SyntheticCostIndex();
    inner.perItemMs = 0;
    inner.fixedMs = 0;
    inner.overflowMs = 0;
    const index = createOptimizedIndex(inner, { bulkThreshold: 8, maxBatchDelayMs: 1, enableConcurrentOptimization: false, adaptive: { enabled: true, knobs: ['bulkThreshold'], epochOps: 400, minGain: 5 } });
    await using(index, async () => {
      for (let round = 0; round < 60; round++) await insertAll(index, round * 400, 400);
      const log = index.adaptiveLog();
      assert.ok(log.length > 0);
      assert.ok(log.every((d) => d.decision === 'rejected'), JSON.stringify(log.map((d) => d.decision)));
      // Between comparisons the knob holds 8; during one it alternates with the candidate.
      const trial = index.dashboard().adaptive.trial;
      assert.equal(trial ? trial.from : index.config.bulkThreshold, 8);
    });
  });
});
