/**
 * `npm run bench:concurrent [-- --entries N] [-- --rounds N]`
 *
 * 1M entries; 1M random point gets done by reader workers (readWorkload: each worker looks its
 * share up itself, decoding paths, and returns counts) and through getMany (answers copied back),
 * with 1 and 2 workers, read-only and with a writer on the main thread doing 1k-entry bulk inserts
 * every 10 ms. Beside them: the same gets in-process, one by one and batched. Rounds alternate.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { type ContentionMetrics, type ReaderPool, createMemoryIndex, createReaderPool } from '../index/index.js';
import { Samples, dataSet, fullGc, showSpread, spread, table } from './support.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('bench:concurrent')
  .usage('$0 [--entries N] [--rounds N] [--quick]\n\nReads on worker threads against in-process reads.')
  .option('entries', { type: 'number', default: 1_000_000 })
  .option('rounds', { type: 'number', default: 6 })
  .option('quick', { type: 'boolean', default: false, describe: '200k entries, 3 rounds' })
  .strict()
  .fail((message) => {
    console.error(`bench:concurrent: ${message}`);
    process.exit(2);
  })
  .parseSync();
const entries = argv.quick ? 200_000 : argv.entries;
const rounds = argv.quick ? 3 : argv.rounds;
if (!Number.isInteger(entries) || entries < 1000 || !Number.isInteger(rounds) || rounds < 1) {
  console.error('bench:concurrent: --entries must be an integer of at least 1000 and --rounds a positive integer');
  process.exit(2);
}

const data = dataSet(entries, 21);
const index = createMemoryIndex();
index.bulkInsert(data.ids.map((id, i) => [id, data.paths[i]] as [string, string]));
const extra = dataSet(200_000, 22);
const samples = new Samples();
const contention: Record<string, ContentionMetrics[]> = {};
const rate = (ms: number) => (entries / ms) * 1000;

function inProcess(): void {
  fullGc();
  let bytes = 0;
  let started = performance.now();
  for (const id of data.probe) bytes += index.get(id)?.length ?? 0;
  samples.add('inprocess.get', rate(performance.now() - started));
  fullGc();
  started = performance.now();
  const values = index.bulkGet(data.probe).values;
  samples.add('inprocess.bulkGet', rate(performance.now() - started));
  if (bytes === 0 || values.length !== entries) throw new Error('nothing found');
}

let extraAt = 0;
/** Runs `body` with a writer doing a 1k bulk insert every 10 ms (when `writing`); returns the lock metrics. */
async function withWriter(writing: boolean, pool: ReaderPool, body: () => Promise<void>): Promise<ContentionMetrics> {
  pool.resetContention();
  const timer = writing
    ? setInterval(() => {
        const from = extraAt % (extra.ids.length - 1000);
        extraAt += 1000;
        index.bulkInsert(extra.ids.slice(from, from + 1000).map((id, i) => [id, extra.paths[from + i]] as [string, string]));
      }, 10)
    : null;
  try {
    await body();
  } finally {
    if (timer) clearInterval(timer);
  }
  return pool.contention();
}

/** One measure through the first `count` workers of `pool`. */
async function workers(pool: ReaderPool, count: number, writing: boolean): Promise<void> {
  const label = `${count}w.${writing ? 'writer' : 'readonly'}`;
  fullGc();
  const metrics = await withWriter(writing, pool, async () => {
    const counts = await pool.readWorkload(data.probe, { decode: true, workers: count });
    if (counts.found < entries) throw new Error(`found ${counts.found}`);
    samples.add(`${label}.readWorkload`, rate(counts.durationMs));
  });
  (contention[`${label}.readWorkload`] ??= []).push(metrics);
  fullGc();
  await withWriter(writing, pool, async () => {
    const started = performance.now();
    const values = await pool.getMany(data.probe, { workers: count });
    samples.add(`${label}.getMany`, rate(performance.now() - started));
    if (values.length !== entries) throw new Error('short answer');
  });
}

// One pool for the whole run; 1 and 2 workers alternate back to back (1 2 2 1 ...) so that the
// machine's drift, which swung a single measure by 40% here, falls evenly on both.
const pool = createReaderPool(index, { workers: 2 });
await pool.readWorkload(data.probe.slice(0, 50_000), { workers: 2 }); // warm the workers' JIT
for (let round = 0; round < rounds; round++) {
  inProcess();
  const order = round % 2 === 0 ? [1, 2] : [2, 1];
  for (const writing of [false, true]) for (const count of order) await workers(pool, count, writing);
  process.stderr.write(`round ${round + 1}/${rounds} done\n`);
}
await pool.close();

const m = (key: string) => showSpread(spread(samples.get(key).samples.map((x) => x / 1e6)), 2);
const ratio = (a: string, b: string) => spread(samples.get(a).samples.map((x, i) => x / samples.get(b).samples[i]));
const verdict = (value: number, target: number) => (value >= target ? 'meets' : 'MISSES');
console.log(`bench:concurrent - ${entries.toLocaleString('en-US')} entries, ${entries.toLocaleString('en-US')} random gets per measure, ${rounds} rounds; M gets/s, median (min-max)\n`);
console.log(
  table([
    ['how', 'read-only', 'with writer (1k bulk insert / 10 ms)'],
    ['in-process get, one by one', m('inprocess.get'), '-'],
    ['in-process bulkGet', m('inprocess.bulkGet'), '-'],
    ['readWorkload, 1 worker', m('1w.readonly.readWorkload'), m('1w.writer.readWorkload')],
    ['readWorkload, 2 workers', m('2w.readonly.readWorkload'), m('2w.writer.readWorkload')],
    ['getMany, 1 worker', m('1w.readonly.getMany'), m('1w.writer.getMany')],
    ['getMany, 2 workers', m('2w.readonly.getMany'), m('2w.writer.getMany')],
  ]),
);
const scaling = ratio('2w.readonly.readWorkload', '1w.readonly.readWorkload');
const oneVsInProcess = ratio('1w.readonly.readWorkload', 'inprocess.get');
const manyVsInProcess = ratio('1w.readonly.getMany', 'inprocess.get');
const contentionRatio = spread(contention['2w.writer.readWorkload'].map((c) => c.contentionRatio));
const last = contention['2w.writer.readWorkload'].at(-1)!;
console.log(
  '\n' +
    table([
      ['figure', 'measured', 'target', ''],
      ['readWorkload: 2 workers / 1 worker (read-only)', `${showSpread(scaling, 2)}x`, '>= 1.8x', verdict(scaling.median, 1.8)],
      ['readWorkload, 1 worker / in-process gets', `${showSpread(oneVsInProcess, 2)}x`, '>= 0.9x', verdict(oneVsInProcess.median, 0.9)],
      ['getMany, 1 worker / in-process gets', `${showSpread(manyVsInProcess, 2)}x`, '>= 0.5x', verdict(manyVsInProcess.median, 0.5)],
      ['contention ratio, 2 workers with the writer', showSpread(contentionRatio, 3), '< 0.3', contentionRatio.median < 0.3 ? 'meets' : 'MISSES'],
    ]),
);
console.log(
  `\nlock, last 2-worker run with the writer: ${last.acquisitions} acquisitions (${last.writeAcquisitions} writes), ${last.contendedAcquisitions} waited; ` +
    `readers waited ${last.readWaitMs.toFixed(1)} ms in all, the writer ${last.writeWaitMs.toFixed(1)} ms; peak readers inside ${last.peakReaders}`,
);
console.log('getMany copies every answer string back to the main thread (structured clone); readWorkload returns only counts.');
