/**
 * Reading a user's input file (a scenario, a report, a baseline) without trusting what is at the
 * path: a FIFO would block forever, /dev/zero would never end, and a huge file would fill the
 * memory. Only a regular file of at most `maxBytes` is read.
 */
import { closeSync, constants, fstatSync, openSync, readFileSync } from 'node:fs';

/** Why a path could not be read, as the last part of a one-line message. */
export class InputFileError extends Error {
  constructor(
    readonly path: string,
    readonly reason: string,
  ) {
    super(`${path}: ${reason}`);
    this.name = 'InputFileError';
  }
}

const REASONS: Record<string, string> = {
  ENOENT: 'no such file',
  EACCES: 'permission denied',
  EISDIR: 'a directory, not a file',
  ELOOP: 'too many symbolic links',
  ENOTDIR: 'a part of the path is not a directory',
};

export function readInputFile(path: string, maxBytes: number): string {
  let fd: number;
  try {
    fd = openSync(path, constants.O_RDONLY | constants.O_NONBLOCK);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? '';
    throw new InputFileError(path, REASONS[code] ?? `cannot open it (${code || (error as Error).message})`);
  }
  try {
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new InputFileError(path, 'a directory, not a file');
    if (!stat.isFile()) throw new InputFileError(path, 'not a regular file (a FIFO, socket or device)');
    if (stat.size > maxBytes) throw new InputFileError(path, `${stat.size.toLocaleString('en-US')} bytes, more than the ${maxBytes.toLocaleString('en-US')} such a file may hold`);
    return readFileSync(fd, 'utf8');
  } catch (error) {
    if (error instanceof InputFileError) throw error;
    throw new InputFileError(path, `cannot read it (${(error as NodeJS.ErrnoException).code ?? (error as Error).message})`);
  } finally {
    closeSync(fd);
  }
}
