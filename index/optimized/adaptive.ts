/**
 * The adaptive mode: while the index serves its workload, try a neighbouring value of one knob,
 * keep it only when it measurably wins, and roll it back if it later measures worse.
 *
 * Throughput is measured per epoch (a fixed number of completed operations). A trial alternates
 * epochs between the current value A and the candidate B (A B A B ..., so drift falls on both)
 * until each has EPOCHS_PER_ARM epochs; B is kept when its median beats A's by more than minGain
 * and a one-sided Mann-Whitney test says B's epochs are faster (p < ALPHA). After a kept change,
 * every so often the same comparison runs again between the kept value and the one it replaced,
 * and the change is rolled back if the kept value is now significantly slower. Every decision is
 * logged with the epoch throughputs behind it.
 */
import { mannWhitneyU, median } from '../metrics/stats.js';
import type { AdaptiveConfig, AdaptiveKnob } from './config.js';

/** Epochs per value in a comparison: 5 and 5 give an exact Mann-Whitney p as low as 0.004. */
export const EPOCHS_PER_ARM = 5;
export const ALPHA = 0.05;
/** Epochs between a kept change and its first re-check; each confirmation doubles the wait. */
export const VERIFY_EVERY = 10;
/**
 * Epochs to wait after a rejected candidate before the next trial; each further rejection in a
 * row doubles it, up to MAX_WAIT. A trial spends half its epochs on a value that is usually worse,
 * so a settled index that kept exploring at a fixed pace would pay for it all the time.
 */
const COOLDOWN = 2;
const MAX_WAIT = 160;

export interface AdaptiveDecision {
  at: string;
  epoch: number;
  knob: AdaptiveKnob;
  from: number;
  to: number;
  decision: 'kept' | 'rejected' | 'confirmed' | 'rolled-back';
  /** median(B) / median(A) - 1 for a trial; for a re-check, the kept value against the one it replaced. */
  gain: number;
  pValue: number;
  /** Epoch throughputs (operations per second) of each value. */
  samplesA: number[];
  samplesB: number[];
  reason: string;
}

export interface KnobAccess {
  get(knob: AdaptiveKnob): number;
  set(knob: AdaptiveKnob, value: number): void;
  /** Allowed values, lowest to highest. */
  bounds(knob: AdaptiveKnob): [number, number];
}

interface Comparison {
  kind: 'trial' | 'verify';
  knob: AdaptiveKnob;
  a: number;
  b: number;
  samplesA: number[];
  samplesB: number[];
  arm: 'a' | 'b';
}

export class AdaptiveController {
  readonly log: AdaptiveDecision[] = [];
  private epoch = 0;
  private epochOps = 0;
  private epochStarted = performance.now();
  private comparison: Comparison | null = null;
  private kept: { knob: AdaptiveKnob; previous: number; value: number; sinceEpoch: number; verifyAfter: number } | null = null;
  private cooldown = 0;
  private rejectedInARow = 0;
  private knobTurn = 0;
  private readonly direction = new Map<AdaptiveKnob, number>();

  constructor(
    private readonly config: AdaptiveConfig,
    private readonly knobs: KnobAccess,
  ) {}

  /** Epochs completed so far. */
  get epochs(): number {
    return this.epoch;
  }

  /** The comparison running now (the knob holds `from` or `to` by turns), or null between comparisons. */
  get trial(): { knob: AdaptiveKnob; from: number; to: number; kind: 'trial' | 'verify' } | null {
    const c = this.comparison;
    return c && { knob: c.knob, from: c.a, to: c.b, kind: c.kind };
  }

  /** Call when `n` operations completed. */
  onOperations(n: number): void {
    this.epochOps += n;
    if (this.epochOps >= this.config.epochOps) this.endEpoch();
  }

  private endEpoch(): void {
    const now = performance.now();
    const rate = (this.epochOps / Math.max(now - this.epochStarted, 1e-3)) * 1000;
    this.epoch++;
    this.epochOps = 0;
    const c = this.comparison;
    if (c) {
      (c.arm === 'a' ? c.samplesA : c.samplesB).push(rate);
      if (c.samplesA.length >= EPOCHS_PER_ARM && c.samplesB.length >= EPOCHS_PER_ARM) this.decide(c);
      else {
        c.arm = c.arm === 'a' ? 'b' : 'a';
        this.knobs.set(c.knob, c.arm === 'a' ? c.a : c.b);
      }
    } else if (this.cooldown > 0) {
      this.cooldown--;
    } else if (this.kept && this.epoch - this.kept.sinceEpoch >= this.kept.verifyAfter) {
      this.start('verify', this.kept.knob, this.kept.previous, this.kept.value);
    } else {
      this.startTrial();
    }
    this.epochStarted = performance.now();
  }

  private start(kind: Comparison['kind'], knob: AdaptiveKnob, a: number, b: number): void {
    this.comparison = { kind, knob, a, b, samplesA: [], samplesB: [], arm: 'a' };
    this.knobs.set(knob, a);
  }

  /** A neighbouring value of the next knob, alternating up and down; none when a knob is pinned. */
  private startTrial(): void {
    for (let tries = 0; tries < this.config.knobs.length; tries++) {
      const knob = this.config.knobs[this.knobTurn++ % this.config.knobs.length];
      const current = this.knobs.get(knob);
      const [lo, hi] = this.knobs.bounds(knob);
      const step = this.direction.get(knob) ?? 1;
      const neighbour = (up: boolean) => (knob === 'bulkThreshold' ? (up ? current * 2 : Math.floor(current / 2)) : up ? current + 1 : current - 1);
      let candidate = neighbour(step > 0);
      if (candidate < lo || candidate > hi) candidate = neighbour(step <= 0);
      if (candidate < lo || candidate > hi || candidate === current) continue;
      this.start('trial', knob, current, candidate);
      return;
    }
  }

  private decide(c: Comparison): void {
    this.comparison = null;
    const mA = median(c.samplesA);
    const mB = median(c.samplesB);
    const gain = mB / mA - 1;
    const test = mannWhitneyU(c.samplesB, c.samplesA);
    const base = { at: new Date().toISOString(), epoch: this.epoch, knob: c.knob, from: c.a, to: c.b, gain, samplesA: c.samplesA, samplesB: c.samplesB };
    if (c.kind === 'trial') {
      if (gain > this.config.minGain && test.pGreater < ALPHA) {
        this.knobs.set(c.knob, c.b);
        this.kept = { knob: c.knob, previous: c.a, value: c.b, sinceEpoch: this.epoch, verifyAfter: VERIFY_EVERY };
        this.rejectedInARow = 0;
        this.log.push({ ...base, decision: 'kept', pValue: test.pGreater, reason: `${c.b} beat ${c.a} by ${(gain * 100).toFixed(1)}% (p = ${test.pGreater.toFixed(4)})` });
      } else {
        this.knobs.set(c.knob, c.a);
        // Next time, try the other direction for this knob.
        this.direction.set(c.knob, -(this.direction.get(c.knob) ?? 1));
        this.cooldown = Math.min(COOLDOWN * 2 ** this.rejectedInARow++, MAX_WAIT);
        this.log.push({ ...base, decision: 'rejected', pValue: test.pGreater, reason: gain > this.config.minGain ? `gain ${(gain * 100).toFixed(1)}% not significant (p = ${test.pGreater.toFixed(4)})` : `gain ${(gain * 100).toFixed(1)}% not above ${(this.config.minGain * 100).toFixed(1)}%` });
      }
      return;
    }
    // Re-check of a kept change: A is the value it replaced, B the kept one.
    if (-gain > this.config.minGain && test.pLess < ALPHA) {
      this.knobs.set(c.knob, c.a);
      this.kept = null;
      this.rejectedInARow = 0;
      this.log.push({ ...base, decision: 'rolled-back', pValue: test.pLess, reason: `kept ${c.b} is now ${(-gain * 100).toFixed(1)}% slower than ${c.a} (p = ${test.pLess.toFixed(4)}): rolled back` });
    } else {
      this.knobs.set(c.knob, c.b);
      if (this.kept) {
        this.kept.sinceEpoch = this.epoch;
        this.kept.verifyAfter = Math.min(this.kept.verifyAfter * 2, MAX_WAIT);
      }
      this.log.push({ ...base, decision: 'confirmed', pValue: test.pLess, reason: `kept ${c.b} still holds against ${c.a} (${(gain * 100).toFixed(1)}%)` });
    }
  }
}
