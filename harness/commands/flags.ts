/**
 * Checks on the command line as a whole, run before any command (a yargs middleware): a flag that
 * takes one value given twice, and an empty value where a path, name or number is needed, are one
 * line and exit 2, not an internal error later (or a silent default: `--name` with nothing after
 * it used to overwrite the baseline "main").
 *
 * Every numeric flag's bounds live in FLAG_LIMITS, so that --help, the checks and README agree.
 */
import { UsageError } from '../errors.js';

/** Bounds of every integer flag. */
export const FLAG_LIMITS = {
  '--rounds': { min: 1, max: 1000 },
  '--min-rounds': { min: 1, max: 1000 },
  '--step': { min: 1, max: 100 },
  '--trials': { min: 1, max: 10_000 },
  '--confirm': { min: 0, max: 5 },
  '--budget': { min: 1, max: 1_000_000 },
  '--first-look': { min: 1, max: 1000 },
  '--window': { min: 1, max: 1000 },
  '--last': { min: 1, max: 1_000_000 },
  '--keep': { min: 1, max: 1_000_000 },
} as const;
export type IntegerFlag = keyof typeof FLAG_LIMITS;

/** Most configurations `tune` races (the product of its knobs' values). */
export const MAX_CANDIDATES = 1000;
/** Most injected slowdowns `calibrate --effects` measures. */
export const MAX_EFFECTS = 20;

/** An integer flag within its bounds (FLAG_LIMITS), or a UsageError naming the flag and the bounds. */
export function integerFlag(value: unknown, flag: IntegerFlag): number {
  const { min, max } = FLAG_LIMITS[flag];
  const n = Number(value);
  if (!Number.isInteger(n) || n < min || n > max) throw new UsageError(`${flag} must be an integer from ${min} to ${max}, got ${String(value)}`);
  return n;
}

/** Positional arguments (named without dashes in messages). */
const POSITIONALS = new Set(['file', 'scenario', 'scenarios', 'action', 'reports', 'dirs']);

interface DeclaredOptions {
  array: string[];
  string: string[];
  number: string[];
  boolean: string[];
}

/**
 * Throws a UsageError for a single-valued flag given more than once, or an empty value. `raw` is
 * the command line as typed: yargs fills in a flag's default when the flag ends the line with no
 * value, so that case is only visible there.
 */
export function checkFlagValues(argv: Record<string, unknown>, declared: DeclaredOptions, raw: readonly string[]): void {
  const takesValue = new Set([...declared.string, ...declared.number].filter((k) => !declared.boolean.includes(k)));
  for (let i = 0; i < raw.length; i++) {
    const token = raw[i];
    if (token === '--') break;
    if (!token.startsWith('--') || token.includes('=')) continue;
    const key = token.slice(2);
    const next = raw[i + 1];
    if (takesValue.has(key) && (next === undefined || next.startsWith('--'))) throw new UsageError(`--${key} needs a value`);
  }
  const arrays = new Set(declared.array);
  const name = (key: string) => (POSITIONALS.has(key) ? `the ${key} argument` : `--${key}`);
  for (const key of new Set([...declared.string, ...declared.number, ...declared.boolean, ...declared.array])) {
    const value = argv[key];
    if (value === undefined) continue;
    if (Array.isArray(value)) {
      if (!arrays.has(key)) throw new UsageError(`${name(key)} is given ${value.length} times (${value.map((v) => JSON.stringify(v)).join(', ')}); give it once`);
      if (declared.string.includes(key) && value.some((v) => typeof v === 'string' && v.trim() === '')) throw new UsageError(`${name(key)} has an empty value`);
    } else if (declared.string.includes(key) && typeof value === 'string' && value.trim() === '') {
      throw new UsageError(`${name(key)} needs a value (it is empty)`);
    }
  }
}
