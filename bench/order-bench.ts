/**
 * `npm run bench:order [-- --size N] [-- --rounds N] [-- --orders 15,31,63,127]`
 *
 * How the node order (max keys per node) changes individual insert, get and delete, bulk insert,
 * batched get, and memory. The default order in index/memory-index.ts was chosen from this
 * benchmark's output (see the README, "Choosing the node order").
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { createMemoryIndex } from '../index/index.js';
import { Samples, dataSet, nsPerOp, rotated, showSpread, table } from './support.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('bench:order')
  .usage('$0 [--size N] [--rounds N] [--orders 15,31,63,127]\n\nIndex operations per node order.')
  .option('size', { type: 'number', default: 1_000_000, describe: 'entries' })
  .option('rounds', { type: 'number', default: 3, describe: 'rounds (orders run in rotated order each round)' })
  .option('orders', { type: 'string', default: '15,31,63,127,255', describe: 'comma-separated node orders' })
  .strict()
  .fail((message) => {
    console.error(`bench:order: ${message}`);
    process.exit(2);
  })
  .parseSync();

const orders = argv.orders.split(',').map(Number);
if (orders.some((o) => !Number.isInteger(o) || o < 3 || o > 4096)) {
  console.error(`bench:order: --orders must be integers from 3 to 4096, got ${argv.orders}`);
  process.exit(2);
}
if (!Number.isInteger(argv.size) || argv.size < 1000 || !Number.isInteger(argv.rounds) || argv.rounds < 1) {
  console.error('bench:order: --size must be an integer >= 1000 and --rounds a positive integer');
  process.exit(2);
}

const n = argv.size;
const data = dataSet(n, 11);
const pairs = data.ids.map((id, i) => [id, data.paths[i]] as [string, string]);
const doomed = data.probe.slice(0, n / 2);
const results: (string | undefined)[] = new Array(n);

function measure(order: number, samples: Samples): void {
  const built = () => {
    const index = createMemoryIndex({ order });
    index.bulkInsert(pairs);
    return index;
  };
  samples.add(`${order}.insert`, nsPerOp(() => createMemoryIndex({ order }), (index) => { for (let i = 0; i < n; i++) index.insert(data.ids[i], data.paths[i]); }, n));
  const reading = built();
  samples.add(`${order}.get`, nsPerOp(() => reading, (index) => { for (let i = 0; i < n; i++) results[i] = index.get(data.probe[i]); }, n));
  samples.add(`${order}.bulkGet`, nsPerOp(() => reading, (index) => { index.bulkGet(data.probe); }, n));
  samples.add(`${order}.delete`, nsPerOp(built, (index) => { for (const id of doomed) index.delete(id); }, doomed.length));
  samples.add(`${order}.bulkInsert`, nsPerOp(() => createMemoryIndex({ order }), (index) => { index.bulkInsert(pairs); }, n));
  const grown = createMemoryIndex({ order });
  for (let i = 0; i < n; i++) grown.insert(data.ids[i], data.paths[i]);
  samples.add(`${order}.memory`, grown.analyze().allocatedOverhead);
}

for (const order of orders) measure(order, new Samples()); // warm-up: JIT, not measured
const samples = new Samples();
for (let round = 0; round < argv.rounds; round++) {
  for (const order of rotated(orders, round)) measure(order, samples);
  process.stderr.write(`round ${round + 1}/${argv.rounds} done\n`);
}

const ns = (key: string) => showSpread(samples.get(key), 0);

console.log(`bench:order - ${n.toLocaleString('en-US')} random ids, ns per operation, median of ${argv.rounds} rounds (min-max)`);
console.log(
  table([
    ['order', 'insert', 'get', 'batched get', 'delete 50%', 'bulk insert', 'allocated / raw after inserts'],
    ...orders.map((o) => [String(o), ns(`${o}.insert`), ns(`${o}.get`), ns(`${o}.bulkGet`), ns(`${o}.delete`), ns(`${o}.bulkInsert`), samples.get(`${o}.memory`).median.toFixed(3)]),
  ]),
);
