/**
 * The directory and its files when they are not what they should be: a deleted, replaced, empty or
 * garbage LOCK while another process holds the index; a LOCK directory; a FIFO, a device or a
 * directory where the log belongs; a directory that cannot be created; an unreadable log. Each is
 * an IndexError naming the path, and nothing hangs.
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { IndexError, createOptimizedIndex, openPrimaryIndex } from '../../index/index.js';
import { WAL_FILE } from '../../index/storage/format.js';
import { FaultyFileSystem, type Fault } from '../../index/storage/faulty-fs.js';
import { nodeFileSystem } from '../../index/storage/file-system.js';
import { idOf } from '../fixtures/durable-faults.js';

const scratch = mkdtempSync(join(tmpdir(), 'tb-files-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let dirs = 0;
const freshDir = () => join(scratch, `d${dirs++}`);

function expectError(fn: () => unknown, code: string, mention: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof IndexError, `an IndexError, got ${(e as Error)?.stack}`);
    assert.equal(e.code, code, e.message);
    assert.match(e.message, mention);
    return true;
  });
}

/** A child process holding the index in `dir`, driven line by line. */
class Holder {
  private readonly child: ChildProcess;
  private buffer = '';
  private waiters: ((line: string) => void)[] = [];

  constructor(dir: string) {
    const script = fileURLToPath(new URL('../fixtures/index-holder.ts', import.meta.url));
    this.child = spawn(process.execPath, ['--import', 'tsx', script, dir], { stdio: ['pipe', 'pipe', 'inherit'] });
    this.child.stdout!.on('data', (chunk: Buffer) => {
      this.buffer += chunk.toString();
      let nl: number;
      while ((nl = this.buffer.indexOf('\n')) >= 0) {
        const line = this.buffer.slice(0, nl);
        this.buffer = this.buffer.slice(nl + 1);
        this.waiters.shift()?.(line);
      }
    });
  }

  next(): Promise<string> {
    return new Promise((resolve) => this.waiters.push(resolve));
  }

  async send(line: string): Promise<string> {
    const answer = this.next();
    this.child.stdin!.write(`${line}\n`);
    return answer;
  }

  kill(): Promise<void> {
    return new Promise((resolve) => {
      this.child.on('exit', () => resolve());
      this.child.kill('SIGKILL');
    });
  }
}

describe('one writer per directory, whatever happens to LOCK', () => {
  it('LOCK deleted, emptied or replaced with garbage while another process holds the index: a second open is still LOCKED, and nothing is lost', async () => {
    const dir = freshDir();
    const holder = new Holder(dir);
    assert.equal(await holder.next(), 'ready');
    for (let n = 0; n < 10; n++) assert.equal(await holder.send(`insert ${n}`), `ack ${n}`);
    const lock = join(dir, 'LOCK');
    assert.match(readFileSync(lock, 'utf8'), new RegExp(`^\\d+ ${hostname()}\\n$`));
    rmSync(lock);
    expectError(() => openPrimaryIndex(dir), 'LOCKED', /is in use by another process \(its LOCK file is missing\)/);
    writeFileSync(lock, '');
    expectError(() => openPrimaryIndex(dir), 'LOCKED', /does not say which/);
    writeFileSync(lock, 'garbage that is not a pid\n');
    expectError(() => openPrimaryIndex(dir), 'LOCKED', /does not say which/);
    writeFileSync(lock, `${process.pid} ${hostname()}\n`);
    expectError(() => openPrimaryIndex(dir), 'LOCKED', /this process/);
    // The holder kept writing through all of it, and every write is acknowledged.
    for (let n = 10; n < 23; n++) assert.equal(await holder.send(`insert ${n}`), `ack ${n}`);
    await holder.kill();
    // The kernel drops a dead holder's lock: the next open needs no stale-lock guesswork.
    const index = openPrimaryIndex(dir);
    assert.equal(index.size, 23);
    for (let n = 0; n < 23; n++) assert.equal(index.get(idOf(n)), `/held/${n}`);
    index.close();
    assert.ok(!existsSync(lock), 'close removes its LOCK');
  });

  it('a second open in another process is refused while the first is open, and a LOCK left by a dead process is ignored', async () => {
    const dir = freshDir();
    const index = openPrimaryIndex(dir);
    const holder = new Holder(dir);
    assert.match(await holder.next(), new RegExp(`^err LOCKED .*in use by process ${process.pid} on `));
    await holder.kill();
    index.close();
    writeFileSync(join(dir, 'LOCK'), `999999 ${hostname()}\n`);
    const taken = openPrimaryIndex(dir);
    assert.equal(readFileSync(join(dir, 'LOCK'), 'utf8'), `${process.pid} ${hostname()}\n`);
    taken.close();
  });

  it('a directory where LOCK belongs is a clear IO error', () => {
    const dir = freshDir();
    mkdirSync(join(dir, 'LOCK'), { recursive: true });
    expectError(() => openPrimaryIndex(dir), 'IO', /LOCK: cannot write the lock file: a directory is in its place; remove it/);
  });
});

describe('files that are not regular files, and paths that cannot be used', () => {
  it('a FIFO, a device or a directory where the log belongs is refused without blocking', () => {
    for (const [what, make, mention] of [
      ['FIFO', (path: string) => spawnSync('mkfifo', [path]), /not a regular file/],
      ['device', (path: string) => symlinkSync('/dev/zero', path), /not a regular file/],
      ['directory', (path: string) => mkdirSync(path), /it is a directory/],
    ] as const) {
      const dir = freshDir();
      openPrimaryIndex(dir).close();
      rmSync(join(dir, WAL_FILE));
      make(join(dir, WAL_FILE));
      expectError(() => openPrimaryIndex(dir), 'IO', new RegExp(`${WAL_FILE}: cannot read it: .*${mention.source}`));
      assert.ok(what);
    }
  });

  it('a directory that cannot be created is IO naming it, and never hangs (/proc/x); a file in the way is "not a directory"', () => {
    expectError(() => openPrimaryIndex('/proc/tunebench-x'), 'IO', /\/proc\/tunebench-x: cannot create the directory/);
    const file = join(scratch, 'plain');
    writeFileSync(file, 'x');
    expectError(() => openPrimaryIndex(file), 'IO', /plain: cannot open the index there: not a directory/);
    expectError(() => openPrimaryIndex(join(file, 'sub')), 'IO', /plain\/sub: .*a part of the path is not a directory/);
    expectError(() => openPrimaryIndex(''), 'INVALID_ARGUMENT', /non-empty path/);
  });

  it('an unreadable log, or any failing call, is IO naming the file and the operation (no raw EACCES or EISDIR)', () => {
    const dir = freshDir();
    const index = openPrimaryIndex(dir);
    index.insert(idOf(1), '/a');
    index.close();
    const log = join(dir, WAL_FILE);
    for (const [call, fault, mention] of [
      [`read ${log}`, 'EACCES', `${log}: cannot read it: permission denied`],
      [`open ${log}`, 'EIO', `${log}: cannot open it for reading: input/output error (EIO)`],
      [`tryLock ${dir}`, 'EIO', `${dir}: cannot lock the directory (flock): input/output error (EIO)`],
      [`rename ${dir}/LOCK.tmp`, 'EACCES', `${dir}: cannot write its lock file: permission denied`],
    ] as [string, Fault, string][]) {
      const faulty = new FaultyFileSystem({ failAt: 1, fault, match: (c) => c.startsWith(call) });
      assert.throws(
        () => openPrimaryIndex(dir, { fileSystem: faulty }),
        (e: unknown) => e instanceof IndexError && e.code === 'IO' && e.message === mention,
        `${fault} at ${call}`,
      );
      assert.equal(faulty.faulted?.startsWith(call), true);
    }
    const reopened = openPrimaryIndex(dir, { fileSystem: nodeFileSystem });
    assert.equal(reopened.get(idOf(1)), '/a');
    reopened.close();
  });
});

describe('a failed automatic checkpoint', () => {
  it('does not fail the write that triggered it: the write is acknowledged, the failure is counted, and the OptimizedIndex dashboard raises a storage alert', async () => {
    const dir = freshDir();
    openPrimaryIndex(dir).close();
    const faulty = new FaultyFileSystem({ failAt: 1, fault: 'ENOSPC', match: (c) => c.startsWith('write') && c.includes('snapshot.tbs.tmp') });
    const inner = openPrimaryIndex(dir, { fileSystem: faulty, checkpointBytes: 2048, durability: 'sync' });
    const index = createOptimizedIndex(inner);
    for (let n = 0; n < 60; n++) assert.equal(await index.insert(idOf(n), `/auto/${n}/${'y'.repeat(40)}`), true);
    assert.ok(faulty.faulted, 'the snapshot write failed once');
    assert.equal(inner.stats.checkpointFailures, 1);
    assert.match(inner.stats.lastCheckpointError ?? '', /checkpoint failed, nothing was changed and the index still takes writes: .*snapshot\.tbs\.tmp: cannot write it: no space left/);
    assert.ok(inner.stats.checkpoints >= 1, 'a later automatic checkpoint succeeded');
    const alert = index.dashboard().alerts.find((a) => a.kind === 'storage');
    assert.match(alert?.message ?? '', /1 automatic checkpoint\(s\) failed/);
    assert.match(await index.prometheus(), /tunebench_alert_active\{kind="storage"\} 1/);
    await index.close();
    const reopened = openPrimaryIndex(dir);
    assert.equal(reopened.size, 60);
    reopened.close();
  });
});

