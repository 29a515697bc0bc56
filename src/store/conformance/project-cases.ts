/**
 * @module store/conformance/project-cases
 *
 * Projects: explicit and implicit creation, listing, and deletion that is
 * refused while the project still holds notes or occurrences.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { attestationNote, attestationOccurrence, imageUri } from "../test-fixtures.js";
import { namesOf, rejectsWith, type UseStore } from "./harness.js";

const all = { pageSize: 1000 };

export function projectCases(use: UseStore): void {
  test("createProject returns the project and getProject reads it back", () =>
    use(async (store) => {
      const created = await store.createProject("alpha");
      assert.deepEqual(created, { name: "projects/alpha", json: '{"name":"projects/alpha"}' });
      assert.deepEqual(await store.getProject("alpha"), created);
    }));

  test("creating an existing project is ALREADY_EXISTS", () =>
    use(async (store) => {
      await store.createProject("alpha");
      await rejectsWith(
        store.createProject("alpha"),
        "ALREADY_EXISTS",
        'project "projects/alpha" already exists',
      );
    }));

  test("getting or deleting a project that was never created is NOT_FOUND", () =>
    use(async (store) => {
      await rejectsWith(store.getProject("ghost"), "NOT_FOUND", 'project "projects/ghost" not found');
      await rejectsWith(store.deleteProject("ghost"), "NOT_FOUND", 'project "projects/ghost" not found');
    }));

  test("writing a note creates its project implicitly, so creating it again is ALREADY_EXISTS", () =>
    use(async (store) => {
      await store.createNote(attestationNote("implicit", "qa"));
      assert.equal((await store.getProject("implicit")).name, "projects/implicit");
      await rejectsWith(store.createProject("implicit"), "ALREADY_EXISTS");
    }));

  test("writing an occurrence creates its project implicitly", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      await store.createOccurrence(
        attestationOccurrence("team", "o1", "projects/signing/notes/qa", imageUri(1)),
      );
      assert.equal((await store.getProject("team")).name, "projects/team");
    }));

  test("listProjects lists explicit and implicit projects in creation order", () =>
    use(async (store) => {
      await store.createProject("b");
      await store.createNote(attestationNote("a", "qa"));
      await store.createProject("c");
      await store.createNote(attestationNote("a", "second")); // a exists already: no new project
      assert.deepEqual(namesOf(await store.listProjects(all)), ["projects/b", "projects/a", "projects/c"]);
    }));

  test("deleting an empty project removes it from get and list", () =>
    use(async (store) => {
      await store.createProject("a");
      await store.createProject("b");
      await store.deleteProject("a");
      await rejectsWith(store.getProject("a"), "NOT_FOUND");
      assert.deepEqual(namesOf(await store.listProjects(all)), ["projects/b"]);
    }));

  test("deleting a project that holds a note is FAILED_PRECONDITION and keeps everything", () =>
    use(async (store) => {
      await store.createNote(attestationNote("full", "qa"));
      await rejectsWith(
        store.deleteProject("full"),
        "FAILED_PRECONDITION",
        'project "projects/full" still holds notes or occurrences; delete them first',
      );
      await store.getProject("full");
      await store.getNote("full", "qa");
    }));

  test("deleting a project that holds only occurrences is FAILED_PRECONDITION", () =>
    use(async (store) => {
      await store.createNote(attestationNote("signing", "qa"));
      await store.createOccurrence(
        attestationOccurrence("team", "o1", "projects/signing/notes/qa", imageUri(1)),
      );
      await rejectsWith(store.deleteProject("team"), "FAILED_PRECONDITION");
      await store.getOccurrence("team", "o1");
    }));

  test("a project emptied of its notes and occurrences can be deleted", () =>
    use(async (store) => {
      await store.createNote(attestationNote("p", "qa"));
      await store.createOccurrence(attestationOccurrence("p", "o1", "projects/p/notes/qa", imageUri(1)));
      await store.deleteOccurrence("p", "o1");
      await store.deleteNote("p", "qa");
      await store.deleteProject("p");
      await rejectsWith(store.getProject("p"), "NOT_FOUND");
    }));

  test("a write that fails does not create its project", () =>
    use(async (store) => {
      await rejectsWith(
        store.createOccurrence(attestationOccurrence("new", "o1", "projects/none/notes/qa", imageUri(1))),
        "FAILED_PRECONDITION",
      );
      await rejectsWith(store.getProject("new"), "NOT_FOUND");
      assert.deepEqual(namesOf(await store.listProjects(all)), []);
    }));

  test("a closed store answers UNAVAILABLE", () =>
    use(async (store) => {
      await store.ping();
      await store.close();
      await rejectsWith(store.ping(), "UNAVAILABLE");
      await rejectsWith(store.getProject("a"), "UNAVAILABLE");
    }));
}
