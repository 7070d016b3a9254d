/**
 * The implementations under test, and the spec strings that name them: `IMPL[:knob=value,...]`,
 * e.g. `optimized:bulkThreshold=64,maxConcurrentReaders=2`. Bad specs, unknown knobs and bad values
 * are UsageErrors naming what is wrong and what would be right.
 */
import { UsageError } from '../errors.js';
import { lmdbFactory } from './lmdb.js';
import { optimizedFactory } from './optimized.js';
import { mapFactory, sortedBtreeFactory } from './peers.js';
import { primaryFactory } from './primary.js';
import type { ImplementationFactory, KnobSpec, KnobValue, KnobValues } from './types.js';

const factories = new Map<string, ImplementationFactory>();

export function registerFactory(factory: ImplementationFactory): void {
  factories.set(factory.name, factory);
}

for (const factory of [optimizedFactory, primaryFactory, sortedBtreeFactory, mapFactory, lmdbFactory]) registerFactory(factory);

export function allFactories(): ImplementationFactory[] {
  return [...factories.values()];
}

export function findFactory(name: string): ImplementationFactory {
  const factory = factories.get(name);
  if (!factory) throw new UsageError(`unknown implementation "${name}" (known: ${[...factories.keys()].join(', ')})`);
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
export function resolveKnobs(spec: ImplSpec): KnobValues {
  const factory = findFactory(spec.name);
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
