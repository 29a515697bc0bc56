/**
 * @module store/postgres/migrate
 *
 * Brings a PostgreSQL schema to the newest version this code knows, at
 * start-up, from any number of replicas starting at once.
 *
 * The whole run holds a session-level `pg_advisory_lock` keyed by the schema's
 * name: the first replica creates the schema and applies what is missing; the
 * others wait for the lock, then find nothing left to do. Each migration runs
 * in its own transaction together with its row in `schema_migrations`, so a
 * failure leaves the previous version intact. A schema whose version is newer
 * than this code is refused (FAILED_PRECONDITION) rather than used
 * half-understood. Migrations may rewrite big tables, so this session gets
 * its own, longer statement timeout.
 */
import { createHash } from "node:crypto";
import type { Pool, PoolClient } from "pg";
import type { Logger } from "../../logging/logger.js";
import { schemaTooNew } from "../store-errors.js";
import { migrations, quoteIdentifier, type Migration } from "./schema.js";

export interface MigrationOutcome {
  /** The version found before migrating (0 for an empty schema). */
  readonly from: number;
  /** The version after migrating. */
  readonly to: number;
  /** The versions this call applied; empty when another replica had applied them. */
  readonly applied: readonly number[];
}

export interface MigrateOptions {
  readonly schema: string;
  /** Statement timeout of the migrating session, which includes waiting for the lock. */
  readonly timeoutMs: number;
  readonly logger?: Logger | undefined;
  readonly known?: readonly Migration[] | undefined;
}

/** The advisory lock key of a schema's migrations: 64 bits of a hash, as PostgreSQL's signed bigint. */
export function migrationLockKey(schema: string): string {
  const digest = createHash("sha256").update(`scriba schema migrations\0${schema}`).digest();
  return BigInt.asIntN(64, digest.readBigUInt64BE(0)).toString();
}

/** The highest applied migration version; 0 when the schema or its version table does not exist. */
export async function schemaVersion(client: Pick<Pool, "query">, schema: string): Promise<number> {
  const table = `${quoteIdentifier(schema)}.schema_migrations`;
  const exists = await client.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [table]);
  if ((exists.rows[0]?.found ?? null) === null) return 0;
  const result = await client.query<{ version: number }>(
    `SELECT coalesce(max(version), 0)::int AS version FROM ${table}`,
  );
  return result.rows[0]?.version ?? 0;
}

async function ensureSchema(client: PoolClient, schema: string): Promise<void> {
  const found = await client.query("SELECT 1 FROM pg_namespace WHERE nspname = $1", [schema]);
  // Checked first: CREATE ... IF NOT EXISTS needs the CREATE privilege even when nothing is created.
  if (found.rowCount === 0) await client.query(`CREATE SCHEMA ${quoteIdentifier(schema)}`);
  const table = await client.query<{ found: string | null }>("SELECT to_regclass($1)::text AS found", [
    `${quoteIdentifier(schema)}.schema_migrations`,
  ]);
  if ((table.rows[0]?.found ?? null) === null) {
    await client.query(`
      CREATE TABLE ${quoteIdentifier(schema)}.schema_migrations (
        version INTEGER PRIMARY KEY,
        description TEXT NOT NULL,
        applied_at TIMESTAMPTZ NOT NULL DEFAULT now()
      )`);
  }
}

async function apply(client: PoolClient, schema: string, migration: Migration): Promise<void> {
  await client.query("BEGIN");
  try {
    await client.query(migration.sql(quoteIdentifier(schema)));
    await client.query(
      `INSERT INTO ${quoteIdentifier(schema)}.schema_migrations (version, description) VALUES ($1, $2)`,
      [migration.version, migration.description],
    );
    await client.query("COMMIT");
  } catch (error) {
    await client.query("ROLLBACK").catch(() => undefined);
    throw error;
  }
}

/**
 * Applies the pending migrations under the schema's advisory lock and reports
 * what it did. Throws FAILED_PRECONDITION when the schema is newer than `known`.
 */
export async function migrate(pool: Pool, options: MigrateOptions): Promise<MigrationOutcome> {
  const known = [...(options.known ?? migrations)].sort((a, b) => a.version - b.version);
  const knownVersion = known.reduce((max, m) => Math.max(max, m.version), 0);
  const { schema } = options;
  const client = await pool.connect();
  try {
    await client.query("SELECT set_config('statement_timeout', $1, false)", [String(options.timeoutMs)]);
    await client.query("SELECT pg_advisory_lock($1::bigint)", [migrationLockKey(schema)]);
    try {
      await ensureSchema(client, schema);
      const from = await schemaVersion(client, schema);
      if (from > knownVersion) throw schemaTooNew(from, knownVersion);
      const applied: number[] = [];
      for (const migration of known) {
        if (migration.version <= from) continue;
        await apply(client, schema, migration);
        applied.push(migration.version);
        options.logger?.info("applied a PostgreSQL schema migration", {
          schema,
          version: migration.version,
          description: migration.description,
        });
      }
      return { from, to: await schemaVersion(client, schema), applied };
    } finally {
      await client.query("SELECT pg_advisory_unlock($1::bigint)", [migrationLockKey(schema)]).catch(() => undefined);
    }
  } finally {
    // The session's statement timeout was changed, so it is closed rather than handed back to the pool.
    client.release(true);
  }
}
