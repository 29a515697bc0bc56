/**
 * @module bench/lib/pg-seed
 *
 * Fills a PostgreSQL store with a million occurrences in a few minutes, the
 * way lib/sqlite-seed does for SQLite: the schema, the provider project's
 * notes and the customer project are made by the real PostgreSQL store
 * (its migrations, its statements), and the occurrences by
 * GrafeasService.batchCreateOccurrences itself (validation, server-set name,
 * kind and times, UUIDv4 IDs, grafeas/rows.ts derivation) handing its rows to
 * a sink. Only the write differs from the server's: multi-row INSERTs of
 * 5000 rows (`unnest` of column arrays, as the store's own batch insert) on
 * two connections with `synchronous_commit = off`, so the service derives the
 * next rows while PostgreSQL stores the last ones. Afterwards the table is
 * ANALYZEd, so the planner has the statistics autovacuum would give it.
 */
import pg from "pg";
import { openPostgresStore } from "../../src/store/postgres/postgres-store.js";
import { quoteIdentifier } from "../../src/store/postgres/schema.js";
import type { OccurrenceRow, StoredRecord } from "../../src/store/store.js";
import { rowSink } from "./sqlite-seed.js";
import { benchProject, benchService, seedNotes, seedOccurrences, type SeedPlan } from "./workload.js";

const rowsPerInsert = 5000;
const connections = 2;

/** The occurrence columns, in the order {@link insertOccurrencesSql} takes their arrays. */
export function occurrenceColumnArrays(rows: readonly OccurrenceRow[]): unknown[] {
  return [
    rows.map((r) => r.project),
    rows.map((r) => r.occurrenceId),
    rows.map((r) => r.name),
    rows.map((r) => r.noteName),
    rows.map((r) => r.noteProject),
    rows.map((r) => r.noteId),
    rows.map((r) => r.kind),
    rows.map((r) => r.resourceUri),
    rows.map((r) => r.createTime),
    rows.map((r) => r.updateTime),
    rows.map((r) => r.json),
  ];
}

/** A multi-row INSERT of the schema's occurrence columns from one array per column. */
export function insertOccurrencesSql(schema: string): string {
  return `INSERT INTO ${quoteIdentifier(schema)}.occurrences
    (project, occurrence_id, name, note_name, note_project, note_id, kind, resource_uri, create_time, update_time, json_text)
    SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                         $9::bigint[], $10::bigint[], $11::text[])`;
}

/** Creates the schema (migrations), the notes and the customer project through the real PostgreSQL store. */
export async function createSeededPgSchema(url: string, schema: string): Promise<void> {
  const store = await openPostgresStore({ url, schema });
  try {
    await seedNotes(benchService(store));
    await store.createProject(benchProject);
  } finally {
    await store.close();
  }
}

/** Adds the occurrences of `plan` to a schema made by {@link createSeededPgSchema}; returns their names. */
export async function seedPgOccurrenceRows(url: string, schema: string, plan: SeedPlan): Promise<string[]> {
  const pool = new pg.Pool({
    connectionString: url,
    max: connections,
    options: "-c synchronous_commit=off -c maintenance_work_mem=256MB",
  });
  const sql = insertOccurrencesSql(schema);
  const inFlight = new Set<Promise<unknown>>();
  let failure: Error | undefined;
  let pending: OccurrenceRow[] = [];
  const flush = async () => {
    const rows = pending;
    pending = [];
    if (rows.length === 0) return;
    while (inFlight.size >= connections) await Promise.race(inFlight);
    if (failure !== undefined) throw failure;
    const insert = pool.query(sql, occurrenceColumnArrays(rows)).catch((error: unknown) => {
      failure ??= error instanceof Error ? error : new Error(String(error));
    });
    inFlight.add(insert);
    void insert.finally(() => inFlight.delete(insert));
  };
  try {
    const indexes = await secondaryIndexes(pool, schema);
    for (const index of indexes) await pool.query(`DROP INDEX ${quoteIdentifier(schema)}.${quoteIdentifier(index.name)}`);
    const sink = rowSink(() => undefined);
    const batchCreate = async (_project: string, rows: readonly OccurrenceRow[]): Promise<StoredRecord[]> => {
      pending.push(...rows);
      if (pending.length >= rowsPerInsert) await flush();
      return rows.map((row) => ({ name: row.name, json: row.json }));
    };
    const store = new Proxy(sink, {
      get: (target, property, receiver) =>
        property === "batchCreateOccurrences" ? batchCreate : (Reflect.get(target, property, receiver) as unknown),
    });
    const names = await seedOccurrences(benchService(store), plan);
    await flush();
    await Promise.all(inFlight);
    if (failure !== undefined) throw failure;
    // Two at a time: one per connection.
    const queue = [...indexes];
    const worker = async () => {
      for (let index = queue.shift(); index !== undefined; index = queue.shift()) await pool.query(index.definition);
    };
    await Promise.all(Array.from({ length: connections }, worker));
    await pool.query(`ANALYZE ${quoteIdentifier(schema)}.occurrences`);
    return names;
  } finally {
    await pool.end();
  }
}

/** The occurrence table's indexes that no constraint owns, with the statements that re-create them. */
async function secondaryIndexes(pool: pg.Pool, schema: string): Promise<{ name: string; definition: string }[]> {
  const result = await pool.query<{ name: string; definition: string }>(
    `SELECT i.relname AS name, pg_get_indexdef(i.oid) AS definition
       FROM pg_index x JOIN pg_class i ON i.oid = x.indexrelid
      WHERE x.indrelid = $1::regclass
        AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)
      ORDER BY i.relname`,
    [`${quoteIdentifier(schema)}.occurrences`],
  );
  return result.rows;
}

/** `count` occurrences of the schema (name and stored JSON), spread over the table. */
export async function samplePgOccurrences(url: string, schema: string, count: number): Promise<StoredRecord[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const total = await client.query<{ n: string }>(`SELECT count(*) AS n FROM ${quoteIdentifier(schema)}.occurrences`);
    const step = Math.max(1, Math.floor(Number(total.rows[0]?.n ?? 0) / count));
    const result = await client.query<StoredRecord>(
      `SELECT name, json_text AS json FROM ${quoteIdentifier(schema)}.occurrences WHERE seq % $1 = 0 ORDER BY seq LIMIT $2`,
      [step, count],
    );
    return result.rows;
  } finally {
    await client.end();
  }
}
