/** Command-line options shared by the commands that compare (compare, calibrate, gate, tune). */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { DEFAULT_SETTINGS, type ContestSettings } from '../compare/contest.js';
import { isSlowdown } from '../measure/slowdown.js';
import { checkSeed } from './common.js';
import { integerFlag } from './flags.js';

/** A fraction from "0.05" or "5%". */
export function parseFraction(value: unknown, flag: string, max = 1): number {
  const text = String(value).trim();
  const n = text.endsWith('%') ? Number(text.slice(0, -1)) / 100 : Number(text);
  if (text === '' || !Number.isFinite(n) || n < 0 || n > max) throw new UsageError(`${flag} must be a fraction from 0 to ${max} (e.g. 0.05 or 5%), got "${text}"`);
  return n;
}

export function parseSlowdown(value: unknown, flag = '--inject-slowdown'): number {
  const n = parseFraction(value, flag, 10);
  if (!isSlowdown(n)) throw new UsageError(`${flag} must be from 0 to 10, got ${String(value)}`);
  return n;
}

/** --seed: an unsigned 32-bit integer, else a random one (printed by the commands, so a run can be repeated). */
export function seedFrom(seed: number | undefined): number {
  checkSeed(seed);
  return seed ?? Math.floor(Math.random() * 0xffffffff);
}

export function checkAlpha(alpha: number): number {
  if (!(alpha > 0 && alpha < 0.5)) throw new UsageError(`--alpha must be between 0 and 0.5, got ${alpha}`);
  return alpha;
}

export function withContestOptions<T>(y: Argv<T>, defaults: { maxRounds: number; minRounds: number; threshold?: number; alpha?: number; alphaMeaning?: string }) {
  return y
    .option('rounds', { type: 'number', default: defaults.maxRounds, describe: 'most paired rounds per scenario (each a fresh process measuring both sides in turns)' })
    .option('min-rounds', { type: 'number', default: defaults.minRounds, describe: 'rounds before the first look at the results' })
    .option('step', { type: 'number', default: DEFAULT_SETTINGS.step, describe: 'rounds between looks (it stops at a look once the verdict is settled)' })
    .option('threshold', { type: 'string', default: String(defaults.threshold ?? DEFAULT_SETTINGS.threshold), describe: 'noise threshold: a change inside ±threshold is never called (0.02 or 2%)' })
    .option('alpha', { type: 'number', default: defaults.alpha ?? DEFAULT_SETTINGS.alpha, describe: defaults.alphaMeaning ?? 'false-alarm level of each metric over a whole sequential run (0.001 at every look before the last)' })
    .option('seed', { type: 'number', describe: 'seed for turn orders and resampling (default: random, printed)' })
    .option('quick', { type: 'boolean', default: false, describe: 'scaled-down scenarios (the sizes of run --quick)' });
}

export function contestSettingsFrom(argv: { rounds: number; minRounds: number; step: number; threshold: string; alpha: number; seed?: number; quick: boolean }): ContestSettings {
  const maxRounds = integerFlag(argv.rounds, '--rounds');
  const minRounds = integerFlag(argv.minRounds, '--min-rounds');
  const step = integerFlag(argv.step, '--step');
  if (minRounds > maxRounds) throw new UsageError(`--min-rounds (${minRounds}) must not exceed --rounds (${maxRounds})`);
  const alpha = checkAlpha(argv.alpha);
  const threshold = parseFraction(argv.threshold, '--threshold', 0.5);
  return { alpha, threshold, minRounds, maxRounds, step, quick: argv.quick, seed: seedFrom(argv.seed) };
}
