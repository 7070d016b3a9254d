/**
 * Writing report files so that a reader never sees half of one, and a report is written whole or
 * not at all: every file of a report is first written under a temporary name in the target folder
 * (where a full disk or a bad name shows), and only when all are there are they renamed into
 * place. A failure before the renames removes the temporary files and leaves the folder as it was.
 */
import { closeSync, constants, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { pathInside } from './file-names.js';

function writeNew(path: string, data: string | Uint8Array): void {
  const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | constants.O_NOFOLLOW, 0o644);
  try {
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    for (let done = 0; done < bytes.length; ) done += writeSync(fd, bytes, done, bytes.length - done);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

function reason(error: unknown): string {
  const code = (error as NodeJS.ErrnoException).code;
  return code === 'ENOSPC' ? 'no space left on the device' : code === 'EACCES' || code === 'EPERM' ? 'permission denied' : code === 'EROFS' ? 'read-only file system' : (error as Error).message;
}

/** One file, atomically (temp file, then rename). */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  mkdirSync(dirname(path), { recursive: true });
  writeFilesTogether(dirname(path), [{ name: basename(path), data }]);
}

export interface FileToWrite {
  name: string;
  data: string | Uint8Array;
}

/** Writes all `files` into `directory` (which must exist), all or none. */
export function writeFilesTogether(directory: string, files: readonly FileToWrite[]): void {
  const names = new Set<string>();
  const staged: { temp: string; path: string }[] = [];
  try {
    for (const file of files) {
      const path = pathInside(directory, file.name);
      if (names.has(file.name)) throw new Error(`two files of the report are both named ${file.name}`);
      names.add(file.name);
      const temp = join(directory, `.${file.name}.${process.pid}.tmp`);
      rmSync(temp, { force: true });
      staged.push({ temp, path });
      writeNew(temp, file.data);
    }
  } catch (error) {
    for (const { temp } of staged) rmSync(temp, { force: true });
    throw new Error(`cannot write ${files.length === 1 ? files[0].name : 'the report'} in ${directory}: ${reason(error)}; nothing was written there`, { cause: error });
  }
  for (const [i, { temp, path }] of staged.entries()) {
    try {
      renameSync(temp, path);
    } catch (error) {
      for (const rest of staged.slice(i)) rmSync(rest.temp, { force: true });
      throw new Error(`cannot move ${basename(path)} into ${directory}: ${reason(error)}; ${i} of ${staged.length} files were replaced`, { cause: error });
    }
  }
}
