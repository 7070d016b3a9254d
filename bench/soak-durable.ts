/**
 * `npm run soak:durable [-- --minutes M] [-- --seed S]`
 *
 * Not a test: a long run of everything the durable index must survive, printing counts per
 * outcome. Three phases share the time:
 *
 * 1. injected faults: a random workload (seeded) on a FaultyFileSystem with one fault (EIO,
 *    ENOSPC, EACCES, short write, full disk, crash) at a random call, every durability mode;
 * 2. damage: random byte changes, zeroed runs, garbage runs and cuts of the log or the snapshot of
 *    small and larger indexes;
 * 3. kills: a writer process killed with SIGKILL at random moments (sync and group).
 *
 * The promise is the same everywhere: reopening gives exactly the acknowledged writes (plus at most
 * a call in flight), or refuses with CORRUPT and changes no file. Anything else is a violation,
 * printed with what caused it; the exit code is 1 if there was any.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { FAULTS } from '../index/storage/faulty-fs.js';
import { SNAPSHOT_FILE, WAL_FILE } from '../index/storage/format.js';
import { openPrimaryIndex } from '../index/index.js';
import { Rng } from '../scenarios/random.js';
import { type DamageOutcome, SMALL, buildSmallIndex, cut, flip, openDamaged } from '../test/fixtures/durable-damage.js';
import { prepareBase, randomWorkload, runWithFault } from '../test/fixtures/durable-faults.js';
import { killLoop } from '../test/fixtures/kill-loop.js';

const argv = yargs(hideBin(process.argv))
  .scriptName('soak:durable')
  .usage('$0 [--minutes M] [--seed S]\n\nInjected faults, damaged files and killed writers against the durable index; counts per outcome.')
  .option('minutes', { type: 'number', default: 6, describe: 'total time, split between the three phases' })
  .option('seed', { type: 'number', default: 1 })
  .strict()
  .fail((message) => {
    console.error(`soak:durable: ${message}`);
    process.exit(2);
  })
  .parseSync();
if (!(argv.minutes > 0 && argv.minutes <= 24 * 60) || !Number.isInteger(argv.seed)) {
  console.error('soak:durable: --minutes must be in (0, 1440] and --seed an integer');
  process.exit(2);
}

const root = mkdtempSync(join(tmpdir(), 'tb-soak-'));
const rng = new Rng(argv.seed);
const phaseMs = (argv.minutes * 60_000) / 3;
const counts: Record<string, Record<string, number>> = { faults: {}, damage: {}, kills: {} };
const violations: string[] = [];
const count = (phase: string, outcome: string) => {
  counts[phase][outcome] = (counts[phase][outcome] ?? 0) + 1;
};
const runsOf = (phase: string) => Object.entries(counts[phase]).filter(([k]) => !k.endsWith('during a checkpoint')).reduce((a, [, b]) => a + b, 0);
let lastLine = 0;
/** A live line on a terminal; off one (CI logs), a line every 15 s. */
const progress = (phase: string, started: number) => {
  const line = `${phase}: ${runsOf(phase)} runs, ${((performance.now() - started) / 1000).toFixed(0)} s`;
  if (process.stderr.isTTY) process.stderr.write(`\r${line}   `);
  else if (performance.now() - lastLine > 15_000) {
    process.stderr.write(`${line}\n`);
    lastLine = performance.now();
  }
};

// 1. Injected faults.
{
  const started = performance.now();
  const base = prepareBase(root);
  let last = 0;
  for (let run = 0; performance.now() - started < phaseMs; run++) {
    const durability = (['sync', 'group', 'none'] as const)[run % 3];
    const steps = randomWorkload(argv.seed * 100_000 + run);
    const calls = runWithFault(base, root, null, durability, steps).calls;
    const fault = FAULTS[rng.int(FAULTS.length)];
    const result = runWithFault(base, root, { failAt: 1 + rng.int(calls), fault, crashWrites: rng.float() < 0.5 ? 'torn' : 'nothing' }, durability, steps);
    if (result.violation) {
      count('faults', 'VIOLATION');
      violations.push(`faults: ${fault} at ${result.faulted} (${durability}, workload ${argv.seed * 100_000 + run}): ${result.violation}`);
    } else count('faults', `${fault}: exact`);
    if (performance.now() - last > 1000) {
      progress('faults', started);
      last = performance.now();
    }
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
}

// 2. Damaged files.
{
  const started = performance.now();
  const indexes = [0, 1].map((size) => {
    const dir = join(root, `damage-${size}`);
    const model = buildSmallIndex(dir, size === 0 ? 1 : 30);
    if (size === 1) {
      const index = openPrimaryIndex(dir, SMALL);
      const pairs = Array.from({ length: 3000 }, (_, i) => [`20000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`, `/soak/${i}`] as [string, string]);
      index.bulkInsert(pairs);
      index.checkpoint();
      for (const [id, path] of pairs.slice(0, 200)) index.insert(id, `${path}/2`);
      index.close();
      for (const [id, path] of pairs) model.set(id, path);
      for (const [id, path] of pairs.slice(0, 200)) model.set(id, `${path}/2`);
    }
    return { dir, model };
  });
  const kinds = ['flip', 'zero run', 'garbage run', 'cut'] as const;
  let last = 0;
  while (performance.now() - started < phaseMs) {
    const { dir, model } = indexes[rng.int(2)];
    const file = rng.float() < 0.6 ? WAL_FILE : SNAPSHOT_FILE;
    const size = statSync(join(dir, file)).size;
    const kind = kinds[rng.int(kinds.length)];
    const at = rng.int(size);
    const run = 1 + rng.int(64);
    const damage =
      kind === 'flip' ? flip(at, 1 + rng.int(255))
      : kind === 'cut' ? cut(at)
      : (bytes: Buffer) => {
          const copy = Buffer.from(bytes);
          for (let i = at; i < Math.min(copy.length, at + run); i++) copy[i] = kind === 'zero run' ? 0 : rng.int(256);
          return copy;
        };
    const outcome: DamageOutcome = openDamaged(dir, root, model, file, damage);
    if (outcome.kind === 'violation' && outcome.readAsTorn && kind === 'zero run') {
      // Zeros from a sector boundary to the end of the last record are what a power cut leaves:
      // no reader can tell them from a torn append (wal.ts). Counted apart, not hidden.
      count('damage', 'zero run: last record read as torn');
    } else if (outcome.kind === 'violation') {
      count('damage', 'VIOLATION');
      violations.push(`damage: ${kind} at ${file} byte ${at}: ${outcome.detail}`);
    } else count('damage', `${kind}: ${outcome.kind === 'exact' ? (outcome.changedFiles ? 'exact, torn tail zeroed' : 'exact') : 'refused'}`);
    if (performance.now() - last > 1000) {
      progress('damage', started);
      last = performance.now();
    }
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
}

// 3. Kills.
{
  const started = performance.now();
  for (let round = 0; performance.now() - started < phaseMs; round++) {
    const durability = round % 2 === 0 ? 'sync' : 'group';
    const result = await killLoop(join(root, `kills-${round}`), 10, durability, argv.seed * 1000 + round);
    for (let k = 0; k < result.kills - result.violations.length; k++) count('kills', `${durability}: exact`);
    for (const v of result.violations) {
      count('kills', 'VIOLATION');
      violations.push(`kills (${durability}): ${v}`);
    }
    counts.kills[`${durability}: during a checkpoint`] = (counts.kills[`${durability}: during a checkpoint`] ?? 0) + result.killsInCheckpoint;
    progress('kills', started);
  }
  if (process.stderr.isTTY) process.stderr.write('\n');
}

rmSync(root, { recursive: true, force: true });
console.log(`soak:durable - ${argv.minutes} min, seed ${argv.seed}\n`);
for (const [phase, outcomes] of Object.entries(counts)) {
  console.log(`${phase}: ${runsOf(phase)}`);
  for (const [outcome, n] of Object.entries(outcomes).sort()) console.log(`  ${outcome.padEnd(34)} ${n}`);
}
console.log(violations.length === 0 ? '\nno violations: every run gave the acknowledged contents or a refusal that changed nothing' : `\n${violations.length} VIOLATIONS:\n${violations.join('\n')}`);
process.exit(violations.length === 0 ? 0 : 1);
