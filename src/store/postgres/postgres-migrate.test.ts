import assert from "node:assert/strict";
import { test } from "node:test";
import pg from "pg";
import { ScribaError } from "../../errors.js";
import { createLogger } from "../../logging/logger.js";
import { rejectsWith } from "../conformance/harness.js";
import { attestationNote } from "../test-fixtures.js";
import { migrate, migrationLockKey, schemaVersion } from "./migrate.js";
import { openPostgresStore, type PostgresStore } from "./postgres-store.js";
import { latestSchemaVersion, migrations, type Migration } from "./schema.js";
import { inFlight } from "./__fixtures__/in-flight.js";
import { describeWithPostgres, type TestPostgres } from "./__fixtures__/test-database.js";

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** A pool on the test server for calling `migrate` directly. */
function poolOf(postgres: TestPostgres): pg.Pool {
  const pool = new pg.Pool({ connectionString: postgres.url, max: 2 });
  pool.on("error", () => undefined);
  return pool;
}

/** Waits until some session waits for the advisory lock `key` (what a replica blocked on migrations does). */
async function someoneWaitsForLock(postgres: TestPostgres, key: string): Promise<void> {
  const [classid, objid] = [Number(BigInt.asUintN(64, BigInt(key)) >> 32n), Number(BigInt.asUintN(32, BigInt(key)))];
  for (let polls = 0; ; polls++) {
    const waiting = await postgres.query(
      "SELECT 1 FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND classid::bigint = $1 AND objid::bigint = $2",
      [classid, objid],
    );
    if ((waiting.rowCount ?? 0) > 0) return;
    assert.ok(polls < 1200, "no session ever waited for the migration lock");
    await sleep(25);
  }
}

describeWithPostgres("PostgreSQL migrations", (postgres) => {
  test("stores started together on a fresh schema all open, and exactly one of them applies the migrations", async () => {
    const options = postgres.scratchOptions();
    const applying: string[] = [];
    const stores = await Promise.all(
      Array.from({ length: 6 }, (_, replica) =>
        openPostgresStore({
          ...options,
          logger: createLogger({
            level: "info",
            write: (line) => {
              if (line.includes("applied a PostgreSQL schema migration")) applying.push(`replica ${replica}`);
            },
          }),
        }),
      ),
    );
    try {
      const appliers = stores.filter((store) => store.migration.applied.length > 0);
      assert.equal(appliers.length, 1, "exactly one replica applied migrations");
      assert.deepEqual(appliers[0]!.migration.applied, migrations.map((m) => m.version));
      assert.equal(applying.length, migrations.length);
      assert.ok(stores.every((store) => store.migration.to === latestSchemaVersion));
      const rows = await postgres.query<{ version: number }>(
        `SELECT version FROM ${pg.escapeIdentifier(options.schema!)}.schema_migrations ORDER BY version`,
      );
      assert.deepEqual(rows.rows.map((r) => r.version), migrations.map((m) => m.version));
      // All of them work on the one schema.
      await stores[0]!.createNote(attestationNote("p", "n"));
      for (const store of stores) assert.equal((await store.getNote("p", "n")).name, "projects/p/notes/n");
    } finally {
      for (const store of stores) await store.close();
      await postgres.dropSchema(options.schema!);
    }
  });

  test("a replica waits for the migration lock held by another and then finds nothing to apply", async () => {
    const options = postgres.scratchOptions();
    const first = await openPostgresStore(options);
    const holder = new pg.Client({ connectionString: postgres.url });
    await holder.connect();
    let second: PostgresStore | undefined;
    try {
      const key = migrationLockKey(options.schema!);
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [key]);
      let opened = false;
      const opening = inFlight(
        openPostgresStore(options).then((store) => {
          opened = true;
          return store;
        }),
      );
      await someoneWaitsForLock(postgres, key);
      assert.equal(opened, false, "the replica opened while another held the migration lock");
      await holder.query("SELECT pg_advisory_unlock($1::bigint)", [key]);
      second = await opening;
      assert.deepEqual(second.migration, { from: latestSchemaVersion, to: latestSchemaVersion, applied: [] });
    } finally {
      await holder.end();
      await second?.close();
      await first.close();
      await postgres.dropSchema(options.schema!);
    }
  });

  test("waiting for the migration lock is bounded by the migration timeout and ends in UNAVAILABLE", async () => {
    const options = postgres.scratchOptions({ migrationTimeoutMs: 300 });
    const holder = new pg.Client({ connectionString: postgres.url });
    await holder.connect();
    try {
      await holder.query("SELECT pg_advisory_lock($1::bigint)", [migrationLockKey(options.schema!)]);
      const error = await rejectsWith(openPostgresStore(options), "UNAVAILABLE");
      assert.match(error.message, /statement timed out/);
    } finally {
      await holder.end();
    }
  });

  test("a schema at a newer version than this Scriba knows is refused as FAILED_PRECONDITION", async () => {
    const { store, schema, options } = await postgres.scratchStore();
    await store.close();
    try {
      await postgres.query(
        `INSERT INTO ${pg.escapeIdentifier(schema)}.schema_migrations (version, description) VALUES ($1, 'from the future')`,
        [latestSchemaVersion + 1],
      );
      const error = await rejectsWith(openPostgresStore(options), "FAILED_PRECONDITION");
      assert.equal(
        error.message,
        `the database schema is at version ${latestSchemaVersion + 1}, but this Scriba knows versions up to ${latestSchemaVersion}; upgrade Scriba`,
      );
    } finally {
      await postgres.dropSchema(schema);
    }
  });

  test("a migration that fails leaves no trace and no version row", async () => {
    const { store, schema } = await postgres.scratchStore();
    await store.close();
    const pool = poolOf(postgres);
    try {
      const broken: Migration = {
        version: latestSchemaVersion + 1,
        description: "fails half-way",
        sql: (s) => `CREATE TABLE ${s}.half_done (x INTEGER); INSERT INTO ${s}.no_such_table VALUES (1);`,
      };
      await assert.rejects(migrate(pool, { schema, timeoutMs: 10_000, known: [...migrations, broken] }));
      assert.equal(await schemaVersion(pool, schema), latestSchemaVersion);
      const table = await pool.query("SELECT to_regclass($1)::text AS found", [`${pg.escapeIdentifier(schema)}.half_done`]);
      assert.equal(table.rows[0].found, null);
    } finally {
      await pool.end();
      await postgres.dropSchema(schema);
    }
  });

  test("a schema at an older version is upgraded in place and keeps its data", async () => {
    const options = postgres.scratchOptions();
    const schema = options.schema!;
    const pool = poolOf(postgres);
    try {
      assert.deepEqual(await migrate(pool, { schema, timeoutMs: 10_000, known: migrations.slice(0, 1) }), {
        from: 0,
        to: 1,
        applied: [1],
      });
      await pool.query(`INSERT INTO ${pg.escapeIdentifier(schema)}.projects (project, name) VALUES ('old', 'projects/old')`);
      const next: Migration = {
        version: latestSchemaVersion + 1,
        description: "an index added later",
        sql: (s) => `CREATE INDEX later_index ON ${s}.notes (update_time)`,
      };
      const outcome = await migrate(pool, { schema, timeoutMs: 10_000, known: [...migrations, next] });
      assert.deepEqual(outcome.applied, [...migrations.slice(1).map((m) => m.version), next.version]);
      const store = await openPostgresStore(options).catch((error: unknown) => error);
      // This Scriba does not know the added version, so it refuses the upgraded schema...
      assert.ok(store instanceof ScribaError && store.code === "FAILED_PRECONDITION");
      // ...while the data written before the upgrade is intact.
      const kept = await pool.query(`SELECT project FROM ${pg.escapeIdentifier(schema)}.projects`);
      assert.deepEqual(kept.rows, [{ project: "old" }]);
    } finally {
      await pool.end();
      await postgres.dropSchema(schema);
    }
  });

  test("a store opened on a schema that already exists but is empty creates its tables there", async () => {
    const options = postgres.scratchOptions();
    await postgres.query(`CREATE SCHEMA ${pg.escapeIdentifier(options.schema!)}`);
    const store = await openPostgresStore(options);
    try {
      assert.deepEqual(store.migration.applied, migrations.map((m) => m.version));
      await store.createProject("p");
    } finally {
      await store.close();
      await postgres.dropSchema(options.schema!);
    }
  });
});
