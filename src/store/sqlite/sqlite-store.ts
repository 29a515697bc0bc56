/**
 * @module store/sqlite/sqlite-store
 *
 * The SQLite adapter of the storage port (better-sqlite3). Reads run on the
 * store's own connection, in the caller's thread: queries are short and
 * paged, so a read holds the event loop for microseconds to a few
 * milliseconds. Writes go to a {@link SqliteWriter}: on a database file, a
 * thread with a connection of its own, so that commits (and their fsyncs) do
 * not hold the event loop; see `sqlite-writes.ts` for the transactions.
 *
 * An update reads the current object here, computes the new row, and has the
 * writer store it only if the object is still the one it read; otherwise it
 * reads again. No concurrent update is lost, and the update callback may run
 * more than once.
 */
import { resolve } from "node:path";
import type Database from "better-sqlite3";
import { ScribaError } from "../../errors.js";
import { noteName, occurrenceName, projectName } from "../../grafeas/resource-names.js";
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
  noteNotFound,
  occurrenceNotFound,
  projectNotFound,
  rowMismatch,
  storeClosed,
  updateContended,
} from "../store-errors.js";
import { inMemory, openDatabase, type SqliteStoreOptions } from "./connection.js";
import {
  noteListSql,
  noteOccurrenceListSql,
  occurrenceListSql,
  projectListSql,
  type SqlQuery,
} from "./list-sql.js";
import { toScribaError } from "./sqlite-errors.js";
import { InThreadWriter, type SqliteWriter } from "./sqlite-writer.js";
import type { ReplaceOutcome, WriteArguments, WriteOperation, WriteResult } from "./sqlite-writes.js";
import { StatementCache } from "./statement-cache.js";
import { WriterThread } from "./writer-thread.js";

export type { SqliteStoreOptions } from "./connection.js";

/**
 * Opens (creating and migrating as needed) a SQLite store: its writer runs on
 * a thread of its own, except for an in-memory database, which only the
 * store's connection can see.
 */
export function openSqliteStore(options: SqliteStoreOptions): Store {
  const db = openDatabase(options);
  const writer = inMemory(options.path)
    ? new InThreadWriter(db)
    : new WriterThread({ path: resolve(options.path), synchronous: options.synchronous ?? "FULL" });
  return new SqliteStore(db, writer);
}

/** How often an update re-reads an object that keeps changing under it before giving up. */
export const maxUpdateAttempts = 10;

const sql = {
  projectExists: "SELECT 1 FROM projects WHERE project = ?",
  noteExists: "SELECT 1 FROM notes WHERE project = ? AND note_id = ?",
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

const sequenced = (row: DataRow): SequencedRecord => ({ seq: row.seq, name: row.name, json: row.data });
const recordOfRow = (row: NoteRow | OccurrenceRow): StoredRecord => ({ name: row.name, json: row.json });

class SqliteStore implements Store {
  readonly kind = "sqlite";
  readonly #db: Database.Database;
  readonly #writer: SqliteWriter;
  readonly #q: Statements;
  readonly #statements: StatementCache;
  /** Point reads waiting for the end of this turn of the event loop (see #pointRead). */
  #pointReads: PointRead[] = [];
  #closed = false;

  constructor(db: Database.Database, writer: SqliteWriter) {
    this.#db = db;
    this.#writer = writer;
    this.#q = prepareStatements(db);
    this.#statements = new StatementCache(db);
  }

  /** Runs one read, turning every failure into a ScribaError that is safe to show a client. */
  #run<T>(call: () => T): Promise<T> {
    try {
      if (this.#closed) throw storeClosed();
      return Promise.resolve(call());
    } catch (error) {
      return Promise.reject(toScribaError(error));
    }
  }

  /** Hands one write to the writer. */
  #write<K extends WriteOperation>(operation: K, ...args: WriteArguments<K>): Promise<WriteResult<K>> {
    if (this.#closed) return Promise.reject(storeClosed());
    return this.#writer.run(operation, ...args);
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

  #hasProject(project: string): boolean {
    return this.#q.projectExists.get(project) !== undefined;
  }

  #hasNote(project: string, noteId: string): boolean {
    return this.#q.noteExists.get(project, noteId) !== undefined;
  }

  #page(query: SqlQuery, pageSize: number): Page {
    return pageOf(this.#all<DataRow>(query).map(sequenced), pageSize);
  }

  async createProject(project: string): Promise<StoredRecord> {
    await this.#write("createProject", project);
    return projectRecord(project);
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
    return this.#write("deleteProject", project);
  }

  async createNote(row: NoteRow): Promise<StoredRecord> {
    await this.#write("createNote", row);
    return recordOfRow(row);
  }

  async batchCreateNotes(project: string, rows: readonly NoteRow[]): Promise<StoredRecord[]> {
    await this.#write("batchCreateNotes", project, rows);
    return rows.map(recordOfRow);
  }

  getNote(project: string, noteId: string): Promise<StoredRecord> {
    const name = noteName(project, noteId);
    return this.#pointRead(this.#q.noteJson, project, noteId, name, noteNotFound);
  }

  listNotes(project: string, query: ListQuery): Promise<Page> {
    return this.#run(() => this.#page(noteListSql(project, query), query.pageSize));
  }

  updateNote(project: string, noteId: string, update: NoteUpdate): Promise<StoredRecord> {
    const name = noteName(project, noteId);
    return this.#update(
      name,
      () => this.getNote(project, noteId),
      (current) => {
        const row = update(current);
        if (row.project !== project || row.noteId !== noteId) throw rowMismatch(row.name, name);
        return row;
      },
      (expectedJson, row) => this.#write("replaceNote", expectedJson, row),
    );
  }

  deleteNote(project: string, noteId: string): Promise<void> {
    return this.#write("deleteNote", project, noteId, noteName(project, noteId));
  }

  async createOccurrence(row: OccurrenceRow): Promise<StoredRecord> {
    await this.#write("createOccurrence", row);
    return recordOfRow(row);
  }

  async batchCreateOccurrences(project: string, rows: readonly OccurrenceRow[]): Promise<StoredRecord[]> {
    await this.#write("batchCreateOccurrences", project, rows);
    return rows.map(recordOfRow);
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
    const name = occurrenceName(project, occurrenceId);
    return this.#update(
      name,
      () => this.getOccurrence(project, occurrenceId),
      (current) => {
        const row = update(current);
        if (row.project !== project || row.occurrenceId !== occurrenceId) throw rowMismatch(row.name, name);
        return row;
      },
      (expectedJson, row) => this.#write("replaceOccurrence", expectedJson, row),
    );
  }

  deleteOccurrence(project: string, occurrenceId: string): Promise<void> {
    return this.#write("deleteOccurrence", project, occurrenceId, occurrenceName(project, occurrenceId));
  }

  /**
   * Read, compute, compare-and-swap: the writer stores the new row only if
   * the object is still the one read; if it changed in between, read again.
   */
  async #update<R extends NoteRow | OccurrenceRow>(
    name: string,
    read: () => Promise<StoredRecord>,
    compute: (current: StoredRecord) => R,
    replace: (expectedJson: string, row: R) => Promise<ReplaceOutcome>,
  ): Promise<StoredRecord> {
    try {
      for (let attempt = 1; attempt <= maxUpdateAttempts; attempt++) {
        const current = await read();
        const row = compute(current);
        if ((await replace(current.json, row)) === "replaced") return recordOfRow(row);
      }
    } catch (error) {
      throw toScribaError(error);
    }
    throw updateContended(name, maxUpdateAttempts);
  }

  async ping(): Promise<void> {
    try {
      await this.#run(() => this.#q.ping.get());
      await this.#writer.ping();
    } catch (error) {
      if (error instanceof ScribaError && error.code === "UNAVAILABLE") throw error;
      throw new ScribaError("UNAVAILABLE", "the SQLite database does not answer", { cause: error });
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    // The writes already handed over finish first; the writer's connection closes with them.
    await this.#writer.close();
    this.#db.close();
  }
}
