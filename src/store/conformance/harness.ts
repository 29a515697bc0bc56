/**
 * @module store/conformance/harness
 *
 * What the conformance cases share: a fresh store per test, closed afterwards
 * even when the test fails, and assertions on ScribaErrors and pages.
 */
import assert from "node:assert/strict";
import type { ErrorCode } from "../../errors.js";
import { ScribaError } from "../../errors.js";
import type { Page, Store } from "../store.js";

/** Runs `body` with a fresh, empty store and closes it afterwards. */
export type UseStore = (body: (store: Store) => Promise<void>) => Promise<void>;

export function storeUser(
  open: () => Promise<Store>,
  close: (store: Store) => Promise<void>,
): UseStore {
  return async (body) => {
    const store = await open();
    try {
      await body(store);
    } finally {
      await close(store);
    }
  };
}

/** Awaits `promise`, asserts it rejected with a ScribaError of `code`, and returns the error. */
export async function rejectsWith(
  promise: Promise<unknown>,
  code: ErrorCode,
  message?: string,
): Promise<ScribaError> {
  let outcome: unknown;
  try {
    outcome = await promise;
  } catch (error) {
    assert.ok(error instanceof ScribaError, `expected a ScribaError, got ${String(error)}`);
    assert.equal(error.code, code, `expected ${code}, got ${error.code}: ${error.message}`);
    if (message !== undefined) assert.equal(error.message, message);
    return error;
  }
  assert.fail(`expected ${code}, but the call succeeded with ${JSON.stringify(outcome)}`);
}

export const namesOf = (page: Page) => page.records.map((record) => record.name);

/** Walks every page of a list and returns the names in order, checking the token rules. */
export async function listAll(
  list: (cursor: string | undefined) => Promise<Page>,
  pageSize: number,
): Promise<string[]> {
  const names: string[] = [];
  let cursor: string | undefined;
  for (let pages = 1; ; pages++) {
    const page = await list(cursor);
    assert.ok(page.records.length <= pageSize, "a page is never larger than pageSize");
    names.push(...namesOf(page));
    if (page.nextCursor === undefined) return names;
    assert.equal(page.records.length, pageSize, "only the last page may be short");
    assert.ok(pages < 10_000, "pagination does not terminate");
    cursor = page.nextCursor;
  }
}
