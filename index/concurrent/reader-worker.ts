/**
 * A reader pool worker: answers batches of lookups against the shared tree. It takes the read
 * lock for at most `holdOps` lookups at a time, so a waiting writer gets in between chunks.
 */
import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads';
import { type MessagePort } from 'node:worker_threads';
import { RwLock } from './rwlock.js';
import { INVALID, NONE, TreeReader } from './tree-reader.js';
import type { SharedTreeHandles } from '../memory-index.js';

export interface WorkerInit {
  handles: SharedTreeHandles;
  lock: SharedArrayBuffer;
  /** Where the owner posts replaced memories; drained synchronously before each chunk. */
  updates: MessagePort;
  holdOps: number;
  lockTimeoutMs: number;
}

/** Ids travel as 36 ASCII bytes each (see encodeIds in pool.ts). */
export type WorkerRequest =
  | { type: 'getMany'; id: number; ids: ArrayBuffer; count: number }
  | { type: 'readWorkload'; id: number; ids: ArrayBuffer; count: number; decode: boolean };

export type WorkerReply =
  | { id: number; ok: true; values: (string | undefined)[] }
  | { id: number; ok: true; counts: { ops: number; found: number; pathBytes: number; busyMs: number } }
  | { id: number; ok: false; error: string; code: string; at?: number };

const init = workerData as WorkerInit;
const lock = new RwLock(init.lock);
const reader = new TreeReader(init.handles);

/** Takes the read lock for one chunk, after picking up any replaced memories. */
function enter(): void {
  lock.read(init.lockTimeoutMs);
  for (let update = receiveMessageOnPort(init.updates); update; update = receiveMessageOnPort(init.updates)) {
    reader.replace(update.message as SharedTreeHandles);
  }
  reader.sync();
}

class InvalidId extends Error {
  constructor(readonly at: number) {
    super(`invalid document id at position ${at}`);
  }
}

/**
 * Looks up ids [0, count) of `ids`, a chunk of lookups per read-lock hold, calling `found` for
 * each present one. Throws InvalidId for a malformed id.
 */
function lookUp(ids: Uint8Array, count: number, found: (i: number, slot: number) => void): void {
  for (let from = 0; from < count; from += init.holdOps) {
    const to = Math.min(count, from + init.holdOps);
    enter();
    try {
      for (let i = from; i < to; i++) {
        const slot = reader.slotOf(ids, i * 36);
        if (slot === INVALID) throw new InvalidId(i);
        if (slot !== NONE) found(i, slot);
      }
    } finally {
      lock.releaseRead();
    }
  }
}

function getMany(ids: Uint8Array, count: number): (string | undefined)[] {
  const values: (string | undefined)[] = new Array<string | undefined>(count).fill(undefined);
  lookUp(ids, count, (i, slot) => {
    values[i] = reader.path(slot);
  });
  return values;
}

/** Lookups done here, as a consumer in this thread would (turning paths into strings when `decode`); only counts go back. */
function readWorkload(ids: Uint8Array, count: number, decode: boolean): { ops: number; found: number; pathBytes: number; busyMs: number } {
  const started = performance.now();
  let found = 0;
  let pathBytes = 0;
  lookUp(ids, count, (_i, slot) => {
    found++;
    pathBytes += decode ? reader.path(slot).length : reader.pathBytes(slot);
  });
  return { ops: count, found, pathBytes, busyMs: performance.now() - started };
}

parentPort!.on('message', (request: WorkerRequest) => {
  let reply: WorkerReply;
  const ids = new Uint8Array(request.ids);
  try {
    reply =
      request.type === 'getMany'
        ? { id: request.id, ok: true, values: getMany(ids, request.count) }
        : { id: request.id, ok: true, counts: readWorkload(ids, request.count, request.decode) };
  } catch (error) {
    if (error instanceof InvalidId) reply = { id: request.id, ok: false, error: error.message, code: 'INVALID_ID', at: error.at };
    else reply = { id: request.id, ok: false, error: (error as Error).message, code: (error as { code?: string }).code ?? 'WORKER_FAILED' };
  }
  parentPort!.postMessage(reply);
});
