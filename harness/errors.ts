/** Errors the CLI reports as one line with exit code 2 (bad input or a failed run). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The one line the CLI prints for `error`; the stack only with TUNEBENCH_DEBUG=1. */
export function describeFailure(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  if (process.env.TUNEBENCH_DEBUG === '1' && error instanceof Error && error.stack) return error.stack;
  return message;
}
