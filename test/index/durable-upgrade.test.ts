/**
 * Directories written by tunebench 0.1.0 (format version 1): opened by version 1's rules, then
 * rewritten as version 2 before anything else is written; an upgrade cut between its two renames
 * still opens to the same contents.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexError, openPrimaryIndex } from '../../index/index.js';
import { SNAPSHOT_FILE, WAL_FILE } from '../../index/storage/format.js';
import { idOf } from '../fixtures/durable-faults.js';
import { writeV1Directory } from '../fixtures/format-v1-writer.js';

const scratch = mkdtempSync(join(tmpdir(), 'tb-upgrade-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(scratch, `d${dirs++}`);
const version = (dir: string, file: string) => readFileSync(join(dir, file)).readUInt32LE(8);

const snapshot: [string, string][] = [[idOf(1), '/one'], [idOf(2), '/two'], [idOf(3), '/three']];
const expected = new Map<string, string>([
  [idOf(1), '/one'],
  [idOf(3), '/three again'],
  [idOf(10), '/ten'],
  [idOf(11), '/eleven'],
]);

describe('upgrading format version 1', () => {
  it('a version-1 snapshot and log (with a torn tail) open to the same contents and are rewritten as version 2', () => {
    const dir = freshDir();
    writeV1Directory(dir, {
      generation: 2,
      snapshot,
      log: [{ insert: [idOf(3), '/three again'] }, { delete: idOf(2) }, { bulkInsert: [[idOf(10), '/ten'], [idOf(11), '/eleven'], [idOf(12), '/twelve']] }, { bulkDelete: [idOf(12)] }],
      tornTail: true,
    });
    const index = openPrimaryIndex(dir);
    assert.equal(index.recovery.upgradedFrom, 1);
    assert.equal(index.recovery.replayedRecords, 5);
    assert.match(index.recovery.warnings.join(' | '), /format version 1 \(tunebench 0\.1\.0\) upgraded to version 2/);
    assert.match(index.recovery.warnings.join(' | '), /torn record of 20 bytes/);
    assert.deepEqual(new Map(index.range()), expected);
    index.insert(idOf(20), '/after');
    index.close();
    assert.equal(version(dir, SNAPSHOT_FILE), 2);
    assert.equal(version(dir, WAL_FILE), 2);
    const again = openPrimaryIndex(dir);
    assert.equal(again.recovery.upgradedFrom, null);
    assert.deepEqual(again.recovery.warnings, []);
    assert.deepEqual(new Map(again.range()), new Map([...expected, [idOf(20), '/after']]));
    again.close();
  });

  it('a version-1 log alone (never checkpointed) and a version-1 snapshot alone are upgraded', () => {
    const logOnly = freshDir();
    writeV1Directory(logOnly, { generation: 0, snapshot: null, log: [{ insert: [idOf(5), '/five'] }] });
    const a = openPrimaryIndex(logOnly);
    assert.deepEqual([...a.range()], [[idOf(5), '/five']]);
    a.close();
    const snapshotOnly = freshDir();
    writeV1Directory(snapshotOnly, { generation: 1, snapshot, log: null });
    const b = openPrimaryIndex(snapshotOnly);
    assert.equal(b.size, 3);
    b.close();
  });

  it('an upgrade cut between its renames (a version-2 snapshot beside the version-1 log) opens to the same contents', () => {
    const dir = freshDir();
    writeV1Directory(dir, { generation: 2, snapshot, log: [{ delete: idOf(2) }] });
    const v1Log = readFileSync(join(dir, WAL_FILE));
    openPrimaryIndex(dir).close();
    writeFileSync(join(dir, WAL_FILE), v1Log);
    const index = openPrimaryIndex(dir);
    assert.equal(index.recovery.staleLogDropped, true);
    assert.deepEqual(new Map(index.range()), new Map([[idOf(1), '/one'], [idOf(3), '/three']]));
    index.close();
    assert.equal(version(dir, WAL_FILE), 2);
  });

  it('a damaged version-1 log is refused as before, and nothing is rewritten', () => {
    const dir = freshDir();
    writeV1Directory(dir, { generation: 2, snapshot, log: [{ delete: idOf(2) }, { insert: [idOf(9), '/nine'] }] });
    const log = readFileSync(join(dir, WAL_FILE));
    log[24 + 8 + 3] ^= 1; // inside the first record, which is followed by more
    writeFileSync(join(dir, WAL_FILE), log);
    assert.throws(() => openPrimaryIndex(dir), (e: unknown) => e instanceof IndexError && e.code === 'CORRUPT');
    assert.equal(version(dir, SNAPSHOT_FILE), 1);
    assert.deepEqual(readFileSync(join(dir, WAL_FILE)), log);
  });
});
