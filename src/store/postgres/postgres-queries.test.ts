/**
 * What the list queries do inside PostgreSQL: which index answers them, and
 * that client-written filter values stay values.
 */
import assert from "node:assert/strict";
import { after, before, describe, test } from "node:test";
import pg from "pg";
import { compileFilter } from "../../filter/index.js";
import { namesOf, rejectsWith } from "../conformance/harness.js";
import type { ListQuery } from "../store.js";
import { attestationNote, attestationOccurrence, noteRow } from "../test-fixtures.js";
import { noteOccurrenceListSql, occurrenceListSql, type SqlQuery } from "./list-sql.js";
import type { PostgresStore } from "./postgres-store.js";
import { describeWithPostgres } from "./__fixtures__/test-database.js";

interface PlanNode {
  "Node Type": string;
  "Index Name"?: string;
  Plans?: PlanNode[];
}

const flatten = (node: PlanNode): PlanNode[] => [node, ...(node.Plans ?? []).flatMap(flatten)];
const uri = (n: number) => `https://gcr.io/app${n}@sha256:${n.toString(16).padStart(64, "0")}`;

describeWithPostgres("PostgreSQL list queries", (postgres) => {
  describe("query plans on 20 000 occurrences", () => {
    let store: PostgresStore;
    let schema: string;

    before(async () => {
      ({ store, schema } = await postgres.scratchStore());
      const s = pg.escapeIdentifier(schema);
      // 20 000 occurrences: 2 000 images, 4 kinds, 20 notes; a tenth in another project.
      await postgres.query(`INSERT INTO ${s}.projects (project, name) VALUES
        ('team', 'projects/team'), ('other', 'projects/other'), ('signing', 'projects/signing')`);
      await postgres.query(`
        INSERT INTO ${s}.notes (project, note_id, name, kind, create_time, update_time, json_text)
        SELECT 'signing', 'n' || i, 'projects/signing/notes/n' || i, 'ATTESTATION', 0, 0,
               json_build_object('name', 'projects/signing/notes/n' || i)::text
        FROM generate_series(0, 19) AS i`);
      await postgres.query(`
        INSERT INTO ${s}.occurrences (project, occurrence_id, name, note_name, note_project, note_id, kind,
                                      resource_uri, create_time, update_time, json_text)
        SELECT p, 'o' || i, 'projects/' || p || '/occurrences/o' || i, 'projects/signing/notes/n' || (i % 20),
               'signing', 'n' || (i % 20), (ARRAY['ATTESTATION', 'VULNERABILITY', 'BUILD', 'IMAGE'])[1 + i % 4],
               u, 0, 0, json_build_object('name', 'projects/' || p || '/occurrences/o' || i, 'resourceUri', u)::text
        FROM generate_series(0, 19999) AS i,
             LATERAL (SELECT CASE WHEN i % 10 = 0 THEN 'other' ELSE 'team' END AS p,
                             'https://gcr.io/app' || (i % 2000) || '@sha256:' || lpad(to_hex(i % 2000), 64, '0') AS u) AS v`);
      await postgres.query(`ANALYZE ${s}.occurrences`);
      await postgres.query(`ANALYZE ${s}.notes`);
    });
    after(() => postgres.closeScratchStore(store));

    /** The plan PostgreSQL picks for a list query, with its parameters bound. */
    async function planOf(query: SqlQuery): Promise<PlanNode[]> {
      const result = await postgres.query<{ "QUERY PLAN": { Plan: PlanNode }[] }>(
        `EXPLAIN (FORMAT JSON) ${query.text}`,
        [...query.values],
      );
      return flatten(result.rows[0]!["QUERY PLAN"][0]!.Plan);
    }

    const occurrences = (filter?: string): ListQuery => ({
      pageSize: 100,
      filter: filter === undefined ? undefined : compileFilter(filter, "occurrence"),
    });

    function assertReadFrom(plan: PlanNode[], index: string): void {
      const summary = plan.map((node) => `${node["Node Type"]}${node["Index Name"] ? ` on ${node["Index Name"]}` : ""}`);
      assert.ok(plan.some((node) => node["Index Name"] === index), `expected ${index}: ${summary.join(" > ")}`);
      assert.ok(!plan.some((node) => node["Node Type"] === "Seq Scan"), `a sequential scan: ${summary.join(" > ")}`);
    }

    test("occurrences filtered by resource are read through the resource index", async () => {
      assertReadFrom(await planOf(occurrenceListSql(schema, "team", occurrences(`resourceUri = "${uri(7)}"`))), "occurrences_by_resource");
    });

    test("Kritis's kind-and-resource filter is read through the resource index", async () => {
      const filter = `resourceUrl = "${uri(7)}" AND kind = "ATTESTATION"`;
      assertReadFrom(await planOf(occurrenceListSql(schema, "team", occurrences(filter))), "occurrences_by_resource");
    });

    test("a resource prefix (a trailing wildcard) is a range on the resource index", async () => {
      const plan = await planOf(occurrenceListSql(schema, "team", occurrences(`resourceUri = "https://gcr.io/app7@*"`)));
      assertReadFrom(plan, "occurrences_by_resource");
    });

    test("occurrences filtered by note name are read through the note-name index", async () => {
      const plan = await planOf(occurrenceListSql(schema, "team", occurrences(`noteName = "projects/signing/notes/n3" AND resourceUri:"app1"`)));
      assert.ok(plan.some((node) => node["Index Name"]?.startsWith("occurrences_by_")));
      assert.ok(!plan.some((node) => node["Node Type"] === "Seq Scan"));
    });

    test("a note's occurrences are read through the note index across projects", async () => {
      assertReadFrom(await planOf(noteOccurrenceListSql(schema, "signing", "n3", occurrences())), "occurrences_by_note");
    });

    test("the filtered list returns what the plan promises, in insertion order", async () => {
      const page = await store.listOccurrences("team", occurrences(`resourceUri = "${uri(7)}"`));
      assert.deepEqual(
        namesOf(page),
        Array.from({ length: 10 }, (_, k) => 7 + 2000 * k).filter((i) => i % 10 !== 0).map((i) => `projects/team/occurrences/o${i}`),
      );
    });
  });

  describe("injection attempts", () => {
    const payloads = [
      `x' OR '1'='1`,
      `'); DROP TABLE occurrences; --`,
      `" OR 1=1 --`,
      `$1`,
      `\\'; SELECT pg_sleep(10); --`,
      `https://gcr.io/p/app@sha256:0' UNION SELECT seq, name, json_text FROM notes --`,
    ];

    test("filter values that look like SQL are compared as values and change nothing", async () => {
      const { store } = await postgres.scratchStore();
      try {
        await store.createNote(attestationNote("signing", "qa"));
        for (const [i, payload] of payloads.entries()) {
          await store.createOccurrence(attestationOccurrence("team", `o${i}`, "projects/signing/notes/qa", payload));
        }
        await store.createOccurrence(attestationOccurrence("team", "plain", "projects/signing/notes/qa", "https://gcr.io/p/app"));
        for (const [i, payload] of payloads.entries()) {
          const quoted = JSON.stringify(payload);
          for (const filter of [`resourceUri = ${quoted}`, `resource_url:${quoted}`, `noteName = ${quoted} OR resourceUri = ${quoted}`]) {
            const page = await store.listOccurrences("team", { pageSize: 100, filter: compileFilter(filter, "occurrence") });
            assert.deepEqual(namesOf(page), [`projects/team/occurrences/o${i}`], filter);
          }
          const mapKey = `build.provenance.buildOptions.${quoted} = ${quoted}`;
          assert.deepEqual((await store.listOccurrences("team", { pageSize: 100, filter: compileFilter(mapKey, "occurrence") })).records, []);
        }
        // Everything is still there.
        assert.equal((await store.listOccurrences("team", { pageSize: 100 })).records.length, payloads.length + 1);
        assert.deepEqual(namesOf(await store.listNotes("signing", { pageSize: 10 })), ["projects/signing/notes/qa"]);
      } finally {
        await postgres.closeScratchStore(store);
      }
    });

    test("JSON that looks like SQL is stored and read back verbatim", async () => {
      const { store } = await postgres.scratchStore();
      try {
        const row = noteRow("p", "n", { shortDescription: `'); DROP TABLE notes; --`, longDescription: "$1 $2 \\' \\\\" });
        await store.createNote(row);
        assert.deepEqual(await store.getNote("p", "n"), { name: row.name, json: row.json });
      } finally {
        await postgres.closeScratchStore(store);
      }
    });

    test("a NUL character, which PostgreSQL text cannot hold, is INVALID_ARGUMENT in writes and filters", async () => {
      const { store } = await postgres.scratchStore();
      try {
        await rejectsWith(store.createNote(noteRow("p", "n", { shortDescription: "a\u0000b" })), "INVALID_ARGUMENT");
        await rejectsWith(
          store.listOccurrences("team", { pageSize: 10, filter: compileFilter(`resourceUri = "a\\u0000b"`, "occurrence") }),
          "INVALID_ARGUMENT",
        );
        await rejectsWith(store.getNote("p", "n"), "NOT_FOUND");
      } finally {
        await postgres.closeScratchStore(store);
      }
    });
  });
});
