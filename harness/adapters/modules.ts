/**
 * Implementations from the user's own modules: `--impl-module FILE` (repeatable) and a
 * `tunebench.config.mjs` or `tunebench.config.json` in the current folder, whose `modules` lists
 * module paths relative to it. A module's default export is a factory (harness/public.ts) or an
 * array of them.
 *
 * Everything about a module is checked when it is loaded, before any job runs, and a problem is
 * one UsageError naming the module: it does not load, has no default export, its factory's shape
 * or knobs are wrong, its name is taken, or the implementation it opens misses a method (each
 * factory is opened once, with its defaults, in a scratch directory, and closed again).
 *
 * The settings (folder, flags) travel with every job to its child process, which loads the same
 * files again; and a build measured beside this one (`--against DIR`) gets its modules by the same
 * rules, resolved in DIR, so that a pull request is measured against its base's adapter.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { extname, join, relative, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { UsageError } from '../errors.js';
import type { Durability, Implementation, ImplementationFactory } from './types.js';

/** Where modules come from: the flags as typed, resolved in `cwd` (or in a build's folder). */
export interface ModuleSettings {
  cwd: string;
  flags: string[];
  /** Builds whose modules are looked up in another folder: a temporary copy of this build -> cwd. */
  roots: Record<string, string>;
  /** Open each factory once to check it (the CLI does; a job's child process trusts that check). */
  probe: boolean;
}

export const CONFIG_FILES = ['tunebench.config.mjs', 'tunebench.config.json'] as const;

let current: ModuleSettings = { cwd: process.cwd(), flags: [], roots: {}, probe: false };

export function moduleSettings(): ModuleSettings {
  return current;
}

/** Modules of the build at `dir` are those of `root` (a copy of this build measured beside it). */
export function aliasModuleRoot(dir: string, root: string): void {
  current = { ...current, roots: { ...current.roots, [resolve(dir)]: resolve(root) } };
}

const NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;
const KNOB_NAME = /^[A-Za-z][A-Za-z0-9_]*$/;
const DURABILITIES: readonly Durability[] = ['none', 'group', 'sync'];
const METHODS = ['load', 'get', 'put', 'delete', 'scan', 'bulkInsert', 'bulkDelete', 'bulkGet', 'memoryBytes', 'close'] as const;

const isFunction = (v: unknown) => typeof v === 'function';

const knobSchema = z
  .strictObject({
    type: z.enum(['integer', 'number', 'boolean'], { error: 'type must be "integer", "number" or "boolean"' }),
    min: z.number().finite().optional(),
    max: z.number().finite().optional(),
    default: z.union([z.number().finite(), z.boolean()], { error: 'default must be a number or a boolean' }),
    description: z.string({ error: 'description must be a string' }),
  })
  .superRefine((knob, ctx) => {
    const problem = (message: string) => ctx.addIssue({ code: 'custom', message });
    if (knob.type === 'boolean') {
      if (typeof knob.default !== 'boolean') problem('a boolean knob needs a true or false default');
      if (knob.min !== undefined || knob.max !== undefined) problem('a boolean knob has no min or max');
      return;
    }
    if (typeof knob.default !== 'number') return problem(`a ${knob.type} knob needs a numeric default`);
    if (knob.type === 'integer' && !Number.isInteger(knob.default)) problem(`default ${knob.default} is not an integer`);
    if (knob.min !== undefined && knob.max !== undefined && knob.min > knob.max) problem(`min ${knob.min} is above max ${knob.max}`);
    if ((knob.min !== undefined && knob.default < knob.min) || (knob.max !== undefined && knob.default > knob.max)) problem(`default ${knob.default} is outside ${knob.min ?? '-inf'}..${knob.max ?? 'inf'}`);
  });

const factorySchema = z.object({
  name: z.string({ error: 'name must be a string' }).regex(NAME, { error: 'name must be letters, digits, ".", "_" or "-" (it goes into specs such as NAME:knob=1)' }),
  description: z.string({ error: 'description must be a string' }),
  knobs: z.record(z.string().regex(KNOB_NAME, { error: 'a knob name must be a letter then letters, digits or "_"' }), knobSchema, { error: 'knobs must be an object of knob specs' }),
  durability: z
    .array(z.enum(DURABILITIES, { error: 'durability modes are "none", "group" and "sync"' }), { error: 'durability must be an array of modes' })
    .min(1, { error: 'durability must list at least one mode' }),
  memoryPerEntry: z.strictObject({ bytes: z.number().nonnegative(), perPathByte: z.number().nonnegative(), jsHeap: z.boolean() }).optional(),
  open: z.custom<ImplementationFactory['open']>(isFunction, { error: 'open must be a function (knobs, context) => Implementation' }),
});

const configSchema = z.strictObject({ modules: z.array(z.string().min(1), { error: 'modules must be an array of module paths' }) });

/** The first problem zod found, as "where: what". */
function firstProblem(error: z.ZodError): string {
  const issue = error.issues[0];
  return issue.path.length > 0 ? `${issue.path.join('.')}: ${issue.message}` : issue.message;
}

/** How a path is named in messages: relative to the current folder when inside it. */
function shown(path: string): string {
  const rel = relative(current.cwd, path);
  return rel && !rel.startsWith('..') ? rel : path;
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message.split('\n')[0] : String(error);
}

async function importDefault(path: string, what: string): Promise<unknown> {
  let module: Record<string, unknown>;
  try {
    module = await import(pathToFileURL(path).href);
  } catch (error) {
    throw new UsageError(`${what} ${shown(path)} does not load: ${messageOf(error)}`);
  }
  if (!('default' in module) || module.default === undefined) throw new UsageError(`${what} ${shown(path)} has no default export`);
  return module.default;
}

/** The module paths a config file in `root` lists (absolute), or none. */
async function configModules(root: string): Promise<string[]> {
  const found = CONFIG_FILES.map((f) => join(root, f)).filter((f) => existsSync(f));
  if (found.length === 0) return [];
  if (found.length > 1) throw new UsageError(`${root} has both ${CONFIG_FILES.join(' and ')}: keep one`);
  const file = found[0];
  let raw: unknown;
  if (extname(file) === '.json') {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (error) {
      throw new UsageError(`${shown(file)} is not valid JSON: ${messageOf(error)}`);
    }
  } else {
    raw = await importDefault(file, 'config');
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) throw new UsageError(`${shown(file)}: ${firstProblem(parsed.error)} (expected { "modules": ["./my-adapter.mjs"] })`);
  return parsed.data.modules.map((m) => resolve(root, m));
}

/** The module files of the folder `root`: its config's, then the flags resolved in it; each once. */
export async function modulePathsIn(root: string, settings: ModuleSettings = current): Promise<string[]> {
  const paths = [...(await configModules(root)), ...settings.flags.map((f) => resolve(root, f))];
  for (const path of paths) {
    if (!existsSync(path)) throw new UsageError(`implementation module ${shown(path)} does not exist${root === settings.cwd ? '' : ` (looked for in ${root})`}`);
    if (!statSync(path).isFile()) throw new UsageError(`implementation module ${shown(path)} is not a file`);
    if (!['.js', '.mjs', '.cjs'].includes(extname(path))) throw new UsageError(`implementation module ${shown(path)} is not JavaScript (.js or .mjs; compile TypeScript first)`);
  }
  return [...new Set(paths)];
}

const imported = new Map<string, Promise<ImplementationFactory[]>>();
const moduleOfFactory = new WeakMap<ImplementationFactory, string>();

/** The module file a factory was loaded from (undefined for a built-in). */
export function moduleOf(factory: ImplementationFactory): string | undefined {
  return moduleOfFactory.get(factory);
}

/** The factories a module exports by default, checked (once per process per file). */
export function importFactories(path: string): Promise<ImplementationFactory[]> {
  let factories = imported.get(path);
  if (!factories) {
    factories = (async () => {
      const exported = await importDefault(path, 'implementation module');
      const list = Array.isArray(exported) ? exported : [exported];
      if (list.length === 0) throw new UsageError(`implementation module ${shown(path)} exports an empty array`);
      return list.map((candidate, i) => {
        const parsed = factorySchema.safeParse(candidate);
        const which = list.length > 1 ? ` (factory ${i + 1})` : '';
        if (!parsed.success) throw new UsageError(`implementation module ${shown(path)}${which}: ${firstProblem(parsed.error)}`);
        moduleOfFactory.set(candidate as ImplementationFactory, path);
        return candidate as ImplementationFactory;
      });
    })();
    imported.set(path, factories);
  }
  return factories;
}

const PROBE_TIMEOUT_MS = 60_000;

/** Opens `factory` with its defaults in a scratch directory, checks the implementation's shape and closes it. */
async function probe(factory: ImplementationFactory, path: string): Promise<void> {
  const where = `implementation module ${shown(path)}: ${factory.name}`;
  const directory = mkdtempSync(join(tmpdir(), 'tunebench-probe-'));
  const knobs = Object.fromEntries(Object.entries(factory.knobs).map(([k, spec]) => [k, spec.default]));
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new UsageError(`${where}: open() did not finish within ${PROBE_TIMEOUT_MS / 1000} s`)), PROBE_TIMEOUT_MS);
    timer.unref();
  });
  try {
    let impl: Implementation;
    try {
      impl = await Promise.race([factory.open(knobs, { spec: factory.name, durability: factory.durability[0], directory }), timeout]);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`${where}: open() with the default knobs failed: ${messageOf(error)}`);
    }
    if (impl === null || typeof impl !== 'object') throw new UsageError(`${where}: open() returned ${impl === null ? 'null' : typeof impl}, not an implementation object`);
    const missing = METHODS.filter((m) => typeof (impl as unknown as Record<string, unknown>)[m] !== 'function');
    if (missing.length > 0) throw new UsageError(`${where}: the implementation it opens has no ${missing.join(', ')} method${missing.length > 1 ? 's' : ''}`);
    if (typeof impl.isAsync !== 'boolean') throw new UsageError(`${where}: the implementation it opens must say isAsync: true or false`);
    if (typeof impl.spec !== 'string') throw new UsageError(`${where}: the implementation it opens has no spec string (use context.spec)`);
    if (impl.config === null || typeof impl.config !== 'object') throw new UsageError(`${where}: the implementation it opens has no config object (the knobs in effect)`);
    try {
      await Promise.race([impl.close(), timeout]);
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(`${where}: close() failed: ${messageOf(error)}`);
    }
  } finally {
    clearTimeout(timer);
    rmSync(directory, { recursive: true, force: true });
  }
}

/**
 * The factories of the folder `root`'s modules, by name; `taken(name)` says where a name is already
 * used (a built-in), which is refused, as is a name two modules share. With `settings.probe`, each
 * is opened once (see probe).
 */
export async function factoriesIn(root: string, taken: (name: string) => string | undefined, settings: ModuleSettings = current): Promise<Map<string, ImplementationFactory>> {
  const byName = new Map<string, { factory: ImplementationFactory; path: string }>();
  for (const path of await modulePathsIn(root, settings)) {
    for (const factory of await importFactories(path)) {
      const clash = taken(factory.name) ?? (byName.has(factory.name) ? `module ${shown(byName.get(factory.name)!.path)}` : undefined);
      if (clash) throw new UsageError(`implementation module ${shown(path)}: the name "${factory.name}" is already taken by ${clash}; rename it`);
      byName.set(factory.name, { factory, path });
    }
  }
  if (settings.probe) for (const { factory, path } of byName.values()) await probe(factory, path);
  return new Map([...byName].map(([name, { factory }]) => [name, factory]));
}

/** The folder whose modules the build at `dir` uses. */
export function moduleRootOf(dir: string, settings: ModuleSettings = current): string {
  return settings.roots[resolve(dir)] ?? resolve(dir);
}

/**
 * Makes `settings` this process's and returns the factories of the current folder's modules (the
 * registry then holds them; a child process gets the same settings with its job).
 */
export async function useModules(settings: ModuleSettings, taken: (name: string) => string | undefined): Promise<ImplementationFactory[]> {
  current = { ...settings, cwd: resolve(settings.cwd), flags: [...settings.flags], roots: { ...settings.roots } };
  return [...(await factoriesIn(current.cwd, taken)).values()];
}
