/** Path values: UTF-8, 1..4096 bytes, no NUL byte, no `..` segment. */
import { IndexError, describeValue } from './errors.js';

export const MAX_PATH_BYTES = 4096;

// Node 20 has String.prototype.isWellFormed; the ES2023 lib we compile against does not declare it.
interface WellFormedCheck {
  isWellFormed(): boolean;
}

// A string of at most this many UTF-16 units encodes to at most MAX_PATH_BYTES - 1 UTF-8 bytes
// (3 bytes per unit at worst), so only longer strings need their byte length computed up front.
const SURELY_FITS_UNITS = Math.floor((MAX_PATH_BYTES - 1) / 3);

/**
 * Whether `path` is a valid path value. Never throws, so bulk calls can name the first bad index.
 * Computing UTF-8 byte lengths costs ~125 ns a path here, more than writing the bytes, so it is
 * only done for long strings; the heap learns the length from the write itself.
 * Computational complexity: O(length).
 */
export function isValidPath(path: unknown): path is string {
  if (typeof path !== 'string') return false;
  const units = path.length;
  if (units === 0 || units > MAX_PATH_BYTES) return false;
  if (units > SURELY_FITS_UNITS && Buffer.byteLength(path, 'utf8') > MAX_PATH_BYTES) return false;
  if (path.indexOf('\0') !== -1) return false;
  if (path.indexOf('..') !== -1 && hasDotDotSegment(path)) return false;
  // A lone surrogate would be stored as U+FFFD and read back different. V8 answers this in O(1)
  // for one-byte strings, which is what most paths are.
  return (path as unknown as WellFormedCheck).isWellFormed();
}

/** The UTF-8 byte length of `path`, or -1 when it is not a valid path. */
export function pathByteLength(path: unknown): number {
  return isValidPath(path) ? Buffer.byteLength(path, 'utf8') : -1;
}

function hasDotDotSegment(path: string): boolean {
  for (const segment of path.split(/[/\\]/)) if (segment === '..') return true;
  return false;
}

/** The error for a path that `pathByteLength` refused, naming the value and the rule it breaks. */
export function invalidPathError(path: unknown, where = ''): IndexError {
  let why: string;
  if (typeof path !== 'string') why = 'a path must be a string';
  else {
    const bytes = Buffer.byteLength(path, 'utf8');
    if (bytes === 0) why = 'a path must not be empty';
    else if (bytes > MAX_PATH_BYTES) why = `a path is at most ${MAX_PATH_BYTES} UTF-8 bytes (this one has ${bytes})`;
    else if (path.includes('\0')) why = 'a path must not contain a NUL byte';
    else if (hasDotDotSegment(path)) why = "a path must not contain a '..' segment";
    else why = 'a path must be well-formed Unicode (it has a lone surrogate)';
  }
  return new IndexError('INVALID_PATH', `invalid path ${describeValue(path)}${where}: ${why}`);
}

/** Throws `INVALID_PATH` unless `path` is valid; returns its UTF-8 byte length. */
export function validatePath(path: unknown): number {
  const bytes = pathByteLength(path);
  if (bytes < 0) throw invalidPathError(path);
  return bytes;
}
