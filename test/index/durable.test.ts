/**
 * The durable index: round trips against a Map model across close/reopen and checkpoints, a crash
 * test that really kills a writer with SIGKILL, and damaged or unusable directories.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, chownSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { crc32 } from 'node:zlib';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { type DurableIndex, IndexError, openPrimaryIndex } from '../../index/index.js';
import { checkInvariants } from '../../index/tree/analysis.js';
import { SNAPSHOT_FILE, WAL_FILE, WAL_HEADER_BYTES } from '../../index/storage/format.js';
import { scanLog } from '../../index/storage/wal.js';
import { killLoop } from '../fixtures/kill-loop.js';
import { spreadId } from './helpers.js';

const scratch = mkdtempSync(join(tmpdir(), 'tb-durable-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(scratch, `d${dirs++}`);

/** Where the log's records end (the file itself runs on in zeros to a whole extent). */
function logEnd(dir: string): number {
  return scanLog(readFileSync(join(dir, WAL_FILE)), WAL_FILE).used;
}

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
    assert.ok(logEnd(dir) < 8192 + 200, `the log holds ${logEnd(dir)} bytes of records`);
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
  for (const durability of ['sync', 'group'] as const) {
    it(`${durability}: every acknowledged write survives and nothing beyond the in-flight call appears (21 kills, some during checkpoints)`, async () => {
      const result = await killLoop(freshDir(), 21, durability);
      assert.deepEqual(result.violations, []);
      assert.ok(result.entries > 100, `the writers wrote ${result.entries} entries`);
      assert.ok(result.killsInCheckpoint >= 1, `${result.killsInCheckpoint} kills landed during a checkpoint`);
    });
  }
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
    const lastRecordStart = logEnd(dir);
    // Long paths: the last record spans several 512-byte sectors, where appends can tear.
    index.bulkInsert([[spreadId(100), `/last/a/${'a'.repeat(1000)}`], [spreadId(101), `/last/b/${'b'.repeat(1000)}`]]);
    index.close();
    return { dir, model, lastRecordStart };
  }

  /** The end of the record starting at `start` (header, body, two trailer bytes). */
  const lastRecordEnd_ = (log: Buffer, start: number) => start + 16 + log.readUInt32LE(start) + 2;

  it('a torn append (a prefix of the last record to a sector boundary, then zeros) opens without that record and zeroes it; a prefix ending elsewhere is damage', () => {
    const { dir, model, lastRecordStart } = prepared();
    const full = readFileSync(join(dir, WAL_FILE));
    const lastRecordEnd = lastRecordEnd_(full, lastRecordStart);
    let torn = 0;
    for (let written = lastRecordStart + 1; written < lastRecordEnd; written++) {
      const prefix = Buffer.from(full);
      prefix.fill(0, written, lastRecordEnd);
      writeFileSync(join(dir, WAL_FILE), prefix);
      // A kill or a power cut stops an append on a sector boundary; one byte short of the end
      // cannot be told from a changed last byte (see wal.ts). The visible prefix ends at the last
      // nonzero byte (the record's own bytes may end in zeros).
      let seen = written;
      while (prefix[seen - 1] === 0) seen--;
      const tornAt = Math.ceil(seen / 512) * 512;
      const headerWhole = seen >= lastRecordStart + 16;
      if (headerWhole ? tornAt > lastRecordEnd - 2 : tornAt >= lastRecordStart + 16) {
        const before = snapshotFiles(dir);
        expectError(() => openPrimaryIndex(dir), 'CORRUPT', /record (header )?checksum mismatch/);
        assert.deepEqual(snapshotFiles(dir), before);
        continue;
      }
      torn++;
      const index = openPrimaryIndex(dir);
      assertSame(index, model);
      assert.equal(index.recovery.truncatedBytes, seen - lastRecordStart);
      assert.match(index.recovery.warnings.join(' '), /torn record/);
      index.close();
      const after = readFileSync(join(dir, WAL_FILE));
      assert.equal(after.length, full.length, 'the log keeps its allocated size');
      assert.ok(after.subarray(lastRecordStart).every((b) => b === 0), 'the torn bytes are zeroed');
    }
    assert.ok(torn >= 3, `${torn} sector boundaries inside the record`);
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
    log.writeUInt32LE(crc32(log.subarray(0, 28)) >>> 0, 28);
    writeFileSync(join(dir, WAL_FILE), log);
    expectError(() => openPrimaryIndex(dir), 'UNSUPPORTED_VERSION', /format version 7; this build of tunebench reads version 2/);
  });

  it('an empty or missing log beside a snapshot is CORRUPT (writes after the snapshot cannot be ruled out); repair continues from the snapshot', () => {
    const { dir, model } = prepared();
    writeFileSync(join(dir, WAL_FILE), Buffer.alloc(0));
    expectError(() => openPrimaryIndex(dir), 'CORRUPT', /wal\.tbl is damaged at byte 0: the file ends inside its 32-byte header/);
    rmSync(join(dir, WAL_FILE));
    const before = snapshotFiles(dir);
    expectError(() => openPrimaryIndex(dir), 'CORRUPT', /the log is missing/);
    assert.deepEqual(snapshotFiles(dir), before);
    const repaired = openPrimaryIndex(dir, { repair: true });
    // The snapshot of generation 0 is empty: everything was in the log.
    assert.equal(repaired.size, 0);
    assert.equal(repaired.recovery.repaired?.reason, 'the log was missing');
    assert.ok(model.size > 0);
    repaired.close();
    assert.equal(openPrimaryIndex(dir).size, 0);
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
      // The directory lock's flock comes from fs-ext, resolved from the copy's own node_modules.
      cpSync(fileURLToPath(new URL('../../node_modules/fs-ext', import.meta.url)), join(copy, 'node_modules', 'fs-ext'), { recursive: true });
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

  it('a log cut short on disk (truncate) is damage, not a torn append; repair keeps the records before the cut and a copy', () => {
    const { dir, model, lastRecordStart } = prepared();
    truncateSync(join(dir, WAL_FILE), lastRecordStart + 5);
    const before = snapshotFiles(dir);
    expectError(() => openPrimaryIndex(dir), 'CORRUPT', /cut off by the end of the file/);
    assert.deepEqual(snapshotFiles(dir), before);
    const index = openPrimaryIndex(dir, { repair: true });
    assertSame(index, model); // the model holds everything but the last (bulk) record
    const repair = index.recovery.repaired!;
    assert.equal(repair.fromByte, lastRecordStart);
    assert.ok(repair.keptCopy && existsSync(repair.keptCopy));
    assert.deepEqual(readFileSync(repair.keptCopy), Buffer.from(before.get(WAL_FILE)!, 'hex'));
    index.insert(spreadId(500), '/after-repair');
    index.close();
    const again = openPrimaryIndex(dir);
    assert.equal(again.get(spreadId(500)), '/after-repair');
    assert.equal(again.recovery.repaired, null);
    again.close();
  });
});
