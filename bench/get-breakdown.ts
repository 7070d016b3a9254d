/**
 * `npm run bench:get [-- --sizes 10000,100000,1000000] [-- --rounds N]`
 *
 * Where a point get spends its time (issue 14: "start by measuring where a 10k-entry get spends
 * its time"). In one process, per size, the parts of `MemoryIndex.get` measured alone over the
 * same random probe order, rounds interleaved so that every part sees the same machine:
 *
 * - parse: `parseIdInto` (36 characters of hex into four words);
 * - descend: `tree.find` on the parsed words (the B+ tree descent and the in-node search);
 * - decode: `heap.read` of the found slot (the path bytes into a string, through the path cache);
 * - get, hot ids off: the whole `index.get` without the hot-id table, which is about parse +
 *   descend + decode;
 * - get: the whole `index.get` with its hot-id table (the default): a repeated id skips the parse
 *   and the descent; over n distinct ids in random order, 16,384 direct-mapped lines hold most of
 *   10k ids and few of 1M, so this column also shows what a miss costs;
 * - sorted-btree get and Map get on the same ids, for scale.
 *
 * Prints the median ns per operation with its min-max over rounds. Nothing is asserted.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import sortedBtree from 'sorted-btree';
import { createMemoryIndex } from '../index/index.js';
import { parseIdInto } from '../index/id.js';
import { NONE } from '../index/tree/btree.js';
import { Samples, dataSet, showSpread, table } from './support.js';

const BTree = sortedBtree.default;

const argv = yargs(hideBin(process.argv))
  .scriptName('bench:get')
  .usage('$0 [--sizes N,N,...] [--rounds N]\n\nWhere a point get spends its time: parse, descend, decode.')
  .option('sizes', { type: 'string', default: '10000,100000,1000000', describe: 'index sizes, comma-separated' })
  .option('rounds', { type: 'number', default: 11, describe: 'interleaved rounds per size' })
  .strict()
  .fail((message) => {
    console.error(`bench:get: ${message}`);
    process.exit(2);
  })
  .parseSync();
const sizes = String(argv.sizes).split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 100 || n > 5_000_000) || !Number.isInteger(argv.rounds) || argv.rounds < 1 || argv.rounds > 1000) {
  console.error('bench:get: --sizes must list integers from 100 to 5000000 and --rounds be an integer from 1 to 1000');
  process.exit(2);
}

/** Nanoseconds per call of `body` over `n` calls; `body` returns a checksum the JIT cannot drop. */
function timed(n: number, body: () => number): number {
  const t0 = process.hrtime.bigint();
  const sum = body();
  const ns = Number(process.hrtime.bigint() - t0) / n;
  if (sum === -1) console.log('unreachable');
  return ns;
}

const rows = [['size', 'parse', 'descend', 'decode', 'parts summed', 'get, hot ids off', 'get', 'sorted-btree get', 'Map get']];
for (const n of sizes) {
  const data = dataSet(n);
  const index = createMemoryIndex({ expectedEntries: n });
  index.bulkInsert(data.ids.map((id, i) => [id, data.paths[i]] as [string, string]));
  const plain = createMemoryIndex({ expectedEntries: n, hotIds: false });
  plain.bulkInsert(data.ids.map((id, i) => [id, data.paths[i]] as [string, string]));
  const sbt = new BTree<string, string>();
  const map = new Map<string, string>();
  for (let i = 0; i < n; i++) {
    sbt.set(data.ids[i], data.paths[i]);
    map.set(data.ids[i], data.paths[i]);
  }
  const probe = data.probe;
  const keys = new Int32Array(4 * n);
  for (let i = 0; i < n; i++) parseIdInto(probe[i], keys, 4 * i);
  const tree = index.tree;
  const slots = new Int32Array(n);
  for (let i = 0; i < n; i++) slots[i] = tree.find(keys[4 * i], keys[4 * i + 1], keys[4 * i + 2], keys[4 * i + 3]);
  if (slots.some((s) => s === NONE)) throw new Error('a probe id was not found');
  const scratch = new Int32Array(4);
  const parts: Record<string, () => number> = {
    parse: () => {
      let s = 0;
      for (let i = 0; i < n; i++) {
        parseIdInto(probe[i], scratch, 0);
        s += scratch[3];
      }
      return s;
    },
    descend: () => {
      let s = 0;
      for (let i = 0; i < n; i++) s += tree.find(keys[4 * i], keys[4 * i + 1], keys[4 * i + 2], keys[4 * i + 3]);
      return s;
    },
    decode: () => {
      let s = 0;
      for (let i = 0; i < n; i++) s += tree.heap.read(slots[i]).length;
      return s;
    },
    plain: () => {
      let s = 0;
      for (let i = 0; i < n; i++) s += plain.get(probe[i])!.length;
      return s;
    },
    get: () => {
      let s = 0;
      for (let i = 0; i < n; i++) s += index.get(probe[i])!.length;
      return s;
    },
    sbt: () => {
      let s = 0;
      for (let i = 0; i < n; i++) s += sbt.get(probe[i])!.length;
      return s;
    },
    map: () => {
      let s = 0;
      for (let i = 0; i < n; i++) s += map.get(probe[i])!.length;
      return s;
    },
  };
  // Enough calls per sample for about 10 ms at small sizes; one pass at large ones.
  const passes = Math.max(1, Math.round(200_000 / n));
  const samples = new Samples();
  for (const part of Object.values(parts)) part(); // warm-up: JIT and caches
  for (let r = 0; r < argv.rounds; r++) {
    for (const [name, part] of Object.entries(parts)) {
      samples.add(name, timed(n * passes, () => {
        let s = 0;
        for (let p = 0; p < passes; p++) s += part();
        return s;
      }));
    }
  }
  const m = (name: string) => samples.get(name);
  const sum = m('parse').median + m('descend').median + m('decode').median;
  rows.push([n.toLocaleString('en-US'), showSpread(m('parse'), 0), showSpread(m('descend'), 0), showSpread(m('decode'), 0), sum.toFixed(0), showSpread(m('plain'), 0), showSpread(m('get'), 0), showSpread(m('sbt'), 0), showSpread(m('map'), 0)]);
  process.stderr.write(`size ${n} done\n`);
}
console.log(`bench:get - ns per operation, median (min-max) of ${argv.rounds} interleaved rounds, random probe order\n`);
console.log(table(rows));
