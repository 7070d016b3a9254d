/**
 * Other builds of tunebench as sources of implementations: `gate --against DIR` measures DIR's
 * implementations beside this build's, in the same processes. A build is a checkout with its
 * dependencies installed and `npm run build` done: its adapters are imported from
 * DIR/dist/harness/adapters/registry.js.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from './errors.js';
import type { ImplementationFactory, KnobValues } from './adapters/types.js';
import type { ImplSpec } from './adapters/registry.js';

/** What this build needs from another build's registry module. */
export interface BuildRegistry {
  findFactory(name: string): ImplementationFactory;
  resolveKnobs(spec: ImplSpec): KnobValues;
  formatImplSpec(spec: ImplSpec): string;
}

const REGISTRY = 'dist/harness/adapters/registry.js';

/** Where the registry module of the build at `dir` is, or a UsageError saying what is missing. */
export function buildRegistryPath(dir: string): string {
  const root = resolve(dir);
  if (!existsSync(root)) throw new UsageError(`build directory ${root} does not exist`);
  let name = '';
  try {
    name = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name;
  } catch {
    throw new UsageError(`${root} is not a tunebench checkout (no readable package.json)`);
  }
  if (name !== 'tunebench') throw new UsageError(`${root} is not a tunebench checkout (package.json names "${name}")`);
  const path = join(root, REGISTRY);
  if (!existsSync(path)) throw new UsageError(`${root} is not built (no ${REGISTRY}): run "npm ci && npm run build" there`);
  return path;
}

const loaded = new Map<string, Promise<BuildRegistry>>();

/** Imports the registry of the build at `dir` (once per process). */
export function loadBuildRegistry(dir: string): Promise<BuildRegistry> {
  const path = buildRegistryPath(dir);
  let registry = loaded.get(path);
  if (!registry) {
    registry = import(pathToFileURL(path).href).then((module: Partial<BuildRegistry>) => {
      for (const name of ['findFactory', 'resolveKnobs', 'formatImplSpec'] as const) {
        if (typeof module[name] !== 'function') throw new UsageError(`${path} does not export ${name}(): that build is too old or too new to be measured by this one`);
      }
      return module as BuildRegistry;
    });
    loaded.set(path, registry);
  }
  return registry;
}

/** The root of this build (the folder holding package.json and dist/ or the sources). */
export function thisBuildRoot(): string {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('cannot find the package root of this build');
    dir = parent;
  }
  return dir;
}

/**
 * A second, separate copy of this build (its dist/ in a temporary folder, sharing node_modules),
 * for A/A comparisons that are honest: one module loaded twice from one place would share its
 * compiled code, and the A/A noise would leave out what two builds' JIT decisions add. Returns
 * the folder and a function that removes it.
 */
export function copyOfThisBuild(): { dir: string; remove: () => void } {
  const root = thisBuildRoot();
  if (!existsSync(join(root, REGISTRY))) throw new UsageError(`this build has no ${REGISTRY}: run "npm run build" first`);
  const dir = mkdtempSync(join(tmpdir(), 'tunebench-copy-'));
  cpSync(join(root, 'dist'), join(dir, 'dist'), { recursive: true });
  cpSync(join(root, 'package.json'), join(dir, 'package.json'));
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'), 'dir');
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
