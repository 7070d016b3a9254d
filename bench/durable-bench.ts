/**
 * `npm run bench:durable [-- --rounds N] [-- --reopen N]`
 *
 * The durable index in `sync` mode: 1k and 10k individual inserts against one bulk insert of the
 * same ids, individual deletes against one bulk delete (each fsynced per call), the time to
 * checkpoint 1M entries and to reopen them (snapshot plus a log of 10k records). Rounds alternate
 * the order.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { openPrimaryIndex } from '../index/index.js';
import { SNAPSHOT_FILE, WAL_FILE } from '../index/storage/format.js';
import { Samples, dataSet, showSpread, spread, table } from './support.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('bench:durable')
  .usage('$0 [--rounds N] [--reopen N]\n\nDurable index: individual vs bulk in sync mode, and reopen time.')
  .option('rounds', { type: 'number', default: 3 })
  .option('reopen', { type: 'number', default: 1_000_000, describe: 'entries of the index reopened' })
  .option('quick', { type: 'boolean', default: false, describe: '1k only, reopen 100k, 2 rounds' })
  .strict()
  .fail((message) => {
    console.error(`bench:durable: ${message}`);
    process.exit(2);
  })
  .parseSync();
const rounds = argv.quick ? 2 : argv.rounds;
const reopenEntries = argv.quick ? 100_000 : argv.reopen;
if (!Number.isInteger(rounds) || rounds < 1 || !Number.isInteger(reopenEntries) || reopenEntries < 1000) {
  console.error('bench:durable: --rounds must be a positive integer and --reopen an integer of at least 1000');
  process.exit(2);
}

const root = mkdtempSync(join(tmpdir(), 'tb-bench-durable-'));
let dirs = 0;
const fresh = () => join(root, `d${dirs++}`);
const samples = new Samples();
const sizes = argv.quick ? [1000] : [1000, 10_000];

function timeMs(fn: () => void): number {
  const started = performance.now();
  fn();
  return performance.now() - started;
}

for (let round = 0; round < rounds; round++) {
  for (const n of sizes) {
    const data = dataSet(n, 100 + round);
    const pairs = data.ids.map((id, i) => [id, data.paths[i]] as [string, string]);
    const measures: [string, () => void][] = [
      ['insert.individual', () => {
        const index = openPrimaryIndex(fresh(), { durability: 'sync' });
        samples.add(`${n}.insert.individual`, timeMs(() => { for (const [id, path] of pairs) index.insert(id, path); }));
        index.close();
      }],
      ['insert.bulk', () => {
        const index = openPrimaryIndex(fresh(), { durability: 'sync' });
        samples.add(`${n}.insert.bulk`, timeMs(() => index.bulkInsert(pairs)));
        index.close();
      }],
      ['delete.individual', () => {
        const index = openPrimaryIndex(fresh(), { durability: 'sync' });
        index.bulkInsert(pairs);
        samples.add(`${n}.delete.individual`, timeMs(() => { for (const id of data.probe) index.delete(id); }));
        index.close();
      }],
      ['delete.bulk', () => {
        const index = openPrimaryIndex(fresh(), { durability: 'sync' });
        index.bulkInsert(pairs);
        samples.add(`${n}.delete.bulk`, timeMs(() => index.bulkDelete(data.probe)));
        index.close();
      }],
    ];
    for (const [, run] of round % 2 === 0 ? measures : [...measures].reverse()) run();
  }
  process.stderr.write(`round ${round + 1}/${rounds} done\n`);
}

// Reopen: a checkpointed index of `reopenEntries` entries plus a log of 10k individual records.
const data = dataSet(reopenEntries, 9);
const dir = fresh();
const built = openPrimaryIndex(dir, { durability: 'none' });
built.bulkInsert(data.ids.map((id, i) => [id, data.paths[i]] as [string, string]));
// A checkpoint writes the snapshot, fsyncs it and reads it back to verify it before the rename.
for (let round = 0; round < rounds; round++) samples.add('checkpoint', timeMs(() => built.checkpoint()));
const extra = dataSet(10_000, 10);
for (let i = 0; i < extra.ids.length; i++) built.insert(extra.ids[i], extra.paths[i]);
built.close();
for (let round = 0; round < rounds; round++) {
  let replayed = 0;
  samples.add('reopen', timeMs(() => {
    const index = openPrimaryIndex(dir);
    replayed = index.recovery.replayedRecords;
    index.close();
  }));
  samples.add('reopen.replayed', replayed);
}

const ratio = (a: string, b: string) => spread(samples.get(a).samples.map((x, i) => x / samples.get(b).samples[i]));
console.log(`bench:durable - sync mode (one fsync per acknowledged call), ${rounds} rounds; ms, median (min-max)\n`);
const rows: string[][] = [['operation', 'individual (ms)', 'bulk (ms)', 'bulk speedup', 'target', '']];
for (const n of sizes) {
  const insert = ratio(`${n}.insert.individual`, `${n}.insert.bulk`);
  const del = ratio(`${n}.delete.individual`, `${n}.delete.bulk`);
  rows.push([`insert ${n.toLocaleString('en-US')}`, showSpread(samples.get(`${n}.insert.individual`), 1), showSpread(samples.get(`${n}.insert.bulk`), 2), `${showSpread(insert, 1)}x`, n === 1000 ? '>= 50x' : '-', n === 1000 ? (insert.median >= 50 ? 'meets' : 'MISSES') : '']);
  rows.push([`delete ${n.toLocaleString('en-US')}`, showSpread(samples.get(`${n}.delete.individual`), 1), showSpread(samples.get(`${n}.delete.bulk`), 2), `${showSpread(del, 1)}x`, n === 1000 ? '>= 25x' : '-', n === 1000 ? (del.median >= 25 ? 'meets' : 'MISSES') : '']);
}
console.log(table(rows));
const reopen = samples.get('reopen');
console.log(
  `\nreopen of ${reopenEntries.toLocaleString('en-US')} entries (snapshot ${(statSync(join(dir, SNAPSHOT_FILE)).size / 2 ** 20).toFixed(1)} MiB, ` +
    `log ${(statSync(join(dir, WAL_FILE)).size / 2 ** 20).toFixed(2)} MiB with ${samples.get('reopen.replayed').median} records): ` +
    `${showSpread(reopen, 0)} ms (target: under 2000 ms at 1M) ${reopenEntries >= 1_000_000 ? (reopen.median < 2000 ? 'meets' : 'MISSES') : ''}`,
);
console.log(`checkpoint of ${reopenEntries.toLocaleString('en-US')} entries (write, fsync, read back and verify, renames): ${showSpread(samples.get('checkpoint'), 0)} ms`);
rmSync(root, { recursive: true, force: true });
