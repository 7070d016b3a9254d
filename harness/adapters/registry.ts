/**
 * The implementations under test, and the spec strings that name them: `IMPL[:knob=value,...]`,
 * e.g. `optimized:bulkThreshold=64,maxConcurrentReaders=2`. Bad specs, unknown knobs and bad values
 * are UsageErrors naming what is wrong and what would be right.
 */
import { UsageError } from '../errors.js';
import { leveldbFactory, leveldbUnavailable } from './leveldb.js';
import { lmdbFactory } from './lmdb.js';
import { type ModuleSettings, useModules } from './modules.js';
import { optimizedFactory } from './optimized.js';
import { mapFactory, sortedBtreeFactory } from './peers.js';
import { primaryFactory } from './primary.js';
import { sqliteFactory, sqliteUnavailable } from './sqlite.js';
import type { ImplementationFactory, KnobSpec, KnobValue, KnobValues } from './types.js';

/** Built-in peers that need an optional dependency this machine lacks: name -> why. */
const unavailable = new Map<string, string>(
  ([[leveldbFactory.name, leveldbUnavailable], [sqliteFactory.name, sqliteUnavailable]] as const).filter((entry): entry is readonly [string, string] => entry[1] !== undefined),
);

/** The implementations compiled into this build (those that can run here). */
const builtins = new Map<string, ImplementationFactory>(
  [optimizedFactory, primaryFactory, sortedBtreeFactory, mapFactory, lmdbFactory, leveldbFactory, sqliteFactory].filter((f) => !unavailable.has(f.name)).map((f) => [f.name, f]),
);

/** The built-in implementations left out on this machine, and why (an optional dependency is missing). */
export function unavailableImplementations(): { name: string; reason: string }[] {
  return [...unavailable].map(([name, reason]) => ({ name, reason }));
}
/** Implementations loaded from the user's modules (--impl-module, tunebench.config), by name. */
const loaded = new Map<string, ImplementationFactory>();

/** Adds a factory loaded from a module (modules.ts checks it and its name first). */
export function registerFactory(factory: ImplementationFactory): void {
  loaded.set(factory.name, factory);
}

export function builtinFactory(name: string): ImplementationFactory | undefined {
  return builtins.get(name);
}

/**
 * Loads the implementations of the current folder's modules (modules.ts) into this registry; a
 * name of a built-in is refused.
 */
export async function loadModules(settings: ModuleSettings): Promise<void> {
  loaded.clear();
  const factories = await useModules(settings, (name) => (builtins.has(name) || unavailable.has(name) ? `the built-in implementation ${name}` : undefined));
  for (const factory of factories) registerFactory(factory);
}

/** Every implementation: the built-in ones, then those loaded from modules. */
export function allFactories(): ImplementationFactory[] {
  return [...builtins.values(), ...loaded.values()];
}

export function findFactory(name: string): ImplementationFactory {
  const factory = builtins.get(name) ?? loaded.get(name);
  if (!factory && unavailable.has(name)) throw new UsageError(`${name} cannot run on this machine: ${unavailable.get(name)}`);
  if (!factory) throw new UsageError(`unknown implementation "${name}" (known: ${allFactories().map((f) => f.name).join(', ')})`);
  return factory;
}

/** An implementation and the knobs the user set for it. */
export interface ImplSpec {
  name: string;
  knobs: KnobValues;
}

/** Parses a knob value for `factory`, from text or a JSON value; throws a UsageError naming the knob. */
export function parseKnobValue(factory: ImplementationFactory, name: string, raw: string | KnobValue): KnobValue {
  const spec: KnobSpec | undefined = factory.knobs[name];
  if (!spec) {
    const known = Object.keys(factory.knobs);
    throw new UsageError(`unknown knob "${name}" for ${factory.name} (${known.length ? `known: ${known.join(', ')}` : 'it has no knobs'})`);
  }
  const text = String(raw).trim();
  if (spec.type === 'boolean') {
    if (text === 'true' || text === 'false') return text === 'true';
    throw new UsageError(`${factory.name} knob ${name} must be true or false, got "${text}"`);
  }
  const value = Number(text);
  if (text === '' || !Number.isFinite(value)) throw new UsageError(`${factory.name} knob ${name} must be a number, got "${text}"`);
  if (spec.type === 'integer' && !Number.isInteger(value)) throw new UsageError(`${factory.name} knob ${name} must be an integer, got "${text}"`);
  if ((spec.min !== undefined && value < spec.min) || (spec.max !== undefined && value > spec.max)) {
    throw new UsageError(`${factory.name} knob ${name} must be from ${spec.min ?? '-inf'} to ${spec.max ?? 'inf'}, got ${value}`);
  }
  return value;
}

/** Parses "name" or "name:k=v,k=v". */
export function parseImplSpec(text: string): ImplSpec {
  const colon = text.indexOf(':');
  const name = (colon < 0 ? text : text.slice(0, colon)).trim();
  const factory = findFactory(name);
  const knobs: KnobValues = {};
  if (colon >= 0) {
    const body = text.slice(colon + 1);
    if (body.trim() === '') throw new UsageError(`implementation spec "${text}" has a ':' but no knob=value after it`);
    for (const part of body.split(',')) {
      const eq = part.indexOf('=');
      if (eq <= 0) throw new UsageError(`implementation spec "${text}": "${part}" is not knob=value`);
      const knob = part.slice(0, eq).trim();
      knobs[knob] = parseKnobValue(factory, knob, part.slice(eq + 1));
    }
  }
  return { name, knobs };
}

/** The spec string with knobs in name order (so equal configurations print alike). */
export function formatImplSpec(spec: ImplSpec): string {
  const parts = Object.keys(spec.knobs)
    .sort()
    .map((k) => `${k}=${spec.knobs[k]}`);
  return parts.length === 0 ? spec.name : `${spec.name}:${parts.join(',')}`;
}

/** Every knob of the implementation, defaults filled in for those not set. */
export function resolveKnobs(spec: ImplSpec, factory: ImplementationFactory = findFactory(spec.name)): KnobValues {
  const values: KnobValues = {};
  for (const [name, knob] of Object.entries(factory.knobs)) values[name] = spec.knobs[name] ?? knob.default;
  return values;
}

/**
 * Applies `--set knob=value` settings to every spec whose implementation has that knob. A setting
 * no selected implementation understands is an error.
 */
export function applySettings(specs: ImplSpec[], settings: string[]): ImplSpec[] {
  const result = specs.map((s) => ({ name: s.name, knobs: { ...s.knobs } }));
  for (const setting of settings) {
    const eq = setting.indexOf('=');
    if (eq <= 0) throw new UsageError(`--set "${setting}" is not knob=value`);
    const knob = setting.slice(0, eq).trim();
    const raw = setting.slice(eq + 1);
    let used = false;
    for (const spec of result) {
      const factory = findFactory(spec.name);
      if (factory.knobs[knob]) {
        spec.knobs[knob] = parseKnobValue(factory, knob, raw);
        used = true;
      }
    }
    if (!used) throw new UsageError(`--set ${knob}: no selected implementation has a knob "${knob}" (${result.map((s) => s.name).join(', ')})`);
  }
  return result;
}
