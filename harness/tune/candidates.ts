/** The configurations a tuning run races: the grid of knob values, checked against the implementation. */
import { UsageError } from '../errors.js';
import { MAX_CANDIDATES } from '../commands/flags.js';
import { findFactory, formatImplSpec, type ImplSpec, parseKnobValue } from '../adapters/registry.js';
import type { KnobValue } from '../adapters/types.js';

export type KnobGrid = Record<string, KnobValue[]>;

/** Parses repeated `--knob name=v1,v2,...` into a grid, each value checked by the implementation. */
export function parseKnobOptions(implName: string, options: readonly string[]): KnobGrid {
  const factory = findFactory(implName);
  const grid: KnobGrid = {};
  for (const option of options) {
    const eq = option.indexOf('=');
    if (eq <= 0) throw new UsageError(`--knob must be name=v1,v2,..., got "${option}"`);
    const name = option.slice(0, eq).trim();
    if (grid[name]) throw new UsageError(`--knob ${name} is given twice`);
    const raw = option.slice(eq + 1).split(',').map((v) => v.trim());
    if (raw.some((v) => v === '')) throw new UsageError(`--knob ${name}: empty value in "${option.slice(eq + 1)}"`);
    grid[name] = raw.map((v) => parseKnobValue(factory, name, v));
  }
  return grid;
}

/** Checks a scenario's `knobs` against the implementation (they come from a file too). */
export function checkGrid(implName: string, grid: KnobGrid, where: string): KnobGrid {
  const factory = findFactory(implName);
  const checked: KnobGrid = {};
  for (const [name, values] of Object.entries(grid)) {
    try {
      checked[name] = values.map((v) => parseKnobValue(factory, name, v));
    } catch (error) {
      throw new UsageError(`${where}: ${(error as Error).message}`);
    }
  }
  return checked;
}

export interface Candidate {
  /** Its spec string, which also labels it. */
  label: string;
  spec: ImplSpec;
  /** Whether it is the implementation's default configuration. */
  isDefault: boolean;
}

/**
 * Every combination of the grid's values, the default configuration included (added when the grid
 * leaves it out, so the gain over it is always measured side by side).
 */
export function candidatesOf(implName: string, grid: KnobGrid): Candidate[] {
  const factory = findFactory(implName);
  const names = Object.keys(grid).sort();
  // Counted before any is built: a grid of millions would allocate until killed.
  const count = names.reduce((product, name) => product * new Set(grid[name]).size, 1);
  if (count > MAX_CANDIDATES) {
    throw new UsageError(`the knobs give ${count.toLocaleString('en-US')} configurations (${names.map((n) => `${n}: ${new Set(grid[n]).size}`).join(' x ')}); at most ${MAX_CANDIDATES} can be raced, so give fewer values`);
  }
  const defaults = Object.fromEntries(names.map((n) => [n, factory.knobs[n].default]));
  let combos: Record<string, KnobValue>[] = [{}];
  for (const name of names) {
    const values = [...new Set(grid[name])];
    combos = combos.flatMap((c) => values.map((v) => ({ ...c, [name]: v })));
  }
  const isDefault = (knobs: Record<string, KnobValue>) => names.every((n) => knobs[n] === defaults[n]);
  if (!combos.some(isDefault)) combos.push(defaults);
  return combos.map((knobs) => {
    const spec = { name: implName, knobs };
    return { label: formatImplSpec(spec), spec, isDefault: isDefault(knobs) };
  });
}
