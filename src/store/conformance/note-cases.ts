/**
 * @module store/conformance/note-cases
 *
 * Notes: create, get, list and delete; uniqueness per project; and the rule
 * that a note still used by occurrences cannot be deleted.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { attestationNote, attestationOccurrence, imageUri, noteRow } from "../test-fixtures.js";
import { namesOf, rejectsWith, type UseStore } from "./harness.js";

const all = { pageSize: 1000 };

export function noteCases(use: UseStore): void {
  test("createNote returns the row's name and JSON, and getNote reads back exactly that", () =>
    use(async (store) => {
      const row = attestationNote("signing", "qa");
      const created = await store.createNote(row);
      assert.deepEqual(created, { name: "projects/signing/notes/qa", json: row.json });
      assert.deepEqual(await store.getNote("signing", "qa"), created);
    }));

  test("creating a note with an existing ID is ALREADY_EXISTS and keeps the first note", () =>
    use(async (store) => {
      const first = noteRow("p", "n", { shortDescription: "first" });
      await store.createNote(first);
      await rejectsWith(
        store.createNote(noteRow("p", "n", { shortDescription: "second" })),
        "ALREADY_EXISTS",
        'note "projects/p/notes/n" already exists',
      );
      assert.equal((await store.getNote("p", "n")).json, first.json);
    }));

  test("getting, updating or deleting a missing note is NOT_FOUND", () =>
    use(async (store) => {
      await store.createNote(attestationNote("p", "other"));
      const message = 'note "projects/p/notes/missing" not found';
      await rejectsWith(store.getNote("p", "missing"), "NOT_FOUND", message);
      await rejectsWith(
        store.updateNote("p", "missing", () => assert.fail("the callback must not run")),
        "NOT_FOUND",
        message,
      );
      await rejectsWith(store.deleteNote("p", "missing"), "NOT_FOUND", message);
    }));

  test("the same note ID in two projects names two distinct notes", () =>
    use(async (store) => {
      const inA = noteRow("a", "n", { shortDescription: "in a" });
      const inB = noteRow("b", "n", { shortDescription: "in b" });
      await store.createNote(inA);
      await store.createNote(inB);
      assert.equal((await store.getNote("a", "n")).json, inA.json);
      assert.equal((await store.getNote("b", "n")).json, inB.json);
      await store.deleteNote("a", "n");
      await rejectsWith(store.getNote("a", "n"), "NOT_FOUND");
      assert.equal((await store.getNote("b", "n")).json, inB.json);
    }));

  test("listNotes lists only the project's notes, in insertion order", () =>
    use(async (store) => {
      await store.createNote(attestationNote("p", "zeta"));
      await store.createNote(attestationNote("other", "x"));
      await store.createNote(attestationNote("p", "alpha"));
      await store.createNote(attestationNote("p", "mid"));
      const page = await store.listNotes("p", all);
      assert.deepEqual(namesOf(page), [
        "projects/p/notes/zeta",
        "projects/p/notes/alpha",
        "projects/p/notes/mid",
      ]);
      assert.equal(page.nextCursor, undefined);
    }));

  test("listing the notes of a project that holds none is an empty page without a token", () =>
    use(async (store) => {
      const page = await store.listNotes("nobody", { pageSize: 10 });
      assert.deepEqual(page.records, []);
      assert.equal(page.nextCursor, undefined);
    }));

  test("a deleted note is gone, and a new note with its ID is listed last", () =>
    use(async (store) => {
      await store.createNote(attestationNote("p", "a"));
      await store.createNote(attestationNote("p", "b"));
      await store.deleteNote("p", "a");
      await rejectsWith(store.getNote("p", "a"), "NOT_FOUND");
      await store.createNote(attestationNote("p", "a"));
      assert.deepEqual(namesOf(await store.listNotes("p", all)), ["projects/p/notes/b", "projects/p/notes/a"]);
    }));

  test("deleting a note that occurrences use is FAILED_PRECONDITION and deletes nothing", () =>
    use(async (store) => {
      await store.createNote(attestationNote("p", "qa"));
      await store.createOccurrence(attestationOccurrence("p", "o1", "projects/p/notes/qa", imageUri(1)));
      await rejectsWith(
        store.deleteNote("p", "qa"),
        "FAILED_PRECONDITION",
        'note "projects/p/notes/qa" still has occurrences; delete them before the note',
      );
      await store.getNote("p", "qa");
      await store.getOccurrence("p", "o1");
    }));

  test("a note used only by another project's occurrence cannot be deleted either", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      await store.createOccurrence(
        attestationOccurrence("team", "o1", "projects/signing/notes/qa", imageUri(1)),
      );
      await rejectsWith(store.deleteNote("signing", "qa"), "FAILED_PRECONDITION");
      await store.getNote("signing", "qa");
    }));

  test("a note can be deleted once its occurrences are gone", () =>
    use(async (store) => {
      await store.createNote(attestationNote("p", "qa"));
      await store.createOccurrence(attestationOccurrence("p", "o1", "projects/p/notes/qa", imageUri(1)));
      await store.deleteOccurrence("p", "o1");
      await store.deleteNote("p", "qa");
      await rejectsWith(store.getNote("p", "qa"), "NOT_FOUND");
    }));

  test("a row whose JSON is not valid is refused as INTERNAL and nothing is stored", () =>
    use(async (store) => {
      await rejectsWith(store.createNote({ ...attestationNote("p", "bad"), json: "{not json" }), "INTERNAL");
      await rejectsWith(store.getNote("p", "bad"), "NOT_FOUND");
      await rejectsWith(store.getProject("p"), "NOT_FOUND");
    }));
}
