/**
 * @module store/conformance/pagination-cases
 *
 * Every list pages the same way: insertion order, pages of at most pageSize,
 * a token on every page but the last, nothing skipped or repeated even when
 * records come and go between pages, and malformed tokens refused.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import type { ListQuery, Page, Store } from "../store.js";
import { attestationNote, attestationOccurrence, imageUri } from "../test-fixtures.js";
import { listAll, namesOf, rejectsWith, type UseStore } from "./harness.js";

const qa = "projects/signing/notes/qa";

interface Listing {
  readonly method: string;
  /** Creates `count` listed records (and some that must not be listed); returns the listed names in order. */
  seed(store: Store, count: number): Promise<string[]>;
  list(store: Store, query: ListQuery): Promise<Page>;
}

const listings: readonly Listing[] = [
  {
    method: "listProjects",
    async seed(store, count) {
      const names: string[] = [];
      for (let i = 0; i < count; i++) {
        // Alternate explicit and implicit creation; both are listed in creation order.
        if (i % 2 === 0) await store.createProject(`p${i}`);
        else await store.createNote(attestationNote(`p${i}`, "n"));
        names.push(`projects/p${i}`);
      }
      return names;
    },
    list: (store, query) => store.listProjects(query),
  },
  {
    method: "listNotes",
    async seed(store, count) {
      const names: string[] = [];
      for (let i = 0; i < count; i++) {
        names.push((await store.createNote(attestationNote("p", `n${count - i}`))).name);
        await store.createNote(attestationNote("elsewhere", `n${i}`));
      }
      return names;
    },
    list: (store, query) => store.listNotes("p", query),
  },
  {
    method: "listOccurrences",
    async seed(store, count) {
      await store.createNote(attestationNote("signing", "qa"));
      const names: string[] = [];
      for (let i = 0; i < count; i++) {
        const row = attestationOccurrence("team", `o${count - i}`, qa, imageUri(i));
        names.push((await store.createOccurrence(row)).name);
        await store.createOccurrence(attestationOccurrence("elsewhere", `o${i}`, qa, imageUri(i)));
      }
      return names;
    },
    list: (store, query) => store.listOccurrences("team", query),
  },
  {
    method: "listNoteOccurrences",
    async seed(store, count) {
      await store.createNote(attestationNote("signing", "qa"));
      await store.createNote(attestationNote("signing", "other"));
      const names: string[] = [];
      for (let i = 0; i < count; i++) {
        const row = attestationOccurrence(`team${i % 3}`, `o${i}`, qa, imageUri(i));
        names.push((await store.createOccurrence(row)).name);
        await store.createOccurrence(
          attestationOccurrence("team0", `x${i}`, "projects/signing/notes/other", imageUri(i)),
        );
      }
      return names;
    },
    list: (store, query) => store.listNoteOccurrences("signing", "qa", query),
  },
];

const malformedTokens = ["abc", "-1", "1.5", "01", " 1", "1e3", "0x10", "99999999999999999999"];

export function paginationCases(use: UseStore): void {
  for (const listing of listings) {
    test(`${listing.method} walks every record once, in insertion order, at every page size`, () =>
      use(async (store) => {
        const count = 7;
        const expected = await listing.seed(store, count);
        for (let pageSize = 1; pageSize <= count + 1; pageSize++) {
          const names = await listAll((cursor) => listing.list(store, { pageSize, cursor }), pageSize);
          assert.deepEqual(names, expected, `pageSize ${pageSize}`);
        }
      }));

    test(`${listing.method} of nothing is an empty page without a token`, () =>
      use(async (store) => {
        await listing.seed(store, 0);
        const page = await listing.list(store, { pageSize: 3 });
        assert.deepEqual(page.records, []);
        assert.equal(page.nextCursor, undefined);
      }));

    test(`${listing.method} gives no token when the last page is exactly full`, () =>
      use(async (store) => {
        const expected = await listing.seed(store, 4);
        const first = await listing.list(store, { pageSize: 2 });
        assert.notEqual(first.nextCursor, undefined);
        const last = await listing.list(store, { pageSize: 2, cursor: first.nextCursor });
        assert.deepEqual(namesOf(last), expected.slice(2));
        assert.equal(last.nextCursor, undefined);
      }));

    test(`${listing.method} treats an empty page token as the first page`, () =>
      use(async (store) => {
        const expected = await listing.seed(store, 2);
        assert.deepEqual(namesOf(await listing.list(store, { pageSize: 5, cursor: "" })), expected);
      }));

    test(`${listing.method} refuses a malformed page token as INVALID_ARGUMENT`, () =>
      use(async (store) => {
        await listing.seed(store, 2);
        for (const cursor of malformedTokens) {
          await rejectsWith(listing.list(store, { pageSize: 5, cursor }), "INVALID_ARGUMENT");
        }
      }));

    test(`${listing.method} after a token beyond the last record is an empty last page`, () =>
      use(async (store) => {
        await listing.seed(store, 2);
        const page = await listing.list(store, { pageSize: 5, cursor: "9007199254740991" });
        assert.deepEqual(page.records, []);
        assert.equal(page.nextCursor, undefined);
      }));
  }

  test("notes inserted or deleted between pages are neither skipped nor repeated", () =>
    use(async (store) => {
      for (let i = 1; i <= 6; i++) await store.createNote(attestationNote("p", `n${i}`));
      const first = await store.listNotes("p", { pageSize: 2 });
      assert.deepEqual(namesOf(first), ["projects/p/notes/n1", "projects/p/notes/n2"]);
      await store.deleteNote("p", "n2"); // the record the token points at
      await store.deleteNote("p", "n4");
      await store.deleteNote("p", "n6"); // the last record, whose sequence a new row must not reuse
      await store.createNote(attestationNote("p", "n7"));
      const rest = await listAll(
        (cursor) => store.listNotes("p", { pageSize: 2, cursor: cursor ?? first.nextCursor }),
        2,
      );
      assert.deepEqual(rest, ["projects/p/notes/n3", "projects/p/notes/n5", "projects/p/notes/n7"]);
    }));

  test("a record created after the newest records were deleted still follows an old page token", () =>
    use(async (store) => {
      for (let i = 1; i <= 3; i++) await store.createNote(attestationNote("p", `n${i}`));
      const first = await store.listNotes("p", { pageSize: 2 });
      await store.deleteNote("p", "n2");
      await store.deleteNote("p", "n3");
      // A store that reused the sequence numbers of deleted rows would place n4 before the token.
      await store.createNote(attestationNote("p", "n4"));
      const rest = await store.listNotes("p", { pageSize: 2, cursor: first.nextCursor });
      assert.deepEqual(namesOf(rest), ["projects/p/notes/n4"]);
    }));

  test("occurrences inserted or deleted between pages are neither skipped nor repeated", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      for (let i = 1; i <= 5; i++) {
        await store.createOccurrence(attestationOccurrence("team", `o${i}`, qa, imageUri(i)));
      }
      const first = await store.listOccurrences("team", { pageSize: 3 });
      assert.equal(first.records.length, 3);
      await store.deleteOccurrence("team", "o3");
      await store.deleteOccurrence("team", "o5");
      await store.createOccurrence(attestationOccurrence("team", "o6", qa, imageUri(6)));
      const rest = await listAll(
        (cursor) => store.listOccurrences("team", { pageSize: 3, cursor: cursor ?? first.nextCursor }),
        3,
      );
      assert.deepEqual(rest, ["projects/team/occurrences/o4", "projects/team/occurrences/o6"]);
    }));
}
