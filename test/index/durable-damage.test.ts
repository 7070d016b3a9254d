/**
 * Damaged files: every byte of a small log and snapshot changed, and each file cut at every
 * length; random changes on a larger index. The only outcomes allowed are the exact acknowledged
 * contents, or a refusal (CORRUPT) that changed no file. Then what `repair: true` does.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IndexError, openPrimaryIndex } from '../../index/index.js';
import { SNAPSHOT_FILE, WAL_FILE } from '../../index/storage/format.js';
import { scanLog } from '../../index/storage/wal.js';
import { Rng } from '../../scenarios/random.js';
import { type DamageOutcome, SMALL, buildSmallIndex, cut, flip, openDamaged } from '../fixtures/durable-damage.js';

const root = mkdtempSync(join(tmpdir(), 'tb-damage-'));
after(() => rmSync(root, { recursive: true, force: true }));

function tally(outcomes: [string, DamageOutcome][]): { counts: Record<string, number>; violations: string[] } {
  const counts: Record<string, number> = {};
  const violations: string[] = [];
  for (const [what, o] of outcomes) {
    const k = o.kind === 'exact' ? (o.changedFiles ? 'exact, torn tail zeroed' : 'exact') : o.kind === 'refused' ? `refused ${o.code}` : 'violation';
    counts[k] = (counts[k] ?? 0) + 1;
    if (o.kind === 'violation') violations.push(`${what}: ${o.detail}`);
  }
  return { counts, violations };
}

describe('every byte of a small index changed, every length cut', () => {
  const pristine = join(root, 'small');
  const model = buildSmallIndex(pristine);
  // A changed byte is x ^ mask with a nonzero mask that varies with the position.
  const rng = new Rng(7);

  for (const file of [WAL_FILE, SNAPSHOT_FILE]) {
    it(`${file}: exact contents or refused with files unchanged`, () => {
      const size = statSync(join(pristine, file)).size;
      const outcomes: [string, DamageOutcome][] = [];
      for (let at = 0; at < size; at++) {
        const mask = 1 + rng.int(255);
        outcomes.push([`byte ${at} ^ ${mask}`, openDamaged(pristine, root, model, file, flip(at, mask))]);
      }
      for (let length = 0; length < size; length++) outcomes.push([`cut to ${length}`, openDamaged(pristine, root, model, file, cut(length))]);
      const { counts, violations } = tally(outcomes);
      assert.deepEqual(violations, []);
      // Every change inside the records or the snapshot is caught; only bytes just past the
      // last record can read as a torn append (and are zeroed, contents exact).
      assert.ok((counts['refused CORRUPT'] ?? 0) > 0.95 * outcomes.length, JSON.stringify(counts));
      if (file === SNAPSHOT_FILE) assert.equal(counts['refused CORRUPT'], outcomes.length, JSON.stringify(counts));
    });
  }
});

describe('random damage on a larger index', () => {
  it('300 random byte changes and 100 random cuts of a 2,000-entry snapshot and a log of 300 records after it', () => {
    const pristine = join(root, 'larger');
    const model = buildSmallIndex(pristine, 20);
    const index = openPrimaryIndex(pristine, SMALL);
    const pairs = Array.from({ length: 2000 }, (_, i) => [`10000000-0000-4000-8000-${i.toString(16).padStart(12, '0')}`, `/big/${i}`] as [string, string]);
    index.bulkInsert(pairs);
    index.checkpoint();
    for (const [id, path] of pairs.slice(0, 300)) index.insert(id, `${path}/again`);
    index.close();
    for (const [id, path] of pairs) model.set(id, path);
    for (const [id, path] of pairs.slice(0, 300)) model.set(id, `${path}/again`);
    const rng = new Rng(11);
    const outcomes: [string, DamageOutcome][] = [];
    for (const file of [WAL_FILE, SNAPSHOT_FILE]) {
      const size = statSync(join(pristine, file)).size;
      for (let i = 0; i < 150; i++) {
        const at = rng.int(size);
        const mask = 1 + rng.int(255);
        outcomes.push([`${file} byte ${at} ^ ${mask}`, openDamaged(pristine, root, model, file, flip(at, mask))]);
      }
      for (let i = 0; i < 50; i++) {
        const length = rng.int(size);
        outcomes.push([`${file} cut to ${length}`, openDamaged(pristine, root, model, file, cut(length))]);
      }
    }
    assert.deepEqual(tally(outcomes).violations, []);
  });
});

describe('repair', () => {
  function damagedAt(recordIndex: number): { dir: string; log: Buffer; recordOffset: number; model: Map<string, string> } {
    const dir = mkdtempSync(join(root, 'repair-'));
    const model = buildSmallIndex(dir, 5);
    const log = readFileSync(join(dir, WAL_FILE));
    const scan = scanLog(log, WAL_FILE);
    const recordOffset = scan.records[recordIndex].offset;
    const damaged = Buffer.from(log);
    damaged[recordOffset + 20] ^= 0x40;
    writeFileSync(join(dir, WAL_FILE), damaged);
    return { dir, log: damaged, recordOffset, model };
  }

  it('a record damaged in the middle of the log: refused naming the byte; repair keeps the records before it, reports the rest, keeps a copy', () => {
    const { dir, log, recordOffset } = damagedAt(9);
    assert.throws(
      () => openPrimaryIndex(dir, SMALL),
      (e: unknown) => e instanceof IndexError && e.code === 'CORRUPT' && e.message.includes(`damaged at byte ${recordOffset}: record checksum mismatch`) && /repair: true/.test(e.message),
    );
    const repaired = openPrimaryIndex(dir, { ...SMALL, repair: true });
    const report = repaired.recovery.repaired!;
    assert.equal(report.fromByte, recordOffset);
    assert.equal(report.toByte, log.length);
    // 21 records in all (checkpoint + 4 per round x 5); 9 kept, the damaged one and 11 readable after it dropped.
    assert.equal(repaired.recovery.replayedRecords, 9);
    assert.equal(report.readableRecordsDropped, 11);
    assert.deepEqual(readFileSync(report.keptCopy!), log);
    assert.match(repaired.recovery.warnings.join(' '), /repaired \(record checksum mismatch\): dropped bytes/);
    const size = repaired.size;
    repaired.insert('20000000-0000-4000-8000-000000000001', '/new');
    repaired.close();
    const again = openPrimaryIndex(dir, SMALL);
    assert.equal(again.size, size + 1);
    assert.equal(again.recovery.repaired, null);
    again.close();
  });

  it('a damaged snapshot is not repairable: refused even with repair, nothing changed', () => {
    const dir = mkdtempSync(join(root, 'snap-'));
    buildSmallIndex(dir);
    const snapshot = readFileSync(join(dir, SNAPSHOT_FILE));
    snapshot[snapshot.length - 3] ^= 1;
    writeFileSync(join(dir, SNAPSHOT_FILE), snapshot);
    for (const repair of [false, true]) {
      assert.throws(() => openPrimaryIndex(dir, { ...SMALL, repair }), (e: unknown) => e instanceof IndexError && e.code === 'CORRUPT' && /body checksum mismatch; nothing was changed \(restore it from a backup\)/.test(e.message));
    }
    assert.deepEqual(readFileSync(join(dir, SNAPSHOT_FILE)), snapshot);
  });

  it('a log from another index (store id) or a log the snapshot does not follow is refused', () => {
    const a = mkdtempSync(join(root, 'a-'));
    const b = mkdtempSync(join(root, 'b-'));
    buildSmallIndex(a);
    buildSmallIndex(b);
    writeFileSync(join(a, WAL_FILE), readFileSync(join(b, WAL_FILE)));
    assert.throws(() => openPrimaryIndex(a, SMALL), /belongs to another index/);
  });
});
