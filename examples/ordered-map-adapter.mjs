// @ts-check
/**
 * An adapter for a third-party in-memory store: @js-sdsl/ordered-map (a red-black tree, "benchmarked
 * against C++ STL"). It is the smallest complete adapter: every method of the contract, one knob,
 * synchronous calls. Run it beside the built-in implementations:
 *
 *   npx tunebench run ycsb-a ycsb-e --quick --impl-module examples/ordered-map-adapter.mjs \
 *     --impl js-sdsl-ordered-map --impl sorted-btree
 *
 * Its imports resolve from this file's folder, as a user's adapter resolves from their project.
 */
import { OrderedMap } from '@js-sdsl/ordered-map';
import { defineImplementation } from 'tunebench/harness';

/** @param {string} a @param {string} b */
const byId = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
/** A copy of a runner's string, so that the store's memory counts its own strings. */
const own = (/** @type {string} */ s) => Buffer.from(s, 'utf8').toString('utf8');

export default defineImplementation({
  name: 'js-sdsl-ordered-map',
  description: '@js-sdsl/ordered-map 4.x: a red-black tree with string keys (example adapter, examples/ordered-map-adapter.mjs)',
  knobs: {
    // A knob changes behaviour, or it is not a knob: this one chooses how `load` builds the tree.
    sortedLoad: { type: 'boolean', default: true, description: 'load sorted pairs in one constructor call (false: one setElement per record)' },
  },
  durability: ['none'],
  open(knobs, context) {
    /** @type {OrderedMap<string, string>} */
    let map = new OrderedMap([], byId);
    return {
      spec: context.spec,
      config: { ...knobs },
      isAsync: false,
      load(ids, paths) {
        if (knobs.sortedLoad) {
          const order = ids.map((_, i) => i).sort((a, b) => byId(ids[a], ids[b]));
          map = new OrderedMap(order.map((i) => /** @type {[string, string]} */ ([own(ids[i]), own(paths[i])])), byId);
        } else {
          for (let i = 0; i < ids.length; i++) map.setElement(own(ids[i]), own(paths[i]));
        }
      },
      get: (id) => map.getElementByKey(id),
      put(id, path) {
        map.setElement(own(id), own(path));
      },
      delete: (id) => map.eraseElementByKey(id),
      scan(from, count) {
        const end = map.end();
        let read = 0;
        for (const it = map.lowerBound(from); read < count && !it.equals(end); it.next()) {
          void it.pointer[1];
          read++;
        }
        return read;
      },
      bulkInsert(pairs) {
        for (const [id, path] of pairs) map.setElement(own(id), own(path));
      },
      bulkDelete(ids) {
        for (const id of ids) map.eraseElementByKey(id);
      },
      bulkGet(ids) {
        let found = 0;
        for (const id of ids) if (map.getElementByKey(id) !== undefined) found++;
        return found;
      },
      // The runner measures the heap when a store cannot count its own bytes.
      memoryBytes: () => undefined,
      close() {
        map.clear();
      },
    };
  },
});
