/**
 * The report format (`report.json`), versioned. The zod schema is the source of truth; the JSON
 * Schema shipped as reports/report.schema.json is generated from it (`npm run schema`) and a test
 * keeps the two equal.
 */
import { z } from 'zod';

export const REPORT_SCHEMA_VERSION = 1;

const latencyNs = z
  .object({
    p50: z.number(),
    p95: z.number(),
    p99: z.number(),
    p999: z.number(),
    mean: z.number(),
    min: z.number(),
    max: z.number(),
  })
  .describe('Latency in nanoseconds (median over rounds of each round\'s figure).');

const estimate = z.object({
  median: z.number(),
  ci: z.tuple([z.number(), z.number()]).describe('distribution-free 95% confidence interval of the median over rounds (order statistics; the range with fewer than 6 rounds)'),
  unit: z.string(),
});

export const EnvironmentSchema = z.object({
  cpuModel: z.string(),
  cores: z.number().int(),
  memoryBytes: z.number(),
  os: z.object({ platform: z.string(), release: z.string(), arch: z.string() }),
  node: z.string(),
  packageVersion: z.string(),
  gitCommit: z.string().nullable(),
  /** CPU model, cores, memory, OS and Node major: what makes two machines comparable. */
  fingerprint: z.string(),
});

export const SeriesSchema = z.object({
  metric: z.string(),
  n: z.number(),
  unit: z.string(),
  better: z.enum(['higher', 'lower']),
  median: z.number(),
  ci: z.tuple([z.number(), z.number()]),
  samples: z.array(z.number()).describe('one value per round'),
});

export const RoundSchema = z.object({
  round: z.number().int(),
  opsPerSec: z.number().nullable(),
  chunkOpsPerSec: z.array(z.number()).describe('throughput of each untimed chunk of the round: the raw samples'),
  latencyNs: latencyNs.extend({ count: z.number() }).nullable(),
  histogram: z.string().nullable().describe('HDR histogram of operation latencies (ns), compressed base64'),
  operations: z.number(),
  memoryBytes: z.number().nullable(),
  records: z.number(),
  timerOverheadNs: z.number(),
  durationMs: z.number().nullable(),
  series: z.array(z.object({ metric: z.string(), n: z.number(), value: z.number() })),
  warnings: z.array(z.string()),
});

export const SlaVerdictSchema = z.object({
  rule: z.string(),
  threshold: z.number(),
  measured: z.number(),
  pass: z.boolean(),
  compliance: z
    .number()
    .nullable()
    .describe('the measured share within the rule: of timed operations at or below p99Ms (all rounds pooled), or of throughput chunks (time windows) at or above minOpsPerSec')
    .default(null),
});

export const ResultSchema = z.object({
  scenario: z.string(),
  kind: z.enum(['workload', 'growth', 'bulk-vs-individual']),
  implementation: z.string(),
  config: z.record(z.string(), z.unknown()),
  rounds: z.number().int(),
  metrics: z.object({
    opsPerSec: estimate.nullable(),
    latencyNs: latencyNs.nullable(),
    memoryBytesPerEntry: z.number().nullable(),
    byOperation: z
      .record(z.string(), z.object({ count: z.number(), share: z.number(), latencyNs: latencyNs }))
      .nullable(),
  }),
  series: z.array(SeriesSchema),
  samples: z.object({ rounds: z.array(RoundSchema) }),
  sla: z.array(SlaVerdictSchema),
  warnings: z.array(z.string()),
});

export const ComparisonSchema = z.object({
  scenario: z.string(),
  pair: z.string().describe('what the two sides compare (an implementation, or a candidate against the default)'),
  metric: z.string().describe('throughput, p50, p99, or a series point such as nsPerOp@10000'),
  better: z.enum(['higher', 'lower']),
  unit: z.string(),
  rounds: z.number().int().describe('paired rounds behind the verdict'),
  a: z.object({ implementation: z.string(), median: z.number(), samples: z.array(z.number()) }),
  b: z.object({ implementation: z.string(), median: z.number(), samples: z.array(z.number()) }),
  ratio: z.number().describe('B / A: exp of the Hodges-Lehmann estimate of the paired log ratios ln(B/A) (each round measured A and B in one process); unpaired (baseline mode): of the shift of ln B against ln A'),
  ci: z.tuple([z.number(), z.number()]).describe('distribution-free 95% confidence interval of that ratio (Walsh averages; unpaired: pairwise differences)'),
  pValue: z.number().describe('two-sided Wilcoxon signed-rank test on the paired log ratios, exact (unpaired: exact Mann-Whitney)'),
  pWorse: z.number().describe('one-sided p-value of the same test for "B is worse than A"').optional(),
  alpha: z.number().describe('the level p was held to at the look that decided it (Haybittle-Peto: 0.001 before the last look)'),
  verdict: z.enum(['improved', 'regressed', 'unchanged']),
  reason: z.string(),
});

const verdictEnum = z.enum(['improved', 'regressed', 'unchanged']);

export const CalibrationSchema = z.object({
  trials: z.array(
    z.object({
      scenario: z.string(),
      effect: z.number().describe('injected slowdown of B (0: A/A)'),
      trial: z.number().int(),
      rounds: z.number().int(),
      verdicts: z.record(z.string(), verdictEnum),
      ratios: z.record(z.string(), z.number()),
      detected: z.boolean(),
      flagged: z.boolean(),
    }),
  ),
  effects: z.array(
    z.object({
      effect: z.number(),
      trials: z.number().int(),
      hits: z.number().int().describe('effect 0: trials with any metric flagged (false alarms); otherwise trials with a metric regressed (detections)'),
      rate: z.number(),
      byMetric: z.record(z.string(), z.number()),
      meanRounds: z.number(),
    }),
  ),
  falseAlarmRate: z.number().nullable(),
  noise: z.array(z.object({ metric: z.string(), sdLogRatio: z.number() })),
  minimumDetectableEffect: z.object({ observed: z.number().nullable(), predicted: z.number().nullable() }),
  suggestion: z.object({ threshold: z.number(), rounds: z.number().int(), why: z.string() }),
  aaSamples: z
    .array(z.object({ scenario: z.string(), pair: z.string(), metric: z.string(), better: z.enum(['higher', 'lower']), unit: z.string(), a: z.object({ samples: z.array(z.number()) }), b: z.object({ samples: z.number().array() }) }))
    .describe('every A/A trial\'s paired values per metric: what calibrate --simulate --from fits its noise model to')
    .optional(),
});

const knobValues = z.record(z.string(), z.union([z.number(), z.boolean()]));

export const TuningSchema = z.object({
  scenario: z.string(),
  implementation: z.string(),
  objective: z.literal('throughput').describe('what the race maximizes: the median chunk throughput of a round'),
  mode: z.enum(['race', 'grid']),
  knobs: z.record(z.string(), z.array(z.union([z.number(), z.boolean()]))),
  firstLook: z.number().int(),
  maxRounds: z.number().int().describe('most rounds per candidate (the grid gives every candidate this many)'),
  budget: z.number().int().describe('most candidate-rounds the race may spend'),
  rounds: z.number().int().describe('rounds run (each a fresh process measuring every survivor in turns)'),
  spent: z.number().int().describe('candidate-rounds spent'),
  gridRounds: z.number().int().describe('candidate-rounds the exhaustive grid costs: candidates x maxRounds'),
  stopped: z.string(),
  recommended: z.object({ label: z.string(), knobs: knobValues }),
  defaultConfig: z.object({ label: z.string(), knobs: knobValues }),
  gainOverDefault: z.object({
    ratio: z.number().describe('median over shared rounds of recommended / default throughput'),
    ci: z.tuple([z.number(), z.number()]),
    pValue: z.number(),
    rounds: z.number().int(),
  }),
  candidates: z.array(
    z.object({
      label: z.string(),
      knobs: knobValues,
      isDefault: z.boolean(),
      scores: z.array(z.number()).describe('throughput of each round it ran, from round 1'),
      median: z.number(),
      droppedAfter: z.number().int().nullable().describe('rounds done when the race dropped it (null: survived)'),
      why: z.string().nullable(),
      ratioToRecommended: z.number(),
      ci: z.tuple([z.number(), z.number()]),
      pValue: z.number(),
    }),
  ),
  log: z.array(z.object({ round: z.number().int(), label: z.string(), event: z.enum(['measured', 'dropped', 'best']), detail: z.string() })),
});

const RateSchema = z.object({ hits: z.number().int(), trials: z.number().int(), rate: z.number(), ci: z.tuple([z.number(), z.number()]).describe('Wilson 95% interval') });
const NoiseSchema = z.object({
  processSd: z.number().describe('sd of ln of a round level, shared by its arms'),
  withinSd: z.number().describe('sd of each arm\'s ln value within a round'),
  tails: z.enum(['normal', 't3']),
  outlierRate: z.number().describe('chance that an arm\'s round is a stall'),
  outlierLog: z.number().describe('ln size of a stall'),
  driftPerRound: z.number(),
});

export const SimulationSchema = z.object({
  source: z.string().describe('where the fitted rounds came from: a report file, or the rounds measured by this run'),
  trials: z.number().int(),
  fitted: z.array(z.object({ scenario: z.string(), pair: z.string(), metric: z.string(), better: z.enum(['higher', 'lower']), unit: z.string(), rounds: z.number().int(), base: z.number(), noise: NoiseSchema })),
  compare: z.array(z.object({ scenario: z.string(), metrics: z.number().int(), rates: z.array(z.object({ effect: z.number(), rate: RateSchema, meanRounds: z.number() })) })),
  gate: z.object({ metrics: z.number().int(), rates: z.array(z.object({ effect: z.number(), rate: RateSchema, meanRounds: z.number() })) }).nullable(),
  tune: z.object({ candidates: z.number().int(), equalFalseDrops: RateSchema, wins: z.array(z.object({ gain: z.number(), rate: RateSchema })) }).nullable(),
  roundsFor5Percent: z.array(z.object({ scenario: z.string(), rounds: z.number().int().nullable() })),
  measured: z.array(z.object({ effect: z.number(), rate: RateSchema })).describe('the real calibration\'s rates, when the fitted rounds came from one').optional(),
});

export const GateSchema = z.object({
  mode: z.enum(['against', 'baseline', 'history']),
  base: z.string().describe('the build folder (against), baseline file (baseline) or history database (history) compared with'),
  candidate: z.string().describe('what was gated: this build, or a saved file'),
  threshold: z.number(),
  confirm: z.number().int().describe('confirmation stages: a metric the first pass finds suspect fails the gate only if every stage confirms it on fresh rounds'),
  alpha: z.number().describe('the false-fail level of the whole gate (the confirmation tests each suspect at alpha / suspects)').optional(),
  suspects: z.number().int().describe('metrics the first pass found possibly worse (one-sided p < 0.05, estimate beyond the band)').optional(),
  /** 0 passed, 1 a confirmed regression or failed check, 2 jobs failed so the gate could not decide. */
  exitCode: z.union([z.literal(0), z.literal(1), z.literal(2)]),
  regressed: z.array(z.object({ scenario: z.string(), pair: z.string(), metric: z.string(), ratio: z.number(), ci: z.tuple([z.number(), z.number()]), pValue: z.number() })),
  accepted: z
    .array(
      z.object({
        scenario: z.string(),
        pair: z.string(),
        metric: z.string(),
        ratio: z.number(),
        ci: z.tuple([z.number(), z.number()]),
        pValue: z.number(),
        accepted: z.string().describe('the bound it stayed within, e.g. ">= 0.9"'),
        reason: z.string(),
        source: z.string().describe('where it was declared: a commit\'s trailer or an --accept file'),
      }),
    )
    .describe('regressions the candidate declared and that stayed within their bound: they do not fail the gate')
    .default([]),
  unusedAcceptances: z.array(z.object({ text: z.string(), source: z.string() })).describe('acceptances that matched no regression').default([]),
  confirmations: z.array(
    z.object({
      scenario: z.string(),
      pair: z.string(),
      metric: z.string(),
      attempts: z.array(
        z.object({
          ratio: z.number(),
          ci: z.tuple([z.number(), z.number()]),
          pValue: z.number().describe('one-sided p for "worse" in that confirmation'),
          verdict: z.enum(['improved', 'regressed', 'unchanged']),
          rounds: z.number().int().describe('fresh rounds the confirmation took').optional(),
          alpha: z.number().describe('the level it was held to (alpha / suspects, at its look)').optional(),
        }),
      ),
      confirmed: z.boolean(),
    }),
  ),
  checks: z.array(z.object({ name: z.string(), passed: z.boolean(), detail: z.string(), evidence: z.record(z.string(), z.unknown()) })),
});

export const ClaimSchema = z.object({
  id: z.string(),
  claim: z.string(),
  source: z.string().describe('where the feature list makes the claim, quoted'),
  target: z.number(),
  comparator: z.enum(['>=', '>', '<']),
  unit: z.string(),
  measured: z.number().describe('median over rounds'),
  range: z.tuple([z.number(), z.number()]),
  samples: z.array(z.number()),
  passed: z.boolean(),
  how: z.string(),
});

export const ReportSchema = z.object({
  schemaVersion: z.literal(REPORT_SCHEMA_VERSION),
  tool: z.object({ name: z.literal('tunebench'), version: z.string() }),
  command: z.string(),
  argv: z.array(z.string()),
  startedAt: z.string(),
  finishedAt: z.string(),
  environment: EnvironmentSchema,
  settings: z.record(z.string(), z.unknown()),
  scenarios: z.array(z.object({ name: z.string(), kind: z.string(), description: z.string(), definition: z.record(z.string(), z.unknown()) })),
  results: z.array(ResultSchema),
  skipped: z.array(z.object({ scenario: z.string(), implementation: z.string(), reason: z.string() })),
  /** Jobs that failed (an implementation threw, a child process died); the others went on. */
  failures: z.array(z.object({ scenario: z.string(), implementations: z.array(z.string()), round: z.number().int(), message: z.string() })).default([]),
  comparisons: z.array(ComparisonSchema).default([]),
  calibration: CalibrationSchema.optional(),
  simulation: SimulationSchema.optional(),
  tuning: TuningSchema.optional(),
  gate: GateSchema.optional(),
  claims: z.array(ClaimSchema).optional(),
  warnings: z.array(z.string()),
});

export type Report = z.output<typeof ReportSchema>;
export type ResultEntry = z.output<typeof ResultSchema>;
export type RoundEntry = z.output<typeof RoundSchema>;
export type SeriesEntry = z.output<typeof SeriesSchema>;
export type Environment = z.output<typeof EnvironmentSchema>;
export type Comparison = z.output<typeof ComparisonSchema>;
export type CalibrationEntry = z.output<typeof CalibrationSchema>;
export type SimulationEntry = z.output<typeof SimulationSchema>;
export type TuningEntry = z.output<typeof TuningSchema>;
export type GateEntry = z.output<typeof GateSchema>;
export type ClaimEntry = z.output<typeof ClaimSchema>;

/** The JSON Schema of report.json, generated from the zod schema. */
export function reportJsonSchema(): Record<string, unknown> {
  const schema = z.toJSONSchema(ReportSchema, { io: 'input' }) as Record<string, unknown>;
  return { ...schema, $id: 'https://tunebench.dev/report.schema.json', title: `tunebench report, schema version ${REPORT_SCHEMA_VERSION}` };
}
