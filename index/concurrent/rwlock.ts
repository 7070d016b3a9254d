/**
 * A readers-writer lock on Atomics over shared memory, usable from every thread that holds its
 * buffer.
 *
 * All of the lock's state is one int32 so that each decision is a single compare-and-swap:
 * bits 0-15 count readers inside, bit 16 is set while a writer is inside, bits 17-30 count writers
 * waiting. A reader enters only when no writer is inside or waiting (writer preference: a steady
 * stream of readers cannot starve a writer) and fewer than `maxReaders` readers are inside.
 * Waiting is Atomics.wait on the state word, bounded by a timeout that throws TIMEOUT instead of
 * hanging. Every acquisition records whether it had to wait and for how long, so contention is
 * measured, not estimated.
 */
import { IndexError } from '../errors.js';

const READER_MASK = 0xffff;
const WRITER = 1 << 16;
const WAITING_WRITER = 1 << 17;
const WAITING_SHIFT = 17;

// Int32 words.
const STATE = 0;
const MAX_READERS = 1;
const WAITING_READERS = 2;
const PEAK_READERS = 3;
const INT_WORDS = 4;
// BigInt64 counters.
const READ_ACQUIRED = 0;
const READ_CONTENDED = 1;
const READ_WAIT_NS = 2;
const WRITE_ACQUIRED = 3;
const WRITE_CONTENDED = 4;
const WRITE_WAIT_NS = 5;
const COUNTERS = 6;

export const LOCK_BYTES = INT_WORDS * 4 + COUNTERS * 8;

/** Live lock state and measured contention. */
export interface ContentionMetrics {
  activeReaders: number;
  activeWriters: number;
  pendingReaders: number;
  pendingWriters: number;
  /** Most readers seen inside at once. */
  peakReaders: number;
  maxConcurrentReaders: number;
  acquisitions: number;
  contendedAcquisitions: number;
  readAcquisitions: number;
  writeAcquisitions: number;
  readWaitMs: number;
  writeWaitMs: number;
  /** contendedAcquisitions / acquisitions (0 when nothing was acquired). */
  contentionRatio: number;
}

export class RwLock {
  private readonly ints: Int32Array;
  private readonly counters: BigInt64Array;

  /** A new lock in fresh shared memory, or a view of an existing one (another thread's). */
  constructor(
    readonly buffer: SharedArrayBuffer = new SharedArrayBuffer(LOCK_BYTES),
    maxReaders?: number,
  ) {
    this.ints = new Int32Array(buffer, 0, INT_WORDS);
    this.counters = new BigInt64Array(buffer, INT_WORDS * 4, COUNTERS);
    if (maxReaders !== undefined) this.setMaxReaders(maxReaders);
  }

  setMaxReaders(maxReaders: number): void {
    if (!Number.isInteger(maxReaders) || maxReaders < 1 || maxReaders > READER_MASK) {
      throw new IndexError('INVALID_ARGUMENT', `maxConcurrentReaders must be an integer from 1 to ${READER_MASK}, got ${maxReaders}`);
    }
    Atomics.store(this.ints, MAX_READERS, maxReaders);
    Atomics.notify(this.ints, STATE);
  }

  get maxReaders(): number {
    return Atomics.load(this.ints, MAX_READERS);
  }

  /** Enters as a reader if it can right now. */
  tryRead(): boolean {
    const s = Atomics.load(this.ints, STATE);
    if ((s & WRITER) !== 0 || s >>> WAITING_SHIFT !== 0 || (s & READER_MASK) >= Atomics.load(this.ints, MAX_READERS)) return false;
    if (Atomics.compareExchange(this.ints, STATE, s, s + 1) !== s) return false;
    this.notePeak((s & READER_MASK) + 1);
    return true;
  }

  /** Enters as a reader, waiting at most `timeoutMs`. Throws TIMEOUT. */
  read(timeoutMs: number): void {
    Atomics.add(this.counters, READ_ACQUIRED, 1n);
    if (this.tryRead()) return;
    const started = performance.now();
    Atomics.add(this.ints, WAITING_READERS, 1);
    try {
      for (;;) {
        const s = Atomics.load(this.ints, STATE);
        if ((s & WRITER) === 0 && s >>> WAITING_SHIFT === 0 && (s & READER_MASK) < Atomics.load(this.ints, MAX_READERS)) {
          if (Atomics.compareExchange(this.ints, STATE, s, s + 1) === s) {
            this.notePeak((s & READER_MASK) + 1);
            break;
          }
          continue;
        }
        const left = timeoutMs - (performance.now() - started);
        if (left <= 0) throw this.timeout('read', timeoutMs, s);
        Atomics.wait(this.ints, STATE, s, left);
      }
    } finally {
      Atomics.sub(this.ints, WAITING_READERS, 1);
    }
    this.noteWait(READ_CONTENDED, READ_WAIT_NS, started);
  }

  releaseRead(): void {
    Atomics.sub(this.ints, STATE, 1);
    Atomics.notify(this.ints, STATE);
  }

  /** Enters as the writer if nobody is inside right now (does not queue). */
  tryWrite(): boolean {
    const s = Atomics.load(this.ints, STATE);
    if ((s & (WRITER | READER_MASK)) !== 0) return false;
    return Atomics.compareExchange(this.ints, STATE, s, s | WRITER) === s;
  }

  /** Enters as the writer, waiting at most `timeoutMs`; new readers wait behind it. Throws TIMEOUT. */
  write(timeoutMs: number): void {
    Atomics.add(this.counters, WRITE_ACQUIRED, 1n);
    if (this.tryWrite()) return;
    const started = performance.now();
    Atomics.add(this.ints, STATE, WAITING_WRITER);
    for (;;) {
      const s = Atomics.load(this.ints, STATE);
      if ((s & (WRITER | READER_MASK)) === 0) {
        if (Atomics.compareExchange(this.ints, STATE, s, (s - WAITING_WRITER) | WRITER) === s) break;
        continue;
      }
      const left = timeoutMs - (performance.now() - started);
      if (left <= 0) {
        Atomics.sub(this.ints, STATE, WAITING_WRITER);
        Atomics.notify(this.ints, STATE);
        throw this.timeout('write', timeoutMs, s);
      }
      Atomics.wait(this.ints, STATE, s, left);
    }
    this.noteWait(WRITE_CONTENDED, WRITE_WAIT_NS, started);
  }

  releaseWrite(): void {
    Atomics.sub(this.ints, STATE, WRITER);
    Atomics.notify(this.ints, STATE);
  }

  private notePeak(inside: number): void {
    for (;;) {
      const peak = Atomics.load(this.ints, PEAK_READERS);
      if (inside <= peak || Atomics.compareExchange(this.ints, PEAK_READERS, peak, inside) === peak) return;
    }
  }

  private noteWait(contended: number, waitNs: number, started: number): void {
    Atomics.add(this.counters, contended, 1n);
    Atomics.add(this.counters, waitNs, BigInt(Math.round((performance.now() - started) * 1e6)));
  }

  private timeout(kind: 'read' | 'write', timeoutMs: number, s: number): IndexError {
    return new IndexError(
      'TIMEOUT',
      `could not take the ${kind} lock within ${timeoutMs} ms (${s & READER_MASK} readers inside, writer ${s & WRITER ? 'inside' : 'not inside'}, ${s >>> WAITING_SHIFT} writers waiting)`,
    );
  }

  metrics(): ContentionMetrics {
    const s = Atomics.load(this.ints, STATE);
    const c = (i: number) => Number(Atomics.load(this.counters, i));
    const acquisitions = c(READ_ACQUIRED) + c(WRITE_ACQUIRED);
    const contended = c(READ_CONTENDED) + c(WRITE_CONTENDED);
    return {
      activeReaders: s & READER_MASK,
      activeWriters: s & WRITER ? 1 : 0,
      pendingReaders: Atomics.load(this.ints, WAITING_READERS),
      pendingWriters: s >>> WAITING_SHIFT,
      peakReaders: Atomics.load(this.ints, PEAK_READERS),
      maxConcurrentReaders: Atomics.load(this.ints, MAX_READERS),
      acquisitions,
      contendedAcquisitions: contended,
      readAcquisitions: c(READ_ACQUIRED),
      writeAcquisitions: c(WRITE_ACQUIRED),
      readWaitMs: c(READ_WAIT_NS) / 1e6,
      writeWaitMs: c(WRITE_WAIT_NS) / 1e6,
      contentionRatio: acquisitions === 0 ? 0 : contended / acquisitions,
    };
  }

  /** Zeroes the counters and the peak (not the live state). */
  resetMetrics(): void {
    for (let i = 0; i < COUNTERS; i++) Atomics.store(this.counters, i, 0n);
    Atomics.store(this.ints, PEAK_READERS, Atomics.load(this.ints, STATE) & READER_MASK);
  }
}
