/**
 * The durable index: round trips against a Map model across close/reopen and checkpoints, a crash
 * test that really kills a writer with SIGKILL, and damaged or unusable directories.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { type DurableIndex, IndexError, openPrimaryIndex } from '../../index/index.js';
import { checkInvariants } from '../../index/tree/analysis.js';
import { SNAPSHOT_FILE, WAL_FILE, WAL_HEADER_BYTES } from '../../index/storage/format.js';
import { idFor, pathFor } from '../fixtures/crash-writer.js';
import { spreadId } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'tb-durable-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(scratch, `d${dirs++}`);

function contents(index: DurableIndex): Map<string, string> {
  return new Map(index.range());
}

function assertSame(index: DurableIndex, model: Map<string, string>): void {
  assert.deepEqual(checkInvariants(index.memory.tree), []);
  assert.equal(index.size, model.size);
  assert.deepEqual(contents(index), new Map([...model].sort((a, b) => (a[0] < b[0] ? -1 : 1))));
}

function expectError(fn: () => unknown, code: string, mention: RegExp): void {
  assert.throws(fn, (e: unknown) => e instanceof IndexError && e.code === code && mention.test(e.message));
}

/** Every file of a directory with its bytes, to show nothing changed. */
function snapshotFiles(dir: string): Map<string, string> {
  return new Map(readdirSync(dir).filter((f) => f !== 'LOCK').map((f) => [f, readFileSync(join(dir, f)).toString('hex')]));
}

describe('durable index round trips', () => {
  for (const durability of ['sync', 'group', 'none'] as const) {
    it(`${durability}: random operations, close and reopen, checkpoints: contents equal a Map model`, () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.oneof(
              fc.tuple(fc.constant('insert' as const), fc.nat(300), fc.nat(50)),
              fc.tuple(fc.constant('delete' as const), fc.nat(300), fc.constant(0)),
              fc.tuple(fc.constant('bulk' as const), fc.nat(300), fc.integer({ min: 1, max: 60 })),
              fc.tuple(fc.constant('bdel' as const), fc.nat(300), fc.integer({ min: 1, max: 30 })),
              fc.tuple(fc.constant('reopen' as const), fc.constant(0), fc.constant(0)),
              fc.tuple(fc.constant('checkpoint' as const), fc.constant(0), fc.constant(0)),
            ),
            { maxLength: 40 },
          ),
          (steps) => {
            const dir = freshDir();
            const model = new Map<string, string>();
            // A small checkpointBytes makes automatic checkpoints happen along the way.
            const open = () => openPrimaryIndex(dir, { durability, order: 5, checkpointBytes: 4096 });
            let index = open();
            for (const [op, a, b] of steps) {
              if (op === 'insert') {
                index.insert(spreadId(a), `/i/${a}/${b}`);
                model.set(spreadId(a), `/i/${a}/${b}`);
              } else if (op === 'delete') {
                assert.equal(index.delete(spreadId(a)), model.delete(spreadId(a)));
              } else if (op === 'bulk') {
                const pairs = Array.from({ length: b }, (_, i) => [spreadId((a + i * 3) % 300), `/b/${a}/${i}`] as [string, string]);
                index.bulkInsert(pairs);
                for (const [id, path] of pairs) model.set(id, path);
              } else if (op === 'bdel') {
                const ids = Array.from({ length: b }, (_, i) => spreadId((a + i * 5) % 300));
                index.bulkDelete(ids);
                for (const id of ids) model.delete(id);
              } else if (op === 'reopen') {
                index.close();
                index = open();
                assertSame(index, model);
              } else {
                index.checkpoint();
              }
            }
            index.close();
            index = open();
            assertSame(index, model);
            index.close();
            rmSync(dir, { recursive: true, force: true });
          },
        ),
        { numRuns: 25, seed: durability.length },
      );
    });
  }

  it('automatic checkpoints keep the log small and lose nothing', () => {
    const dir = freshDir();
    const model = new Map<string, string>();
    let index = openPrimaryIndex(dir, { durability: 'none', checkpointBytes: 8192 });
    for (let i = 0; i < 2000; i++) {
      index.insert(spreadId(i), `/a/${i}`);
      model.set(spreadId(i), `/a/${i}`);
    }
    assert.ok(index.stats.checkpoints >= 5, `${index.stats.checkpoints} checkpoints`);
    assert.ok(statSync(join(dir, WAL_FILE)).size < 8192 + 200);
    index.close();
    index = openPrimaryIndex(dir);
    assert.ok(index.recovery.snapshotEntries > 1500);
    assertSame(index, model);
    index.close();
  });

  it('sync fsyncs every call, group only bulk calls and flush, none never', () => {
    const counts: Record<string, number> = {};
    for (const durability of ['sync', 'group', 'none'] as const) {
      const index = openPrimaryIndex(freshDir(), { durability });
      for (let i = 0; i < 10; i++) index.insert(spreadId(i), '/x');
      index.bulkInsert([[spreadId(50), '/y'], [spreadId(51), '/z']]);
      index.flush();
      counts[durability] = index.stats.fsyncs;
      index.close();
    }
    assert.deepEqual(counts, { sync: 11, group: 1, none: 1 });
  });
});

describe('crash recovery: SIGKILL at random moments', () => {
  it('every acknowledged write survives and nothing beyond the in-flight call appears (24 kills, some during checkpoints)', async () => {
    const dir = freshDir();
    const model = new Map<string, string>();
    const writer = fileURLToPath(new URL('../fixtures/crash-writer.ts', import.meta.url));
    let nextCounter = 0;
    let killsInCheckpoint = 0;
    const kills = 24;
    const apply = (target: Map<string, string>, parts: string[]) => {
      const [seq, op, a, b] = [Number(parts[1]), parts[2], Number(parts[3]), Number(parts[4])];
      if (op === 'insert' || op === 'update') target.set(idFor(a), pathFor(a, seq));
      else if (op === 'delete') target.delete(idFor(a));
      else if (op === 'bulk') for (let i = 0; i < b; i++) target.set(idFor(a + i), pathFor(a + i, seq));
      else if (op === 'bdel') for (let i = 0; i < 15; i++) target.delete(idFor((a + i * 7) % b));
    };
    for (let k = 0; k < kills; k++) {
      const child = spawn(process.execPath, ['--import', 'tsx', writer, dir, String(k + 1), String(nextCounter)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      const duringCheckpoint = k % 3 === 2;
      await new Promise<void>((resolve) => {
        let armed = false;
        const arm = (delayMs: number) => {
          if (armed) return;
          armed = true;
          setTimeout(() => child.kill('SIGKILL'), delayMs);
        };
        child.stdout!.on('data', (chunk: Buffer) => {
          out += chunk.toString();
          if (!out.startsWith('ready')) return;
          if (duringCheckpoint) {
            if (/checkpoint 0\n(?!ack)/.test(out.split('\n').slice(-3).join('\n') + '\n')) arm(Math.random() * 2);
          } else arm(20 + Math.random() * 150);
        });
        setTimeout(() => arm(0), 5000); // never wait forever for a checkpoint
        child.on('exit', () => resolve());
      });
      const lines = out.split('\n').filter(Boolean);
      const acked = new Set(lines.filter((l) => l.startsWith('ack ')).map((l) => Number(l.split(' ')[1])));
      let inflight: string[] | null = null;
      for (const line of lines) {
        if (!line.startsWith('try ')) continue;
        const parts = line.split(' ');
        if (parts[2] === 'insert' || parts[2] === 'bulk') nextCounter = Math.max(nextCounter, Number(parts[3]) + (parts[2] === 'bulk' ? Number(parts[4]) : 1));
        if (acked.has(Number(parts[1]))) apply(model, parts);
        else inflight = parts;
      }
      if (inflight?.[2] === 'checkpoint') killsInCheckpoint++;
      const index = openPrimaryIndex(dir);
      const actual = contents(index);
      const withInflight = new Map(model);
      if (inflight) apply(withInflight, inflight);
      const sorted = (m: Map<string, string>) => new Map([...m].sort((x, y) => (x[0] < y[0] ? -1 : 1)));
      const matches = JSON.stringify([...actual]) === JSON.stringify([...sorted(model)]) || JSON.stringify([...actual]) === JSON.stringify([...sorted(withInflight)]);
      assert.ok(matches, `kill ${k + 1}: recovered ${actual.size} entries, acknowledged model has ${model.size} (in flight: ${inflight?.join(' ') ?? 'nothing'})`);
      // The recovered state becomes the model (it may include the in-flight call).
      model.clear();
      for (const [id, path] of actual) model.set(id, path);
      assert.deepEqual(checkInvariants(index.memory.tree), []);
      index.close();
    }
    assert.ok(model.size > 100, `the writers wrote ${model.size} entries`);
    assert.ok(killsInCheckpoint >= 1, `${killsInCheckpoint} kills landed during a checkpoint`);
  });
});

describe('damage and unusable directories', () => {
  /** A directory whose log ends with a bulk record after some individual ones. */
  function prepared(): { dir: string; model: Map<string, string>; lastRecordStart: number } {
    const dir = freshDir();
    const index = openPrimaryIndex(dir, { durability: 'sync' });
    const model = new Map<string, string>();
    for (let i = 0; i < 5; i++) {
      index.insert(spreadId(i), `/v/${i}`);
      model.set(spreadId(i), `/v/${i}`);
    }
    const lastRecordStart = statSync(join(dir, WAL_FILE)).size;
    index.bulkInsert([[spreadId(100), '/last/a'], [spreadId(101), '/last/b']]);
    index.close();
    return { dir, model, lastRecordStart };
  }

  it('a log cut at every byte offset of its last record opens and loses only that record', () => {
    const { dir, model, lastRecordStart } = prepared();
    const full = readFileSync(join(dir, WAL_FILE));
    for (let cut = lastRecordStart; cut < full.length; cut++) {
      writeFileSync(join(dir, WAL_FILE), full.subarray(0, cut));
      const index = openPrimaryIndex(dir);
      assertSame(index, model);
      assert.equal(index.recovery.truncatedBytes, cut - lastRecordStart);
      if (cut > lastRecordStart) assert.match(index.recovery.warnings.join(' '), /torn record/);
      index.close();
      assert.equal(statSync(join(dir, WAL_FILE)).size, lastRecordStart, 'the torn tail is truncated');
    }
    writeFileSync(join(dir, WAL_FILE), full);
    const whole = openPrimaryIndex(dir);
    assert.equal(whole.size, 7);
    whole.close();
  });

  it('a flipped byte in the middle of the log refuses to open with CORRUPT and changes no file', () => {
    const { dir, lastRecordStart } = prepared();
    const log = readFileSync(join(dir, WAL_FILE));
    for (const at of [WAL_HEADER_BYTES + 12, Math.floor((WAL_HEADER_BYTES + lastRecordStart) / 2), lastRecordStart - 3]) {
      const damaged = Buffer.from(log);
      damaged[at] ^= 0x5a;
      writeFileSync(join(dir, WAL_FILE), damaged);
      const before = snapshotFiles(dir);
      expectError(() => openPrimaryIndex(dir), 'CORRUPT', new RegExp(`${WAL_FILE} is damaged at byte \\d+`));
      assert.deepEqual(snapshotFiles(dir), before);
      assert.ok(!existsSync(join(dir, 'LOCK')), 'the lock is released');
    }
    const header = Buffer.from(log);
    header[2] ^= 1;
    writeFileSync(join(dir, WAL_FILE), header);
    expectError(() => openPrimaryIndex(dir), 'CORRUPT', /bad magic/);
  });

  it('a damaged snapshot refuses to open with CORRUPT and changes no file', () => {
    const { dir } = prepared();
    const index = openPrimaryIndex(dir);
    index.checkpoint();
    index.close();
    const snapshot = readFileSync(join(dir, SNAPSHOT_FILE));
    for (const [at, mention] of [[3, /bad magic/], [13, /header checksum/], [snapshot.length - 4, /body checksum/]] as const) {
      const damaged = Buffer.from(snapshot);
      damaged[at] ^= 0x20;
      writeFileSync(join(dir, SNAPSHOT_FILE), damaged);
      const before = snapshotFiles(dir);
      expectError(() => openPrimaryIndex(dir), 'CORRUPT', mention);
      assert.deepEqual(snapshotFiles(dir), before);
    }
    writeFileSync(join(dir, SNAPSHOT_FILE), Buffer.alloc(0));
    expectError(() => openPrimaryIndex(dir), 'CORRUPT', /snapshot\.tbs is damaged at byte 0: the file is empty/);
  });

  it('an unknown format version is refused clearly', () => {
    const { dir } = prepared();
    const log = readFileSync(join(dir, WAL_FILE));
    log.writeUInt32LE(7, 8);
    log.writeUInt32LE(crc32(log.subarray(0, 20)) >>> 0, 20);
    writeFileSync(join(dir, WAL_FILE), log);
    expectError(() => openPrimaryIndex(dir), 'UNSUPPORTED_VERSION', /format version 7; this build of tunebench reads version 1/);
  });

  it('an empty log (torn while being created) opens with a warning', () => {
    const dir = freshDir();
    mkdirSync(dir);
    writeFileSync(join(dir, WAL_FILE), Buffer.alloc(0));
    const index = openPrimaryIndex(dir);
    assert.equal(index.size, 0);
    assert.match(index.recovery.warnings.join(' '), /torn while being created/);
    index.insert(spreadId(1), '/ok');
    index.close();
    assert.equal(openPrimaryIndex(dir).get(spreadId(1)), '/ok');
  });

  it('a directory that is a file, and bad options, are IO and INVALID_ARGUMENT errors', () => {
    const file = join(scratch, 'plain-file');
    writeFileSync(file, 'not a directory');
    expectError(() => openPrimaryIndex(file), 'IO', /not a directory/);
    expectError(() => openPrimaryIndex(freshDir(), { durability: 'fast' as never }), 'INVALID_ARGUMENT', /durability must be/);
    expectError(() => openPrimaryIndex(freshDir(), { checkpointBytes: 10 }), 'INVALID_ARGUMENT', /checkpointBytes/);
  });

  it('no permission to write is an IO error naming the directory', () => {
    const dir = freshDir();
    mkdirSync(dir);
    chmodSync(dir, 0o555);
    // Root writes anywhere: check as an unprivileged user when the tests run as root.
    const asRoot = process.getuid?.() === 0;
    let module = fileURLToPath(new URL('../../index/index.ts', import.meta.url));
    if (asRoot) {
      chownSync(scratch, 65534, 65534);
      // That user may not be able to reach the checkout (a clone under a 0700 temp folder): give
      // it a copy of the built index (dist/, which npm test builds first; no package imports).
      const copy = join(scratch, 'index-copy');
      cpSync(fileURLToPath(new URL('../../dist/index', import.meta.url)), copy, { recursive: true });
      writeFileSync(join(copy, 'package.json'), '{"type": "module"}\n');
      module = join(copy, 'storage', 'durable-index.js');
    }
    const script = `import(${JSON.stringify(module)}).then(({ openPrimaryIndex }) => { try { openPrimaryIndex(${JSON.stringify(dir)}); console.log('opened'); } catch (e) { console.log(e.code + ' ' + e.message); } })`;
    const result = spawnSync(process.execPath, [...(asRoot ? [] : ['--import', 'tsx']), '-e', script], { encoding: 'utf8', ...(asRoot ? { uid: 65534, gid: 65534 } : {}) });
    if (asRoot) chownSync(scratch, 0, 0);
    assert.match(result.stdout, /^IO .*: cannot write its lock file: permission denied/, result.stderr);
  });

  it('a second open in another process fails with LOCKED; a lock left by a dead process is taken over', () => {
    const dir = freshDir();
    const index = openPrimaryIndex(dir);
    const script = `import('${fileURLToPath(new URL('../../index/index.ts', import.meta.url))}').then(({ openPrimaryIndex }) => { try { openPrimaryIndex(${JSON.stringify(dir)}); console.log('opened'); } catch (e) { console.log(e.code + ' ' + e.message); } })`;
    const other = spawnSync(process.execPath, ['--import', 'tsx', '-e', script], { encoding: 'utf8' });
    assert.match(other.stdout, new RegExp(`^LOCKED .*in use by process ${process.pid}`));
    expectError(() => openPrimaryIndex(dir), 'LOCKED', /this process/);
    index.close();
    const dead = spawnSync(process.execPath, ['-e', 'console.log(process.pid)'], { encoding: 'utf8' });
    writeFileSync(join(dir, 'LOCK'), `${dead.stdout.trim()} ${hostname()}\n`);
    const taken = openPrimaryIndex(dir);
    assert.equal(taken.size, 0);
    taken.close();
    assert.ok(!existsSync(join(dir, 'LOCK')));
  });

  it('every call after close fails with CLOSED', () => {
    const index = openPrimaryIndex(freshDir());
    index.close();
    for (const call of [() => index.get(spreadId(1)), () => index.insert(spreadId(1), '/x'), () => index.bulkInsert([]), () => index.flush(), () => index.size]) {
      expectError(call, 'CLOSED', /is closed/);
    }
    index.close();
  });

  it('a log cut short on disk (truncate) mid-record opens with the tail dropped', () => {
    const { dir, model, lastRecordStart } = prepared();
    truncateSync(join(dir, WAL_FILE), lastRecordStart + 5);
    const index = openPrimaryIndex(dir);
    assertSame(index, model);
    index.close();
  });
});
