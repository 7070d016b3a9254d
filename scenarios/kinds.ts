/**
 * Operation kinds and defaults shared by the schema and the generators. Kept apart from schema.ts
 * so that runner child processes, which never parse a scenario, do not load zod (~0.1 s a child).
 */
export const OPERATION_KINDS = [
  'read',
  'update',
  'insert',
  'delete',
  'scan',
  'readModifyWrite',
  'bulkInsert',
  'bulkDelete',
  'bulkGet',
] as const;
export type OperationKind = (typeof OPERATION_KINDS)[number];

/** Operations a workload runs when the scenario gives neither operations nor durationMs. */
export const DEFAULT_OPERATIONS = 10_000;
