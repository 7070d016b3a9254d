/**
 * The file-system calls the durable index makes, behind one small interface, so that tests can
 * fail any one of them (SQLite's test VFS is the model: an I/O error, a full disk or a short write
 * injected at the k-th call, for every k; see faulty-fs.ts).
 *
 * Every call but `datasyncAsync` is synchronous and takes plain numbers and buffers. The real implementation is a thin
 * layer over node:fs plus flock(2) from fs-ext; errors come back as Node's errno errors, and
 * `files.ts` turns them into IndexError IO naming the path and the operation.
 */
import { closeSync, constants, fdatasync, fdatasyncSync, fstatSync, fsyncSync, ftruncateSync, mkdirSync, openSync, readSync, renameSync, statSync, unlinkSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

/** What `fstat`/`stat` report that the index needs. */
export interface FileInfo {
  size: number;
  kind: 'file' | 'directory' | 'other';
  /** Device and inode: the identity of the file behind a path. */
  dev: number;
  ino: number;
}

/** How a file is opened. */
export type OpenMode =
  /** Read only; never blocks (a FIFO or device is reported by fstat, not waited on). */
  | 'read'
  /** Read and write an existing file. */
  | 'update'
  /** Create a new file to write (and read back); fails if the name exists. */
  | 'create'
  /** A directory, for fsync and for the directory lock. */
  | 'directory';

export interface FileSystem {
  open(path: string, mode: OpenMode): number;
  close(fd: number): void;
  fstat(fd: number): FileInfo;
  /** null when nothing is at `path` (ENOENT); other errors are thrown. */
  stat(path: string): FileInfo | null;
  /** Reads up to `length` bytes at `position`; returns the bytes read (0 at the end). */
  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** Writes up to `length` bytes at `position`; may write fewer (a short write) and say so. */
  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number;
  /** fdatasync: the file's data and the metadata needed to read it back (its size). */
  datasync(fd: number): void;
  /**
   * fdatasync on libuv's thread pool: the event loop keeps running while the disk works, so that
   * writers can gather into the next group commit meanwhile (OptimizedIndex).
   */
  datasyncAsync(fd: number): Promise<void>;
  /** fsync: everything, used for directories. */
  sync(fd: number): void;
  truncate(fd: number, length: number): void;
  rename(from: string, to: string): void;
  unlink(path: string): void;
  mkdir(path: string): void;
  /** Takes an exclusive flock on an open file or directory; false if another holder has it. */
  tryLock(fd: number): boolean;
}

const { O_RDONLY, O_RDWR, O_CREAT, O_EXCL, O_NONBLOCK, O_DIRECTORY, O_NOFOLLOW } = constants;
const FLAGS: Record<OpenMode, number> = {
  read: O_RDONLY | O_NONBLOCK,
  update: O_RDWR | O_NONBLOCK,
  // O_NOFOLLOW: a planted symlink at a temp name cannot redirect a snapshot elsewhere.
  create: O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_NONBLOCK,
  directory: O_RDONLY | O_DIRECTORY,
};

function info(stats: import('node:fs').Stats): FileInfo {
  return { size: stats.size, kind: stats.isFile() ? 'file' : stats.isDirectory() ? 'directory' : 'other', dev: stats.dev, ino: stats.ino };
}

interface FsExt {
  flockSync(fd: number, flags: 'exnb' | 'un'): void;
}

let fsExt: FsExt | null = null;
/**
 * flock(2) is not in node:fs. fs-ext is a small native addon that has provided it since 2011;
 * loaded on first use so that an in-memory index never needs it.
 */
function flock(): FsExt {
  fsExt ??= createRequire(import.meta.url)('fs-ext') as FsExt;
  return fsExt;
}

export const nodeFileSystem: FileSystem = {
  open: (path, mode) => openSync(path, FLAGS[mode], 0o644),
  close: (fd) => closeSync(fd),
  fstat: (fd) => info(fstatSync(fd)),
  stat(path) {
    try {
      return info(statSync(path));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  },
  read: (fd, buffer, offset, length, position) => readSync(fd, buffer, offset, length, position),
  write: (fd, buffer, offset, length, position) => writeSync(fd, buffer, offset, length, position),
  datasync: (fd) => fdatasyncSync(fd),
  datasyncAsync: (fd) => new Promise((resolve, reject) => fdatasync(fd, (error) => (error ? reject(error) : resolve()))),
  sync: (fd) => fsyncSync(fd),
  truncate: (fd, length) => ftruncateSync(fd, length),
  rename: (from, to) => renameSync(from, to),
  unlink: (path) => unlinkSync(path),
  mkdir: (path) => mkdirSync(path, 0o755),
  tryLock(fd) {
    try {
      flock().flockSync(fd, 'exnb');
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EAGAIN' || code === 'EWOULDBLOCK') return false;
      throw error;
    }
  },
};
