/**
 * @module store/conformance
 *
 * The one behaviour every storage adapter must show, as node:test cases. An
 * adapter's test file calls `describeStoreConformance` with a way to open a
 * fresh, empty store; each case gets its own store, so cases cannot leak into
 * each other. The cases use only the `Store` interface.
 */
import { describe } from "node:test";
import type { Store } from "./store.js";
import { batchCases } from "./conformance/batch-cases.js";
import { filterCases } from "./conformance/filter-cases.js";
import { storeUser } from "./conformance/harness.js";
import { noteCases } from "./conformance/note-cases.js";
import { occurrenceCases } from "./conformance/occurrence-cases.js";
import { paginationCases } from "./conformance/pagination-cases.js";
import { projectCases } from "./conformance/project-cases.js";
import { updateCases } from "./conformance/update-cases.js";

/**
 * Registers the conformance suite for one adapter.
 * @param open opens a fresh, empty store
 * @param close releases it (and whatever `open` created); defaults to `store.close()`.
 *   It may be called on a store the case already closed.
 */
export function describeStoreConformance(
  name: string,
  open: () => Promise<Store>,
  close: (store: Store) => Promise<void> = (store) => store.close(),
): void {
  const use = storeUser(open, close);
  describe(`${name} conforms to the storage port`, () => {
    describe("projects", () => projectCases(use));
    describe("notes", () => noteCases(use));
    describe("occurrences", () => occurrenceCases(use));
    describe("batch creates", () => batchCases(use));
    describe("updates", () => updateCases(use));
    describe("pagination", () => paginationCases(use));
    describe("filters", () => filterCases(use));
  });
}
