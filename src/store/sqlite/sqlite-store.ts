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
import { checkBatchProject, checkNoteBatch, checkOccurrenceBatch, noteKey } from "../batch-checks.js";
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

/**
 * Reads of one object by its key that return only its JSON (`pluck`): the
 * name is the key's canonical form, which is what the `name` column holds
 * (the service derives both from the same name), so GetNote and
 * GetOccurrence read one column and build no row object.
 */
const jsonSql = {
  noteJson: "SELECT data FROM notes WHERE project = ? AND note_id = ?",
  occurrenceJson: "SELECT data FROM occurrences WHERE project = ? AND occurrence_id = ?",
} as const;

type Statements = Record<keyof typeof sql | keyof typeof jsonSql, Database.Statement>;

/**
 * The fixed statements, prepared once when the store opens: the hot paths
 * call them directly, without the statement cache's lookup (which is for the
 * many SQL texts of filtered lists).
 */
function prepareStatements(db: Database.Database): Statements {
  const statements: Partial<Statements> = {};
  for (const [key, text] of Object.entries(sql)) statements[key as keyof typeof sql] = db.prepare(text);
  for (const [key, text] of Object.entries(jsonSql)) {
    statements[key as keyof typeof jsonSql] = db.prepare(text).pluck();
  }
  return statements as Statements;
}

interface PointRead {
  readonly statement: Database.Statement;
  readonly first: string;
  readonly second: string;
  readonly name: string;
  readonly notFound: (name: string) => ScribaError;
  readonly resolve: (record: StoredRecord) => void;
  readonly reject: (error: ScribaError) => void;
}

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
  readonly #q: Statements;
  readonly #statements: StatementCache;
  /** Point reads waiting for the end of this turn of the event loop (see #pointRead). */
  #pointReads: PointRead[] = [];
  /** Inserts rows in a savepoint (it always runs inside a write transaction): all of them or none. */
  readonly #insertOccurrences: (rows: readonly OccurrenceRow[]) => void;
  #closed = false;

  constructor(db: Database.Database) {
    this.#db = db;
    this.#q = prepareStatements(db);
    this.#statements = new StatementCache(db);
    this.#insertOccurrences = db.transaction((rows: readonly OccurrenceRow[]) => {
      for (const row of rows) this.#insertOccurrence(row);
    });
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

  /**
   * Reads one object's JSON by its key, at the end of the current turn of the
   * event loop, together with the other point reads that arrived in the same
   * turn: one read transaction for all of them instead of one each (taking
   * and releasing a WAL read lock costs more than the lookup itself). This is
   * not a cache: every read runs against the database as it is after its
   * request arrived, so it sees every write committed before, by this process
   * or any other.
   */
  #pointRead(
    statement: Database.Statement,
    first: string,
    second: string,
    name: string,
    notFound: (name: string) => ScribaError,
  ): Promise<StoredRecord> {
    if (this.#closed) return Promise.reject(storeClosed());
    return new Promise((resolve, reject) => {
      if (this.#pointReads.length === 0) setImmediate(this.#flushPointReads);
      this.#pointReads.push({ statement, first, second, name, notFound, resolve, reject });
    });
  }

  readonly #flushPointReads = (): void => {
    const reads = this.#pointReads;
    this.#pointReads = [];
    if (this.#closed) {
      for (const read of reads) read.reject(storeClosed());
      return;
    }
    const answerAll = () => {
      for (const read of reads) {
        try {
          const json = read.statement.get(read.first, read.second) as string | undefined;
          if (json === undefined) read.reject(read.notFound(read.name));
          else read.resolve({ name: read.name, json });
        } catch (error) {
          read.reject(toScribaError(error));
        }
      }
    };
    if (reads.length === 1) {
      answerAll();
      return;
    }
    try {
      this.#read(answerAll);
    } catch (error) {
      // BEGIN or COMMIT failed; reads already answered keep their answers.
      for (const read of reads) read.reject(toScribaError(error));
    }
  };

  #all<T>(query: SqlQuery): T[] {
    return this.#statements.get(query.sql).all(...query.params) as T[];
  }

  #ensureProject(project: string): void {
    this.#q.ensureProject.run(project, projectName(project));
  }

  #hasProject(project: string): boolean {
    return this.#q.projectExists.get(project) !== undefined;
  }

  #hasNote(project: string, noteId: string): boolean {
    return this.#q.noteExists.get(project, noteId) !== undefined;
  }

  #hasOccurrence(project: string, occurrenceId: string): boolean {
    return this.#q.occurrenceExists.get(project, occurrenceId) !== undefined;
  }

  #insertNote(row: NoteRow): void {
    try {
      this.#q.insertNote.run(
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
      this.#q.insertOccurrence.run(
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
      const inserted = this.#q.ensureProject.run(project, projectName(project));
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
        const holds = this.#q.projectHoldsObjects.get(project, project) as { holds: number } | undefined;
        if (holds?.holds === 1) {
          throw projectNotEmpty(name);
        }
        try {
          this.#q.deleteProject.run(project);
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
    const name = noteName(project, noteId);
    return this.#pointRead(this.#q.noteJson, project, noteId, name, noteNotFound);
  }

  listNotes(project: string, query: ListQuery): Promise<Page> {
    return this.#run(() => this.#page(noteListSql(project, query), query.pageSize));
  }

  updateNote(project: string, noteId: string, update: NoteUpdate): Promise<StoredRecord> {
    return this.#run(() =>
      this.#write(() => {
        const current = this.#q.getNote.get(project, noteId) as DataRow | undefined;
        if (current === undefined) throw noteNotFound(noteName(project, noteId));
        const row = update(recordOf(current));
        if (row.project !== project || row.noteId !== noteId) {
          throw rowMismatch(row.name, noteName(project, noteId));
        }
        this.#q.updateNote.run(
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
        deleted = this.#q.deleteNote.run(project, noteId);
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

  /**
   * Inserts the batch trusting the constraints (unique IDs, the note's foreign
   * key) to refuse what the batch checks look for, so that a good batch —
   * nearly every batch — costs its inserts and no lookups. When an insert is
   * refused, the batch's inserts are rolled back (they ran in a savepoint) and
   * the checks run on what is stored, inside the same write transaction, so
   * the error names every bad item exactly as checking first would.
   */
  batchCreateOccurrences(project: string, rows: readonly OccurrenceRow[]): Promise<StoredRecord[]> {
    return this.#run(() =>
      this.#write(() => {
        checkBatchProject(project, rows);
        if (rows.length === 0) return [];
        this.#ensureProject(project);
        try {
          this.#insertOccurrences(rows);
        } catch (error) {
          // #insertOccurrence turns a refused insert into a ScribaError; anything else is not the batch's fault.
          if (error instanceof ScribaError) this.#checkOccurrenceBatch(project, rows);
          throw error;
        }
        return rows.map((row) => ({ name: row.name, json: row.json }));
      }),
    );
  }

  /** Throws the error that names every bad item of the batch (nothing if none is bad). */
  #checkOccurrenceBatch(project: string, rows: readonly OccurrenceRow[]): void {
    const existingIds = new Set(
      rows.filter((row) => this.#hasOccurrence(project, row.occurrenceId)).map((row) => row.occurrenceId),
    );
    const existingNotes = new Set(
      rows
        .filter((row) => this.#hasNote(row.noteProject, row.noteId))
        .map((row) => noteKey(row.noteProject, row.noteId)),
    );
    checkOccurrenceBatch(project, rows, existingIds, existingNotes);
  }

  getOccurrence(project: string, occurrenceId: string): Promise<StoredRecord> {
    const name = occurrenceName(project, occurrenceId);
    return this.#pointRead(this.#q.occurrenceJson, project, occurrenceId, name, occurrenceNotFound);
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
        const current = this.#q.getOccurrence.get(project, occurrenceId) as DataRow | undefined;
        if (current === undefined) throw occurrenceNotFound(occurrenceName(project, occurrenceId));
        const row = update(recordOf(current));
        if (row.project !== project || row.occurrenceId !== occurrenceId) {
          throw rowMismatch(row.name, occurrenceName(project, occurrenceId));
        }
        if (!this.#hasNote(row.noteProject, row.noteId)) throw occurrenceNoteMissing(row.noteName);
        this.#q.updateOccurrence.run(
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
      const deleted = this.#q.deleteOccurrence.run(project, occurrenceId);
      if (deleted.changes === 0) throw occurrenceNotFound(occurrenceName(project, occurrenceId));
    });
  }

  ping(): Promise<void> {
    return this.#run(() => {
      try {
        this.#q.ping.get();
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
