/**
 * The scenario schema: what a benchmark scenario may say, validated with zod. Scenarios are
 * TypeScript objects (`defineScenario`) or JSON files (`loadScenarioFile`); a bad one gets one line
 * per problem naming the field path and what was expected.
 */
import { InputFileError, readInputFile } from './read-file.js';
import { z } from 'zod';

import { DEFAULT_OPERATIONS, OPERATION_KINDS, type OperationKind } from './kinds.js';

export { DEFAULT_OPERATIONS, OPERATION_KINDS, type OperationKind };

const fraction = z.number().min(0).max(1);

const mixShape = Object.fromEntries(OPERATION_KINDS.map((kind) => [kind, fraction.default(0)])) as Record<OperationKind, z.ZodDefault<z.ZodNumber>>;

export const MixSchema = z
  .object(mixShape)
  .strict()
  .superRefine((mix, ctx) => {
    const sum = OPERATION_KINDS.reduce((total, kind) => total + mix[kind], 0);
    if (Math.abs(sum - 1) > 1e-9) ctx.addIssue({ code: 'custom', message: `the fractions must sum to 1 (they sum to ${Number(sum.toFixed(9))})` });
  });

const theta = z.number().gt(0).max(10);

export const DistributionSchema = z.preprocess(
  (value) => (typeof value === 'string' ? { type: value } : value),
  z.discriminatedUnion('type', [
    z.object({ type: z.literal('uniform') }).strict(),
    z.object({ type: z.literal('zipfian'), theta: theta.default(0.99) }).strict(),
    z.object({ type: z.literal('latest'), theta: theta.default(0.99) }).strict(),
    z
      .object({
        type: z.literal('hotspot'),
        hotFraction: z.number().gt(0).lt(1).default(0.2),
        hotOpFraction: fraction.default(0.8),
      })
      .strict(),
    z.object({ type: z.literal('sequential') }).strict(),
  ]),
);

const count = (max: number) => z.number().int().min(1).max(max);

/**
 * The largest value of every scenario field, in one place (README's scenario table lists them).
 * They bound what can be asked of a measuring process; whether a scenario fits this machine's
 * memory is checked before measuring (harness/commands/preflight.ts).
 */
export const SCENARIO_LIMITS = {
  nameLength: 64,
  descriptionLength: 2000,
  records: 20_000_000,
  operations: 100_000_000,
  /** The runner stops a job after 20 minutes (TUNEBENCH_JOB_TIMEOUT_MS); half of that measures. */
  durationMs: 10 * 60 * 1000,
  batchSize: 100_000,
  scanLength: 100_000,
  clients: 4096,
  sizes: 20,
  knobs: 20,
  knobValues: 100,
  /** An hour: a p99 past it is not a service level. */
  slaP99Ms: 3_600_000,
  slaOpsPerSec: 1e12,
} as const;

/** Operations that need records to exist: a data set of 0 records cannot run them. */
const NEEDS_RECORDS = ['read', 'update', 'delete', 'scan', 'readModifyWrite', 'bulkDelete', 'bulkGet'] as const;

export const ScenarioSchema = z
  .object({
    name: z
      .string()
      .max(SCENARIO_LIMITS.nameLength)
      .regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes, starting with a letter or digit'),
    description: z.string().max(SCENARIO_LIMITS.descriptionLength).default(''),
    /**
     * workload: load the data set, then run the operation mix.
     * growth: run the mix at each of `sizes`, for the cost per operation against n.
     * bulk-vs-individual: at each of `sizes`, insert, get and delete one by one and in bulk.
     */
    kind: z.enum(['workload', 'growth', 'bulk-vs-individual']).default('workload'),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    dataset: z
      .object({
        records: z.number().int().min(0).max(SCENARIO_LIMITS.records),
        pathBytes: z
          .object({ min: z.number().int().min(1).max(4096), max: z.number().int().min(1).max(4096) })
          .strict()
          .refine((r) => r.min <= r.max, { message: 'min must not exceed max' })
          .default({ min: 20, max: 80 }),
      })
      .strict(),
    durability: z.enum(['none', 'group', 'sync']).default('none'),
    mix: MixSchema,
    batchSize: count(SCENARIO_LIMITS.batchSize).default(100),
    scanLength: count(SCENARIO_LIMITS.scanLength).default(100),
    distribution: DistributionSchema.default({ type: 'uniform' }),
    clients: count(SCENARIO_LIMITS.clients).default(1),
    operations: count(SCENARIO_LIMITS.operations).optional(),
    durationMs: count(SCENARIO_LIMITS.durationMs).optional(),
    knobs: z
      .record(z.string(), z.array(z.union([z.number(), z.boolean()])).min(1).max(SCENARIO_LIMITS.knobValues))
      .refine((k) => Object.keys(k).length <= SCENARIO_LIMITS.knobs, { message: `at most ${SCENARIO_LIMITS.knobs} knobs` })
      .default({}),
    sla: z.object({ p99Ms: z.number().positive().max(SCENARIO_LIMITS.slaP99Ms).optional(), minOpsPerSec: z.number().positive().max(SCENARIO_LIMITS.slaOpsPerSec).optional() }).strict().optional(),
    sizes: z.array(count(SCENARIO_LIMITS.records)).min(1).max(SCENARIO_LIMITS.sizes).optional(),
    /** Smaller settings used by --quick; anything not given is scaled down from the full settings. */
    quick: z
      .object({
        records: z.number().int().min(0).max(SCENARIO_LIMITS.records).optional(),
        operations: count(SCENARIO_LIMITS.operations).optional(),
        sizes: z.array(count(SCENARIO_LIMITS.records)).min(1).max(SCENARIO_LIMITS.sizes).optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((scenario, ctx) => {
    if (scenario.operations !== undefined && scenario.durationMs !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['durationMs'], message: 'give operations or durationMs, not both' });
    }
    if (scenario.kind !== 'workload' && scenario.sizes === undefined) {
      ctx.addIssue({ code: 'custom', path: ['sizes'], message: `a ${scenario.kind} scenario needs sizes` });
    }
    if (scenario.kind === 'workload') {
      const needs = NEEDS_RECORDS.filter((kind) => scenario.mix[kind] > 0);
      const empty = (records: number | undefined, path: (string | number)[]) => {
        if (records === 0 && needs.length > 0) {
          ctx.addIssue({ code: 'custom', path, message: `0 records leaves nothing for the mix's ${needs.join(', ')} to find; load at least 1 record, or use only insert and bulkInsert` });
        }
      };
      empty(scenario.dataset.records, ['dataset', 'records']);
      empty(scenario.quick?.records, ['quick', 'records']);
    }
  });

/** A scenario as written (defaults optional). */
export type ScenarioInput = z.input<typeof ScenarioSchema>;
/** A validated scenario with every default filled in. */
export type Scenario = z.output<typeof ScenarioSchema>;
export type Distribution = z.output<typeof DistributionSchema>;
export type Mix = z.output<typeof MixSchema>;

export class ScenarioError extends Error {
  constructor(
    message: string,
    /** One line per problem: "where: what was expected". */
    readonly problems: string[],
  ) {
    super(message);
    this.name = 'ScenarioError';
  }
}

function formatIssues(issues: readonly z.core.$ZodIssue[], prefix: string): string[] {
  return issues.map((issue) => {
    const path = [prefix, ...issue.path.map(String)].filter(Boolean).join('.');
    return `${path || '(scenario)'}: ${issue.message}`;
  });
}

/** Validates a scenario object; throws ScenarioError listing every problem. */
export function parseScenario(input: unknown, source = 'scenario'): Scenario {
  const result = ScenarioSchema.safeParse(input);
  if (result.success) return result.data;
  const problems = formatIssues(result.error.issues, '');
  throw new ScenarioError(`${source} is not a valid scenario:\n${problems.map((p) => `  ${p}`).join('\n')}`, problems.map((p) => `${source}: ${p}`));
}

/** Defines a scenario in TypeScript, with defaults filled in. Throws ScenarioError when invalid. */
export function defineScenario(input: ScenarioInput): Scenario {
  return parseScenario(input, `scenario ${JSON.stringify(input.name ?? '(unnamed)')}`);
}

/** A scenario file larger than this is not one (and /dev/zero would never end). */
export const MAX_SCENARIO_FILE_BYTES = 1 << 20;

/** Reads and validates a scenario JSON file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readInputFile(path, MAX_SCENARIO_FILE_BYTES);
  } catch (error) {
    if (!(error instanceof InputFileError)) throw error;
    throw new ScenarioError(error.message, [error.message]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`${path}: not valid JSON (${(error as Error).message})`, [`${path}: not valid JSON (${(error as Error).message})`]);
  }
  return parseScenario(json, path);
}
