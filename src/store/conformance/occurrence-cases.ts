/**
 * @module store/conformance/occurrence-cases
 *
 * Occurrences: create, get, list and delete; the note they reference must
 * exist (in any project); projects are isolated; and a note's occurrences can
 * be listed across projects.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { attestationNote, attestationOccurrence, imageUri } from "../test-fixtures.js";
import { namesOf, rejectsWith, type UseStore } from "./harness.js";

const all = { pageSize: 1000 };
const qa = "projects/signing/notes/qa";

export function occurrenceCases(use: UseStore): void {
  test("createOccurrence returns the row's name and JSON, and get and list read it back", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      const row = attestationOccurrence("signing", "o1", qa, imageUri(1));
      const created = await store.createOccurrence(row);
      assert.deepEqual(created, { name: "projects/signing/occurrences/o1", json: row.json });
      assert.deepEqual(await store.getOccurrence("signing", "o1"), created);
      assert.deepEqual((await store.listOccurrences("signing", all)).records, [created]);
    }));

  test("a deleted occurrence is gone from get and list", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      await store.createOccurrence(attestationOccurrence("signing", "o1", qa, imageUri(1)));
      await store.createOccurrence(attestationOccurrence("signing", "o2", qa, imageUri(2)));
      await store.deleteOccurrence("signing", "o1");
      await rejectsWith(store.getOccurrence("signing", "o1"), "NOT_FOUND");
      assert.deepEqual(namesOf(await store.listOccurrences("signing", all)), [
        "projects/signing/occurrences/o2",
      ]);
    }));

  test("an occurrence whose note does not exist is FAILED_PRECONDITION and is not stored", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      await rejectsWith(
        store.createOccurrence(attestationOccurrence("signing", "o1", "projects/signing/notes/nope", imageUri(1))),
        "FAILED_PRECONDITION",
        'note "projects/signing/notes/nope" does not exist; create the note before its occurrences',
      );
      await rejectsWith(store.getOccurrence("signing", "o1"), "NOT_FOUND");
      assert.deepEqual((await store.listOccurrences("signing", all)).records, []);
    }));

  test("an occurrence may use a note that lives in another project", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      await store.createOccurrence(attestationOccurrence("team", "o1", qa, imageUri(1)));
      assert.deepEqual(namesOf(await store.listOccurrences("team", all)), ["projects/team/occurrences/o1"]);
      assert.deepEqual((await store.listOccurrences("signing", all)).records, []);
    }));

  test("creating an occurrence with an existing ID is ALREADY_EXISTS and keeps the first", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      const first = attestationOccurrence("signing", "o1", qa, imageUri(1));
      await store.createOccurrence(first);
      await rejectsWith(
        store.createOccurrence(attestationOccurrence("signing", "o1", qa, imageUri(2))),
        "ALREADY_EXISTS",
        'occurrence "projects/signing/occurrences/o1" already exists',
      );
      assert.equal((await store.getOccurrence("signing", "o1")).json, first.json);
    }));

  test("getting, updating or deleting a missing occurrence is NOT_FOUND", () =>
    use(async (store) => {
      const message = 'occurrence "projects/p/occurrences/missing" not found';
      await rejectsWith(store.getOccurrence("p", "missing"), "NOT_FOUND", message);
      await rejectsWith(
        store.updateOccurrence("p", "missing", () => assert.fail("the callback must not run")),
        "NOT_FOUND",
        message,
      );
      await rejectsWith(store.deleteOccurrence("p", "missing"), "NOT_FOUND", message);
    }));

  test("another project's occurrence is NOT_FOUND for get, update and delete, and stays untouched", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      const row = attestationOccurrence("a", "o1", qa, imageUri(1));
      await store.createOccurrence(row);
      await store.createProject("b");
      const message = 'occurrence "projects/b/occurrences/o1" not found';
      await rejectsWith(store.getOccurrence("b", "o1"), "NOT_FOUND", message);
      await rejectsWith(
        store.updateOccurrence("b", "o1", () => assert.fail("the callback must not run")),
        "NOT_FOUND",
        message,
      );
      await rejectsWith(store.deleteOccurrence("b", "o1"), "NOT_FOUND", message);
      assert.deepEqual(await store.getOccurrence("a", "o1"), { name: row.name, json: row.json });
      assert.deepEqual((await store.listOccurrences("b", all)).records, []);
    }));

  test("listNoteOccurrences lists a note's occurrences from every project, in insertion order", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      await store.createNote(attestationNote("signing", "other"));
      await store.createOccurrence(attestationOccurrence("team-b", "o1", qa, imageUri(1)));
      await store.createOccurrence(attestationOccurrence("signing", "o2", qa, imageUri(2)));
      await store.createOccurrence(
        attestationOccurrence("team-a", "o3", "projects/signing/notes/other", imageUri(3)),
      );
      await store.createOccurrence(attestationOccurrence("team-a", "o4", qa, imageUri(4)));
      assert.deepEqual(namesOf(await store.listNoteOccurrences("signing", "qa", all)), [
        "projects/team-b/occurrences/o1",
        "projects/signing/occurrences/o2",
        "projects/team-a/occurrences/o4",
      ]);
    }));

  test("listNoteOccurrences of a missing note is NOT_FOUND", () =>
    use(async (store) => {
      await store.createNote(attestationNote("other", "qa"));
      await rejectsWith(
        store.listNoteOccurrences("signing", "qa", all),
        "NOT_FOUND",
        'note "projects/signing/notes/qa" not found',
      );
    }));

  test("listNoteOccurrences of an unused note is an empty page without a token", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      const page = await store.listNoteOccurrences("signing", "qa", { pageSize: 5 });
      assert.deepEqual(page.records, []);
      assert.equal(page.nextCursor, undefined);
    }));
}
