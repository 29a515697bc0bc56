/**
 * @module store/sqlite/sqlite-writes
 *
 * Every write the SQLite store makes, on one connection. Each runs in an
 * IMMEDIATE transaction, which takes the write lock up front: the checks it
 * makes (duplicate IDs, missing notes) stay true until it commits, even with
 * other processes writing to the same file, and a busy database makes it wait
 * (see `connection.ts`) rather than fail half-way. Constraints in the schema
 * back the same rules up.
 *
 * The operations take and return plain data only (rows, strings, booleans),
 * so that they can run on the store's writer thread (`writer-thread.ts`) as
 * well as in the caller's thread. An update is therefore not a callback run
 * inside the transaction but a compare-and-swap: the caller reads the current
 * JSON, computes the new row, and {@link SqliteWrites.replaceNote} writes it
 * only if the stored JSON is still the one it read.
 */
import type Database from "better-sqlite3";
import { ScribaError } from "../../errors.js";
import { projectName } from "../../grafeas/resource-names.js";
import { checkBatchProject, checkNoteBatch, checkOccurrenceBatch, noteKey } from "../batch-checks.js";
import type { NoteRow, OccurrenceRow } from "../store.js";
import {
  noteExists,
  noteInUse,
  noteNotFound,
  occurrenceExists,
  occurrenceNoteMissing,
  occurrenceNotFound,
  projectExists,
  projectNotEmpty,
  projectNotFound,
} from "../store-errors.js";
import { isForeignKeyViolation, isUniqueViolation } from "./sqlite-errors.js";

/** A row's columns, in the order of {@link noteValues} and {@link occurrenceValues}. */
const noteColumns = "project, note_id, name, kind, create_time, update_time, data";
const occurrenceColumns =
  "project, occurrence_id, name, note_name, note_project, note_id, kind, resource_uri, create_time, update_time, data";
const placeholders = (columns: string) => columns.split(",").map(() => "?").join(", ");

const noteValues = (row: NoteRow) => [row.project, row.noteId, row.name, row.kind, row.createTime, row.updateTime, row.json];
const occurrenceValues = (row: OccurrenceRow) => [
  row.project,
  row.occurrenceId,
  row.name,
  row.noteName,
  row.noteProject,
  row.noteId,
  row.kind,
  row.resourceUri,
  row.createTime,
  row.updateTime,
  row.json,
];

const sql = {
  ensureProject: "INSERT INTO projects (project, name) VALUES (?, ?) ON CONFLICT (project) DO NOTHING",
  projectExists: "SELECT 1 FROM projects WHERE project = ?",
  projectHoldsObjects:
    "SELECT EXISTS (SELECT 1 FROM notes WHERE project = ?) OR EXISTS (SELECT 1 FROM occurrences WHERE project = ?) AS holds",
  deleteProject: "DELETE FROM projects WHERE project = ?",

  noteExists: "SELECT 1 FROM notes WHERE project = ? AND note_id = ?",
  insertNote: `INSERT INTO notes (${noteColumns}) VALUES (${placeholders(noteColumns)})`,
  replaceNote: `UPDATE notes SET (${noteColumns}) = (${placeholders(noteColumns)}) WHERE project = ? AND note_id = ? AND data = ?`,
  deleteNote: "DELETE FROM notes WHERE project = ? AND note_id = ?",

  occurrenceExists: "SELECT 1 FROM occurrences WHERE project = ? AND occurrence_id = ?",
  insertOccurrence: `INSERT INTO occurrences (${occurrenceColumns}) VALUES (${placeholders(occurrenceColumns)})`,
  replaceOccurrence: `UPDATE occurrences SET (${occurrenceColumns}) = (${placeholders(occurrenceColumns)}) WHERE project = ? AND occurrence_id = ? AND data = ?`,
  deleteOccurrence: "DELETE FROM occurrences WHERE project = ? AND occurrence_id = ?",

  ping: "SELECT 1",
} as const;

type Statements = Record<keyof typeof sql, Database.Statement>;

/**
 * What {@link SqliteWrites.replaceNote} and `replaceOccurrence` found:
 * `replaced`, or `changed` when the object is no longer the one the caller
 * read (updated or deleted since), so the caller reads it again.
 */
export type ReplaceOutcome = "replaced" | "changed";

export class SqliteWrites {
  readonly #db: Database.Database;
  readonly #q: Statements;
  /** Inserts rows in a savepoint (it always runs inside a write transaction): all of them or none. */
  readonly #insertOccurrences: (rows: readonly OccurrenceRow[]) => void;

  constructor(db: Database.Database) {
    this.#db = db;
    const statements: Partial<Statements> = {};
    for (const [key, text] of Object.entries(sql)) statements[key as keyof typeof sql] = db.prepare(text);
    this.#q = statements as Statements;
    this.#insertOccurrences = db.transaction((rows: readonly OccurrenceRow[]) => {
      for (const row of rows) this.#insertOccurrence(row);
    });
  }

  /** Runs `body` in an IMMEDIATE transaction; a throw rolls everything back. */
  #write<T>(body: () => T): T {
    return this.#db.transaction(body).immediate();
  }

  #ensureProject(project: string): void {
    this.#q.ensureProject.run(project, projectName(project));
  }

  #hasNote(project: string, noteId: string): boolean {
    return this.#q.noteExists.get(project, noteId) !== undefined;
  }

  #hasOccurrence(project: string, occurrenceId: string): boolean {
    return this.#q.occurrenceExists.get(project, occurrenceId) !== undefined;
  }

  #insertNote(row: NoteRow): void {
    try {
      this.#q.insertNote.run(noteValues(row));
    } catch (error) {
      if (isUniqueViolation(error)) throw noteExists(row.name);
      throw error;
    }
  }

  #insertOccurrence(row: OccurrenceRow): void {
    try {
      this.#q.insertOccurrence.run(occurrenceValues(row));
    } catch (error) {
      if (isUniqueViolation(error)) throw occurrenceExists(row.name);
      if (isForeignKeyViolation(error)) throw occurrenceNoteMissing(row.noteName);
      throw error;
    }
  }

  createProject(project: string): void {
    const inserted = this.#q.ensureProject.run(project, projectName(project));
    if (inserted.changes === 0) throw projectExists(projectName(project));
  }

  deleteProject(project: string): void {
    this.#write(() => {
      const name = projectName(project);
      if (this.#q.projectExists.get(project) === undefined) throw projectNotFound(name);
      const holds = this.#q.projectHoldsObjects.get(project, project) as { holds: number } | undefined;
      if (holds?.holds === 1) throw projectNotEmpty(name);
      try {
        this.#q.deleteProject.run(project);
      } catch (error) {
        if (isForeignKeyViolation(error)) throw projectNotEmpty(name);
        throw error;
      }
    });
  }

  createNote(row: NoteRow): void {
    this.#write(() => {
      if (this.#hasNote(row.project, row.noteId)) throw noteExists(row.name);
      this.#ensureProject(row.project);
      this.#insertNote(row);
    });
  }

  batchCreateNotes(project: string, rows: readonly NoteRow[]): void {
    this.#write(() => {
      const existing = new Set(rows.filter((row) => this.#hasNote(project, row.noteId)).map((row) => row.noteId));
      checkNoteBatch(project, rows, existing);
      if (rows.length === 0) return;
      this.#ensureProject(project);
      for (const row of rows) this.#insertNote(row);
    });
  }

  /** Writes `row` over the note if its stored JSON is still `expectedJson`. */
  replaceNote(expectedJson: string, row: NoteRow): ReplaceOutcome {
    const { changes } = this.#q.replaceNote.run(noteValues(row), row.project, row.noteId, expectedJson);
    return changes === 1 ? "replaced" : "changed";
  }

  deleteNote(project: string, noteId: string, name: string): void {
    let deleted: Database.RunResult;
    try {
      // One statement: the foreign key refuses it atomically while occurrences use the note.
      deleted = this.#q.deleteNote.run(project, noteId);
    } catch (error) {
      if (isForeignKeyViolation(error)) throw noteInUse(name);
      throw error;
    }
    if (deleted.changes === 0) throw noteNotFound(name);
  }

  createOccurrence(row: OccurrenceRow): void {
    this.#write(() => {
      if (this.#hasOccurrence(row.project, row.occurrenceId)) throw occurrenceExists(row.name);
      if (!this.#hasNote(row.noteProject, row.noteId)) throw occurrenceNoteMissing(row.noteName);
      this.#ensureProject(row.project);
      this.#insertOccurrence(row);
    });
  }

  /**
   * Inserts the batch trusting the constraints (unique IDs, the note's foreign
   * key) to refuse what the batch checks look for, so that a good batch —
   * nearly every batch — costs its inserts and no lookups. When an insert is
   * refused, the batch's inserts are rolled back (they ran in a savepoint) and
   * the checks run on what is stored, inside the same write transaction, so
   * the error names every bad item exactly as checking first would.
   */
  batchCreateOccurrences(project: string, rows: readonly OccurrenceRow[]): void {
    this.#write(() => {
      checkBatchProject(project, rows);
      if (rows.length === 0) return;
      this.#ensureProject(project);
      try {
        this.#insertOccurrences(rows);
      } catch (error) {
        // #insertOccurrence turns a refused insert into a ScribaError; anything else is not the batch's fault.
        if (error instanceof ScribaError) this.#checkOccurrenceBatch(project, rows);
        throw error;
      }
    });
  }

  /** Throws the error that names every bad item of the batch (nothing if none is bad). */
  #checkOccurrenceBatch(project: string, rows: readonly OccurrenceRow[]): void {
    const existingIds = new Set(
      rows.filter((row) => this.#hasOccurrence(project, row.occurrenceId)).map((row) => row.occurrenceId),
    );
    const existingNotes = new Set(
      rows.filter((row) => this.#hasNote(row.noteProject, row.noteId)).map((row) => noteKey(row.noteProject, row.noteId)),
    );
    checkOccurrenceBatch(project, rows, existingIds, existingNotes);
  }

  /**
   * Writes `row` over the occurrence if its stored JSON is still
   * `expectedJson`; FAILED_PRECONDITION if the row's note does not exist.
   */
  replaceOccurrence(expectedJson: string, row: OccurrenceRow): ReplaceOutcome {
    return this.#write(() => {
      if (!this.#hasNote(row.noteProject, row.noteId)) throw occurrenceNoteMissing(row.noteName);
      const { changes } = this.#q.replaceOccurrence.run(occurrenceValues(row), row.project, row.occurrenceId, expectedJson);
      return changes === 1 ? "replaced" : "changed";
    });
  }

  deleteOccurrence(project: string, occurrenceId: string, name: string): void {
    const deleted = this.#q.deleteOccurrence.run(project, occurrenceId);
    if (deleted.changes === 0) throw occurrenceNotFound(name);
  }

  /** Proves the connection answers. */
  ping(): void {
    this.#q.ping.get();
  }

  /** Runs a write given by name, which is how a write crosses to the writer thread. */
  perform<K extends WriteOperation>(operation: K, args: WriteArguments<K>): WriteResult<K> {
    const write = this[operation] as (this: SqliteWrites, ...a: WriteArguments<K>) => WriteResult<K>;
    return write.apply(this, args);
  }
}

/** The operations, by name: what crosses to the writer thread is a name and its arguments. */
export type WriteOperation = Exclude<
  { [K in keyof SqliteWrites]: SqliteWrites[K] extends (...args: never[]) => unknown ? K : never }[keyof SqliteWrites],
  "perform"
>;

export type WriteArguments<K extends WriteOperation> = Parameters<SqliteWrites[K]>;
export type WriteResult<K extends WriteOperation> = ReturnType<SqliteWrites[K]>;
