/**
 * One process at a time holds a directory. The lock is a file created atomically (link of a
 * temporary file, which fails if the lock exists) holding "pid hostname". A lock whose process is
 * gone on this host is taken over: it is first renamed to a unique name, so that of two processes
 * racing for the same stale lock only one removes it, and the other then finds the winner's lock.
 */
import { closeSync, linkSync, openSync, readFileSync, renameSync, rmSync, writeSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { IndexError } from '../errors.js';
import { LOCK_FILE } from './format.js';

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readHolder(path: string): { pid: number; host: string } | null {
  try {
    const [pid, host] = readFileSync(path, 'utf8').trim().split(' ');
    return { pid: Number(pid), host: host ?? '' };
  } catch {
    return null;
  }
}

export class DirectoryLock {
  private constructor(readonly path: string) {}

  /** Takes the lock on `dir`, or throws LOCKED naming the holder. */
  static acquire(dir: string): DirectoryLock {
    const path = join(dir, LOCK_FILE);
    const mine = `${process.pid} ${hostname()}\n`;
    const temp = join(dir, `.${LOCK_FILE}.${process.pid}.${Math.random().toString(36).slice(2)}`);
    const fd = openSync(temp, 'wx');
    try {
      writeSync(fd, mine);
    } finally {
      closeSync(fd);
    }
    try {
      for (let attempt = 0; attempt < 3; attempt++) {
        try {
          linkSync(temp, path);
          return new DirectoryLock(path);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        }
        const holder = readHolder(path);
        if (holder && (holder.host !== hostname() || alive(holder.pid))) {
          const who = holder.pid === process.pid ? 'this process (it is already open)' : `process ${holder.pid} on ${holder.host}`;
          throw new IndexError('LOCKED', `${dir} is in use by ${who}; close it there first`);
        }
        // Stale: move it aside under a unique name; only one contender's rename can succeed.
        const aside = join(dir, `.${LOCK_FILE}.stale.${process.pid}.${Math.random().toString(36).slice(2)}`);
        try {
          renameSync(path, aside);
        } catch (error) {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
          continue;
        }
        const moved = readHolder(aside);
        if (moved && holder && (moved.pid !== holder.pid || moved.host !== holder.host)) {
          // We moved a fresh lock taken meanwhile: give it back (ignore if another was made).
          try {
            linkSync(aside, path);
          } catch {
            /* another lock now exists; the loop finds it */
          }
        }
        rmSync(aside, { force: true });
      }
      throw new IndexError('LOCKED', `${dir}: could not take its lock (contended)`);
    } finally {
      rmSync(temp, { force: true });
    }
  }

  release(): void {
    const holder = readHolder(this.path);
    if (holder && holder.pid === process.pid) rmSync(this.path, { force: true });
  }
}
