/**
 * Every registered implementation (ours, the peers, lmdb) against a Map model, in every durability
 * mode it claims: random sequences of the operations the runner issues, each answer checked
 * (get, delete's "existed", scan counts in id order, bulkGet's found count), then close.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { allFactories, formatImplSpec, resolveKnobs } from '../../harness/adapters/registry.js';
import type { Implementation, KnobValues } from '../../harness/adapters/types.js';
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
        it(`${spec} (${durability})`, async () => {
          await fc.assert(
            fc.asyncProperty(fc.array(op, { maxLength: durability === 'none' ? 80 : 25 }), async (ops) => {
              const impl = await factory.open(resolveKnobs({ name: factory.name, knobs }), { spec, durability, directory: join(scratch, `d${dirs++}`) });
              try {
                await check(impl, ops);
              } finally {
                await impl.close();
              }
            }),
            { numRuns: durability === 'none' ? 25 : 6, seed: 7 },
          );
        });
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
