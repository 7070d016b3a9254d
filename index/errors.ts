/** Every way the index can refuse a request or a file. Callers switch on `code`, never on the message. */
export type IndexErrorCode =
  | 'INVALID_ID'
  | 'INVALID_PATH'
  | 'INVALID_ARGUMENT'
  | 'CAPACITY'
  | 'CORRUPT'
  | 'UNSUPPORTED_VERSION'
  | 'LOCKED'
  | 'CLOSED'
  | 'IO'
  | 'TIMEOUT'
  | 'WORKER_FAILED';

export class IndexError extends Error {
  readonly code: IndexErrorCode;

  constructor(code: IndexErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'IndexError';
    this.code = code;
  }
}

/** Shortens a user value for an error message so that a 4 KB path does not flood the terminal. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') {
    const shown = value.length > 60 ? `${value.slice(0, 57)}...` : value;
    return JSON.stringify(shown) + (value.length > 60 ? ` (${value.length} chars)` : '');
  }
  if (value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return `${typeof value} ${String(value)}`;
}
