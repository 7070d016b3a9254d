/**
 * The noise model of the simulation: how one measured value of one metric comes about, in log
 * terms, for arm j of round i:
 *
 *   ln value = ln base + process_i + drift * i + within_ij + outlier_ij (+ effect, for B)
 *
 * - process_i ~ N(0, processSd): a fresh process is faster or slower as a whole (10-25% here
 *   between processes); shared by every arm of the round, so it cancels in paired ratios;
 * - drift: a slow trend over the rounds (thermal, other tenants), shared too;
 * - within_ij: each arm's own noise within the round (2-8% here), normal or Student t with 3
 *   degrees of freedom (heavy tails) scaled to the same standard deviation;
 * - outlier_ij: with probability outlierRate an arm's round is a stall: ln(1.5) worse. The
 *   machine-like 2.5% per arm makes about 5% of paired rounds (two arms) hold a stall.
 *
 * Every draw comes from a seeded generator, so a simulation is reproducible.
 */
import { Rng } from '../../scenarios/random.js';

export interface NoiseModel {
  processSd: number;
  withinSd: number;
  tails: 'normal' | 't3';
  outlierRate: number;
  /** Log size of a stall (ln 1.5: a third less throughput, half again the latency). */
  outlierLog: number;
  driftPerRound: number;
}

/** The noise found on this kind of machine (issue 13's audit): the middle of each range. */
export const MACHINE_NOISE: NoiseModel = { processSd: 0.17, withinSd: 0.05, tails: 'normal', outlierRate: 0.025, outlierLog: Math.log(1.5), driftPerRound: 0.003 };

/** No noise at all (a metric that does not vary, such as bytes per entry). */
export const QUIET: NoiseModel = { processSd: 0, withinSd: 0, tails: 'normal', outlierRate: 0, outlierLog: 0, driftPerRound: 0 };

/** A standard normal draw (Box-Muller). */
export function normal(rng: Rng): number {
  return Math.sqrt(-2 * Math.log(1 - rng.float())) * Math.cos(2 * Math.PI * rng.float());
}

/** A Student t draw with 3 degrees of freedom, scaled to unit standard deviation. */
export function studentT3(rng: Rng): number {
  const z = normal(rng);
  const chi = normal(rng) ** 2 + normal(rng) ** 2 + normal(rng) ** 2;
  // Var(t3) = 3: divide by sqrt(3) for unit variance.
  return z / Math.sqrt(chi / 3) / Math.sqrt(3);
}

/** One arm's within-round noise, outlier included, as a log offset ("worse" is positive). */
export function withinNoise(model: NoiseModel, rng: Rng): number {
  const base = model.withinSd === 0 ? 0 : model.withinSd * (model.tails === 't3' ? studentT3(rng) : normal(rng));
  const stall = model.outlierRate > 0 && rng.float() < model.outlierRate ? model.outlierLog : 0;
  return base + stall;
}
