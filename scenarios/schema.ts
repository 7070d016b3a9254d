/**
 * The scenario schema: what a benchmark scenario may say, validated with zod. Scenarios are
 * TypeScript objects (`defineScenario`) or JSON files (`loadScenarioFile`); a bad one gets one line
 * per problem naming the field path and what was expected.
 */
import { readFileSync } from 'node:fs';
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

export const ScenarioSchema = z
  .object({
    name: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'lowercase letters, digits and dashes, starting with a letter or digit'),
    description: z.string().default(''),
    /**
     * workload: load the data set, then run the operation mix.
     * growth: run the mix at each of `sizes`, for the cost per operation against n.
     * bulk-vs-individual: at each of `sizes`, insert, get and delete one by one and in bulk.
     */
    kind: z.enum(['workload', 'growth', 'bulk-vs-individual']).default('workload'),
    seed: z.number().int().min(0).max(0xffffffff).default(1),
    dataset: z
      .object({
        records: z.number().int().min(0).max(50_000_000),
        pathBytes: z
          .object({ min: z.number().int().min(1).max(4096), max: z.number().int().min(1).max(4096) })
          .strict()
          .refine((r) => r.min <= r.max, { message: 'min must not exceed max' })
          .default({ min: 20, max: 80 }),
      })
      .strict(),
    durability: z.enum(['none', 'group', 'sync']).default('none'),
    mix: MixSchema,
    batchSize: count(1_000_000).default(100),
    scanLength: count(1_000_000).default(100),
    distribution: DistributionSchema.default({ type: 'uniform' }),
    clients: count(4096).default(1),
    operations: count(1_000_000_000).optional(),
    durationMs: count(24 * 3600 * 1000).optional(),
    knobs: z.record(z.string(), z.array(z.union([z.number(), z.boolean()])).min(1)).default({}),
    sla: z.object({ p99Ms: z.number().positive().optional(), minOpsPerSec: z.number().positive().optional() }).strict().optional(),
    sizes: z.array(count(50_000_000)).min(1).optional(),
    /** Smaller settings used by --quick; anything not given is scaled down from the full settings. */
    quick: z
      .object({ records: z.number().int().min(0).optional(), operations: count(1_000_000_000).optional(), sizes: z.array(count(50_000_000)).min(1).optional() })
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

/** Reads and validates a scenario JSON file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    const reason = (error as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (error as Error).message;
    throw new ScenarioError(`${path}: ${reason}`, [`${path}: ${reason}`]);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ScenarioError(`${path}: not valid JSON (${(error as Error).message})`, [`${path}: not valid JSON (${(error as Error).message})`]);
  }
  return parseScenario(json, path);
}
