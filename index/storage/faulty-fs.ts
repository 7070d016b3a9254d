/**
 * A FileSystem that fails on command, for tests and `npm run soak:durable` (SQLite's test VFS and
 * its I/O-error loops are the model). It passes every call through to a real file system and
 * counts them; the call numbered `failAt` (1-based) gets the fault:
 *
 * - `EIO`, `ENOSPC`, `EACCES`: that call throws the error and does nothing (transient: later calls
 *   work, as when a disk recovers or space is freed);
 * - `short`: a write writes half of what it was given and says so (a non-write call gets EIO);
 * - `full`: from that call on the disk is full: every write that would make a file longer fails
 *   with ENOSPC after writing what fits within the file's current size (overwrites still work,
 *   as on ext4 and tmpfs);
 * - `crash`: that call and every later one throw SimulatedCrash, and every file it opened is
 *   closed (its locks dropped), as if the process had been killed at that instant; a write at that
 *   instant writes a prefix ending on a sector boundary first (`crashWrites: 'torn'`) or nothing.
 */
import type { FileInfo, FileSystem, OpenMode } from './file-system.js';
import { nodeFileSystem } from './file-system.js';
import { TEAR_ALIGN } from './format.js';

export type Fault = 'EIO' | 'ENOSPC' | 'EACCES' | 'short' | 'full' | 'crash';
export const FAULTS: readonly Fault[] = ['EIO', 'ENOSPC', 'EACCES', 'short', 'full', 'crash'];

export class SimulatedCrash extends Error {
  constructor(call: string) {
    super(`simulated crash at ${call}`);
    this.name = 'SimulatedCrash';
  }
}

function errno(code: string, call: string): NodeJS.ErrnoException {
  return Object.assign(new Error(`${code}: injected fault, ${call}`), { code, syscall: call });
}

export interface FaultPlan {
  /** The call to fail, counting from 1 (counting only the calls `match` accepts, if given). */
  failAt: number;
  fault: Fault;
  /** Which calls count, by "name path" (for example c => c.startsWith('read ')). Default: all. */
  match?: (call: string) => boolean;
  /** For `crash` at a write: write a prefix of it first (default 'torn'). */
  crashWrites?: 'torn' | 'nothing';
}

export class FaultyFileSystem implements FileSystem {
  /** Calls made so far. */
  calls = 0;
  /** The call that got the fault, as "name path", once it happened. */
  faulted: string | null = null;
  private matched = 0;
  private crashed = false;
  private full = false;
  private readonly open_ = new Map<number, string>();

  constructor(
    private readonly plan: FaultPlan | null = null,
    private readonly real: FileSystem = nodeFileSystem,
  ) {}

  get hasCrashed(): boolean {
    return this.crashed;
  }

  /** Counts a call; returns the fault to apply to it, if any. */
  private next(name: string, target: string): Fault | null {
    if (this.crashed) throw new SimulatedCrash(`${name} ${target} (after the crash)`);
    this.calls++;
    if (!this.plan || this.faulted) return null;
    const call = `${name} ${target}`;
    if (this.plan.match && !this.plan.match(call)) return null;
    if (++this.matched !== this.plan.failAt) return null;
    this.faulted = call;
    return this.plan.fault;
  }

  private crash(call: string): never {
    this.crashed = true;
    for (const fd of this.open_.keys()) {
      try {
        this.real.close(fd);
      } catch {
        /* already closed */
      }
    }
    this.open_.clear();
    throw new SimulatedCrash(call);
  }

  /** Applies a non-write fault; returns normally when there is none. */
  private simple(name: string, target: string): void {
    const fault = this.next(name, target);
    if (fault === null || fault === 'full') {
      if (fault === 'full') this.full = true;
      return;
    }
    if (fault === 'crash') this.crash(`${name} ${target}`);
    throw errno(fault === 'short' ? 'EIO' : fault, `${name} ${target}`);
  }

  private pathOf(fd: number): string {
    return this.open_.get(fd) ?? `fd ${fd}`;
  }

  open(path: string, mode: OpenMode): number {
    this.simple('open', path);
    const fd = this.real.open(path, mode);
    this.open_.set(fd, path);
    return fd;
  }

  /** Like close(2) on Linux, a failing close still releases the descriptor. */
  close(fd: number): void {
    try {
      this.simple('close', this.pathOf(fd));
    } finally {
      // A crash has closed every file already.
      if (this.open_.delete(fd)) this.real.close(fd);
    }
  }

  fstat(fd: number): FileInfo {
    this.simple('fstat', this.pathOf(fd));
    return this.real.fstat(fd);
  }

  stat(path: string): FileInfo | null {
    this.simple('stat', path);
    return this.real.stat(path);
  }

  read(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    this.simple('read', this.pathOf(fd));
    return this.real.read(fd, buffer, offset, length, position);
  }

  write(fd: number, buffer: Uint8Array, offset: number, length: number, position: number): number {
    const call = `write ${this.pathOf(fd)}`;
    const fault = this.next('write', this.pathOf(fd));
    if (fault === 'full') this.full = true;
    if (fault === 'crash') {
      // A kill stops a write between pages: the prefix ends on a sector boundary of the file.
      const tornAt = Math.floor((position + length / 2) / TEAR_ALIGN) * TEAR_ALIGN;
      if ((this.plan?.crashWrites ?? 'torn') === 'torn' && tornAt > position) this.real.write(fd, buffer, offset, tornAt - position, position);
      this.crash(call);
    }
    if (fault === 'short') return length > 1 ? this.real.write(fd, buffer, offset, Math.floor(length / 2), position) : 0;
    if (fault === 'EIO' || fault === 'ENOSPC' || fault === 'EACCES') throw errno(fault, call);
    if (this.full) {
      const size = this.real.fstat(fd).size;
      if (position + length > size) {
        const fits = Math.max(0, size - position);
        if (fits > 0) return this.real.write(fd, buffer, offset, fits, position);
        throw errno('ENOSPC', call);
      }
    }
    return this.real.write(fd, buffer, offset, length, position);
  }

  datasync(fd: number): void {
    this.simple('datasync', this.pathOf(fd));
    this.real.datasync(fd);
  }

  /** Counted and faulted like `datasync` (same name, so a plan matching datasync covers both). */
  async datasyncAsync(fd: number): Promise<void> {
    this.simple('datasync', this.pathOf(fd));
    await this.real.datasyncAsync(fd);
  }

  sync(fd: number): void {
    this.simple('sync', this.pathOf(fd));
    this.real.sync(fd);
  }

  truncate(fd: number, length: number): void {
    this.simple('truncate', this.pathOf(fd));
    if (this.full && length > this.real.fstat(fd).size) throw errno('ENOSPC', `truncate ${this.pathOf(fd)}`);
    this.real.truncate(fd, length);
  }

  rename(from: string, to: string): void {
    this.simple('rename', `${from} -> ${to}`);
    this.real.rename(from, to);
  }

  unlink(path: string): void {
    this.simple('unlink', path);
    this.real.unlink(path);
  }

  mkdir(path: string): void {
    this.simple('mkdir', path);
    this.real.mkdir(path);
  }

  tryLock(fd: number): boolean {
    this.simple('tryLock', this.pathOf(fd));
    return this.real.tryLock(fd);
  }
}
