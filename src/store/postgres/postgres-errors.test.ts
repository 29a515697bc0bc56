/**
 * How the store answers when PostgreSQL fails, with real failures provoked on
 * the test server: timeouts, an exhausted pool, killed sessions, a table
 * pulled from under the store, and secrets in the connection settings.
 */
import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { ScribaError } from "../../errors.js";
import { rejectsWith } from "../conformance/harness.js";
import { attestationNote, noteRow } from "../test-fixtures.js";
import { describePostgresTarget, openPostgresStore, type PostgresStore } from "./postgres-store.js";
import { freePort } from "./__fixtures__/private-cluster.js";
import { inFlight } from "./__fixtures__/in-flight.js";
import { describeWithPostgres, scratchName, type TestPostgres } from "./__fixtures__/test-database.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A connection holding a row lock on note `p/n` of `schema`, so the store's update of it must wait. */
async function lockNote(postgres: TestPostgres, schema: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: postgres.url });
  await client.connect();
  await client.query("BEGIN");
  await client.query(`SELECT 1 FROM ${pg.escapeIdentifier(schema)}.notes WHERE project = 'p' AND note_id = 'n' FOR UPDATE`);
  return client;
}

/** Waits until a session of `application` waits for a lock. */
async function waitingForLock(postgres: TestPostgres, application: string): Promise<void> {
  for (let polls = 0; ; polls++) {
    const rows = await postgres.query(
      "SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND wait_event_type = 'Lock'",
      [application],
    );
    if ((rows.rowCount ?? 0) > 0) return;
    assert.ok(polls < 1200, `${application} never waited for a lock`);
    await sleep(25);
  }
}

const touch = (store: PostgresStore) =>
  store.updateNote("p", "n", () => noteRow("p", "n", { shortDescription: "touched" }));

describeWithPostgres("PostgreSQL failures", (postgres) => {
  test("a statement that outlives the statement timeout is UNAVAILABLE, and the store carries on", async () => {
    const { store, schema } = await postgres.scratchStore({ statementTimeoutMs: 1000 });
    try {
      await store.createNote(attestationNote("p", "n"));
      const holder = await lockNote(postgres, schema);
      try {
        const error = await rejectsWith(touch(store), "UNAVAILABLE");
        assert.equal(error.message, "the database is unavailable (the statement timed out); retry the request");
      } finally {
        await holder.end();
      }
      await touch(store);
    } finally {
      await postgres.closeScratchStore(store);
    }
  });

  test("a request that finds every pooled connection busy past the connection timeout is UNAVAILABLE", async () => {
    const application = scratchName("pool_test");
    const { store, schema } = await postgres.scratchStore({ poolSize: 1, connectionTimeoutMs: 2000, applicationName: application });
    try {
      await store.createNote(attestationNote("p", "n"));
      const holder = await lockNote(postgres, schema);
      let update: Promise<unknown> | undefined;
      try {
        update = inFlight(touch(store)); // holds the only connection while it waits for the row
        await waitingForLock(postgres, application);
        const error = await rejectsWith(store.getNote("p", "n"), "UNAVAILABLE");
        assert.match(error.message, /no connection became free within the connection timeout/);
      } finally {
        await holder.end();
      }
      await update;
      assert.equal((await store.getNote("p", "n")).json, noteRow("p", "n", { shortDescription: "touched" }).json);
    } finally {
      await postgres.closeScratchStore(store);
    }
  });

  test("a session killed by the server mid-statement is UNAVAILABLE, and the next call gets a fresh connection", async () => {
    const application = scratchName("terminate_test");
    const { store, schema } = await postgres.scratchStore({ applicationName: application });
    try {
      await store.createNote(attestationNote("p", "n"));
      const holder = await lockNote(postgres, schema);
      try {
        const update = inFlight(touch(store));
        await waitingForLock(postgres, application);
        await postgres.query("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1", [application]);
        const error = await rejectsWith(update, "UNAVAILABLE");
        assert.match(error.message, /restarting or shutting down|connection was lost/);
      } finally {
        await holder.end();
      }
      await touch(store);
    } finally {
      await postgres.closeScratchStore(store);
    }
  });

  test("idle connections killed by the server are replaced without crashing the process", async () => {
    const application = scratchName("idle_test");
    const { store } = await postgres.scratchStore({ applicationName: application });
    try {
      await Promise.all(Array.from({ length: 4 }, (_, i) => store.createNote(attestationNote("p", `n${i}`))));
      const killed = await postgres.query(
        "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = $1",
        [application],
      );
      assert.ok((killed.rowCount ?? 0) > 0, "the store had open connections to kill");
      for (let attempt = 0; ; attempt++) {
        const outcome = await store.getNote("p", "n0").then(
          () => "ok",
          (error: unknown) => (error instanceof ScribaError ? error.code : "not a ScribaError"),
        );
        if (outcome === "ok") break;
        assert.equal(outcome, "UNAVAILABLE");
        assert.ok(attempt < 10, "the store did not recover");
      }
      await store.ping();
    } finally {
      await postgres.closeScratchStore(store);
    }
  });

  test("an unexpected database error is INTERNAL with a fixed message, the original kept as the cause", async () => {
    const { store, schema } = await postgres.scratchStore();
    try {
      await store.createNote(attestationNote("p", "n"));
      await postgres.query(`DROP TABLE ${pg.escapeIdentifier(schema)}.occurrences, ${pg.escapeIdentifier(schema)}.notes`);
      const error = await rejectsWith(store.getNote("p", "n"), "INTERNAL");
      assert.equal(error.message, "internal error");
      assert.ok(error.cause instanceof pg.DatabaseError);
      assert.equal(error.cause.code, "42P01");
    } finally {
      await postgres.closeScratchStore(store);
    }
  });

  test("a closed store answers UNAVAILABLE and may be closed again", async () => {
    const { store } = await postgres.scratchStore();
    await postgres.closeScratchStore(store);
    await rejectsWith(store.getNote("p", "n"), "UNAVAILABLE", "the store is closed");
    await rejectsWith(store.ping(), "UNAVAILABLE", "the store is closed");
    await store.close();
  });

  test("the password never appears in start-up errors or in the description of the target", async () => {
    const password = "s3cret-Pa55word";
    const port = await freePort();
    const unreachable = { url: `postgres://scriba:${password}@127.0.0.1:${port}/scriba`, connectionTimeoutMs: 1000 };
    const refused = await rejectsWith(openPostgresStore(unreachable), "UNAVAILABLE");
    assert.match(refused.message, new RegExp(`^cannot open the PostgreSQL store at postgres://scriba@127\\.0\\.0\\.1:${port}/scriba`));
    assert.ok(!refused.message.includes(password), refused.message);
    assert.ok(!describePostgresTarget(unreachable).includes(password));
    assert.match(describePostgresTarget(unreachable), /password from url/);

    const server = new URL(postgres.url);
    server.username = "postgres";
    server.password = password;
    server.pathname = `/${scratchName("no_such_database")}`;
    const missing = await rejectsWith(openPostgresStore({ url: server.toString() }), "UNAVAILABLE");
    assert.match(missing.message, /the database does not exist/);
    assert.ok(!missing.message.includes(password), missing.message);
  });

  test("a user that may not create the schema is refused at start-up as FAILED_PRECONDITION, naming the privilege", async () => {
    const role = scratchName("scriba_test_role");
    await postgres.query(`CREATE ROLE ${pg.escapeIdentifier(role)} LOGIN`);
    try {
      const url = new URL(postgres.url);
      url.username = role;
      url.password = "";
      const error = await rejectsWith(openPostgresStore({ ...postgres.scratchOptions(), url: url.toString() }), "FAILED_PRECONDITION");
      assert.match(error.message, /lacks a privilege \(42501\); it needs CREATE on the database, or a schema it owns$/);
    } finally {
      await postgres.query(`DROP ROLE ${pg.escapeIdentifier(role)}`);
    }
  });

  test("settings that do not parse are INVALID_ARGUMENT before any connection is tried", async () => {
    await rejectsWith(openPostgresStore({ url: "postgres://x@127.0.0.1:1/db?sslmode=prefer" }), "INVALID_ARGUMENT");
    await rejectsWith(openPostgresStore({ url: "mysql://x@127.0.0.1/db" }), "INVALID_ARGUMENT");
    await rejectsWith(openPostgresStore({ url: postgres.url, schema: "Robert'); DROP TABLE students;--" }), "INVALID_ARGUMENT");
  });
});
