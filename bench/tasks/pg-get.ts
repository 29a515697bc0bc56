/**
 * @module bench/tasks/pg-get
 *
 * The PostgreSQL read baseline: the point select the store runs for
 * GetOccurrence (`SELECT seq, name, json_text … WHERE project = $1 AND
 * occurrence_id = $2`, a named prepared statement, as the store prepares it)
 * over random IDs, with raw `pg` through a pool of the store's default size,
 * in waves of `inFlight` queries (the load the Scriba side gets; the latency
 * recorded is a wave's, so only the rate compares). No HTTP, no
 * service: the floor for serving those reads from this database out of one
 * Node process.
 */
import pg from "pg";
import { quoteIdentifier } from "../../src/store/postgres/schema.js";
import { seededRandom } from "../lib/load-window.js";
import type { Task } from "../lib/task-loop.js";

export interface PgGetParams {
  readonly url: string;
  readonly schema: string;
  readonly project: string;
  readonly occurrenceIds: readonly string[];
  readonly inFlight: number;
  readonly poolSize: number;
}

export function createPgGetTask(params: PgGetParams): Task {
  const pool = new pg.Pool({ connectionString: params.url, max: params.poolSize });
  const text = `SELECT seq, name, json_text FROM ${quoteIdentifier(params.schema)}.occurrences WHERE project = $1 AND occurrence_id = $2`;
  const random = seededRandom(7);
  const ids = params.occurrenceIds;
  if (ids.length === 0) throw new Error("no occurrences to read");
  const one = async () => {
    const result = await pool.query({ name: "bench_get_occurrence", text, values: [params.project, ids[Math.floor(random() * ids.length)]!] });
    if (result.rows.length !== 1) throw new Error("a stored occurrence was not found");
  };
  return {
    async step() {
      await Promise.all(Array.from({ length: params.inFlight }, one));
      return params.inFlight;
    },
    close: () => pool.end(),
  };
}
