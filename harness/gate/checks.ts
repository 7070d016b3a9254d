/**
 * The gate's checks beside the comparisons: read cost must grow like log n (from the growth
 * scenario's rounds), and the index must give memory back after bulk deletes and compact().
 */
import * as ss from 'simple-statistics';
import { MAX_GROWTH_EXPONENT, fitGrowth } from '../../index/metrics/alerts.js';
import { createMemoryIndex } from '../../index/memory-index.js';
import { DataSet } from '../../scenarios/generate.js';
import type { MetricRound } from '../compare/contest.js';

export interface CheckResult {
  name: string;
  passed: boolean;
  detail: string;
  evidence: Record<string, unknown>;
}

/**
 * Fits the median cost per operation at each size against n: an exponent above
 * MAX_GROWTH_EXPONENT (0.6; log n with cache effects measured up to ~0.3, linear gives ~1) fails.
 */
export function complexityCheck(label: string, rounds: readonly MetricRound[]): CheckResult {
  const bySize = new Map<number, number[]>();
  for (const round of rounds) for (const p of round.series) if (p.metric === 'nsPerOp' && p.value > 0) bySize.set(p.n, [...(bySize.get(p.n) ?? []), p.value]);
  const points = [...bySize.entries()].sort(([x], [y]) => x - y).map(([n, costs]) => ({ n, cost: ss.median(costs) }));
  const fit = fitGrowth(points);
  const name = `complexity: ${label}`;
  if (!fit || points.length < 3) return { name, passed: true, detail: `not enough sizes to fit (${points.length}; need 3)`, evidence: { points } };
  const passed = fit.exponent <= MAX_GROWTH_EXPONENT;
  const shown = points.map((p) => `${p.n.toLocaleString('en-US')}: ${Math.round(p.cost)} ns`).join(', ');
  return {
    name,
    passed,
    detail: `cost per read grows like n^${fit.exponent.toFixed(2)} (${passed ? 'at most' : 'more than'} n^${MAX_GROWTH_EXPONENT}, the bound for log n with cache effects; ${shown})`,
    evidence: { exponent: fit.exponent, maxExponent: MAX_GROWTH_EXPONENT, nsPerDoubling: fit.nsPerDoubling, r2Log: fit.r2Log, points },
  };
}

/** Allocation any index keeps however few entries it holds. */
const FLOOR_BYTES = 1 << 20;
/** After compaction the bytes per remaining entry may exceed those of the full tree by this factor. */
const RECLAIM_SLACK = 1.5;

/**
 * Loads `entries` records in bulk, deletes 90% of them in bulk, compacts, and checks that the
 * bytes held fell with the entries: at most 1.5x the full tree's bytes per entry, plus 1 MiB.
 */
export function memoryReclamationCheck(entries: number, seed = 0x6a7e): CheckResult {
  const data = new DataSet(seed, entries, { min: 20, max: 80 });
  const index = createMemoryIndex();
  index.bulkInsert(data.ids.map((id, i) => [id, data.paths[i]] as [string, string]));
  const full = index.analyze().bytesAllocated;
  const kept = Math.floor(entries / 10);
  index.bulkDelete(data.ids.slice(kept));
  const beforeCompact = index.analyze().bytesAllocated;
  index.compact();
  const after = index.analyze().bytesAllocated;
  const allowed = (full / entries) * kept * RECLAIM_SLACK + FLOOR_BYTES;
  const passed = after <= allowed;
  const mib = (b: number) => `${(b / 2 ** 20).toFixed(1)} MiB`;
  return {
    name: 'memory reclamation',
    passed,
    detail: `${entries.toLocaleString('en-US')} entries held ${mib(full)}; after deleting 90% and compact() ${mib(after)} (allowed ${mib(allowed)}: ${RECLAIM_SLACK}x the bytes per entry of the full tree, plus 1 MiB)`,
    evidence: { entries, kept, bytesFull: full, bytesBeforeCompact: beforeCompact, bytesAfterCompact: after, bytesAllowed: Math.round(allowed) },
  };
}
