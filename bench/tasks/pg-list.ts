/**
 * @module bench/tasks/pg-list
 *
 * The PostgreSQL list baseline: the exact query the PostgreSQL store runs for
 * `ListOccurrences(parent, filter='resourceUri="…"', pageSize)` (built by the
 * store's own list-sql from the compiled filter, sent unprepared as the store
 * sends it), with raw `pg` on one connection, rows materialised. No HTTP, no
 * service, no JSON: the floor for answering that list from this database.
 */
import pg from "pg";
import { compileFilter } from "../../src/filter/index.js";
import { occurrenceListSql } from "../../src/store/postgres/list-sql.js";
import { seededRandom } from "../lib/load-window.js";
import type { Task } from "../lib/task-loop.js";

export interface PgListParams {
  readonly url: string;
  readonly schema: string;
  readonly project: string;
  readonly resourceUris: readonly string[];
  readonly pageSize: number;
}

export async function createPgListTask(params: PgListParams): Promise<Task> {
  const client = new pg.Client({ connectionString: params.url });
  await client.connect();
  const queries = params.resourceUris.map((uri) =>
    occurrenceListSql(params.schema, params.project, {
      filter: compileFilter(`resourceUri=${JSON.stringify(uri)}`, "occurrence"),
      pageSize: params.pageSize,
    }),
  );
  if (queries.length === 0) throw new Error("no resources to list");
  const random = seededRandom(42);
  return {
    async step() {
      const query = queries[Math.floor(random() * queries.length)]!;
      await client.query(query.text, [...query.values]);
      return 1;
    },
    close: () => client.end(),
  };
}
