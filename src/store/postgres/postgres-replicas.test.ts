/**
 * Several stores (each with its own pool, as separate replicas have) on one
 * schema: the database, not a process, decides every race.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { ScribaError } from "../../errors.js";
import { PageTokens } from "../../grafeas/page-token.js";
import { listAll, namesOf, rejectsWith } from "../conformance/harness.js";
import { attestationNote, attestationOccurrence, imageUri, noteRow } from "../test-fixtures.js";
import { openPostgresStore, type PostgresStore } from "./postgres-store.js";
import { inFlight } from "./__fixtures__/in-flight.js";
import { describeWithPostgres, type TestPostgres } from "./__fixtures__/test-database.js";

const all = { pageSize: 1000 };
const qa = "projects/signing/notes/qa";
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Opens `count` stores ("replicas") on one fresh schema, runs `body`, closes them and drops the schema. */
async function withReplicas(
  postgres: TestPostgres,
  count: number,
  body: (replicas: PostgresStore[], schema: string) => Promise<void>,
): Promise<void> {
  const options = postgres.scratchOptions();
  const replicas: PostgresStore[] = [];
  try {
    for (let i = 0; i < count; i++) replicas.push(await openPostgresStore({ ...options, applicationName: `replica-${i}` }));
    await body(replicas, options.schema!);
  } finally {
    for (const replica of replicas) await replica.close();
    await postgres.dropSchema(options.schema!);
  }
}

/** Settles every call and sorts the outcomes into successes and error codes. */
async function outcomes(calls: Promise<unknown>[]): Promise<{ ok: number; codes: string[] }> {
  const settled = await Promise.allSettled(calls);
  const codes = settled
    .filter((s): s is PromiseRejectedResult => s.status === "rejected")
    .map((s) => (s.reason instanceof ScribaError ? s.reason.code : String(s.reason)));
  return { ok: settled.length - codes.length, codes };
}

/** Waits until a session of `application` is blocked on a lock: its statement has reached the race. */
async function blockedOnLock(postgres: TestPostgres, application: string): Promise<void> {
  for (let polls = 0; ; polls++) {
    const waiting = await postgres.query(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
      [application],
    );
    if ((waiting.rowCount ?? 0) > 0) return;
    assert.ok(polls < 1200, `${application} never waited for a lock`);
    await sleep(25);
  }
}

/** A connection holding an open transaction, to make a race happen exactly where a test wants it. */
async function openTransaction(postgres: TestPostgres): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  await client.query("BEGIN");
  return client;
}

const counterOf = (json: string) => Number((JSON.parse(json) as { shortDescription?: string }).shortDescription ?? "0");

describeWithPostgres("PostgreSQL stores on one schema (replicas)", (postgres) => {
  test("the same note created through two replicas at once succeeds exactly once; the rest are ALREADY_EXISTS", () =>
    withReplicas(postgres, 2, async ([a, b]) => {
      const calls = Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? a! : b!).createNote(attestationNote("p", "same")));
      const { ok, codes } = await outcomes(calls);
      assert.equal(ok, 1);
      assert.deepEqual(codes, Array(9).fill("ALREADY_EXISTS"));
      assert.deepEqual(namesOf(await b!.listNotes("p", all)), ["projects/p/notes/same"]);
    }));

  test("the same occurrence created through two replicas at once succeeds exactly once", () =>
    withReplicas(postgres, 2, async ([a, b]) => {
      await a!.createNote(attestationNote("signing", "qa"));
      const calls = Array.from({ length: 10 }, (_, i) =>
        (i % 2 === 0 ? a! : b!).createOccurrence(attestationOccurrence("team", "same", qa, imageUri(i))),
      );
      const { ok, codes } = await outcomes(calls);
      assert.equal(ok, 1);
      assert.deepEqual(codes, Array(9).fill("ALREADY_EXISTS"));
    }));

  test("20 concurrent read-modify-write updates through two replicas lose none", () =>
    withReplicas(postgres, 2, async ([a, b]) => {
      await a!.createNote(noteRow("p", "counter", { shortDescription: "0" }));
      const increment = (store: PostgresStore) =>
        store.updateNote("p", "counter", (current) =>
          noteRow("p", "counter", { shortDescription: String(counterOf(current.json) + 1) }),
        );
      const { ok } = await outcomes(Array.from({ length: 20 }, (_, i) => increment(i % 2 === 0 ? a! : b!)));
      assert.equal(ok, 20);
      assert.equal(counterOf((await b!.getNote("p", "counter")).json), 20);
    }));

  test("a batch that races with a conflicting insert writes nothing and names the conflict", () =>
    withReplicas(postgres, 1, async ([replica], schema) => {
      const intruder = await openTransaction(postgres);
      try {
        // Another replica's transaction has inserted note "b" but not committed yet.
        await replica!.createProject("p");
        await intruder.query(
          `INSERT INTO ${pg.escapeIdentifier(schema)}.notes (project, note_id, name, kind, create_time, update_time, json_text)
           VALUES ('p', 'b', 'projects/p/notes/b', 'ATTESTATION', 0, 0, '{"name":"projects/p/notes/b"}')`,
        );
        // The batch's check cannot see "b" yet; its insert waits on the unique index...
        const batch = inFlight(replica!.batchCreateNotes("p", ["a", "b", "c"].map((id) => attestationNote("p", id))));
        await blockedOnLock(postgres, "replica-0");
        // ...until the intruder commits: the batch must fail as a whole and name "b".
        await intruder.query("COMMIT");
        const error = await rejectsWith(batch, "ALREADY_EXISTS");
        assert.deepEqual(error.violations, [{ field: 'notes["b"]', description: 'note "projects/p/notes/b" already exists' }]);
        assert.deepEqual(namesOf(await replica!.listNotes("p", all)), ["projects/p/notes/b"]);
      } finally {
        await intruder.end();
      }
    }));

  test("an occurrence batch that races with the deletion of its note writes nothing and names the item", () =>
    withReplicas(postgres, 2, async ([a, b], schema) => {
      await a!.createNote(attestationNote("signing", "qa"));
      await a!.createNote(attestationNote("signing", "other"));
      const intruder = await openTransaction(postgres);
      try {
        await intruder.query(`DELETE FROM ${pg.escapeIdentifier(schema)}.notes WHERE note_id = 'qa'`);
        const rows = [
          attestationOccurrence("team", "o1", "projects/signing/notes/other", imageUri(1)),
          attestationOccurrence("team", "o2", qa, imageUri(2)),
        ];
        const batch = inFlight(b!.batchCreateOccurrences("team", rows));
        await blockedOnLock(postgres, "replica-1");
        await intruder.query("COMMIT");
        const error = await rejectsWith(batch, "FAILED_PRECONDITION");
        assert.deepEqual(error.violations.map((v) => v.field), ["occurrences[1]"]);
        assert.deepEqual((await a!.listOccurrences("team", all)).records, []);
      } finally {
        await intruder.end();
      }
    }));

  test("overlapping batches from two replicas: exactly one is written whole, the other not at all", () =>
    withReplicas(postgres, 2, async ([a, b]) => {
      for (let round = 0; round < 10; round++) {
        const project = `p${round}`;
        // Opposite insertion orders of the shared IDs invite a deadlock, which must not leak out.
        const first = ["a1", "x", "y", "a2"].map((id) => attestationNote(project, id));
        const second = ["b1", "y", "x", "b2"].map((id) => attestationNote(project, id));
        const [one, two] = await Promise.allSettled([a!.batchCreateNotes(project, first), b!.batchCreateNotes(project, second)]);
        const names = namesOf(await a!.listNotes(project, all)).sort();
        const winner = one.status === "fulfilled" ? first : second;
        const loser = one.status === "fulfilled" ? two : one;
        assert.ok((one.status === "fulfilled") !== (two.status === "fulfilled"), "exactly one batch succeeds");
        assert.ok(loser.status === "rejected" && loser.reason instanceof ScribaError);
        assert.equal(loser.reason.code, "ALREADY_EXISTS");
        assert.deepEqual(loser.reason.violations.map((v) => v.field).sort(), ['notes["x"]', 'notes["y"]']);
        assert.deepEqual(names, winner.map((row) => row.name).sort());
      }
    }));

  test("a note deleted through one replica while another attaches occurrences ends consistent either way", () =>
    withReplicas(postgres, 2, async ([a, b]) => {
      for (let round = 0; round < 10; round++) {
        const note = `n${round}`;
        await a!.createNote(attestationNote("signing", note));
        const [deleted, attached] = await Promise.allSettled([
          a!.deleteNote("signing", note),
          b!.createOccurrence(attestationOccurrence("team", `o${round}`, `projects/signing/notes/${note}`, imageUri(round))),
        ]);
        const noteThere = await a!.getNote("signing", note).then(() => true, () => false);
        const occurrenceThere = await a!.getOccurrence("team", `o${round}`).then(() => true, () => false);
        if (deleted.status === "fulfilled") {
          assert.equal(attached.status, "rejected");
          assert.deepEqual([noteThere, occurrenceThere], [false, false]);
        } else {
          assert.equal((deleted.reason as ScribaError).code, "FAILED_PRECONDITION");
          assert.equal(attached.status, "fulfilled");
          assert.deepEqual([noteThere, occurrenceThere], [true, true]);
        }
      }
    }));

  test("a listing begun on one replica continues on another, through tokens sealed with the shared key", () =>
    withReplicas(postgres, 2, async ([a, b]) => {
      const rows = Array.from({ length: 25 }, (_, i) => attestationNote("p", `n${String(i).padStart(2, "0")}`));
      await a!.batchCreateNotes("p", rows);
      const key = new Uint8Array(32).fill(7);
      // Each replica has its own PageTokens, built from the one configured key.
      const tokensOf = new Map([
        [a!, new PageTokens(key)],
        [b!, new PageTokens(key)],
      ]);
      const scope = "ListNotes projects/p";
      let token: string | undefined;
      let turn = 0;
      const seen = await listAll(async () => {
        const replica = turn++ % 2 === 0 ? a! : b!;
        const cursor = token === undefined ? undefined : tokensOf.get(replica)!.open(scope, token);
        const page = await replica.listNotes("p", { pageSize: 4, cursor });
        token = page.nextCursor === undefined ? undefined : tokensOf.get(replica)!.issue(scope, page.nextCursor);
        return page;
      }, 4);
      assert.deepEqual(seen, rows.map((row) => row.name));
      assert.ok(turn > 2, "both replicas served pages");
    }));

  test("a write through one replica is read through another at once", () =>
    withReplicas(postgres, 3, async ([a, b, c]) => {
      await a!.createNote(attestationNote("p", "n"));
      await b!.updateNote("p", "n", () => noteRow("p", "n", { shortDescription: "changed" }));
      assert.equal((JSON.parse((await c!.getNote("p", "n")).json) as { shortDescription: string }).shortDescription, "changed");
      await c!.deleteNote("p", "n");
      await rejectsWith(a!.getNote("p", "n"), "NOT_FOUND");
    }));
});
