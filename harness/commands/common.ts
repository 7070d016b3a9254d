/** Pieces shared by the commands: picking scenarios and implementations from the command line. */
import { UsageError } from '../errors.js';
import { allFactories, applySettings, formatImplSpec, type ImplSpec, parseImplSpec } from '../adapters/registry.js';
import { BUILTIN_SCENARIOS, DEFAULT_SUITE, findBuiltin } from '../../scenarios/builtin.js';
import { type Scenario, ScenarioError, loadScenarioFile } from '../../scenarios/schema.js';
import { scaleForQuick } from '../runner/plan.js';

export interface ScenarioArgs {
  scenarios?: (string | number)[];
  scenarioFile?: string[];
  quick?: boolean;
  seed?: number;
}

/** Scenarios named on the command line (built-in names and files), else the default suite. */
export function resolveScenarios(args: ScenarioArgs, fallback: readonly string[] = DEFAULT_SUITE): Scenario[] {
  const names = (args.scenarios ?? []).map(String);
  const picked: Scenario[] = [];
  for (const name of names) {
    const scenario = findBuiltin(name);
    if (!scenario) throw new UsageError(`unknown scenario "${name}" (built in: ${BUILTIN_SCENARIOS.map((s) => s.name).join(', ')}; or use --scenario-file)`);
    picked.push(scenario);
  }
  for (const file of args.scenarioFile ?? []) {
    try {
      picked.push(loadScenarioFile(file));
    } catch (error) {
      if (error instanceof ScenarioError) throw new UsageError(error.problems.join('\n'));
      throw error;
    }
  }
  const chosen = picked.length > 0 ? picked : fallback.map((n) => findBuiltin(n)!);
  const seen = new Set<string>();
  for (const s of chosen) {
    if (seen.has(s.name)) throw new UsageError(`scenario "${s.name}" is named twice`);
    seen.add(s.name);
  }
  checkSeed(args.seed);
  return chosen.map((s) => {
    const seeded = args.seed === undefined ? s : { ...s, seed: args.seed };
    return args.quick ? scaleForQuick(seeded) : seeded;
  });
}

/** Implementations from --impl (default: `fallback`, else all registered), with --set applied; each at most once. */
export function resolveImpls(specs: string[] | undefined, settings: string[] | undefined, fallback?: readonly string[]): ImplSpec[] {
  const parsed = specs && specs.length > 0 ? specs.map(parseImplSpec) : fallback ? fallback.map(parseImplSpec) : allFactories().map((f) => ({ name: f.name, knobs: {} }));
  const impls = applySettings(parsed, settings ?? []);
  checkDistinct(impls);
  return impls;
}

/** Two equal specs would share one result under one name: refused. */
export function checkDistinct(impls: readonly ImplSpec[]): void {
  const seen = new Set<string>();
  for (const impl of impls) {
    const spec = formatImplSpec(impl);
    if (seen.has(spec)) throw new UsageError(`implementation ${spec} is named twice`);
    seen.add(spec);
  }
}

/** --seed, when given: an unsigned 32-bit integer. */
export function checkSeed(seed: number | undefined): void {
  if (seed !== undefined && (!Number.isInteger(seed) || seed < 0 || seed > 0xffffffff)) throw new UsageError(`--seed must be an integer from 0 to 4294967295, got ${seed}`);
}
