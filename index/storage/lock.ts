/**
 * One process at a time holds a directory, enforced by the kernel: an exclusive flock(2) on the
 * directory itself, held for as long as the index is open.
 *
 * Why the directory and not the LOCK file: a lock on a file belongs to its inode, so deleting or
 * replacing LOCK (by hand, by a cleanup job) would let a second process lock a fresh file and write
 * beside the first, which is how acknowledged writes were lost under version 1's lock file. The
 * directory's inode lives as long as the index does. The kernel drops the lock when the holder
 * exits, however it dies, so there are no stale locks to take over and no pid to trust.
 *
 * LOCK still holds "pid hostname" of the holder, written after the lock is taken, only to name the
 * holder in a LOCKED error; its content is never used to decide anything. (flock is per host on
 * NFS before Linux 2.6.12; keep an index on a local file system.)
 */
import { hostname } from 'node:os';
import { join } from 'node:path';
import { IndexError } from '../errors.js';
import { type Files, ioError } from './files.js';
import { LOCK_FILE } from './format.js';

const HOLDER = /^(\d{1,10}) (\S{1,255})\n?$/;

/** Who LOCK says holds the directory, for the message only. */
function describeHolder(files: Files, path: string): string {
  try {
    if (files.stat(path)?.kind !== 'file') return 'another process (its LOCK file is missing)';
    const { fd, size } = files.openRegular(path, 'read');
    try {
      const text = Buffer.allocUnsafe(Math.min(size, 300));
      const n = files.read(fd, path, text, 0, text.length, 0);
      const match = HOLDER.exec(text.toString('utf8', 0, n));
      if (!match) return 'another process (its LOCK file does not say which)';
      if (Number(match[1]) === process.pid && match[2] === hostname()) return 'this process (it is already open here)';
      return `process ${match[1]} on ${match[2]}`;
    } finally {
      files.closeQuietly(fd);
    }
  } catch {
    return 'another process (its LOCK file cannot be read)';
  }
}

export class DirectoryLock {
  private released = false;

  private constructor(
    private readonly files: Files,
    private readonly fd: number,
    readonly path: string,
    private readonly content: string,
  ) {}

  /** Takes the lock on `dir`, or throws LOCKED naming the holder, or IO. */
  static acquire(files: Files, dir: string): DirectoryLock {
    const path = join(dir, LOCK_FILE);
    const fd = files.open(dir, 'directory', 'open the directory');
    try {
      let locked: boolean;
      try {
        locked = files.fs.tryLock(fd);
      } catch (error) {
        throw ioError(dir, 'lock the directory (flock)', error);
      }
      if (!locked) throw new IndexError('LOCKED', `${dir} is in use by ${describeHolder(files, path)}; close it there first`);
      const kind = files.stat(path)?.kind;
      if (kind !== undefined && kind !== 'file') {
        throw new IndexError('IO', `${path}: cannot write the lock file: a ${kind === 'directory' ? 'directory' : 'FIFO, socket or device'} is in its place; remove it`);
      }
      const content = `${process.pid} ${hostname()}\n`;
      const temp = `${path}.tmp`;
      try {
        files.remove(temp);
        const out = files.open(temp, 'create', 'create it');
        try {
          files.writeAll(out, temp, Buffer.from(content), 0);
        } finally {
          files.closeQuietly(out);
        }
        files.rename(temp, path);
      } catch (error) {
        files.removeQuietly(temp);
        throw ioError(dir, 'write its lock file', (error as Error).cause ?? error);
      }
      return new DirectoryLock(files, fd, path, content);
    } catch (error) {
      files.closeQuietly(fd);
      throw error;
    }
  }

  /** Removes LOCK if it still names this holder, and drops the kernel lock. */
  release(): void {
    if (this.released) return;
    this.released = true;
    try {
      const { fd, size } = this.files.openRegular(this.path, 'read');
      let text = '';
      try {
        const bytes = Buffer.allocUnsafe(Math.min(size, 300));
        text = bytes.toString('utf8', 0, this.files.read(fd, this.path, bytes, 0, bytes.length, 0));
      } finally {
        this.files.closeQuietly(fd);
      }
      if (text === this.content) this.files.removeQuietly(this.path);
    } catch {
      /* LOCK is gone or unreadable: nothing of ours to remove */
    }
    this.files.closeQuietly(this.fd);
  }
}
