// @ts-check
/**
 * An adapter for a durable store: a small log-structured store (a Map in memory, every write
 * appended to a log file, the log replayed on open), written here in full so that the adapter's
 * side of durability is visible. It shows what a durable adapter must do:
 * - keep its files in `context.directory` (fresh per instance, removed after the job);
 * - honour `context.durability`: "sync" acknowledges a write once it is on disk (an fdatasync per
 *   write), "group" once a shared fdatasync covered it (writes of one event-loop turn share one),
 *   "none" hands writes to the operating system only;
 * - return promises where it waits (here only in "group" mode) and say so in `isAsync`.
 *
 *   npx tunebench run durable-writes --quick --impl-module examples/append-log-adapter.mjs \
 *     --impl append-log --impl primary
 */
import { closeSync, fdatasync, fdatasyncSync, openSync, readFileSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { defineImplementation } from 'tunebench/harness';

/** One log record per line: "+id\tpath" or "-id". A torn last line (a crash mid-write) is ignored. */
function replay(/** @type {string} */ file, /** @type {Map<string, string>} */ map) {
  let text = '';
  try {
    text = readFileSync(file, 'latin1');
  } catch {
    return;
  }
  const lines = text.split('\n');
  lines.pop(); // empty after the last newline, or a torn record
  for (const line of lines) {
    if (line[0] === '+') map.set(line.slice(1, line.indexOf('\t')), line.slice(line.indexOf('\t') + 1));
    else map.delete(line.slice(1));
  }
}

export default defineImplementation({
  name: 'append-log',
  description: 'a Map with an append-only log, fdatasync per write (sync) or per event-loop turn (group) (example adapter, examples/append-log-adapter.mjs)',
  knobs: {
    bufferKiB: { type: 'integer', min: 0, max: 1024, default: 0, description: 'with durability none: KiB of log records gathered before one write() (0: a write() per record)' },
  },
  durability: ['none', 'group', 'sync'],
  open(knobs, context) {
    const file = join(context.directory, 'store.log');
    const map = new Map();
    replay(file, map);
    const fd = openSync(file, 'a');
    /** @type {string[] | null} */
    let sortedKeys = null;
    let buffered = '';
    const bufferLimit = /** @type {number} */ (knobs.bufferKiB) * 1024;

    /** Appends a record; with "sync" returns once it is on disk. */
    const append = (/** @type {string} */ record) => {
      if (context.durability === 'none' && bufferLimit > 0) {
        buffered += record;
        if (buffered.length >= bufferLimit) flush();
        return;
      }
      writeSync(fd, record, null, 'latin1');
      if (context.durability === 'sync') fdatasyncSync(fd);
    };
    const flush = () => {
      if (buffered) writeSync(fd, buffered, null, 'latin1');
      buffered = '';
    };
    // "group": every write of one turn of the event loop waits for the same fdatasync.
    /** @type {Promise<void> | null} */
    let pendingSync = null;
    const groupSync = () =>
      (pendingSync ??= new Promise((resolve, reject) =>
        setImmediate(() => {
          pendingSync = null;
          fdatasync(fd, (error) => (error ? reject(error) : resolve()));
        }),
      ));
    /** @param {string} record */
    const write = (record) => {
      append(record);
      return context.durability === 'group' ? groupSync() : undefined;
    };
    const put = (/** @type {string} */ id, /** @type {string} */ path) => {
      if (!map.has(id)) sortedKeys = null;
      map.set(id, path);
      return write(`+${id}\t${path}\n`);
    };
    const remove = (/** @type {string} */ id) => {
      const existed = map.delete(id);
      if (existed) sortedKeys = null;
      const done = write(`-${id}\n`);
      return done ? done.then(() => existed) : existed;
    };

    return {
      spec: context.spec,
      config: { ...knobs, durability: context.durability },
      isAsync: context.durability === 'group',
      load(ids, paths) {
        let records = '';
        for (let i = 0; i < ids.length; i++) {
          map.set(ids[i], paths[i]);
          records += `+${ids[i]}\t${paths[i]}\n`;
        }
        writeSync(fd, records, null, 'latin1');
        if (context.durability !== 'none') fdatasyncSync(fd);
      },
      get: (id) => map.get(id),
      put,
      delete: remove,
      scan(from, count) {
        sortedKeys ??= [...map.keys()].sort();
        let lo = 0;
        let hi = sortedKeys.length;
        while (lo < hi) {
          const mid = (lo + hi) >>> 1;
          if (sortedKeys[mid] < from) lo = mid + 1;
          else hi = mid;
        }
        const end = Math.min(sortedKeys.length, lo + count);
        for (let i = lo; i < end; i++) map.get(sortedKeys[i]);
        return end - lo;
      },
      bulkInsert(pairs) {
        let records = '';
        for (const [id, path] of pairs) {
          if (!map.has(id)) sortedKeys = null;
          map.set(id, path);
          records += `+${id}\t${path}\n`;
        }
        return write(records);
      },
      bulkDelete(ids) {
        let records = '';
        for (const id of ids) {
          if (!map.delete(id)) continue;
          sortedKeys = null;
          records += `-${id}\n`;
        }
        return records ? write(records) : undefined;
      },
      bulkGet(ids) {
        let found = 0;
        for (const id of ids) if (map.has(id)) found++;
        return found;
      },
      memoryBytes: () => undefined,
      async close() {
        flush();
        await pendingSync;
        if (context.durability !== 'none') fdatasyncSync(fd);
        closeSync(fd);
      },
    };
  },
});
