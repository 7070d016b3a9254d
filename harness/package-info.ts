/** Name and version of this package, found by walking up from this file (works from dist/ and from source). */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface PackageInfo {
  name: string;
  version: string;
  /** The folder holding package.json. */
  root: string;
}

function find(): PackageInfo {
  let dir = dirname(fileURLToPath(import.meta.url));
  for (;;) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'tunebench') return { name: pkg.name, version: pkg.version ?? '0.0.0', root: dir };
    }
    const parent = dirname(dir);
    if (parent === dir) throw new Error('tunebench: cannot find its own package.json');
    dir = parent;
  }
}

export const packageInfo: PackageInfo = find();
