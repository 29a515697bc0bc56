/**
 * @module store/conformance/batch-cases
 *
 * Batch creates are all or nothing, and their one error names every bad item
 * by its field in the request.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { attestationNote, attestationOccurrence, imageUri } from "../test-fixtures.js";
import { namesOf, rejectsWith, type UseStore } from "./harness.js";

const all = { pageSize: 1000 };
const qa = "projects/signing/notes/qa";

export function batchCases(use: UseStore): void {
  test("batchCreateNotes creates every note, in order, and creates the project", () =>
    use(async (store) => {
      const rows = ["c", "a", "b"].map((id) => attestationNote("p", id));
      const created = await store.batchCreateNotes("p", rows);
      assert.deepEqual(created, rows.map((row) => ({ name: row.name, json: row.json })));
      assert.deepEqual(namesOf(await store.listNotes("p", all)), rows.map((row) => row.name));
      await store.getProject("p");
    }));

  test("a note batch with existing IDs writes nothing and names every duplicate", () =>
    use(async (store) => {
      await store.createNote(attestationNote("p", "a"));
      await store.createNote(attestationNote("p", "c"));
      const rows = ["a", "b", "c", "d"].map((id) => attestationNote("p", id));
      const error = await rejectsWith(store.batchCreateNotes("p", rows), "ALREADY_EXISTS");
      assert.deepEqual(error.violations, [
        { field: 'notes["a"]', description: 'note "projects/p/notes/a" already exists' },
        { field: 'notes["c"]', description: 'note "projects/p/notes/c" already exists' },
      ]);
      assert.match(error.message, /^2 of 4 notes failed, no notes were created: /);
      assert.deepEqual(namesOf(await store.listNotes("p", all)), ["projects/p/notes/a", "projects/p/notes/c"]);
    }));

  test("a note batch that repeats an ID writes nothing, not even its project", () =>
    use(async (store) => {
      const rows = [attestationNote("new", "x"), attestationNote("new", "y"), attestationNote("new", "x")];
      const error = await rejectsWith(store.batchCreateNotes("new", rows), "ALREADY_EXISTS");
      assert.deepEqual(error.violations.map((v) => v.field), ['notes["x"]']);
      assert.deepEqual((await store.listNotes("new", all)).records, []);
      await rejectsWith(store.getProject("new"), "NOT_FOUND");
    }));

  test("a note batch holding another project's note is refused as INTERNAL", () =>
    use(async (store) => {
      await rejectsWith(
        store.batchCreateNotes("p", [attestationNote("p", "a"), attestationNote("q", "b")]),
        "INTERNAL",
      );
      assert.deepEqual((await store.listNotes("p", all)).records, []);
    }));

  test("batchCreateOccurrences creates every occurrence, in order", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      const rows = [3, 1, 2].map((n) => attestationOccurrence("team", `o${n}`, qa, imageUri(n)));
      const created = await store.batchCreateOccurrences("team", rows);
      assert.deepEqual(created, rows.map((row) => ({ name: row.name, json: row.json })));
      assert.deepEqual(namesOf(await store.listOccurrences("team", all)), rows.map((row) => row.name));
      assert.deepEqual(namesOf(await store.listNoteOccurrences("signing", "qa", all)), rows.map((r) => r.name));
    }));

  test("an occurrence batch with mixed failures writes nothing and names every bad item by index", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      await store.createOccurrence(attestationOccurrence("team", "taken", qa, imageUri(9)));
      const rows = [
        attestationOccurrence("team", "taken", qa, imageUri(0)),
        attestationOccurrence("team", "o1", "projects/signing/notes/gone", imageUri(1)),
        attestationOccurrence("team", "o2", qa, imageUri(2)),
        attestationOccurrence("team", "o3", "projects/elsewhere/notes/qa", imageUri(3)),
      ];
      const error = await rejectsWith(store.batchCreateOccurrences("team", rows), "INVALID_ARGUMENT");
      assert.deepEqual(error.violations, [
        {
          field: "occurrences[0]",
          description: 'occurrence "projects/team/occurrences/taken" already exists',
        },
        {
          field: "occurrences[1]",
          description:
            'note "projects/signing/notes/gone" does not exist; create the note before its occurrences',
        },
        {
          field: "occurrences[3]",
          description:
            'note "projects/elsewhere/notes/qa" does not exist; create the note before its occurrences',
        },
      ]);
      assert.match(error.message, /^3 of 4 occurrences failed, no occurrences were created: /);
      assert.deepEqual(namesOf(await store.listOccurrences("team", all)), ["projects/team/occurrences/taken"]);
    }));

  test("an occurrence batch whose notes are all missing is FAILED_PRECONDITION", () =>
    use(async (store) => {
      const rows = [1, 2].map((n) => attestationOccurrence("team", `o${n}`, qa, imageUri(n)));
      const error = await rejectsWith(store.batchCreateOccurrences("team", rows), "FAILED_PRECONDITION");
      assert.deepEqual(error.violations.map((v) => v.field), ["occurrences[0]", "occurrences[1]"]);
      await rejectsWith(store.getProject("team"), "NOT_FOUND");
    }));

  test("an occurrence batch that repeats an ID names the repetition", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      const rows = [1, 2, 1].map((n) => attestationOccurrence("team", `o${n}`, qa, imageUri(n)));
      const error = await rejectsWith(store.batchCreateOccurrences("team", rows), "ALREADY_EXISTS");
      assert.deepEqual(error.violations.map((v) => v.field), ["occurrences[2]"]);
      assert.deepEqual((await store.listOccurrences("team", all)).records, []);
    }));
}
