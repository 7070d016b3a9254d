/**
 * Synthetic rounds: a stand-in for the child processes that lets the project's own decision code
 * (runContest, gateAgainst, race) run on data whose truth is known. `syntheticExecute` has the
 * signature of the runner's `execute` hook, and returns for every arm of a job one RoundResult
 * holding each simulated metric: throughput, p50 and p99 in the workload fields, every other
 * metric ("nsPerOp@1000") as a series point, as real rounds hold them.
 */
import { formatImplSpec } from '../adapters/registry.js';
import type { Better } from '../compare/statistics.js';
import type { Job, RoundResult } from '../runner/types.js';
import { findBuiltin } from '../../scenarios/builtin.js';
import { Rng } from '../../scenarios/random.js';
import type { Scenario } from '../../scenarios/schema.js';
import { scaleForQuick } from '../runner/plan.js';
import { GATE_IMPLS, GATE_SUITE } from '../gate/gate.js';
import { MACHINE_NOISE, type NoiseModel, QUIET, normal, withinNoise } from './noise.js';

export interface SimMetric {
  /** As the contest names it: throughput, p50, p99, or "nsPerOp@1000". */
  name: string;
  better: Better;
  unit: string;
  /** The value without noise. */
  base: number;
  noise: NoiseModel;
}

/** Every metric of each implementation, by scenario. */
export interface SimSuite {
  scenarios: Scenario[];
  /** implementation spec -> metrics, per scenario name. */
  metrics: Record<string, Record<string, SimMetric[]>>;
}

/** What is slowed: the log effect (ln(1 + e), worse) of a metric on an arm, or 0. */
export type EffectOf = (arm: { label: string; impl: string }, scenario: string, metric: string) => number;

function hash(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h >>> 0;
}

/**
 * The execute hook for a simulated suite. Values depend only on (seed, scenario, round, arm, metric),
 * so a re-run with another seed (a confirmation) gets fresh, independent rounds.
 */
export function syntheticExecute(suite: SimSuite, effectOf: EffectOf, seed: number): (job: Job) => Promise<RoundResult[]> {
  return async (job: Job) => {
    const scenario = job.scenario.name;
    const round = job.round;
    const roundSeed = hash(`${seed}:${scenario}:${job.orderSeed ?? round}:${round}`);
    return job.arms.map((arm) => {
      const impl = formatImplSpec(arm.impl);
      const metrics = suite.metrics[scenario]?.[impl] ?? [];
      const workload: Record<string, number> = {};
      const series: RoundResult['series'] = [];
      for (const m of metrics) {
        // The process effect is the round's (shared by every arm); the rest is the arm's own.
        const shared = new Rng(hash(`${roundSeed}:${m.name}`));
        const level = m.noise.processSd * normal(shared) + m.noise.driftPerRound * round;
        const own = new Rng(hash(`${roundSeed}:${m.name}:${arm.label}`));
        const worse = withinNoise(m.noise, own) + effectOf({ label: arm.label, impl }, scenario, m.name);
        const sign = m.better === 'higher' ? -1 : 1;
        const value = m.base * Math.exp(level + sign * worse);
        if (m.name === 'throughput' || m.name === 'p50' || m.name === 'p99') workload[m.name] = value;
        else {
          const at = m.name.lastIndexOf('@');
          series.push({ metric: m.name.slice(0, at), n: Number(m.name.slice(at + 1)), unit: m.unit, better: m.better, value });
        }
      }
      const hasWorkload = 'throughput' in workload;
      return {
        arm: arm.label,
        scenario,
        kind: job.scenario.kind,
        implementation: impl,
        config: {},
        round,
        workload: hasWorkload
          ? ({ opsPerSec: workload.throughput, chunkOpsPerSec: [workload.throughput], latencyNs: { p50: workload.p50, p99: workload.p99 } } as unknown as RoundResult['workload'])
          : null,
        series,
        memoryBytes: null,
        records: 0,
        timerOverheadNs: 0,
        warnings: [],
      };
    });
  };
}


/** Draws a noise model around MACHINE_NOISE: process 10-25%, within-round 2-8%, per metric. */
export function machineLikeNoise(rng: Rng, tails: NoiseModel['tails'] = 'normal'): NoiseModel {
  return { ...MACHINE_NOISE, processSd: 0.1 + 0.15 * rng.float(), withinSd: 0.02 + 0.06 * rng.float(), tails };
}

/**
 * The gate's default suite (--quick) as a simulated one: the same 72 metrics a real `gate --quick`
 * compares, each with machine-like noise drawn from `seed` (bytes per entry does not vary).
 */
export function gateSuite(seed: number, noiseOf: (rng: Rng, metric: string) => NoiseModel = (rng) => machineLikeNoise(rng)): SimSuite {
  const rng = new Rng(seed);
  const scenarios = GATE_SUITE.map((name) => scaleForQuick(findBuiltin(name)!));
  const metrics: SimSuite['metrics'] = {};
  for (const scenario of scenarios) {
    metrics[scenario.name] = {};
    for (const impl of GATE_IMPLS) {
      const list: SimMetric[] = [];
      const add = (name: string, better: Better, unit: string, base: number) => list.push({ name, better, unit, base, noise: unit === 'bytes' ? QUIET : noiseOf(rng, name) });
      if (scenario.kind === 'workload') {
        add('throughput', 'higher', 'ops/s', 1e6);
        add('p50', 'lower', 'ns', 1000);
        add('p99', 'lower', 'ns', 5000);
      } else if (scenario.kind === 'bulk-vs-individual') {
        for (const n of [1000, 20000]) for (const op of ['insert', 'get', 'delete']) for (const how of ['individual', 'bulk']) add(`${op}.${how}@${n}`, 'lower', 'ns', 300);
      } else {
        for (const n of [1000, 10000, 100000]) {
          add(`nsPerOp@${n}`, 'lower', 'ns', 300 + 40 * Math.log2(n));
          add(`latency.p50@${n}`, 'lower', 'ns', 300 + 40 * Math.log2(n));
          add(`latency.p99@${n}`, 'lower', 'ns', 900 + 40 * Math.log2(n));
          add(`bytesPerEntry@${n}`, 'lower', 'bytes', 90);
        }
      }
      metrics[scenario.name][impl] = list;
    }
  }
  return { scenarios, metrics };
}
