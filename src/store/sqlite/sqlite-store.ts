/**
 * @module store/sqlite/sqlite-store
 *
 * The SQLite adapter of the storage port (better-sqlite3, one connection per
 * process). Every write runs in an IMMEDIATE transaction, which takes the
 * write lock up front: the checks it makes (duplicate IDs, missing notes) stay
 * true until it commits, even with other processes writing to the same file,
 * and a busy database makes it wait (see `connection.ts`) rather than fail
 * half-way. Constraints in the schema back the same rules up.
 *
 * better-sqlite3 is synchronous; queries are short and paged, so a call holds
 * the event loop for microseconds to a few milliseconds.
 */
import type Database from "better-sqlite3";
import { ScribaError } from "../../errors.js";
import { noteName, occurrenceName, projectName } from "../../grafeas/resource-names.js";
import { checkNoteBatch, checkOccurrenceBatch, noteKey } from "../batch-checks.js";
import { pageOf, projectRecord, type SequencedRecord } from "../list-query.js";
import type {
  ListQuery,
  NoteRow,
  NoteUpdate,
  OccurrenceRow,
  OccurrenceUpdate,
  Page,
  Store,
  StoredRecord,
} from "../store.js";
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
  rowMismatch,
  storeClosed,
} from "../store-errors.js";
import { openDatabase, type SqliteStoreOptions } from "./connection.js";
import {
  noteListSql,
  noteOccurrenceListSql,
  occurrenceListSql,
  projectListSql,
  type SqlQuery,
} from "./list-sql.js";
import { isForeignKeyViolation, isUniqueViolation, toScribaError } from "./sqlite-errors.js";
import { StatementCache } from "./statement-cache.js";

export type { SqliteStoreOptions } from "./connection.js";

/** Opens (creating and migrating as needed) a SQLite store. */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  return new SqliteStore(openDatabase(options));
}

const sql = {
  ensureProject:
    "INSERT INTO projects (project, name) VALUES (?, ?) ON CONFLICT (project) DO NOTHING",
  projectExists: "SELECT 1 FROM projects WHERE project = ?",
  projectHoldsObjects:
    "SELECT EXISTS (SELECT 1 FROM notes WHERE project = ?) OR EXISTS (SELECT 1 FROM occurrences WHERE project = ?) AS holds",
  deleteProject: "DELETE FROM projects WHERE project = ?",

  noteExists: "SELECT 1 FROM notes WHERE project = ? AND note_id = ?",
  getNote: "SELECT seq, name, data FROM notes WHERE project = ? AND note_id = ?",
  insertNote:
    "INSERT INTO notes (project, note_id, name, kind, create_time, update_time, data) VALUES (?, ?, ?, ?, ?, ?, ?)",
  updateNote:
    "UPDATE notes SET name = ?, kind = ?, create_time = ?, update_time = ?, data = ? WHERE seq = ?",
  deleteNote: "DELETE FROM notes WHERE project = ? AND note_id = ?",

  occurrenceExists: "SELECT 1 FROM occurrences WHERE project = ? AND occurrence_id = ?",
  getOccurrence: "SELECT seq, name, data FROM occurrences WHERE project = ? AND occurrence_id = ?",
  insertOccurrence:
    "INSERT INTO occurrences (project, occurrence_id, name, note_name, note_project, note_id, kind, resource_uri, create_time, update_time, data) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
  updateOccurrence:
    "UPDATE occurrences SET name = ?, note_name = ?, note_project = ?, note_id = ?, kind = ?, resource_uri = ?, create_time = ?, update_time = ?, data = ? WHERE seq = ?",
  deleteOccurrence: "DELETE FROM occurrences WHERE project = ? AND occurrence_id = ?",

  ping: "SELECT 1",
} as const;

interface DataRow {
  readonly seq: number;
  readonly name: string;
  readonly data: string;
}

const recordOf = (row: DataRow): StoredRecord => ({ name: row.name, json: row.data });
const sequenced = (row: DataRow): SequencedRecord => ({ seq: row.seq, name: row.name, json: row.data });

class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly #db: Database.Database;
  readonly #statements: StatementCache;
  #closed = false;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#statements = new StatementCache(db);
  }

  /** Runs one call, turning every failure into a ScribaError that is safe to show a client. */
  #run<T>(call: () => T): Promise<T> {
    try {
      if (this.#closed) throw storeClosed();
      return Promise.resolve(call());
    } catch (error) {
      return Promise.reject(toScribaError(error));
    }
  }

  /** Runs `body` in an IMMEDIATE transaction; a throw rolls everything back. */
  #write<T>(body: () => T): T {
    return this.#db.transaction(body).immediate();
  }

  /** Runs `body` in a read transaction, so that its queries see one snapshot. */
  #read<T>(body: () => T): T {
    return this.#db.transaction(body).deferred();
  }

  #get<T>(text: string, ...params: unknown[]): T | undefined {
    return this.#statements.get(text).get(...params) as T | undefined;
  }

  #exec(text: string, ...params: unknown[]): Database.RunResult {
    return this.#statements.get(text).run(...params);
  }

  #all<T>(query: SqlQuery): T[] {
    return this.#statements.get(query.sql).all(...query.params) as T[];
  }

  #ensureProject(project: string): void {
    this.#exec(sql.ensureProject, project, projectName(project));
  }

  #hasProject(project: string): boolean {
    return this.#get(sql.projectExists, project) !== undefined;
  }

  #hasNote(project: string, noteId: string): boolean {
    return this.#get(sql.noteExists, project, noteId) !== undefined;
  }

  #hasOccurrence(project: string, occurrenceId: string): boolean {
    return this.#get(sql.occurrenceExists, project, occurrenceId) !== undefined;
  }

  #insertNote(row: NoteRow): void {
    try {
      this.#exec(
        sql.insertNote,
        row.project,
        row.noteId,
        row.name,
        row.kind,
        row.createTime,
        row.updateTime,
        row.json,
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw noteExists(row.name);
      throw error;
    }
  }

  #insertOccurrence(row: OccurrenceRow): void {
    try {
      this.#exec(
        sql.insertOccurrence,
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
      );
    } catch (error) {
      if (isUniqueViolation(error)) throw occurrenceExists(row.name);
      if (isForeignKeyViolation(error)) throw occurrenceNoteMissing(row.noteName);
      throw error;
    }
  }

  #page(query: SqlQuery, pageSize: number): Page {
    return pageOf(this.#all<DataRow>(query).map(sequenced), pageSize);
  }

  createProject(project: string): Promise<StoredRecord> {
    return this.#run(() => {
      const inserted = this.#exec(sql.ensureProject, project, projectName(project));
      if (inserted.changes === 0) throw projectExists(projectName(project));
      return projectRecord(project);
    });
  }

  getProject(project: string): Promise<StoredRecord> {
    return this.#run(() => {
      if (!this.#hasProject(project)) throw projectNotFound(projectName(project));
      return projectRecord(project);
    });
  }

  listProjects(query: ListQuery): Promise<Page> {
    return this.#run(() => {
      const rows = this.#all<{ seq: number; project: string }>(projectListSql(query));
      return pageOf(
        rows.map((row) => ({ seq: row.seq, ...projectRecord(row.project) })),
        query.pageSize,
      );
    });
  }

  deleteProject(project: string): Promise<void> {
    return this.#run(() =>
      this.#write(() => {
        const name = projectName(project);
        if (!this.#hasProject(project)) throw projectNotFound(name);
        if (this.#get<{ holds: number }>(sql.projectHoldsObjects, project, project)?.holds === 1) {
          throw projectNotEmpty(name);
        }
        try {
          this.#exec(sql.deleteProject, project);
        } catch (error) {
          if (isForeignKeyViolation(error)) throw projectNotEmpty(name);
          throw error;
        }
      }),
    );
  }

  createNote(row: NoteRow): Promise<StoredRecord> {
    return this.#run(() =>
      this.#write(() => {
        if (this.#hasNote(row.project, row.noteId)) throw noteExists(row.name);
        this.#ensureProject(row.project);
        this.#insertNote(row);
        return { name: row.name, json: row.json };
      }),
    );
  }

  batchCreateNotes(project: string, rows: readonly NoteRow[]): Promise<StoredRecord[]> {
    return this.#run(() =>
      this.#write(() => {
        const existing = new Set(
          rows.filter((row) => this.#hasNote(project, row.noteId)).map((row) => row.noteId),
        );
        checkNoteBatch(project, rows, existing);
        if (rows.length === 0) return [];
        this.#ensureProject(project);
        for (const row of rows) this.#insertNote(row);
        return rows.map((row) => ({ name: row.name, json: row.json }));
      }),
    );
  }

  getNote(project: string, noteId: string): Promise<StoredRecord> {
    return this.#run(() => {
      const row = this.#get<DataRow>(sql.getNote, project, noteId);
      if (row === undefined) throw noteNotFound(noteName(project, noteId));
      return recordOf(row);
    });
  }

  listNotes(project: string, query: ListQuery): Promise<Page> {
    return this.#run(() => this.#page(noteListSql(project, query), query.pageSize));
  }

  updateNote(project: string, noteId: string, update: NoteUpdate): Promise<StoredRecord> {
    return this.#run(() =>
      this.#write(() => {
        const current = this.#get<DataRow>(sql.getNote, project, noteId);
        if (current === undefined) throw noteNotFound(noteName(project, noteId));
        const row = update(recordOf(current));
        if (row.project !== project || row.noteId !== noteId) {
          throw rowMismatch(row.name, noteName(project, noteId));
        }
        this.#exec(
          sql.updateNote,
          row.name,
          row.kind,
          row.createTime,
          row.updateTime,
          row.json,
          current.seq,
        );
        return { name: row.name, json: row.json };
      }),
    );
  }

  deleteNote(project: string, noteId: string): Promise<void> {
    return this.#run(() => {
      const name = noteName(project, noteId);
      let deleted: Database.RunResult;
      try {
        // One statement: the foreign key refuses it atomically while occurrences use the note.
        deleted = this.#exec(sql.deleteNote, project, noteId);
      } catch (error) {
        if (isForeignKeyViolation(error)) throw noteInUse(name);
        throw error;
      }
      if (deleted.changes === 0) throw noteNotFound(name);
    });
  }

  createOccurrence(row: OccurrenceRow): Promise<StoredRecord> {
    return this.#run(() =>
      this.#write(() => {
        if (this.#hasOccurrence(row.project, row.occurrenceId)) throw occurrenceExists(row.name);
        if (!this.#hasNote(row.noteProject, row.noteId)) throw occurrenceNoteMissing(row.noteName);
        this.#ensureProject(row.project);
        this.#insertOccurrence(row);
        return { name: row.name, json: row.json };
      }),
    );
  }

  batchCreateOccurrences(project: string, rows: readonly OccurrenceRow[]): Promise<StoredRecord[]> {
    return this.#run(() =>
      this.#write(() => {
        const existingIds = new Set(
          rows
            .filter((row) => this.#hasOccurrence(project, row.occurrenceId))
            .map((row) => row.occurrenceId),
        );
        const existingNotes = new Set(
          rows
            .filter((row) => this.#hasNote(row.noteProject, row.noteId))
            .map((row) => noteKey(row.noteProject, row.noteId)),
        );
        checkOccurrenceBatch(project, rows, existingIds, existingNotes);
        if (rows.length === 0) return [];
        this.#ensureProject(project);
        for (const row of rows) this.#insertOccurrence(row);
        return rows.map((row) => ({ name: row.name, json: row.json }));
      }),
    );
  }

  getOccurrence(project: string, occurrenceId: string): Promise<StoredRecord> {
    return this.#run(() => {
      const row = this.#get<DataRow>(sql.getOccurrence, project, occurrenceId);
      if (row === undefined) throw occurrenceNotFound(occurrenceName(project, occurrenceId));
      return recordOf(row);
    });
  }

  listOccurrences(project: string, query: ListQuery): Promise<Page> {
    return this.#run(() => this.#page(occurrenceListSql(project, query), query.pageSize));
  }

  listNoteOccurrences(noteProject: string, noteId: string, query: ListQuery): Promise<Page> {
    return this.#run(() => {
      const listQuery = noteOccurrenceListSql(noteProject, noteId, query);
      return this.#read(() => {
        if (!this.#hasNote(noteProject, noteId)) throw noteNotFound(noteName(noteProject, noteId));
        return this.#page(listQuery, query.pageSize);
      });
    });
  }

  updateOccurrence(
    project: string,
    occurrenceId: string,
    update: OccurrenceUpdate,
  ): Promise<StoredRecord> {
    return this.#run(() =>
      this.#write(() => {
        const current = this.#get<DataRow>(sql.getOccurrence, project, occurrenceId);
        if (current === undefined) throw occurrenceNotFound(occurrenceName(project, occurrenceId));
        const row = update(recordOf(current));
        if (row.project !== project || row.occurrenceId !== occurrenceId) {
          throw rowMismatch(row.name, occurrenceName(project, occurrenceId));
        }
        if (!this.#hasNote(row.noteProject, row.noteId)) throw occurrenceNoteMissing(row.noteName);
        this.#exec(
          sql.updateOccurrence,
          row.name,
          row.noteName,
          row.noteProject,
          row.noteId,
          row.kind,
          row.resourceUri,
          row.createTime,
          row.updateTime,
          row.json,
          current.seq,
        );
        return { name: row.name, json: row.json };
      }),
    );
  }

  deleteOccurrence(project: string, occurrenceId: string): Promise<void> {
    return this.#run(() => {
      const deleted = this.#exec(sql.deleteOccurrence, project, occurrenceId);
      if (deleted.changes === 0) throw occurrenceNotFound(occurrenceName(project, occurrenceId));
    });
  }

  ping(): Promise<void> {
    return this.#run(() => {
      try {
        this.#get(sql.ping);
      } catch (error) {
        throw new ScribaError("UNAVAILABLE", "the SQLite database does not answer", { cause: error });
      }
    });
  }

  close(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#db.close();
    }
    return Promise.resolve();
  }
}
