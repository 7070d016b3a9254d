/**
 * Maintenance for the OptimizedIndex: what the tree's measured state calls for (compaction when
 * the heap fragments, a rebuild when leaves thin out), a short timed read probe, and the report of
 * `analyzeAndOptimize()` with measured figures before and after.
 */
import type { MemoryIndex } from '../memory-index.js';
import type { TreeAnalysis } from '../types.js';
import type { OptimizationConfig } from './config.js';

/** The measured state maintenance decides on and reports. */
export interface TreeState {
  entries: number;
  bytesAllocated: number;
  bytesUsed: number;
  meanLeafFill: number;
  balanceFactor: number;
  heapFragmentation: number;
  /** Median ns per get over a probe of up to PROBE_IDS stored ids (3 timed passes); null for an empty tree. */
  readProbeNsPerGet: number | null;
}

export interface MaintenanceAction {
  action: 'compact';
  /** The evidence that called for it, each naming its figure and the bound it crossed. */
  reasons: string[];
}

export interface OptimizationReport {
  actions: MaintenanceAction[];
  before: TreeState;
  /** Measured again after the actions (equal to `before` when there were none). */
  after: TreeState;
  durationMs: number;
}

const PROBE_IDS = 1024;
const PROBE_PASSES = 3;
/** Where the probe's answers go, so that the JIT cannot drop the reads. */
let probeSink = 0;

/**
 * Why the tree needs compacting now, from its analysis and the config's bounds; empty when it does
 * not. Fragmentation applies with enableMemoryOptimization, fill and balance with
 * enableAutoRebalancing (the automatic path); `requested` applies both bounds regardless.
 */
export function compactionReasons(analysis: Pick<TreeAnalysis, 'meanLeafFill' | 'balanceFactor' | 'heapFragmentation'>, config: OptimizationConfig, requested = false): string[] {
  const reasons: string[] = [];
  if ((requested || config.enableMemoryOptimization) && analysis.heapFragmentation > config.fragmentationThreshold) {
    reasons.push(`heap fragmentation ${analysis.heapFragmentation.toFixed(3)} above ${config.fragmentationThreshold}`);
  }
  const threshold = config.rebalancingTriggerThreshold;
  if ((requested || config.enableAutoRebalancing) && (analysis.meanLeafFill < threshold || analysis.balanceFactor < threshold)) {
    reasons.push(`leaf fill ${analysis.meanLeafFill.toFixed(3)}, balance ${analysis.balanceFactor.toFixed(3)}: below ${threshold}`);
  }
  return reasons;
}

/**
 * Median ns per get over up to PROBE_IDS ids spread evenly over the stored ones, read through the
 * index's own get (parse, descent, decode). Measured, not estimated: a few milliseconds at most.
 */
export function probeReads(memory: MemoryIndex): number | null {
  const n = memory.size;
  if (n === 0) return null;
  const every = Math.max(1, Math.floor(n / PROBE_IDS));
  const ids: string[] = [];
  let i = 0;
  for (const [id] of memory.range()) {
    if (i++ % every === 0) ids.push(id);
    if (ids.length >= PROBE_IDS) break;
  }
  // Probe in a scattered order, as point reads arrive.
  const order = ids.map((_, k) => (k * 0x9e3779b1) >>> 0).map((h, k) => [h, k] as const).sort((a, b) => a[0] - b[0]).map(([, k]) => ids[k]);
  const passes: number[] = [];
  let found = 0;
  for (let p = 0; p < PROBE_PASSES; p++) {
    const t0 = performance.now();
    for (const id of order) if (memory.get(id) !== undefined) found++;
    passes.push(((performance.now() - t0) * 1e6) / order.length);
  }
  probeSink = (probeSink + found) | 0;
  return passes.sort((a, b) => a - b)[PROBE_PASSES >> 1];
}

export function treeState(memory: MemoryIndex): TreeState {
  const a = memory.analyze();
  return {
    entries: a.entries,
    bytesAllocated: a.bytesAllocated,
    bytesUsed: a.bytesUsed,
    meanLeafFill: a.meanLeafFill,
    balanceFactor: a.balanceFactor,
    heapFragmentation: a.heapFragmentation,
    readProbeNsPerGet: probeReads(memory),
  };
}
