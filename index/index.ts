/**
 * tunebench's primary index: a B+ tree from document ids (UUIDs) to file paths.
 * This module is the public surface; nothing here imports the harness.
 */
export { IndexError, type IndexErrorCode } from './errors.js';
export {
  type DocumentId,
  parseDocumentId,
  formatDocumentId,
  normalizeDocumentId,
  isDocumentId,
} from './id.js';
export { MAX_PATH_BYTES, validatePath } from './path.js';
export { createMemoryIndex, MemoryIndex, DEFAULT_ORDER, type MemoryIndexOptions } from './memory-index.js';
export {
  openPrimaryIndex,
  DurableIndex,
  type Durability,
  type DurableIndexOptions,
  type RecoveryReport,
  type StorageStats,
} from './storage/durable-index.js';
export {
  createOptimizedIndex,
  createOptimizedIndexWithDefaults,
  OptimizedIndex,
  POOL_MIN_BATCH,
  type Dashboard,
  type InnerIndex,
} from './optimized/optimized-index.js';
export { DEFAULT_CONFIG, resolveConfig, type OptimizationConfig, type OptimizationConfigInput, type AdaptiveConfig, type AdaptiveKnob } from './optimized/config.js';
export type { AdaptiveDecision } from './optimized/adaptive.js';
export type { Recommendation } from './optimized/dashboard.js';
export type { MaintenanceAction, OptimizationReport, TreeState } from './optimized/maintenance.js';
export type { Alert, GrowthFit } from './metrics/alerts.js';
export { fitGrowth, MAX_GROWTH_EXPONENT } from './metrics/alerts.js';
export { createReaderPool, type ReaderPool, type ReaderPoolOptions, type WorkloadCounts } from './concurrent/pool.js';
export { RwLock, type ContentionMetrics } from './concurrent/rwlock.js';
export type {
  PrimaryIndex,
  BulkResult,
  BulkInsertResult,
  BulkDeleteResult,
  BulkGetResult,
  BulkPhases,
  BulkStrategy,
  TreeAnalysis,
  CompactResult,
  IdPathPair,
} from './types.js';
