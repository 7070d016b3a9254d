/**
 * File names built from report data (scenario, implementation and metric names come from files a
 * user may have edited): only letters, digits, '.', '-' and '_', at most 100 characters, never
 * starting with a dot. A name that had to change gets a hash of the original, so that two names
 * differing only in dropped characters never share a file.
 */
import { createHash } from 'node:crypto';
import { basename, dirname, resolve } from 'node:path';

const SAFE = /^[A-Za-z0-9][A-Za-z0-9._-]{0,119}$/;

/** `PREFIX-PARTS.png` from any strings. */
export function chartFileName(prefix: string, ...parts: string[]): string {
  const wanted = parts.filter((p) => p !== '').join('-');
  let safe = wanted.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^[.-]+|-+$/g, '').slice(0, 80);
  if (safe !== wanted || safe === '') safe = `${safe}${safe ? '-' : ''}${createHash('sha1').update(wanted).digest('hex').slice(0, 8)}`;
  return `${prefix}-${safe}.png`;
}

/** The path of `file` in `directory`, or an error when the name could leave it. */
export function pathInside(directory: string, file: string): string {
  const dir = resolve(directory);
  const path = resolve(dir, file);
  if (!SAFE.test(file) || dirname(path) !== dir || basename(path) !== file) throw new Error(`refusing to write "${file}": not a plain file name inside ${dir}`);
  return path;
}
