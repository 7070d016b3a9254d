/** Input checks shared by the in-memory and durable indexes, so that both refuse alike. */
import { IndexError } from './errors.js';
import { invalidIdError, parseIdInto } from './id.js';
import { invalidPathError, isValidPath } from './path.js';

/**
 * Checks bulk pair `i`: writes its id's words into `keys` at `at` and returns its path. Throws
 * INVALID_ARGUMENT / INVALID_ID / INVALID_PATH naming the position.
 */
export function checkPair(pair: unknown, i: number, keys: Int32Array, at: number): string {
  if (!Array.isArray(pair) || pair.length < 2) throw new IndexError('INVALID_ARGUMENT', `bulkInsert pairs[${i}] must be an [id, path] pair`);
  if (!parseIdInto(pair[0], keys, at)) throw invalidIdError(pair[0], ` at pairs[${i}]`);
  const path: unknown = pair[1];
  if (!isValidPath(path)) throw invalidPathError(path, ` at pairs[${i}]`);
  return path;
}

/** Checks id `i` of a bulk call named `what`, writing its words into `keys` at `at`. */
export function checkBulkId(id: unknown, i: number, what: string, keys: Int32Array, at: number): void {
  if (!parseIdInto(id, keys, at)) throw invalidIdError(id, ` at ${what} ids[${i}]`);
}

/** An array from an iterable argument, or INVALID_ARGUMENT naming it. */
export function asArray<T>(items: Iterable<T>, what: string): readonly T[] {
  if (Array.isArray(items)) return items;
  if (items == null || typeof (items as Iterable<T>)[Symbol.iterator] !== 'function') {
    throw new IndexError('INVALID_ARGUMENT', `${what} must be an array or another iterable, got ${items === null ? 'null' : typeof items}`);
  }
  return Array.from(items);
}

/** A range's `limit`: Infinity when absent, else a non-negative integer, or INVALID_ARGUMENT. */
export function checkLimit(limit: unknown): number {
  if (limit === undefined) return Infinity;
  if (typeof limit !== 'number' || !(Number.isInteger(limit) || limit === Infinity) || limit < 0) {
    throw new IndexError('INVALID_ARGUMENT', `range limit must be a non-negative integer, got ${typeof limit === 'number' ? limit : typeof limit}`);
  }
  return limit;
}
