/** Structure figures and invariant checks, computed by walking the real pages. */
import { type BTree, COUNT, HEADER_WORDS, LEVEL, META_FIRST_LEAF, META_LAST_LEAF, META_ROOT, NEXT, NONE, PREV, compareAt } from './btree.js';
import { blockWords } from './heap.js';
import type { TreeAnalysis } from '../types.js';

const FIXED_BYTES = 64 + 4 * 1030; // meta block and heap free-list heads

/** Bytes of pages in use plus live heap blocks. O(1). */
export function bytesUsed(tree: BTree): number {
  return tree.pagesInUse * tree.pageWords * 4 + tree.heap.liveWords * 4 + FIXED_BYTES;
}

/** Bytes of the arena and heap buffers. O(1). */
export function bytesAllocated(tree: BTree): number {
  return tree.arena.byteLength + tree.heap.byteLengthAllocated + FIXED_BYTES;
}

/**
 * Min leaf depth / max leaf depth, found by walking every internal node and reading the level
 * word of every leaf they point to. O(pages); reads leaf headers only.
 */
export function measureBalance(tree: BTree): number {
  let minDepth = Infinity;
  let maxDepth = 0;
  const pages: number[] = [tree.meta[META_ROOT]];
  const depths: number[] = [1];
  while (pages.length > 0) {
    const page = pages.pop()!;
    const depth = depths.pop()!;
    const w = tree.pageArray(page);
    const base = tree.pageBase(page);
    if (w[base + LEVEL] === 0) {
      if (depth < minDepth) minDepth = depth;
      if (depth > maxDepth) maxDepth = depth;
      continue;
    }
    const count = w[base + COUNT];
    for (let i = 0; i <= count; i++) {
      pages.push(w[base + tree.slotAt + i]);
      depths.push(depth + 1);
    }
  }
  return maxDepth === 0 ? 1 : minDepth / maxDepth;
}

/** Every figure of `TreeAnalysis`. O(n): visits every page and reads every path's length. */
/** The tree's shape and memory; `cacheBytes`: what its owner's string caches hold (see TreeAnalysis). */
export function analyzeTree(tree: BTree, cacheBytes = 0): TreeAnalysis {
  const order = tree.order;
  let internalNodes = 0;
  let leafNodes = 0;
  let keysInInternal = 0;
  let entries = 0;
  let minLeafFill = Infinity;
  let pathBytes = 0;
  let minDepth = Infinity;
  let maxDepth = 0;
  const pages: number[] = [tree.meta[META_ROOT]];
  const depths: number[] = [1];
  while (pages.length > 0) {
    const page = pages.pop()!;
    const depth = depths.pop()!;
    const w = tree.pageArray(page);
    const base = tree.pageBase(page);
    const count = w[base + COUNT];
    if (w[base + LEVEL] === 0) {
      leafNodes++;
      entries += count;
      if (count / order < minLeafFill) minLeafFill = count / order;
      if (depth < minDepth) minDepth = depth;
      if (depth > maxDepth) maxDepth = depth;
      for (let i = 0; i < count; i++) pathBytes += tree.heap.byteLength(w[base + tree.slotAt + i]);
      continue;
    }
    internalNodes++;
    keysInInternal += count;
    for (let i = 0; i <= count; i++) {
      pages.push(w[base + tree.slotAt + i]);
      depths.push(depth + 1);
    }
  }
  const heapBytes = tree.heap.spanBytes;
  const rawBytes = entries * 16 + pathBytes;
  const used = bytesUsed(tree);
  const allocated = bytesAllocated(tree);
  return {
    entries,
    order,
    depth: maxDepth,
    internalNodes,
    leafNodes,
    freePages: tree.freePages,
    meanLeafFill: leafNodes === 0 ? 0 : entries / (leafNodes * order),
    minLeafFill: leafNodes === 0 ? 0 : minLeafFill,
    fillFactor: (entries + keysInInternal) / ((leafNodes + internalNodes) * order),
    balanceFactor: maxDepth === 0 ? 1 : minDepth / maxDepth,
    heapBytes,
    heapFreeBytes: tree.heap.freeBytes,
    heapFragmentation: heapBytes === 0 ? 0 : tree.heap.freeBytes / heapBytes,
    bytesUsed: used,
    bytesAllocated: allocated,
    rawBytes,
    overhead: rawBytes === 0 ? 0 : used / rawBytes,
    allocatedOverhead: rawBytes === 0 ? 0 : allocated / rawBytes,
    cacheBytes,
  };
}

/**
 * Checks every structural invariant and returns the violations found (empty when sound):
 * keys strictly increasing across leaves and within separator bounds, all leaves at one depth,
 * fill bounds (except the root, and the last leaf after append splits), the leaf chain in key
 * order, size equal to the entry count, and heap accounting consistent with the values.
 */
export function checkInvariants(tree: BTree): string[] {
  const problems: string[] = [];
  const order = tree.order;
  const slotAt = tree.slotAt;
  const root = tree.meta[META_ROOT];
  const leavesInOrder: number[] = [];
  let leafDepth = -1;
  let entries = 0;
  let liveWords = 0;
  const seenSlots = new Set<number>();
  const lower = new Int32Array(4);
  const upper = new Int32Array(4);

  const visit = (page: number, depth: number, hasLower: boolean, lo: Int32Array, hasUpper: boolean, hi: Int32Array): void => {
    if (problems.length > 20) return;
    const w = tree.pageArray(page);
    const base = tree.pageBase(page);
    const count = w[base + COUNT];
    const keys = base + HEADER_WORDS;
    const isRoot = page === root;
    for (let i = 1; i < count; i++) {
      if (compareAt(w, keys + i - 1, order, w[keys + i], w[keys + order + i], w[keys + 2 * order + i], w[keys + 3 * order + i]) >= 0) {
        problems.push(`page ${page}: keys ${i - 1} and ${i} not strictly increasing`);
      }
    }
    if (count > 0) {
      if (hasLower && compareAt(w, keys, order, lo[0], lo[1], lo[2], lo[3]) < 0) problems.push(`page ${page}: first key below its separator`);
      const last = keys + count - 1;
      if (hasUpper && compareAt(w, last, order, hi[0], hi[1], hi[2], hi[3]) >= 0) problems.push(`page ${page}: last key not below its separator`);
    }
    if (w[base + LEVEL] === 0) {
      if (leafDepth === -1) leafDepth = depth;
      else if (leafDepth !== depth) problems.push(`leaf ${page} at depth ${depth}, another at ${leafDepth}`);
      const isLast = tree.meta[META_LAST_LEAF] === page;
      if (!isRoot && !isLast && count < tree.minLeaf) problems.push(`leaf ${page} holds ${count} < ${tree.minLeaf} keys`);
      if (count > order || (!isRoot && count < 1)) problems.push(`leaf ${page} holds ${count} keys`);
      leavesInOrder.push(page);
      entries += count;
      for (let i = 0; i < count; i++) {
        const slot = w[base + slotAt + i];
        if (seenSlots.has(slot)) problems.push(`heap block ${slot} referenced twice`);
        seenSlots.add(slot);
        liveWords += blockWords(tree.heap.byteLength(slot));
      }
      return;
    }
    if (!isRoot && count < tree.minInternal) problems.push(`internal ${page} holds ${count} < ${tree.minInternal} keys`);
    if (count > order || count < 1) problems.push(`internal ${page} holds ${count} keys`);
    for (let i = 0; i <= count; i++) {
      const childLo = new Int32Array(4);
      const childHi = new Int32Array(4);
      let childHasLo = hasLower;
      let childHasHi = hasUpper;
      if (i > 0) {
        for (let q = 0; q < 4; q++) childLo[q] = w[keys + q * order + i - 1];
        childHasLo = true;
      } else childLo.set(lo);
      if (i < count) {
        for (let q = 0; q < 4; q++) childHi[q] = w[keys + q * order + i];
        childHasHi = true;
      } else childHi.set(hi);
      visit(w[base + slotAt + i], depth + 1, childHasLo, childLo, childHasHi, childHi);
    }
  };
  visit(root, 1, false, lower, false, upper);

  let chained = 0;
  let previous = NONE;
  for (let page = tree.meta[META_FIRST_LEAF]; page !== NONE && chained <= leavesInOrder.length; ) {
    const w = tree.pageArray(page);
    const base = tree.pageBase(page);
    if (leavesInOrder[chained] !== page) {
      problems.push(`leaf chain position ${chained} is page ${page}, tree order has ${leavesInOrder[chained]}`);
      break;
    }
    if (w[base + PREV] !== previous) problems.push(`leaf ${page} has prev ${w[base + PREV]}, expected ${previous}`);
    previous = page;
    chained++;
    page = w[base + NEXT];
  }
  if (chained !== leavesInOrder.length) problems.push(`leaf chain has ${chained} leaves, tree has ${leavesInOrder.length}`);
  if (previous !== tree.meta[META_LAST_LEAF]) problems.push(`last leaf is ${tree.meta[META_LAST_LEAF]}, chain ends at ${previous}`);
  if (entries !== tree.size) problems.push(`size is ${tree.size}, tree holds ${entries}`);
  const heap = tree.heap;
  if (liveWords !== heap.liveWords) problems.push(`heap counts ${heap.liveWords} live words, values hold ${liveWords}`);
  if (heap.liveBlocks !== entries) problems.push(`heap counts ${heap.liveBlocks} live blocks for ${entries} entries`);
  if (heap.liveWords + heap.freeWords !== heap.top) problems.push(`heap live ${heap.liveWords} + free ${heap.freeWords} != top ${heap.top}`);
  const listed = heap.countFreeWords();
  if (listed !== heap.freeWords) problems.push(`heap free lists hold ${listed} words, counter says ${heap.freeWords}`);
  return problems;
}
