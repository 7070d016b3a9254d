/**
 * Every registered implementation (ours, the peers, lmdb, LevelDB) and the examples against a Map
 * model, in every durability mode it claims: random sequences of the operations the runner issues, each answer checked
 * (get, delete's "existed", scan counts in id order, bulkGet's found count), then close.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { allFactories, formatImplSpec, resolveKnobs } from '../../harness/adapters/registry.js';
import type { Durability, Implementation, ImplementationFactory, KnobValues } from '../../harness/adapters/types.js';
import { idFor, isDelete, pathFor } from '../fixtures/adapter-writer.js';
import { Rng, randomUuid } from '../../scenarios/random.js';
import { defineImplementation } from '../../harness/public.js';

const scratch = mkdtempSync(join(tmpdir(), 'tb-adapters-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;

const rng = new Rng(42);
const IDS = Array.from({ length: 40 }, () => randomUuid(rng));
const SORTED = [...IDS].sort();

type Op =
  | { kind: 'get' | 'delete'; id: number }
  | { kind: 'put'; id: number; path: string }
  | { kind: 'scan'; id: number; count: number }
  | { kind: 'bulkInsert'; ids: number[]; tag: string }
  | { kind: 'bulkDelete' | 'bulkGet'; ids: number[] };

const id = fc.integer({ min: 0, max: IDS.length - 1 });
const op: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ kind: fc.constantFrom('get' as const, 'delete' as const), id }),
  fc.record({ kind: fc.constant('put' as const), id, path: fc.stringMatching(/^\/[a-z0-9_]{1,30}$/) }),
  fc.record({ kind: fc.constant('scan' as const), id, count: fc.integer({ min: 0, max: 50 }) }),
  fc.record({ kind: fc.constant('bulkInsert' as const), ids: fc.array(id, { maxLength: 12 }), tag: fc.stringMatching(/^[a-z]{1,8}$/) }),
  fc.record({ kind: fc.constantFrom('bulkDelete' as const, 'bulkGet' as const), ids: fc.array(id, { maxLength: 12 }) }),
);

async function check(impl: Implementation, ops: Op[]): Promise<void> {
  const model = new Map<string, string>();
  await impl.load(IDS.slice(0, 20), IDS.slice(0, 20).map((_, i) => `/load/${i}`));
  IDS.slice(0, 20).forEach((x, i) => model.set(x, `/load/${i}`));
  for (const o of ops) {
    switch (o.kind) {
      case 'get':
        assert.equal(await impl.get(IDS[o.id]), model.get(IDS[o.id]), `get ${o.id}`);
        break;
      case 'delete':
        assert.equal(await impl.delete(IDS[o.id]), model.delete(IDS[o.id]), `delete ${o.id}`);
        break;
      case 'put':
        await impl.put(IDS[o.id], o.path);
        model.set(IDS[o.id], o.path);
        break;
      case 'scan': {
        const from = IDS[o.id];
        const expected = Math.min(o.count, SORTED.filter((x) => x >= from && model.has(x)).length);
        assert.equal(await impl.scan(from, o.count), expected, `scan ${o.count} from ${o.id}`);
        break;
      }
      case 'bulkInsert': {
        const pairs = o.ids.map((i, k) => [IDS[i], `/bulk/${o.tag}/${k}`] as [string, string]);
        await impl.bulkInsert(pairs);
        for (const [x, p] of pairs) model.set(x, p);
        break;
      }
      case 'bulkDelete':
        await impl.bulkDelete(o.ids.map((i) => IDS[i]));
        for (const i of o.ids) model.delete(IDS[i]);
        break;
      case 'bulkGet':
        assert.equal(await impl.bulkGet(o.ids.map((i) => IDS[i])), o.ids.filter((i) => model.has(IDS[i])).length, 'bulkGet');
        break;
    }
  }
  for (const x of IDS) assert.equal(await impl.get(x), model.get(x), `final get ${x}`);
}

/** `runs` random operation sequences, each on a fresh instance in a fresh (existing) directory, as the runner opens them. */
async function modelCheck(factory: ImplementationFactory, knobs: KnobValues, durability: Durability, runs: number): Promise<void> {
  const spec = formatImplSpec({ name: factory.name, knobs });
  await fc.assert(
    fc.asyncProperty(fc.array(op, { maxLength: durability === 'none' ? 80 : 25 }), async (ops) => {
      const directory = join(scratch, `d${dirs++}`);
      mkdirSync(directory);
      const impl = await factory.open(resolveKnobs({ name: factory.name, knobs }, factory), { spec, durability, directory });
      try {
        await check(impl, ops);
      } finally {
        await impl.close();
      }
    }),
    { numRuns: runs, seed: 7 },
  );
}

/** Settings that take another code path than the defaults. */
const VARIANTS: Record<string, KnobValues[]> = {
  lmdb: [{}, { syncPut: true }],
  optimized: [{}, { fsyncOffLoop: true }, { maxBatchDelayMs: 1 }],
};

describe('every implementation answers like a Map in every durability mode it claims', () => {
  for (const factory of allFactories()) {
    for (const knobs of VARIANTS[factory.name] ?? [{}]) {
      for (const durability of factory.durability) {
        const spec = formatImplSpec({ name: factory.name, knobs });
        it(`${spec} (${durability})`, () => modelCheck(factory, knobs, durability, durability === 'none' ? 25 : 6));
      }
    }
  }
});

describe('the public contract (tunebench/harness)', () => {
  it('the package entry tunebench/harness resolves to the built contract', async () => {
    // A name built at run time, so that typechecking does not need dist/ to exist.
    const entry = ['tunebench', 'harness'].join('/');
    const pkg = (await import(entry)) as { defineImplementation: unknown };
    assert.equal(typeof pkg.defineImplementation, 'function');
  });

  it('a factory declared with defineImplementation runs the same model check', async () => {
    const mine = defineImplementation({
      name: 'tiny-sorted-array',
      description: 'a sorted array of ids beside a Map (test fixture)',
      knobs: {},
      durability: ['none'],
      open: (_knobs, context) => {
        const map = new Map<string, string>();
        const sortedIds = () => [...map.keys()].sort();
        return {
          spec: context.spec,
          config: {},
          isAsync: false,
          load: (ids, paths) => ids.forEach((x, i) => map.set(x, paths[i])),
          get: (x) => map.get(x),
          put: (x, p) => void map.set(x, p),
          delete: (x) => map.delete(x),
          scan: (from, count) => Math.min(count, sortedIds().filter((x) => x >= from).length),
          bulkInsert: (pairs) => pairs.forEach(([x, p]) => map.set(x, p)),
          bulkDelete: (ids) => ids.forEach((x) => map.delete(x)),
          bulkGet: (ids) => ids.filter((x) => map.has(x)).length,
          memoryBytes: () => undefined,
          close: () => {},
        };
      },
    });
    await fc.assert(
      fc.asyncProperty(fc.array(op, { maxLength: 40 }), async (ops) => {
        const impl = await mine.open({}, { spec: mine.name, durability: 'none', directory: join(scratch, `d${dirs++}`) });
        await check(impl, ops);
      }),
      { numRuns: 10, seed: 7 },
    );
  });
});

describe('the example adapters (examples/) answer like a Map', () => {
  for (const file of ['ordered-map-adapter.mjs', 'append-log-adapter.mjs']) {
    it(file, async () => {
      const factory = (await import(new URL(`../../examples/${file}`, import.meta.url).href)).default as ImplementationFactory;
      for (const durability of factory.durability) await modelCheck(factory, {}, durability, durability === 'none' ? 15 : 5);
    });
  }
});

/**
 * `sync` means acknowledged writes survive the process: a child writes through the adapter
 * (test/fixtures/adapter-writer.ts), is SIGKILLed mid-stream, and a reopen must hold every write
 * it acknowledged (the one in flight may or may not be there).
 */
describe('sync durability survives a SIGKILL of the writing process', () => {
  const writer = fileURLToPath(new URL('../fixtures/adapter-writer.ts', import.meta.url));
  for (const factory of allFactories().filter((f) => f.durability.includes('sync'))) {
    it(factory.name, async () => {
      const directory = join(scratch, `kill-${factory.name}`);
      mkdirSync(directory);
      const child = spawn(process.execPath, ['--import', 'tsx', writer, factory.name, directory], { stdio: ['ignore', 'pipe', 'pipe'] });
      let acked = -1;
      let stderr = '';
      child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const lines = createInterface({ input: child.stdout });
      const exited = new Promise((resolve) => child.on('exit', resolve));
      // Killed once 400 writes are acknowledged, or after 20 s of writing whatever it reached.
      const timer = setTimeout(() => child.kill('SIGKILL'), 20_000);
      lines.on('line', (line) => {
        if (!line.startsWith('ack ')) return;
        acked = Number(line.slice(4));
        if (acked >= 400) child.kill('SIGKILL');
      });
      await exited;
      clearTimeout(timer);
      assert.ok(acked >= 20, `the writer acknowledged only ${acked + 1} writes: ${stderr}`);
      const impl = await factory.open(resolveKnobs({ name: factory.name, knobs: {} }), { spec: factory.name, durability: 'sync', directory });
      try {
        for (let seq = 0; seq <= acked; seq++) {
          const deletedLater = isDelete(seq + 3) && seq + 3 <= acked;
          if (isDelete(seq)) continue;
          assert.equal(await impl.get(idFor(seq)), deletedLater ? undefined : pathFor(seq), `write ${seq} of ${acked + 1} acknowledged`);
        }
      } finally {
        await impl.close();
      }
    });
  }
});
