/**
 * `npm run bench:index [-- --quick] [-- --rounds N] [-- --sizes 1000,100000]`
 *
 * Individual vs bulk operations on the in-memory index, beside sorted-btree and a native Map on
 * the same keys, measured in one process: every round runs every implementation (in rotated
 * order) on fresh structures; tables show the median per operation with the min-max over rounds,
 * and ratios are computed per round (paired) before taking their median. Prints the Phase 2
 * write-up's claims beside what we measure, without bending either.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import sortedBtree from 'sorted-btree';
import { bulkLoad } from 'sorted-btree/extended/bulkLoad.js';
import { type BulkGetResult, type BulkInsertResult, createMemoryIndex } from '../index/index.js';
import { type DataSet, Samples, dataSet, flatCopy, heapBytes, nsPerOp, rotated, showSpread, spread, table } from './support.js';

const BTree = sortedBtree.default;

const argv = yargs(hideBin(process.argv))
  .scriptName('bench:index')
  .usage('$0 [--quick] [--rounds N] [--sizes N,N,...]\n\nIndividual vs bulk operations on the index, beside sorted-btree and Map.')
  .option('quick', { type: 'boolean', default: false, describe: 'sizes 1k and 100k only, 3 rounds' })
  .option('rounds', { type: 'number', describe: 'rounds per size (default 3; 5 for sizes up to 100k)' })
  .option('sizes', { type: 'string', describe: 'comma-separated entry counts (default 1000,100000,1000000)' })
  .strict()
  .fail((message) => {
    console.error(`bench:index: ${message}`);
    process.exit(2);
  })
  .parseSync();

const sizes = (argv.sizes ?? (argv.quick ? '1000,100000' : '1000,100000,1000000')).split(',').map(Number);
if (sizes.some((n) => !Number.isInteger(n) || n < 10)) {
  console.error(`bench:index: --sizes must be integers of at least 10, got ${argv.sizes}`);
  process.exit(2);
}
if (argv.rounds !== undefined && !(Number.isInteger(argv.rounds) && argv.rounds > 0)) {
  console.error(`bench:index: --rounds must be a positive integer, got ${argv.rounds}`);
  process.exit(2);
}

type Pair = [string, string];

/** Range scans: this many from random starts, of SCAN_LENGTH entries each (ns per entry). */
const SCANS = 2_000;
const SCAN_LENGTH = 50;
// The scans' last entry, kept so that no engine can drop a scan whose entries nobody reads.
let scanned: unknown;

function checkScanned(who: string): void {
  if (scanned === undefined) throw new Error(`${who}: the range scans read nothing`);
  scanned = undefined;
}

const scanEntryCounts = new WeakMap<DataSet, number>();

/** How many entries the scans from the first SCANS probe ids read (fewer than SCANS x SCAN_LENGTH near the end). */
function scanEntries(data: DataSet): number {
  let total = scanEntryCounts.get(data);
  if (total === undefined) {
    const sorted = [...data.ids].sort();
    const rank = new Map(sorted.map((id, i) => [id, i]));
    total = 0;
    for (const from of data.probe.slice(0, SCANS)) total += Math.min(SCAN_LENGTH, sorted.length - rank.get(from)!);
    scanEntryCounts.set(data, total);
  }
  return total;
}

function rawBytes(data: DataSet): number {
  return data.ids.length * 16 + data.paths.reduce((sum, p) => sum + Buffer.byteLength(p), 0);
}

function runOurs(data: DataSet, samples: Samples, n: number): void {
  const pairs: Pair[] = data.ids.map((id, i) => [id, data.paths[i]]);
  const results: (string | undefined)[] = new Array(n);
  const empty = () => createMemoryIndex();
  const built = () => {
    const index = createMemoryIndex();
    index.bulkInsert(pairs);
    return index;
  };
  samples.add('ours.insert', nsPerOp(empty, (index) => { for (let i = 0; i < n; i++) index.insert(data.ids[i], data.paths[i]); }, n));
  const reading = built();
  samples.add('ours.get', nsPerOp(() => reading, (index) => { for (let i = 0; i < n; i++) results[i] = index.get(data.probe[i]); }, n));
  let batched: BulkGetResult | undefined;
  samples.add('ours.bulkGet', nsPerOp(() => reading, (index) => { batched = index.bulkGet(data.probe); }, n));
  if (batched!.values[n - 1] !== results[n - 1]) throw new Error('bulkGet and get disagree');
  for (const phase of ['parseMs', 'sortMs', 'applyMs', 'decodeMs'] as const) samples.add(`ours.bulkGet.${phase}`, (batched!.phasesMs[phase] * 1e6) / n);

  const starts = data.probe.slice(0, SCANS);
  samples.add('ours.scan', nsPerOp(() => reading, (index) => { for (const from of starts) for (const entry of index.range(from, undefined, SCAN_LENGTH)) scanned = entry; }, scanEntries(data)));
  checkScanned('tunebench');

  let inserted: BulkInsertResult | undefined;
  samples.add('ours.bulkInsert', nsPerOp(empty, (index) => { inserted = index.bulkInsert(pairs); }, n));
  for (const phase of ['parseMs', 'encodeMs', 'sortMs', 'applyMs'] as const) samples.add(`ours.bulkInsert.${phase}`, (inserted!.phasesMs[phase] * 1e6) / n);

  for (const share of [10, 50]) {
    const doomed = data.probe.slice(0, (n * share) / 100);
    samples.add(`ours.delete${share}`, nsPerOp(built, (index) => { for (const id of doomed) index.delete(id); }, doomed.length));
    samples.add(`ours.bulkDelete${share}`, nsPerOp(built, (index) => { index.bulkDelete(doomed); }, doomed.length));
  }
}

function runSortedBtree(data: DataSet, samples: Samples, n: number): void {
  const results: (string | undefined)[] = new Array(n);
  const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
  // sorted-btree's bulkLoad needs sorted, unique keys: the sort is part of its bulk insert.
  const load = () => {
    const order = data.ids.map((_, i) => i).sort((a, b) => compare(data.ids[a], data.ids[b]));
    return bulkLoad(order.map((i) => data.ids[i]), order.map((i) => data.paths[i]), 64, compare) as InstanceType<typeof BTree<string, string>>;
  };
  samples.add('sbt.insert', nsPerOp(() => new BTree<string, string>(), (tree) => { for (let i = 0; i < n; i++) tree.set(data.ids[i], data.paths[i]); }, n));
  const reading = load();
  samples.add('sbt.get', nsPerOp(() => reading, (tree) => { for (let i = 0; i < n; i++) results[i] = tree.get(data.probe[i]); }, n));
  samples.add('sbt.bulkLoad', nsPerOp(() => null, () => { load(); }, n));
  const starts = data.probe.slice(0, SCANS);
  samples.add('sbt.scan', nsPerOp(() => reading, (tree) => {
    for (const from of starts) {
      let read = 0;
      // Counted after the entry, so that the iterator is asked for exactly SCAN_LENGTH of them.
      for (const entry of tree.entries(from)) {
        scanned = entry;
        if (++read >= SCAN_LENGTH) break;
      }
    }
  }, scanEntries(data)));
  checkScanned('sorted-btree');
  for (const share of [10, 50]) {
    const doomed = data.probe.slice(0, (n * share) / 100);
    samples.add(`sbt.delete${share}`, nsPerOp(() => reading.clone(), (tree) => { for (const id of doomed) tree.delete(id); }, doomed.length));
  }
}

function runMap(data: DataSet, samples: Samples, n: number): void {
  const results: (string | undefined)[] = new Array(n);
  samples.add('map.insert', nsPerOp(() => new Map<string, string>(), (map) => { for (let i = 0; i < n; i++) map.set(data.ids[i], data.paths[i]); }, n));
  const reading = new Map(data.ids.map((id, i) => [id, data.paths[i]]));
  samples.add('map.get', nsPerOp(() => reading, (map) => { for (let i = 0; i < n; i++) results[i] = map.get(data.probe[i]); }, n));
  for (const share of [10, 50]) {
    const doomed = data.probe.slice(0, (n * share) / 100);
    samples.add(`map.delete${share}`, nsPerOp(() => new Map(reading), (map) => { for (const id of doomed) map.delete(id); }, doomed.length));
  }
}

/**
 * Memory of each structure after building it one insert at a time (and ours after a bulk load).
 * Ours: the exact bytes of its buffers. Peers: the JS heap growth while building them from their
 * own copies of the strings, since a tree of strings holds its strings.
 */
function measureMemory(data: DataSet, samples: Samples): void {
  const raw = rawBytes(data);
  const ours = createMemoryIndex();
  for (let i = 0; i < data.ids.length; i++) ours.insert(data.ids[i], data.paths[i]);
  const afterInserts = ours.analyze();
  samples.add('ours.mem.insert.used', afterInserts.overhead);
  samples.add('ours.mem.insert.allocated', afterInserts.allocatedOverhead);
  const bulk = createMemoryIndex();
  bulk.bulkInsert(data.ids.map((id, i) => [id, data.paths[i]] as Pair));
  const afterBulk = bulk.analyze();
  samples.add('ours.mem.bulk.used', afterBulk.overhead);
  samples.add('ours.mem.bulk.allocated', afterBulk.allocatedOverhead);

  const heapGrowth = (build: () => unknown): number => {
    const before = heapBytes();
    const built = build();
    const grown = heapBytes() - before;
    return built === null ? 0 : grown;
  };
  samples.add('sbt.mem.held', heapGrowth(() => {
    const tree = new BTree<string, string>();
    for (let i = 0; i < data.ids.length; i++) tree.set(flatCopy(data.ids[i]), flatCopy(data.paths[i]));
    return tree;
  }) / raw);
  samples.add('map.mem.held', heapGrowth(() => new Map(data.ids.map((id, i) => [flatCopy(id), flatCopy(data.paths[i])]))) / raw);

  // The string caches (hot-id table, path cache) once every id was read: their estimate
  // (analyze().cacheBytes) beside the JS heap they grew (the index's buffers are outside it).
  let estimate = 0;
  samples.add('ours.mem.caches.held', heapGrowth(() => {
    const index = createMemoryIndex();
    index.bulkInsert(data.ids.map((id, i) => [id, data.paths[i]] as Pair));
    for (const id of data.probe) index.get(id);
    estimate = index.analyze().cacheBytes;
    return index;
  }) / raw);
  samples.add('ours.mem.caches.estimate', estimate / raw);

  // Reclamation: delete 90% in bulk, compact, and compare with a fresh build of what is left.
  const full = afterBulk.bytesAllocated;
  bulk.bulkDelete(data.probe.slice(0, Math.floor(data.ids.length * 0.9)));
  bulk.compact();
  const fresh = createMemoryIndex();
  fresh.bulkInsert([...bulk.range()]);
  fresh.compact();
  const ideal = fresh.analyze().bytesAllocated;
  samples.add('ours.reclaimed', (full - bulk.analyze().bytesAllocated) / (full - ideal));
}

/** Median and spread of the per-round ratio a / b. */
function pairedRatio(samples: Samples, a: string, b: string) {
  const x = samples.get(a).samples;
  const y = samples.get(b).samples;
  return spread(x.map((v, i) => v / y[i]));
}

function verdict(measured: number, target: number): string {
  return measured >= target ? 'meets' : 'MISSES';
}

const fmtNs = (name: string, samples: Samples) => (samples.has(name) ? showSpread(samples.get(name), 0) : '-');

console.log(`bench:index - Node ${process.version}, ${sizes.length} sizes; ns per operation, median of rounds (min-max)`);
console.log('Data: random v4 UUIDs with 20-80 byte ASCII paths; lookups and deletes in another random order.\n');

// Warm-up: one untimed pass of everything on a small set, so no measured round pays for JIT compiling.
const runners = [runOurs, runSortedBtree, runMap];
for (const run of runners) run(dataSet(20_000, 3), new Samples(), 20_000);

for (const n of sizes) {
  const rounds = argv.rounds ?? (argv.quick ? 3 : n <= 100_000 ? 5 : 3);
  const data = dataSet(n, 7);
  const samples = new Samples();
  measureMemory(data, samples);
  for (let round = 0; round < rounds; round++) {
    for (const run of rotated(runners, round)) run(data, samples, n);
    process.stderr.write(`  N=${n}: round ${round + 1}/${rounds} done\r`);
  }
  process.stderr.write('\n');

  console.log(`N = ${n.toLocaleString('en-US')}  (${rounds} rounds)`);
  console.log(
    table([
      ['operation', 'tunebench', 'sorted-btree', 'Map'],
      ['individual insert', fmtNs('ours.insert', samples), fmtNs('sbt.insert', samples), fmtNs('map.insert', samples)],
      ['bulk insert (unsorted input)', fmtNs('ours.bulkInsert', samples), `${fmtNs('sbt.bulkLoad', samples)} sort+bulkLoad`, '-'],
      ['individual get', fmtNs('ours.get', samples), fmtNs('sbt.get', samples), fmtNs('map.get', samples)],
      ['batched get', fmtNs('ours.bulkGet', samples), '-', '-'],
      [`range scan of ${SCAN_LENGTH}, per entry`, fmtNs('ours.scan', samples), fmtNs('sbt.scan', samples), '-'],
      ['individual delete 10%', fmtNs('ours.delete10', samples), fmtNs('sbt.delete10', samples), fmtNs('map.delete10', samples)],
      ['bulk delete 10%', fmtNs('ours.bulkDelete10', samples), '-', '-'],
      ['individual delete 50%', fmtNs('ours.delete50', samples), fmtNs('sbt.delete50', samples), fmtNs('map.delete50', samples)],
      ['bulk delete 50%', fmtNs('ours.bulkDelete50', samples), '-', '-'],
    ]),
  );
  console.log(
    `\nbulk insert, ns/entry: parse+validate ${fmtNs('ours.bulkInsert.parseMs', samples)}, encode ${fmtNs('ours.bulkInsert.encodeMs', samples)}, ` +
      `sort ${fmtNs('ours.bulkInsert.sortMs', samples)}, build/merge ${fmtNs('ours.bulkInsert.applyMs', samples)}`,
  );
  console.log(
    `batched get, ns/id: parse ${fmtNs('ours.bulkGet.parseMs', samples)}, sort ${fmtNs('ours.bulkGet.sortMs', samples)}, ` +
      `probe ${fmtNs('ours.bulkGet.applyMs', samples)}, decode ${fmtNs('ours.bulkGet.decodeMs', samples)}`,
  );

  const ratios: [string, ReturnType<typeof spread>, number | null, string][] = [
    ['bulk insert vs individual insert', pairedRatio(samples, 'ours.insert', 'ours.bulkInsert'), n >= 1_000_000 ? 3 : null, '10x'],
    ['bulk delete 50% vs individual', pairedRatio(samples, 'ours.delete50', 'ours.bulkDelete50'), n >= 1_000_000 ? 3 : null, '5x'],
    ['bulk delete 10% vs individual', pairedRatio(samples, 'ours.delete10', 'ours.bulkDelete10'), null, '5x'],
    ['batched get vs individual get', pairedRatio(samples, 'ours.get', 'ours.bulkGet'), n >= 1_000_000 ? 2 : null, '20x'],
    ['get: tunebench vs sorted-btree', pairedRatio(samples, 'sbt.get', 'ours.get'), n >= 1_000_000 ? 2 : null, '-'],
    ['range scan: tunebench vs sorted-btree', pairedRatio(samples, 'sbt.scan', 'ours.scan'), 1.2, '-'],
    ['insert: tunebench vs sorted-btree', pairedRatio(samples, 'sbt.insert', 'ours.insert'), n >= 1_000_000 ? 2 : null, '-'],
    ['our bulk insert vs sorted-btree inserts', pairedRatio(samples, 'sbt.insert', 'ours.bulkInsert'), n >= 1_000_000 ? 6 : null, '-'],
  ];
  console.log('\n' + table([
    ['speedup (x, paired per round)', 'measured', 'issue target', 'Phase 2 claim', 'vs target', 'vs claim'],
    ...ratios.map(([label, s, target, claim]) => [
      label,
      showSpread(s, 2),
      target === null ? '-' : `>= ${target}x`,
      claim,
      target === null ? '-' : verdict(s.median, target),
      claim === '-' ? '-' : s.median >= Number.parseFloat(claim) ? 'holds' : 'DOES NOT HOLD',
    ]),
  ]));

  const reclaimed = samples.get('ours.reclaimed');
  console.log('\n' + table([
    ['memory / raw bytes (16 per id + path bytes)', 'measured', 'target'],
    ['tunebench after individual inserts: used', showSpread(samples.get('ours.mem.insert.used'), 3), '<= 1.3'],
    ['tunebench after individual inserts: allocated', showSpread(samples.get('ours.mem.insert.allocated'), 3), '<= 1.3'],
    ['tunebench after bulk insert: used', showSpread(samples.get('ours.mem.bulk.used'), 3), '<= 1.3'],
    ['tunebench after bulk insert: allocated', showSpread(samples.get('ours.mem.bulk.allocated'), 3), '<= 1.3'],
    ['tunebench string caches after a get of every id: cacheBytes (estimate)', showSpread(samples.get('ours.mem.caches.estimate'), 3), '(fixed bound)'],
    ['tunebench string caches after a get of every id: JS heap growth', showSpread(samples.get('ours.mem.caches.held'), 3), '-'],
    ['sorted-btree after inserts: JS heap growth', showSpread(samples.get('sbt.mem.held'), 3), '(~2.4)'],
    ['Map after inserts: JS heap growth', showSpread(samples.get('map.mem.held'), 3), '-'],
    ['freed bytes reclaimed: 90% bulk delete + compact', `${(reclaimed.median * 100).toFixed(1)}% (${(reclaimed.min * 100).toFixed(1)}-${(reclaimed.max * 100).toFixed(1)})`, '>= 97%'],
  ]));
  console.log('');
}
