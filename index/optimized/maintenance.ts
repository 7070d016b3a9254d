/**
 * Maintenance for the OptimizedIndex: what the tree's measured state calls for (compaction when
 * the heap fragments, a rebuild when leaves thin out), a short timed read probe, and the report of
 * `analyzeAndOptimize()` with measured figures before and after.
 */
import { median } from 'simple-statistics';
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

/** Why a heap with this share of free blocks needs compacting, or null. */
export function fragmentationReason(fragmentation: number, config: OptimizationConfig): string | null {
  return fragmentation > config.fragmentationThreshold ? `heap fragmentation ${fragmentation.toFixed(3)} above ${config.fragmentationThreshold}` : null;
}

/** Why a tree with this leaf fill and balance needs rebuilding, or null. */
export function fillReason(analysis: Pick<TreeAnalysis, 'meanLeafFill' | 'balanceFactor'>, config: OptimizationConfig): string | null {
  const threshold = config.rebalancingTriggerThreshold;
  if (analysis.meanLeafFill >= threshold && analysis.balanceFactor >= threshold) return null;
  return `leaf fill ${analysis.meanLeafFill.toFixed(3)}, balance ${analysis.balanceFactor.toFixed(3)}: below ${threshold}`;
}

/**
 * Why the tree needs compacting now, from its analysis and the config's bounds, whatever the
 * automatic switches say (analyzeAndOptimize); empty when it does not.
 */
export function compactionReasons(analysis: Pick<TreeAnalysis, 'meanLeafFill' | 'balanceFactor' | 'heapFragmentation'>, config: OptimizationConfig): string[] {
  return [fragmentationReason(analysis.heapFragmentation, config), fillReason(analysis, config)].filter((r): r is string => r !== null);
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
  // Probe in a scattered order, as point reads arrive: ids sorted by a hash of their position
  // (the same tree gives the same probe; index/ imports nothing from scenarios/, so not its shuffle).
  const order = ids.map((id, k) => ({ id, h: Math.imul(k, 0x9e3779b1) >>> 0 })).sort((a, b) => a.h - b.h).map((e) => e.id);
  const passes: number[] = [];
  let found = 0;
  for (let p = 0; p < PROBE_PASSES; p++) {
    const t0 = performance.now();
    for (const id of order) if (memory.get(id) !== undefined) found++;
    passes.push(((performance.now() - t0) * 1e6) / order.length);
  }
  probeSink = (probeSink + found) | 0;
  return median(passes);
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
