/**
 * Child process entry: receives one Job over IPC, runs it, sends back one RoundResult per arm (or
 * the error) and exits. Started by run.ts with --expose-gc.
 */
import { executeJob } from './execute.js';
import type { ChildMessage, Job } from './types.js';

process.once('message', (job: Job) => {
  const reply = (message: ChildMessage, code: number) => process.send!(message, () => process.exit(code));
  executeJob(job).then(
    (results) => reply({ ok: true, results }, 0),
    (error: unknown) => reply({ ok: false, error: error instanceof Error ? error.message : String(error) }, 1),
  );
});
