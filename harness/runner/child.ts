/**
 * Child process entry: receives one Job over IPC, runs it, sends back one RoundResult per arm (or
 * the error) and exits. Started by run.ts with --expose-gc. It first loads the user's
 * implementation modules named in the job (the parent's settings), as the parent did.
 */
import { loadModules } from '../adapters/registry.js';
import { describeFailure } from '../errors.js';
import { executeJob } from './execute.js';
import type { ChildMessage, Job } from './types.js';

process.once('message', (job: Job) => {
  const reply = (message: ChildMessage, code: number) => process.send!(message, () => process.exit(code));
  (job.modules ? loadModules(job.modules) : Promise.resolve()).then(() => executeJob(job)).then(
    (results) => reply({ ok: true, results }, 0),
    (error: unknown) => reply({ ok: false, error: describeFailure(error) }, 1),
  );
});
