/**
 * @module store/conformance/filter-cases
 *
 * Filters are pushed down into every list and select exactly the objects the
 * filter language says: the indexed names (kind, resource, note), JSON paths
 * into the object, and their combinations with AND, OR and NOT, also across
 * pages.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import { compileFilter, type FilterResource } from "../../filter/index.js";
import { Severity } from "../../gen/grafeas/v1/severity_pb.js";
import type { ListQuery, Store } from "../store.js";
import {
  attestationNote,
  attestationOccurrence,
  imageUri,
  vulnerabilityNote,
  vulnerabilityOccurrence,
} from "../test-fixtures.js";
import { listAll, namesOf, rejectsWith, type UseStore } from "./harness.js";

const qa = "projects/signing/notes/qa";
const cve = "projects/signing/notes/cve";
const otherCve = "projects/other/notes/cve";

/** A first page of 100 with the filter compiled for `resource`. */
function filtered(text: string, resource: FilterResource, pageSize = 100): ListQuery {
  const filter = compileFilter(text, resource);
  assert.ok(filter !== undefined, `${text} compiles to a filter`);
  return { filter, pageSize };
}

/**
 * Project `team` holds o1…o5; `elsewhere` holds x1, which no `team` list may show.
 *
 * | occurrence | kind          | note              | resource   | severity |
 * |------------|---------------|-------------------|------------|----------|
 * | o1         | ATTESTATION   | signing/qa        | imageUri(1)|          |
 * | o2         | VULNERABILITY | signing/cve       | imageUri(1)| CRITICAL |
 * | o3         | VULNERABILITY | signing/cve       | imageUri(2)| LOW      |
 * | o4         | ATTESTATION   | signing/qa        | imageUri(2)|          |
 * | o5         | VULNERABILITY | other/cve         | imageUri(2)| CRITICAL |
 * | x1         | VULNERABILITY | signing/cve       | imageUri(1)| CRITICAL |
 */
async function seed(store: Store): Promise<void> {
  await store.createNote(attestationNote("signing", "qa"));
  await store.createNote(vulnerabilityNote("signing", "cve"));
  await store.createNote(vulnerabilityNote("other", "cve"));
  await store.createOccurrence(attestationOccurrence("team", "o1", qa, imageUri(1)));
  await store.createOccurrence(vulnerabilityOccurrence("team", "o2", cve, imageUri(1), Severity.CRITICAL));
  await store.createOccurrence(vulnerabilityOccurrence("team", "o3", cve, imageUri(2), Severity.LOW));
  await store.createOccurrence(attestationOccurrence("team", "o4", qa, imageUri(2)));
  await store.createOccurrence(vulnerabilityOccurrence("team", "o5", otherCve, imageUri(2), Severity.CRITICAL));
  await store.createOccurrence(
    vulnerabilityOccurrence("elsewhere", "x1", cve, imageUri(1), Severity.CRITICAL),
  );
}

const team = (...ids: string[]) => ids.map((id) => `projects/team/occurrences/${id}`);

const occurrenceFilters: readonly { text: string; expected: string[] }[] = [
  { text: 'kind = "VULNERABILITY"', expected: team("o2", "o3", "o5") },
  { text: "kind = ATTESTATION", expected: team("o1", "o4") },
  { text: `resourceUri = "${imageUri(1)}"`, expected: team("o1", "o2") },
  { text: `resourceUrl = "${imageUri(2)}"`, expected: team("o3", "o4", "o5") },
  { text: `noteName = "${qa}"`, expected: team("o1", "o4") },
  { text: 'noteProjectId = "other"', expected: team("o5") },
  { text: 'noteProjectId = "signing" AND noteId = "cve"', expected: team("o2", "o3") },
  { text: "vulnerability.effectiveSeverity = CRITICAL", expected: team("o2", "o5") },
  { text: `kind = VULNERABILITY AND resourceUri = "${imageUri(2)}"`, expected: team("o3", "o5") },
  {
    text: `resourceUri = "${imageUri(1)}" OR vulnerability.effectiveSeverity = LOW`,
    expected: team("o1", "o2", "o3"),
  },
  { text: "NOT kind = ATTESTATION", expected: team("o2", "o3", "o5") },
  { text: "-vulnerability.effectiveSeverity = CRITICAL", expected: team("o1", "o3", "o4") },
  { text: 'kind = BUILD OR noteId = "nothing"', expected: [] },
];

export function filterCases(use: UseStore): void {
  for (const { text, expected } of occurrenceFilters) {
    test(`listOccurrences filtered by ${text} lists exactly the matching occurrences`, () =>
      use(async (store) => {
        await seed(store);
        const page = await store.listOccurrences("team", filtered(text, "occurrence"));
        assert.deepEqual(namesOf(page), expected);
        assert.equal(page.nextCursor, undefined);
      }));
  }

  test("a filtered list pages through the matches only, at every page size", () =>
    use(async (store) => {
      await seed(store);
      const { filter } = filtered("kind = VULNERABILITY", "occurrence");
      for (let pageSize = 1; pageSize <= 4; pageSize++) {
        const names = await listAll(
          (cursor) => store.listOccurrences("team", { filter, pageSize, cursor }),
          pageSize,
        );
        assert.deepEqual(names, team("o2", "o3", "o5"), `pageSize ${pageSize}`);
      }
    }));

  test("listNoteOccurrences applies the filter across projects", () =>
    use(async (store) => {
      await seed(store);
      const page = await store.listNoteOccurrences(
        "signing",
        "cve",
        filtered("vulnerability.effectiveSeverity = CRITICAL", "occurrence"),
      );
      assert.deepEqual(namesOf(page), ["projects/team/occurrences/o2", "projects/elsewhere/occurrences/x1"]);
    }));

  test("listNotes applies a note filter", () =>
    use(async (store) => {
      await seed(store);
      const page = await store.listNotes("signing", filtered("kind = VULNERABILITY", "note"));
      assert.deepEqual(namesOf(page), ["projects/signing/notes/cve"]);
    }));

  test("listProjects applies a project filter", () =>
    use(async (store) => {
      await seed(store);
      const page = await store.listProjects(filtered('name = "projects/team"', "project"));
      assert.deepEqual(namesOf(page), ["projects/team"]);
    }));

  test("a filter compiled for another resource is refused as INTERNAL", () =>
    use(async (store) => {
      await seed(store);
      await rejectsWith(store.listOccurrences("team", filtered("kind = VULNERABILITY", "note")), "INTERNAL");
    }));
}
