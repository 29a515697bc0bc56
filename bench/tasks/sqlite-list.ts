/**
 * @module bench/tasks/sqlite-list
 *
 * The list baseline: the exact query the SQLite store runs for
 * `ListOccurrences(parent, filter='resourceUri="…"', pageSize)` (built by the
 * store's own list-sql from the compiled filter), executed with raw
 * better-sqlite3 on the same file with the store's `mmap_size`, rows
 * materialised. No HTTP, no service, no JSON: the floor for answering that
 * list from this database.
 */
import Database from "better-sqlite3";
import { compileFilter } from "../../src/filter/index.js";
import { mmapSizeBytes } from "../../src/store/sqlite/connection.js";
import { occurrenceListSql } from "../../src/store/sqlite/list-sql.js";
import { seededRandom } from "../lib/load-window.js";
import type { Task } from "../lib/task-loop.js";

export interface SqliteListParams {
  readonly path: string;
  readonly project: string;
  readonly resourceUris: readonly string[];
  readonly pageSize: number;
}

export function createSqliteListTask(params: SqliteListParams): Task {
  const db = new Database(params.path, { readonly: true, timeout: 5000 });
  db.pragma(`mmap_size = ${mmapSizeBytes}`);
  const queries = params.resourceUris.map((uri) =>
    occurrenceListSql(params.project, {
      filter: compileFilter(`resourceUri=${JSON.stringify(uri)}`, "occurrence"),
      pageSize: params.pageSize,
    }),
  );
  const first = queries[0];
  if (first === undefined) throw new Error("no resources to list");
  if (queries.some((q) => q.sql !== first.sql)) throw new Error("list queries of one shape were expected");
  const statement = db.prepare(first.sql);
  const random = seededRandom(42);
  return {
    step() {
      const query = queries[Math.floor(random() * queries.length)]!;
      statement.all(...query.params);
      return 1;
    },
    close() {
      db.close();
    },
  };
}
