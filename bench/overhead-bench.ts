/**
 * `npm run bench:overhead [-- --records N] [-- --rounds N]`
 *
 * Harness overhead: the throughput the runner reports for Map point gets (a read-only zipfian
 * workload) against a bare loop doing the same gets on the same keys, in the same process,
 * alternating bare and runner rounds. The target is a ratio of at least 0.9.
 */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import type { MapImplementation } from '../harness/adapters/peers.js';
import { findFactory } from '../harness/adapters/registry.js';
import { fullGc } from '../harness/measure/timing.js';
import { measureWorkload } from '../harness/runner/workload.js';
import { median } from '../harness/stats/basics.js';
import { DataSet, OpStream } from '../scenarios/generate.js';
import { defineScenario } from '../scenarios/schema.js';
import { showSpread, spread } from './support.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('bench:overhead')
  .usage('$0 [--records N] [--rounds N] [--operations N]\n\nRunner-reported Map get throughput against a bare loop.')
  .option('records', { type: 'number', default: 100_000 })
  .option('rounds', { type: 'number', default: 7 })
  .option('operations', { type: 'number', default: 2_000_000 })
  .strict()
  .fail((message) => {
    console.error(`bench:overhead: ${message}`);
    process.exit(2);
  })
  .parseSync();

for (const [flag, value] of Object.entries({ records: argv.records, rounds: argv.rounds, operations: argv.operations })) {
  if (!Number.isInteger(value) || value < 1) {
    console.error(`bench:overhead: --${flag} must be a positive integer, got ${value}`);
    process.exit(2);
  }
}

const scenario = defineScenario({
  name: 'map-gets',
  dataset: { records: argv.records },
  mix: { read: 1 },
  distribution: { type: 'zipfian', theta: 0.99 },
  operations: argv.operations,
});
const data = new DataSet(scenario.seed, argv.records, scenario.dataset.pathBytes);
const impl = (await findFactory('map').open({}, { spec: 'map', durability: 'none', directory: '' })) as MapImplementation;
await impl.load(data.ids.slice(0, argv.records), data.paths.slice(0, argv.records));
// The bare loop reads the very Map the runner reads: a second Map with the same contents, built
// another way, sits differently in memory and measured up to 1.5x faster or slower on its own.
const map = impl.map;
const keys = new OpStream(scenario, data).next(argv.operations).keys;

function bareLoop(): number {
  fullGc();
  const ids = data.ids;
  let found = 0;
  const started = performance.now();
  for (let i = 0; i < keys.length; i++) if (map.get(ids[keys[i]]) !== undefined) found++;
  const ms = performance.now() - started;
  if (found === 0) throw new Error('no key found');
  return (keys.length / ms) * 1000;
}

async function runner(): Promise<number> {
  fullGc();
  const measured = await measureWorkload(impl, scenario, data, argv.records, { operations: argv.operations, minTimeMs: 300, expectedOpsPerSec: median(bare) });
  return measured.opsPerSec;
}

const bare: number[] = [bareLoop()];
const reported: number[] = [await runner()];
bare.length = 0;
reported.length = 0; // the first pair warmed both paths up
for (let round = 0; round < argv.rounds; round++) {
  if (round % 2 === 0) {
    bare.push(bareLoop());
    reported.push(await runner());
  } else {
    reported.push(await runner());
    bare.push(bareLoop());
  }
}
const ratio = spread(reported.map((r, i) => r / bare[i]));
console.log(`bench:overhead - Map gets, ${argv.records.toLocaleString('en-US')} records, zipfian, ${argv.rounds} alternating rounds`);
console.log(`bare loop:       ${showSpread(spread(bare.map((x) => x / 1e6)), 2)} M gets/s`);
console.log(`runner reported: ${showSpread(spread(reported.map((x) => x / 1e6)), 2)} M gets/s`);
console.log(`runner / bare:   ${showSpread(ratio, 3)}  (target: at least 0.9) ${ratio.median >= 0.9 ? 'meets' : 'MISSES'}`);
