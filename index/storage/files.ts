/**
 * The durable index's file operations over a FileSystem: every failure becomes one IndexError IO
 * naming the path and what was being done, writes are checked for being complete, and nothing that
 * is not a regular file is ever read (a FIFO or a device in place of a log would block or never end).
 */
import { dirname } from 'node:path';
import { IndexError } from '../errors.js';
import type { FileInfo, FileSystem, OpenMode } from './file-system.js';

const REASONS: Record<string, string> = {
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'disk quota exceeded',
  EIO: 'input/output error (EIO)',
  EROFS: 'read-only file system',
  ENOENT: 'no such file or directory',
  ENOTDIR: 'a part of the path is not a directory',
  EISDIR: 'it is a directory',
  ELOOP: 'it is a symbolic link',
  EEXIST: 'it already exists',
  ENXIO: 'it is a FIFO or device with nothing behind it',
  EMFILE: 'too many open files',
  ENAMETOOLONG: 'the name is too long',
  EBUSY: 'it is busy',
};

/** Node's errno code of an error, if it has one. */
export function errnoOf(error: unknown): string | undefined {
  return (error as NodeJS.ErrnoException | undefined)?.code;
}

export function ioError(path: string, action: string, error: unknown): IndexError {
  if (error instanceof IndexError) return error;
  const code = errnoOf(error);
  const why = (code && REASONS[code]) ?? (error instanceof Error ? error.message : String(error));
  return new IndexError('IO', `${path}: cannot ${action}: ${why}`, { cause: error });
}

/** A write that wrote nothing: treated as a full disk, which is what it means on every file system we know. */
function shortWriteError(): NodeJS.ErrnoException {
  return Object.assign(new Error('the write made no progress'), { code: 'ENOSPC' });
}

const ZEROS = Buffer.alloc(1 << 20);

export class Files {
  constructor(readonly fs: FileSystem) {}

  open(path: string, mode: OpenMode, action: string): number {
    try {
      return this.fs.open(path, mode);
    } catch (error) {
      throw ioError(path, action, error);
    }
  }

  /** Opens an existing regular file; refuses FIFOs, devices and directories without touching them. */
  openRegular(path: string, mode: 'read' | 'update'): { fd: number; size: number } {
    const fd = this.open(path, mode, mode === 'read' ? 'open it for reading' : 'open it for writing');
    let stat: FileInfo;
    try {
      stat = this.fstat(fd, path);
    } catch (error) {
      this.closeQuietly(fd);
      throw error;
    }
    if (stat.kind !== 'file') {
      this.closeQuietly(fd);
      throw new IndexError('IO', `${path}: cannot read it: it is ${stat.kind === 'directory' ? 'a directory' : 'not a regular file (a FIFO, socket or device)'}`);
    }
    return { fd, size: stat.size };
  }

  fstat(fd: number, path: string): FileInfo {
    try {
      return this.fs.fstat(fd);
    } catch (error) {
      throw ioError(path, 'read its size', error);
    }
  }

  stat(path: string): FileInfo | null {
    try {
      return this.fs.stat(path);
    } catch (error) {
      throw ioError(path, 'look at it', error);
    }
  }

  /** The whole regular file at `path`, or null if there is none. */
  readWhole(path: string): Buffer | null {
    if (this.stat(path) === null) return null;
    const { fd, size } = this.openRegular(path, 'read');
    try {
      const buffer = Buffer.allocUnsafe(size);
      let done = 0;
      while (done < size) {
        const n = this.read(fd, path, buffer, done, size - done, done);
        if (n === 0) throw new IndexError('IO', `${path}: cannot read it: it shrank from ${size} to ${done} bytes while being read`);
        done += n;
      }
      return buffer;
    } finally {
      this.closeQuietly(fd);
    }
  }

  read(fd: number, path: string, buffer: Uint8Array, offset: number, length: number, position: number): number {
    try {
      return this.fs.read(fd, buffer, offset, length, position);
    } catch (error) {
      throw ioError(path, 'read it', error);
    }
  }

  /**
   * Writes all of `bytes` at `position`, looping over short writes. On failure the error says how
   * many bytes did reach the file (`written`), so the caller can undo exactly that much.
   */
  writeAll(fd: number, path: string, bytes: Uint8Array, position: number, action = 'write it'): void {
    let done = 0;
    try {
      while (done < bytes.length) {
        const n = this.fs.write(fd, bytes, done, bytes.length - done, position + done);
        if (n <= 0) throw shortWriteError();
        done += n;
      }
    } catch (error) {
      throw Object.assign(ioError(path, action, error), { written: done });
    }
  }

  /** Writes zeros over [from, to). */
  zero(fd: number, path: string, from: number, to: number, action = 'write it'): void {
    for (let at = from; at < to; at += ZEROS.length) {
      this.writeAll(fd, path, ZEROS.subarray(0, Math.min(ZEROS.length, to - at)), at, action);
    }
  }

  datasync(fd: number, path: string): void {
    try {
      this.fs.datasync(fd);
    } catch (error) {
      throw ioError(path, 'flush it to disk (fdatasync)', error);
    }
  }

  async datasyncAsync(fd: number, path: string): Promise<void> {
    try {
      await this.fs.datasyncAsync(fd);
    } catch (error) {
      throw ioError(path, 'flush it to disk (fdatasync)', error);
    }
  }

  truncate(fd: number, path: string, length: number): void {
    try {
      this.fs.truncate(fd, length);
    } catch (error) {
      throw ioError(path, `truncate it to ${length} bytes`, error);
    }
  }

  /** fsync of a directory: makes the renames and removals inside it durable. */
  syncDirectory(dir: string): void {
    const fd = this.open(dir, 'directory', 'open it to flush it');
    try {
      this.fs.sync(fd);
    } catch (error) {
      throw ioError(dir, 'flush the directory to disk (fsync)', error);
    } finally {
      this.closeQuietly(fd);
    }
  }

  rename(from: string, to: string): void {
    try {
      this.fs.rename(from, to);
    } catch (error) {
      throw ioError(to, `rename ${from} to it`, error);
    }
  }

  /** Removes `path` if it exists. */
  remove(path: string): void {
    try {
      this.fs.unlink(path);
    } catch (error) {
      if (errnoOf(error) !== 'ENOENT') throw ioError(path, 'remove it', error);
    }
  }

  removeQuietly(path: string): void {
    try {
      this.fs.unlink(path);
    } catch {
      /* best effort: a leftover temp file is removed at the next open */
    }
  }

  close(fd: number, path: string): void {
    try {
      this.fs.close(fd);
    } catch (error) {
      throw ioError(path, 'close it', error);
    }
  }

  closeQuietly(fd: number): void {
    try {
      this.fs.close(fd);
    } catch {
      /* already failing: the first error is the one reported */
    }
  }

  /**
   * Creates `dir` and any missing parents, one level at a time. (mkdirSync's recursive mode loops
   * forever on some paths, such as '/proc/x', where the parent exists but refuses new entries.)
   */
  ensureDirectory(dir: string): void {
    const missing: string[] = [];
    let at = dir;
    for (;;) {
      const found = this.stat(at);
      if (found) {
        if (found.kind !== 'directory') throw new IndexError('IO', `${at}: cannot open the index there: not a directory`);
        break;
      }
      missing.push(at);
      const parent = dirname(at);
      if (parent === at) break;
      at = parent;
    }
    for (const path of missing.reverse()) {
      try {
        this.fs.mkdir(path);
      } catch (error) {
        if (errnoOf(error) === 'EEXIST' && this.stat(path)?.kind === 'directory') continue;
        throw ioError(path, 'create the directory', error);
      }
    }
  }
}
