/**
 * @module bench/tasks/pg-insert
 *
 * The PostgreSQL ingest baseline: raw `pg` inserts of the rows a
 * BatchCreateOccurrences call writes, one multi-row INSERT (`unnest` of column
 * arrays) per batch of the same size, each its own transaction, into the same
 * schema (made by the store's migrations: indexes, foreign keys, the jsonb
 * column generated from the text) with the server's default durability
 * (`synchronous_commit` on). Each row gets a fresh UUID, spliced into its name
 * and JSON, as the service gives it; the project's and notes' existence
 * checks the store makes are not made. Two batches in flight, as the Scriba
 * side gets. The floor for storing those rows in this PostgreSQL.
 */
import { randomUUID } from "node:crypto";
import pg from "pg";
import type { OccurrenceRow } from "../../src/store/store.js";
import { insertOccurrencesSql, occurrenceColumnArrays } from "../lib/pg-seed.js";
import type { Task } from "../lib/task-loop.js";

export interface PgInsertParams {
  readonly url: string;
  /** A schema made by createSeededPgSchema (notes and project present). */
  readonly schema: string;
  /** One batch of rows as the service derived them; re-inserted with new IDs. */
  readonly rows: readonly OccurrenceRow[];
  readonly inFlight: number;
}

function splitAround(text: string, id: string): [string, string] {
  const at = text.indexOf(id);
  if (at < 0) throw new Error(`the row does not contain its own ID ${id}`);
  return [text.slice(0, at), text.slice(at + id.length)];
}

export function createPgInsertTask(params: PgInsertParams): Task {
  const pool = new pg.Pool({ connectionString: params.url, max: params.inFlight });
  const sql = { name: "bench_insert_occurrences", text: insertOccurrencesSql(params.schema) };
  const templates = params.rows.map((row) => ({ row, name: splitAround(row.name, row.occurrenceId), json: splitAround(row.json, row.occurrenceId) }));
  const batch = () =>
    templates.map(({ row, name, json }) => {
      const id = randomUUID();
      return { ...row, occurrenceId: id, name: name[0] + id + name[1], json: json[0] + id + json[1] };
    });
  return {
    async step() {
      await Promise.all(Array.from({ length: params.inFlight }, () => pool.query({ ...sql, values: occurrenceColumnArrays(batch()) })));
      return templates.length * params.inFlight;
    },
    close: () => pool.end(),
  };
}
