/** `--shard I/N` on the commands that measure a suite: parse, plan, and say the plan at the start. */
import type { Argv } from 'yargs';
import { type ShardPlan, type WorkUnit, describeShard, parseShard, planShard } from '../shard/plan.js';

export function withShardOption<T>(y: Argv<T>) {
  return y.option('shard', { type: 'string', describe: 'run only shard I of N (e.g. 2/4) of the scenario x implementation jobs, split by expected duration; tunebench merge gathers the shards\' reports' });
}

/** The shard's plan (printed to stderr), or null without --shard. `units` is called only with --shard. */
export function shardPlan(flag: string | undefined, units: () => WorkUnit[]): ShardPlan | null {
  if (flag === undefined) return null;
  const plan = planShard(units(), parseShard(flag));
  process.stderr.write(`${describeShard(plan)}\n`);
  return plan;
}
