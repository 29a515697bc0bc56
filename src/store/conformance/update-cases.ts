/**
 * @module store/conformance/update-cases
 *
 * Updates are a read-modify-write inside the store: the callback sees the
 * current record, its row replaces it in place (same position in lists), and
 * a callback that throws leaves everything as it was.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { ScribaError } from "../../errors.js";
import { attestationNote, attestationOccurrence, imageUri, noteRow } from "../test-fixtures.js";
import type { StoredRecord } from "../store.js";
import { namesOf, rejectsWith, type UseStore } from "./harness.js";

const all = { pageSize: 1000 };
const qa = "projects/signing/notes/qa";

const descriptionOf = (record: StoredRecord) =>
  (JSON.parse(record.json) as { shortDescription?: string }).shortDescription ?? "";

export function updateCases(use: UseStore): void {
  test("updateNote hands the callback the current record and stores its row in place", () =>
    use(async (store) => {
      const original = noteRow("p", "n", { shortDescription: "before" });
      await store.createNote(original);
      await store.createNote(attestationNote("p", "later"));
      const replacement = noteRow("p", "n", { shortDescription: "after" });
      let seen: unknown;
      const updated = await store.updateNote("p", "n", (current) => {
        seen = current;
        return replacement;
      });
      assert.deepEqual(seen, { name: original.name, json: original.json });
      assert.deepEqual(updated, { name: replacement.name, json: replacement.json });
      assert.equal((await store.getNote("p", "n")).json, replacement.json);
      assert.deepEqual(namesOf(await store.listNotes("p", all)), ["projects/p/notes/n", "projects/p/notes/later"]);
    }));

  test("two overlapping updates of one note both take effect", () =>
    use(async (store) => {
      await store.createNote(noteRow("p", "n", { shortDescription: "" }));
      /** Appends `mark` to the description it finds, so a lost update shows as a missing mark. */
      const append = (mark: string) => (current: StoredRecord) =>
        noteRow("p", "n", { shortDescription: `${descriptionOf(current)}${mark}` });
      await Promise.all([store.updateNote("p", "n", append("a")), store.updateNote("p", "n", append("b"))]);
      const final = descriptionOf(await store.getNote("p", "n"));
      assert.ok(final === "ab" || final === "ba", `expected both updates, found ${JSON.stringify(final)}`);
    }));

  test("an update callback that throws changes nothing and its error reaches the caller", () =>
    use(async (store) => {
      const original = noteRow("p", "n", { shortDescription: "before" });
      await store.createNote(original);
      const refusal = new ScribaError("INVALID_ARGUMENT", "no such field");
      const error = await rejectsWith(
        store.updateNote("p", "n", () => {
          throw refusal;
        }),
        "INVALID_ARGUMENT",
      );
      assert.equal(error, refusal);
      assert.equal((await store.getNote("p", "n")).json, original.json);
    }));

  test("an update that renames the note is refused as INTERNAL and changes nothing", () =>
    use(async (store) => {
      const original = attestationNote("p", "n");
      await store.createNote(original);
      await rejectsWith(store.updateNote("p", "n", () => attestationNote("p", "other")), "INTERNAL");
      assert.equal((await store.getNote("p", "n")).json, original.json);
      await rejectsWith(store.getNote("p", "other"), "NOT_FOUND");
    }));

  test("updateOccurrence stores the callback's row in place", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      await store.createOccurrence(attestationOccurrence("team", "o1", qa, imageUri(1)));
      await store.createOccurrence(attestationOccurrence("team", "o2", qa, imageUri(2)));
      const replacement = attestationOccurrence("team", "o1", qa, imageUri(3));
      const updated = await store.updateOccurrence("team", "o1", (current) => {
        assert.equal(current.name, "projects/team/occurrences/o1");
        return replacement;
      });
      assert.deepEqual(updated, { name: replacement.name, json: replacement.json });
      assert.equal((await store.getOccurrence("team", "o1")).json, replacement.json);
      assert.deepEqual(namesOf(await store.listOccurrences("team", all)), [
        "projects/team/occurrences/o1",
        "projects/team/occurrences/o2",
      ]);
    }));

  test("an occurrence updated onto another note moves to that note's occurrences", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      await store.createNote(attestationNote("other", "qa2"));
      await store.createOccurrence(attestationOccurrence("team", "o1", qa, imageUri(1)));
      await store.updateOccurrence("team", "o1", () =>
        attestationOccurrence("team", "o1", "projects/other/notes/qa2", imageUri(1)),
      );
      assert.deepEqual((await store.listNoteOccurrences("signing", "qa", all)).records, []);
      assert.deepEqual(namesOf(await store.listNoteOccurrences("other", "qa2", all)), [
        "projects/team/occurrences/o1",
      ]);
      await store.deleteNote("signing", "qa");
      await rejectsWith(store.deleteNote("other", "qa2"), "FAILED_PRECONDITION");
    }));

  test("an occurrence updated onto a missing note is FAILED_PRECONDITION and unchanged", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      const original = attestationOccurrence("team", "o1", qa, imageUri(1));
      await store.createOccurrence(original);
      await rejectsWith(
        store.updateOccurrence("team", "o1", () =>
          attestationOccurrence("team", "o1", "projects/signing/notes/gone", imageUri(1)),
        ),
        "FAILED_PRECONDITION",
      );
      assert.equal((await store.getOccurrence("team", "o1")).json, original.json);
    }));

  test("an occurrence update callback that throws changes nothing", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      const original = attestationOccurrence("team", "o1", qa, imageUri(1));
      await store.createOccurrence(original);
      await rejectsWith(
        store.updateOccurrence("team", "o1", () => {
          throw new ScribaError("FAILED_PRECONDITION", "refused");
        }),
        "FAILED_PRECONDITION",
        "refused",
      );
      assert.equal((await store.getOccurrence("team", "o1")).json, original.json);
    }));
}
