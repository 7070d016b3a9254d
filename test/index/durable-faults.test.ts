/**
 * Injected faults at every file-system call (SQLite's I/O-error loop): for each durability mode
 * and each kind of fault, the workload runs once per call number k with the k-th call failing;
 * reopening must give exactly the acknowledged writes (test/fixtures/durable-faults.ts).
 */
import { after, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { FAULTS } from '../../index/storage/faulty-fs.js';
import { prepareBase, runGroupsWithFault, runWithFault, scratchRoot } from '../fixtures/durable-faults.js';

const root = scratchRoot();
after(() => rmSync(root, { recursive: true, force: true }));
const base = prepareBase(root);

describe('a fault at every file-system call loses no acknowledged write', () => {
  for (const durability of ['sync', 'group', 'none'] as const) {
    it(`${durability}: ${FAULTS.join(', ')} at call k, for every k`, () => {
      const clean = runWithFault(base, root, null, durability);
      assert.equal(clean.violation, null);
      assert.equal(clean.errors, 0);
      assert.ok(clean.calls > 80, `the workload made ${clean.calls} calls`);
      const violations: string[] = [];
      let failedCalls = 0;
      for (const fault of FAULTS) {
        for (let k = 1; k <= clean.calls; k++) {
          const run = runWithFault(base, root, { failAt: k, fault }, durability);
          assert.ok(run.faulted, `${fault} at call ${k} was injected`);
          failedCalls += run.errors;
          if (run.violation) violations.push(`${fault} at call ${k} (${run.faulted}): ${run.violation}`);
        }
      }
      assert.deepEqual(violations, []);
      // The faults were felt: many runs had calls that threw (and were then not applied).
      assert.ok(failedCalls > clean.calls, `${failedCalls} calls threw`);
    });
  }
});

describe('a fault at every file-system call of the OptimizedIndex group commit loses no acknowledged write and applies nothing of a failed group', () => {
  for (const fsyncOffLoop of [false, true]) {
    it(`fsync ${fsyncOffLoop ? 'off the event loop' : 'on the event loop'}: ${FAULTS.join(', ')} at call k, for every k`, async () => {
      const clean = await runGroupsWithFault(base, root, null, fsyncOffLoop);
      assert.equal(clean.violation, null);
      assert.equal(clean.errors, 0);
      assert.ok(clean.calls > 10, `the workload made ${clean.calls} calls`);
      const violations: string[] = [];
      let failedCalls = 0;
      for (const fault of FAULTS) {
        for (let k = 1; k <= clean.calls; k++) {
          const run = await runGroupsWithFault(base, root, { failAt: k, fault }, fsyncOffLoop);
          assert.ok(run.faulted, `${fault} at call ${k} was injected`);
          failedCalls += run.errors;
          if (run.violation) violations.push(`${fault} at call ${k} (${run.faulted}): ${run.violation}`);
        }
      }
      assert.deepEqual(violations, []);
      assert.ok(failedCalls > clean.calls, `${failedCalls} writes were rejected`);
    });
  }
});
