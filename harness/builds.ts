/**
 * Other builds as sources of implementations: `gate --against DIR` measures DIR's implementations
 * beside this build's, in the same processes. A build is a checkout of tunebench with its
 * dependencies installed and `npm run build` done (its adapters are imported from
 * DIR/dist/harness/adapters/registry.js), or a user's checkout holding implementation modules.
 */
import { cpSync, existsSync, mkdtempSync, readFileSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { UsageError } from './errors.js';
import * as localRegistry from './adapters/registry.js';
import { CONFIG_FILES, aliasModuleRoot, factoriesIn, moduleRootOf, moduleSettings } from './adapters/modules.js';
import type { ImplementationFactory, KnobValues } from './adapters/types.js';
import type { ImplSpec } from './adapters/registry.js';

/** What this build needs from another build's registry module. */
export interface BuildRegistry {
  findFactory(name: string): ImplementationFactory;
  resolveKnobs(spec: ImplSpec): KnobValues;
  formatImplSpec(spec: ImplSpec): string;
}

const REGISTRY = 'dist/harness/adapters/registry.js';

/** Whether `root` is a checkout of tunebench (its package.json names it). */
function isTunebenchCheckout(root: string): boolean {
  try {
    return JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')).name === 'tunebench';
  } catch {
    return false;
  }
}

/** Where the registry module of the tunebench build at `root` is, or a UsageError saying what is missing. */
export function buildRegistryPath(root: string): string {
  const path = join(root, REGISTRY);
  if (!existsSync(path)) throw new UsageError(`${root} is not built (no ${REGISTRY}): run "npm ci && npm run build" there`);
  return path;
}

async function importRegistry(path: string): Promise<BuildRegistry> {
  const module: Partial<BuildRegistry> = await import(pathToFileURL(path).href);
  for (const name of ['findFactory', 'resolveKnobs', 'formatImplSpec'] as const) {
    if (typeof module[name] !== 'function') throw new UsageError(`${path} does not export ${name}(): that build is too old or too new to be measured by this one`);
  }
  return module as BuildRegistry;
}

/** This build's built-in implementations only (a user's base checkout gets those, and its own modules). */
const builtinsOfThisBuild: BuildRegistry = {
  findFactory(name) {
    const factory = localRegistry.builtinFactory(name);
    if (!factory) throw new UsageError(`unknown implementation "${name}"`);
    return factory;
  },
  resolveKnobs: (spec) => localRegistry.resolveKnobs(spec, builtinsOfThisBuild.findFactory(spec.name)),
  formatImplSpec: localRegistry.formatImplSpec,
};

const loaded = new Map<string, Promise<BuildRegistry>>();

/**
 * The implementations of the build at `dir` (once per process). `dir` is either another built
 * checkout of tunebench (its registry, plus its implementation modules) or any folder with
 * implementation modules, a user's base checkout (this build's built-ins, plus its modules):
 * modules are found there by the rules of modules.ts, the --impl-module paths resolved in `dir`.
 */
export function loadBuildRegistry(dir: string): Promise<BuildRegistry> {
  const root = resolve(dir);
  let registry = loaded.get(root);
  if (!registry) {
    registry = (async () => {
      if (!existsSync(root)) throw new UsageError(`build directory ${root} does not exist`);
      const checkout = isTunebenchCheckout(root);
      const base = checkout ? await importRegistry(buildRegistryPath(root)) : builtinsOfThisBuild;
      const taken = (name: string) => {
        try {
          base.findFactory(name);
          return `the built-in implementation ${name} of ${root}`;
        } catch {
          return undefined;
        }
      };
      const modules = await factoriesIn(moduleRootOf(root), taken);
      if (!checkout && modules.size === 0) {
        throw new UsageError(`${root} is neither a tunebench checkout nor a folder with implementation modules (${CONFIG_FILES.join(' or ')}, or the --impl-module paths resolved there)`);
      }
      return {
        findFactory: (name) => modules.get(name) ?? base.findFactory(name),
        resolveKnobs: (spec) => {
          const own = modules.get(spec.name);
          return own ? localRegistry.resolveKnobs(spec, own) : base.resolveKnobs(spec);
        },
        formatImplSpec: base.formatImplSpec,
      };
    })();
    loaded.set(root, registry);
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
  // The user's modules are not copied (their imports resolve from where they are): the copy uses
  // the same files, so only this build's own code is compiled twice.
  aliasModuleRoot(dir, moduleSettings().cwd);
  return { dir, remove: () => rmSync(dir, { recursive: true, force: true }) };
}
