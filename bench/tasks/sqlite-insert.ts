/**
 * @module bench/tasks/sqlite-insert
 *
 * The ingest baseline: raw better-sqlite3 inserts of the rows a
 * BatchCreateOccurrences call writes, in transactions of the same batch size,
 * into the same schema (indexes, foreign keys, JSON check) with the same
 * pragmas as the store (WAL, the given `synchronous`, foreign keys on, the
 * same `mmap_size`). Each
 * row gets a fresh UUID, as the service gives it, spliced into its name and
 * JSON; nothing else is done per row. This is the floor for storing those
 * rows in SQLite on this disk.
 */
import { randomUUID } from "node:crypto";
import Database from "better-sqlite3";
import { mmapSizeBytes } from "../../src/store/sqlite/connection.js";
import type { OccurrenceRow } from "../../src/store/store.js";
import type { Task } from "../lib/task-loop.js";

export interface SqliteInsertParams {
  /** A database file already holding the schema and the notes the rows refer to. */
  readonly path: string;
  readonly synchronous: "FULL" | "NORMAL";
  /** One batch of rows as the service derived them; re-inserted with new IDs. */
  readonly rows: readonly OccurrenceRow[];
}

interface Template {
  readonly row: OccurrenceRow;
  /** `name` and `json` split around the occurrence ID. */
  readonly nameParts: readonly [string, string];
  readonly jsonParts: readonly [string, string];
}

function splitAround(text: string, id: string): [string, string] {
  const at = text.indexOf(id);
  if (at < 0) throw new Error(`the row does not contain its own ID ${id}`);
  return [text.slice(0, at), text.slice(at + id.length)];
}

export function createSqliteInsertTask(params: SqliteInsertParams): Task {
  const db = new Database(params.path, { timeout: 5000 });
  db.pragma("journal_mode = WAL");
  db.pragma(`synchronous = ${params.synchronous}`);
  db.pragma("foreign_keys = ON");
  db.pragma(`mmap_size = ${mmapSizeBytes}`);
  const insert = db.prepare(
    `INSERT INTO occurrences (project, occurrence_id, name, note_name, note_project, note_id, kind, resource_uri, create_time, update_time, data)
     VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
  );
  const templates: Template[] = params.rows.map((row) => ({
    row,
    nameParts: splitAround(row.name, row.occurrenceId),
    jsonParts: splitAround(row.json, row.occurrenceId),
  }));
  const writeBatch = db.transaction(() => {
    for (const { row, nameParts, jsonParts } of templates) {
      const id = randomUUID();
      insert.run(
        row.project,
        id,
        nameParts[0] + id + nameParts[1],
        row.noteName,
        row.noteProject,
        row.noteId,
        row.kind,
        row.resourceUri,
        row.createTime,
        row.updateTime,
        jsonParts[0] + id + jsonParts[1],
      );
    }
  });
  return {
    step() {
      writeBatch.immediate();
      return templates.length;
    },
    close() {
      db.close();
    },
  };
}
