/**
 * @module store/postgres/__fixtures__/test-database
 *
 * The one way tests reach PostgreSQL. The server is named by
 * `SCRIBA_TEST_POSTGRES_URL` (default `postgres://postgres@127.0.0.1:5432/test`,
 * a user allowed to create schemas and databases). When it cannot be reached,
 * the tests that need it are skipped with a notice that says so, unless
 * `SCRIBA_REQUIRE_POSTGRES=1`, in which case they fail: CI must never pass by
 * skipping.
 *
 * Every test works in its own scratch schema or scratch database, with a
 * unique name, dropped afterwards (and, as a fallback, when the suite ends).
 *
 * Usage:
 *
 * ```ts
 * describeWithPostgres("the PostgreSQL store", (postgres) => {
 *   test("…", async () => {
 *     const { store } = await postgres.scratchStore();          // a fresh schema
 *     const db = await postgres.scratchDatabase();              // or a fresh database
 *     // start servers with `--storage ${db.url}` …
 *     await postgres.closeScratchStore(store);
 *     await db.drop();
 *   });
 * });
 * ```
 */
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { after, describe, test, type TestContext } from "node:test";
import pg from "pg";
import type { PostgresStoreOptions } from "../connection-options.js";
import { openPostgresStore, type PostgresStore } from "../postgres-store.js";

export const defaultTestUrl = "postgres://postgres@127.0.0.1:5432/test";

/** The server tests use: `SCRIBA_TEST_POSTGRES_URL`, or the local default. */
export function postgresTestUrl(): string {
  const fromEnv = process.env.SCRIBA_TEST_POSTGRES_URL;
  return fromEnv === undefined || fromEnv === "" ? defaultTestUrl : fromEnv;
}

/** Whether a missing PostgreSQL fails the tests instead of skipping them. */
export const postgresRequired = (): boolean => process.env.SCRIBA_REQUIRE_POSTGRES === "1";

/** A URL with its password replaced, for notices. */
export function redactUrl(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== "") parsed.password = "redacted";
    return parsed.toString();
  } catch {
    return "(a malformed URL)";
  }
}

/** A unique, lower-case name for a scratch schema or database. */
export function scratchName(prefix: string): string {
  return `${prefix}_${process.pid}_${randomBytes(5).toString("hex")}`;
}

export interface ScratchDatabase {
  readonly name: string;
  /** The test server's URL with this database in its path. */
  readonly url: string;
  /** Drops the database, closing whatever connections are still open to it. */
  drop(): Promise<void>;
}

export interface ScratchStore {
  readonly store: PostgresStore;
  readonly schema: string;
  /** The options the store was opened with (open more stores — "replicas" — on the same schema with them). */
  readonly options: PostgresStoreOptions;
}

/** A reachable test server and the scratch space tests create on it. */
export interface TestPostgres {
  /** The test server's URL (as configured; it may hold a password). */
  readonly url: string;
  /** Runs a statement on the test server's database, outside any scratch schema. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** Store options for a new scratch schema (not created yet: the store creates it); dropped when the suite ends. */
  scratchOptions(extra?: Partial<PostgresStoreOptions>): PostgresStoreOptions;
  /** Opens a store on a new scratch schema. */
  scratchStore(extra?: Partial<PostgresStoreOptions>): Promise<ScratchStore>;
  /** Closes a store from `scratchStore` and drops its schema. Safe to call twice. */
  closeScratchStore(store: PostgresStore): Promise<void>;
  /** Drops a schema and everything in it. */
  dropSchema(schema: string): Promise<void>;
  /** Creates an empty database. */
  scratchDatabase(): Promise<ScratchDatabase>;
}

export type PostgresProbe =
  | { readonly available: true; readonly postgres: TestPostgres; end(): Promise<void> }
  | { readonly available: false; readonly notice: string };

class TestServer implements TestPostgres {
  readonly url: string;
  readonly #pool: pg.Pool;
  readonly #schemas = new Set<string>();
  readonly #databases = new Set<string>();
  readonly #storeSchemas = new Map<PostgresStore, string>();

  constructor(url: string, pool: pg.Pool) {
    this.url = url;
    this.#pool = pool;
  }

  query<R extends pg.QueryResultRow>(text: string, values: unknown[] = []): Promise<pg.QueryResult<R>> {
    return this.#pool.query<R>(text, values);
  }

  scratchOptions(extra: Partial<PostgresStoreOptions> = {}): PostgresStoreOptions {
    const schema = scratchName("scriba_test");
    this.#schemas.add(schema);
    return { url: this.url, schema, poolSize: 4, ...extra };
  }

  async scratchStore(extra: Partial<PostgresStoreOptions> = {}): Promise<ScratchStore> {
    const options = this.scratchOptions(extra);
    const schema = options.schema!;
    const store = await openPostgresStore(options);
    this.#storeSchemas.set(store, schema);
    return { store, schema, options };
  }

  async closeScratchStore(store: PostgresStore): Promise<void> {
    await store.close();
    const schema = this.#storeSchemas.get(store);
    this.#storeSchemas.delete(store);
    if (schema !== undefined) await this.dropSchema(schema);
  }

  async dropSchema(schema: string): Promise<void> {
    await this.#pool.query(`DROP SCHEMA IF EXISTS ${pg.escapeIdentifier(schema)} CASCADE`);
    this.#schemas.delete(schema);
  }

  async scratchDatabase(): Promise<ScratchDatabase> {
    const name = scratchName("scriba_test_db");
    await this.#pool.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
    this.#databases.add(name);
    const url = new URL(this.url);
    url.pathname = `/${name}`;
    return {
      name,
      url: url.toString(),
      drop: async () => {
        await this.#dropDatabase(name);
      },
    };
  }

  async #dropDatabase(name: string): Promise<void> {
    await this.#pool.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`);
    this.#databases.delete(name);
  }

  /** Closes what tests left open and drops what they left behind. */
  async end(): Promise<void> {
    for (const store of [...this.#storeSchemas.keys()]) await this.closeScratchStore(store).catch(() => undefined);
    for (const schema of [...this.#schemas]) await this.dropSchema(schema).catch(() => undefined);
    for (const name of [...this.#databases]) await this.#dropDatabase(name).catch(() => undefined);
    await this.#pool.end();
  }
}

/** Connects to the test server, or says why it could not. */
export async function probePostgres(url: string = postgresTestUrl()): Promise<PostgresProbe> {
  const pool = new pg.Pool({ connectionString: url, max: 2, connectionTimeoutMillis: 5000 });
  pool.on("error", () => undefined);
  try {
    await pool.query("SELECT 1");
  } catch (error) {
    await pool.end().catch(() => undefined);
    const reason = error instanceof Error ? error.message : String(error);
    return {
      available: false,
      notice: `PostgreSQL not reachable at ${redactUrl(url)} (${reason}): set SCRIBA_TEST_POSTGRES_URL`,
    };
  }
  const server = new TestServer(url, pool);
  return { available: true, postgres: server, end: () => server.end() };
}

/** Skips the running test with the probe's notice, or fails it when PostgreSQL is required. */
export function skipWithoutPostgres(t: TestContext, notice: string): void {
  if (postgresRequired()) assert.fail(`${notice} (SCRIBA_REQUIRE_POSTGRES=1)`);
  t.skip(notice);
}

/**
 * A suite that needs PostgreSQL: `body` registers its tests with the reachable
 * server, or the suite holds a single test that skips (or, when PostgreSQL is
 * required, fails) with a notice. Scratch space left behind is dropped when
 * the suite ends.
 */
export function describeWithPostgres(name: string, body: (postgres: TestPostgres) => void): void {
  describe(name, async () => {
    const probe = await probePostgres();
    if (!probe.available) {
      test("PostgreSQL is reachable", (t) => skipWithoutPostgres(t, probe.notice));
      return;
    }
    after(() => probe.end());
    body(probe.postgres);
  });
}
