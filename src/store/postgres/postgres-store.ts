/**
 * @module store/postgres/postgres-store
 *
 * The PostgreSQL adapter of the storage port: a `pg` pool per process, any
 * number of processes (replicas) on one database. Nothing the rules depend on
 * lives in a process; the database decides every race:
 *
 * - Creates are one statement that inserts the implicit project and the row
 *   together; a unique violation is ALREADY_EXISTS, a missing note is the
 *   occurrence's foreign key, so two replicas creating the same ID get exactly
 *   one success.
 * - Batches run in one transaction: every item is checked first (the same
 *   per-item report as every adapter), then all rows go in with one INSERT.
 *   A violation at insert time means a concurrent writer got in between; the
 *   transaction is rolled back and run again, and the fresh check names the
 *   items that now fail.
 * - Updates lock the row (`SELECT … FOR UPDATE`) for the read-modify-write, so
 *   a concurrent update waits and then sees this one's result.
 * - Deleting a note that occurrences use fails on the ON DELETE RESTRICT key,
 *   atomically.
 *
 * Every wait is bounded (see `connection-options.ts`); a database that is gone
 * makes calls fail with UNAVAILABLE, and the pool opens fresh connections once
 * it is back. The fixed hot queries are named prepared statements; list
 * queries, whose text depends on the filter's shape, are not.
 */
import pg, { type PoolClient, type QueryResultRow } from "pg";
import { ScribaError } from "../../errors.js";
import { noteName, occurrenceName, projectName } from "../../grafeas/resource-names.js";
import { silentLogger } from "../../logging/logger.js";
import { checkNoteBatch, checkOccurrenceBatch, noteKey } from "../batch-checks.js";
import { pageOf, projectRecord } from "../list-query.js";
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
import {
  describeConnection,
  poolConfig,
  resolveConnection,
  type PostgresStoreOptions,
  type ResolvedConnection,
} from "./connection-options.js";
import { noteListSql, noteOccurrenceListSql, occurrenceListSql, projectListSql, type SqlQuery } from "./list-sql.js";
import { migrate, type MigrationOutcome } from "./migrate.js";
import {
  constraintOf,
  isForeignKeyViolation,
  isTransactionConflict,
  isUniqueViolation,
  spoilsConnection,
  sqlStateOf,
  toScribaError,
} from "./postgres-errors.js";
import { quoteIdentifier } from "./schema.js";

export type { PostgresStoreOptions, SslMode } from "./connection-options.js";
export { describePostgresTarget, sslModes } from "./connection-options.js";
export type { MigrationOutcome } from "./migrate.js";

/** The store, plus what a server logs about it at start-up. */
export interface PostgresStore extends Store {
  /** The target without secrets: URL without password, TLS mode, schema, password source. */
  readonly target: string;
  /** What start-up migration found and did. */
  readonly migration: MigrationOutcome;
}

/**
 * Connects, migrates the schema (under an advisory lock, so replicas may
 * start together) and returns the store. Rejects with INVALID_ARGUMENT for
 * bad options, UNAVAILABLE when the database cannot be reached, and
 * FAILED_PRECONDITION when its schema is newer than this Scriba or the user
 * may not create it.
 */
export async function openPostgresStore(options: PostgresStoreOptions): Promise<PostgresStore> {
  const connection = resolveConnection(options);
  const target = describeConnection(connection);
  const logger = (options.logger ?? silentLogger).child({ store: "postgres", target });
  const pool = new pg.Pool(poolConfig(connection));
  // Without these listeners a connection dropped by the server would crash the process.
  pool.on("error", (error) => logger.warn("discarded a broken idle PostgreSQL connection", { reason: reasonOf(error) }));
  pool.on("connect", (client) =>
    client.on("error", (error) => logger.debug("a PostgreSQL connection failed", { reason: reasonOf(error) })),
  );
  let migration: MigrationOutcome;
  try {
    migration = await migrate(pool, {
      schema: connection.schema,
      timeoutMs: connection.migrationTimeoutMs,
      logger,
    });
  } catch (error) {
    await pool.end().catch(() => undefined);
    throw cannotOpen(target, error);
  }
  logger.info("PostgreSQL store ready", { schemaVersion: migration.to, applied: migration.applied });
  return new PostgresStoreAdapter(pool, connection, target, migration);
}

/** A short, secret-free reason for logs. */
function reasonOf(error: unknown): string {
  const state = sqlStateOf(error);
  if (state !== undefined) return `SQLSTATE ${state}`;
  return toScribaError(error).message;
}

function cannotOpen(target: string, error: unknown): ScribaError {
  if (error instanceof ScribaError) return error;
  if (sqlStateOf(error) === "42501") {
    return new ScribaError(
      "FAILED_PRECONDITION",
      `cannot open the PostgreSQL store at ${target}: the user lacks a privilege (42501); ` +
        "it needs CREATE on the database, or a schema it owns",
      { cause: error },
    );
  }
  const mapped = toScribaError(error);
  const detail = mapped.code === "INTERNAL" ? `PostgreSQL error ${sqlStateOf(error) ?? "(no SQLSTATE)"}` : mapped.message;
  return new ScribaError(mapped.code, `cannot open the PostgreSQL store at ${target}: ${detail}`, { cause: error });
}

/** A write lost a race that its own checks could not see; the whole call runs again. */
class RaceLost extends Error {
  constructor(cause: unknown) {
    super("a concurrent write changed what this write checked", { cause });
  }
}

const maxAttempts = 3;

interface NamedStatement {
  readonly name: string;
  readonly text: string;
}

/** The fixed statements, for one schema. */
function statements(schema: string) {
  const s = quoteIdentifier(schema);
  const named = (name: string, text: string): NamedStatement => ({ name: `scriba_${name}`, text });
  const ensureProject = `INSERT INTO ${s}.projects (project, name) VALUES ($1, $2) ON CONFLICT (project) DO NOTHING`;
  return {
    createProject: named("create_project", `${ensureProject} RETURNING seq`),
    ensureProject: named("ensure_project", ensureProject),
    projectExists: named("project_exists", `SELECT 1 FROM ${s}.projects WHERE project = $1`),
    deleteProject: named("delete_project", `DELETE FROM ${s}.projects WHERE project = $1`),

    noteExists: named("note_exists", `SELECT 1 FROM ${s}.notes WHERE project = $1 AND note_id = $2`),
    getNote: named("get_note", `SELECT seq, name, json_text FROM ${s}.notes WHERE project = $1 AND note_id = $2`),
    lockNote: named(
      "lock_note",
      `SELECT seq, name, json_text FROM ${s}.notes WHERE project = $1 AND note_id = $2 FOR UPDATE`,
    ),
    // The project row and the note in one statement: both or neither.
    createNote: named(
      "create_note",
      `WITH project AS (${ensureProject})
       INSERT INTO ${s}.notes (project, note_id, name, kind, create_time, update_time, json_text)
       VALUES ($1, $3, $4, $5, $6, $7, $8)`,
    ),
    existingNoteIds: named(
      "existing_note_ids",
      `SELECT note_id FROM ${s}.notes WHERE project = $1 AND note_id = ANY ($2::text[])`,
    ),
    // WITH ORDINALITY … ORDER BY keeps the request's order, which becomes the sequence order.
    insertNotes: named(
      "insert_notes",
      `INSERT INTO ${s}.notes (project, note_id, name, kind, create_time, update_time, json_text)
       SELECT $1, i.note_id, i.name, i.kind, i.create_time, i.update_time, i.json_text
       FROM unnest($2::text[], $3::text[], $4::text[], $5::bigint[], $6::bigint[], $7::text[])
         WITH ORDINALITY AS i (note_id, name, kind, create_time, update_time, json_text, position)
       ORDER BY i.position`,
    ),
    updateNote: named(
      "update_note",
      `UPDATE ${s}.notes SET name = $1, kind = $2, create_time = $3, update_time = $4, json_text = $5 WHERE seq = $6`,
    ),
    deleteNote: named("delete_note", `DELETE FROM ${s}.notes WHERE project = $1 AND note_id = $2`),

    getOccurrence: named(
      "get_occurrence",
      `SELECT seq, name, json_text FROM ${s}.occurrences WHERE project = $1 AND occurrence_id = $2`,
    ),
    lockOccurrence: named(
      "lock_occurrence",
      `SELECT seq, name, json_text FROM ${s}.occurrences WHERE project = $1 AND occurrence_id = $2 FOR UPDATE`,
    ),
    createOccurrence: named(
      "create_occurrence",
      `WITH project AS (${ensureProject})
       INSERT INTO ${s}.occurrences
         (project, occurrence_id, name, note_name, note_project, note_id, kind, resource_uri, create_time, update_time, json_text)
       VALUES ($1, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)`,
    ),
    existingOccurrenceIds: named(
      "existing_occurrence_ids",
      `SELECT occurrence_id FROM ${s}.occurrences WHERE project = $1 AND occurrence_id = ANY ($2::text[])`,
    ),
    existingNotes: named(
      "existing_notes",
      `SELECT project, note_id FROM ${s}.notes
       WHERE (project, note_id) IN (SELECT * FROM unnest($1::text[], $2::text[]))`,
    ),
    insertOccurrences: named(
      "insert_occurrences",
      `INSERT INTO ${s}.occurrences
         (project, occurrence_id, name, note_name, note_project, note_id, kind, resource_uri, create_time, update_time, json_text)
       SELECT $1, i.occurrence_id, i.name, i.note_name, i.note_project, i.note_id, i.kind, i.resource_uri,
              i.create_time, i.update_time, i.json_text
       FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[], $8::text[],
                   $9::bigint[], $10::bigint[], $11::text[])
         WITH ORDINALITY AS i (occurrence_id, name, note_name, note_project, note_id, kind, resource_uri,
                               create_time, update_time, json_text, position)
       ORDER BY i.position`,
    ),
    updateOccurrence: named(
      "update_occurrence",
      `UPDATE ${s}.occurrences SET name = $1, note_name = $2, note_project = $3, note_id = $4, kind = $5,
         resource_uri = $6, create_time = $7, update_time = $8, json_text = $9 WHERE seq = $10`,
    ),
    deleteOccurrence: named(
      "delete_occurrence",
      `DELETE FROM ${s}.occurrences WHERE project = $1 AND occurrence_id = $2`,
    ),

    ping: named("ping", "SELECT 1"),
  };
}

type Statements = ReturnType<typeof statements>;

interface DataRow {
  readonly seq: string;
  readonly name: string;
  readonly json_text: string;
}

/** Runs statements on one connection (a pooled client inside or outside a transaction). */
type Runner = Pick<PoolClient, "query">;

const recordOf = (row: DataRow): StoredRecord => ({ name: row.name, json: row.json_text });
const sequenced = (row: DataRow) => ({ seq: Number(row.seq), name: row.name, json: row.json_text });
const created = (row: { name: string; json: string }): StoredRecord => ({ name: row.name, json: row.json });

class PostgresStoreAdapter implements PostgresStore {
  readonly kind = "postgres";
  readonly target: string;
  readonly migration: MigrationOutcome;
  readonly #pool: pg.Pool;
  readonly #connection: ResolvedConnection;
  readonly #sql: Statements;
  #closed = false;

  constructor(pool: pg.Pool, connection: ResolvedConnection, target: string, migration: MigrationOutcome) {
    this.#pool = pool;
    this.#connection = connection;
    this.#sql = statements(connection.schema);
    this.target = target;
    this.migration = migration;
  }

  get #schema(): string {
    return this.#connection.schema;
  }

  /** Runs one call, turning every failure into a ScribaError that is safe to show a client. */
  async #run<T>(call: () => Promise<T>): Promise<T> {
    if (this.#closed) throw storeClosed();
    try {
      return await this.#retrying(call);
    } catch (error) {
      throw toScribaError(error);
    }
  }

  /** Runs `call` again when it lost a race to a concurrent writer, a bounded number of times. */
  async #retrying<T>(call: () => Promise<T>): Promise<T> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await call();
      } catch (error) {
        const lost = error instanceof RaceLost || isTransactionConflict(error);
        if (!lost) throw error;
        if (attempt >= maxAttempts) {
          throw new ScribaError("ABORTED", "the request kept conflicting with concurrent writes; retry it", {
            cause: error,
          });
        }
      }
    }
  }

  /**
   * Runs `body` on a pooled connection. A connection that failed in a way
   * that leaves its state unknown is closed instead of going back to the pool.
   */
  async #withClient<T>(body: (client: PoolClient, spoil: (error: unknown) => void) => Promise<T>): Promise<T> {
    const client = await this.#pool.connect();
    let spoiled: Error | undefined;
    const spoil = (error: unknown) => {
      spoiled ??= error instanceof Error ? error : new Error("connection spoiled");
    };
    try {
      return await body(client, spoil);
    } catch (error) {
      if (spoilsConnection(error) && !(error instanceof RaceLost)) spoil(error);
      throw error;
    } finally {
      client.release(spoiled);
    }
  }

  /** Runs `body` in a transaction; a throw rolls everything back. */
  #transaction<T>(body: (client: PoolClient) => Promise<T>): Promise<T> {
    return this.#withClient(async (client, spoil) => {
      await client.query("BEGIN");
      let result: T;
      try {
        result = await body(client);
      } catch (error) {
        // If even ROLLBACK fails the connection is gone; the original error is still the answer.
        await client.query("ROLLBACK").catch(spoil);
        throw error;
      }
      await client.query("COMMIT");
      return result;
    });
  }

  /** One statement on a pooled connection, outside any transaction. */
  #query<R extends QueryResultRow>(
    statement: NamedStatement | SqlQuery,
    values: readonly unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    return this.#withClient((client) => this.#on<R>(client, statement, values));
  }

  #on<R extends QueryResultRow>(
    runner: Runner,
    statement: NamedStatement | SqlQuery,
    values: readonly unknown[] = [],
  ): Promise<pg.QueryResult<R>> {
    if ("name" in statement) return runner.query<R>({ name: statement.name, text: statement.text, values: [...values] });
    return runner.query<R>({ text: statement.text, values: [...statement.values] });
  }

  async #page(query: SqlQuery, pageSize: number, runner?: Runner): Promise<Page> {
    const result = runner === undefined ? await this.#query<DataRow>(query) : await this.#on<DataRow>(runner, query);
    return pageOf(result.rows.map(sequenced), pageSize);
  }

  async #hasNote(runner: Runner, project: string, noteId: string): Promise<boolean> {
    return ((await this.#on(runner, this.#sql.noteExists, [project, noteId])).rowCount ?? 0) > 0;
  }

  createProject(project: string): Promise<StoredRecord> {
    return this.#run(async () => {
      const inserted = await this.#query(this.#sql.createProject, [project, projectName(project)]);
      if (inserted.rowCount === 0) throw projectExists(projectName(project));
      return projectRecord(project);
    });
  }

  getProject(project: string): Promise<StoredRecord> {
    return this.#run(async () => {
      const found = await this.#query(this.#sql.projectExists, [project]);
      if (found.rowCount === 0) throw projectNotFound(projectName(project));
      return projectRecord(project);
    });
  }

  listProjects(query: ListQuery): Promise<Page> {
    return this.#run(async () => {
      const result = await this.#query<{ seq: string; project: string }>(projectListSql(this.#schema, query));
      return pageOf(
        result.rows.map((row) => ({ seq: Number(row.seq), ...projectRecord(row.project) })),
        query.pageSize,
      );
    });
  }

  deleteProject(project: string): Promise<void> {
    return this.#run(async () => {
      const name = projectName(project);
      let deleted: pg.QueryResult;
      try {
        // One statement: the foreign keys refuse it atomically while the project holds objects.
        deleted = await this.#query(this.#sql.deleteProject, [project]);
      } catch (error) {
        if (isForeignKeyViolation(error)) throw projectNotEmpty(name);
        throw error;
      }
      if (deleted.rowCount === 0) throw projectNotFound(name);
    });
  }

  createNote(row: NoteRow): Promise<StoredRecord> {
    return this.#run(async () => {
      try {
        await this.#query(this.#sql.createNote, [
          row.project,
          projectName(row.project),
          row.noteId,
          row.name,
          row.kind,
          row.createTime,
          row.updateTime,
          row.json,
        ]);
      } catch (error) {
        if (isUniqueViolation(error)) throw noteExists(row.name);
        // The project was deleted between inserting it and checking the note's key.
        if (isForeignKeyViolation(error)) throw new RaceLost(error);
        throw error;
      }
      return created(row);
    });
  }

  batchCreateNotes(project: string, rows: readonly NoteRow[]): Promise<StoredRecord[]> {
    return this.#run(() =>
      this.#transaction(async (client) => {
        const ids = rows.map((row) => row.noteId);
        const existing = await this.#on<{ note_id: string }>(client, this.#sql.existingNoteIds, [project, ids]);
        checkNoteBatch(project, rows, new Set(existing.rows.map((r) => r.note_id)));
        if (rows.length === 0) return [];
        await this.#on(client, this.#sql.ensureProject, [project, projectName(project)]);
        try {
          await this.#on(client, this.#sql.insertNotes, [
            project,
            ids,
            rows.map((row) => row.name),
            rows.map((row) => row.kind),
            rows.map((row) => row.createTime),
            rows.map((row) => row.updateTime),
            rows.map((row) => row.json),
          ]);
        } catch (error) {
          // A concurrent writer got in after the check; checking again names the items that now fail.
          if (isUniqueViolation(error) || isForeignKeyViolation(error)) throw new RaceLost(error);
          throw error;
        }
        return rows.map(created);
      }),
    );
  }

  getNote(project: string, noteId: string): Promise<StoredRecord> {
    return this.#run(async () => {
      const found = await this.#query<DataRow>(this.#sql.getNote, [project, noteId]);
      const row = found.rows[0];
      if (row === undefined) throw noteNotFound(noteName(project, noteId));
      return recordOf(row);
    });
  }

  listNotes(project: string, query: ListQuery): Promise<Page> {
    return this.#run(() => this.#page(noteListSql(this.#schema, project, query), query.pageSize));
  }

  updateNote(project: string, noteId: string, update: NoteUpdate): Promise<StoredRecord> {
    return this.#run(() =>
      this.#transaction(async (client) => {
        const locked = await this.#on<DataRow>(client, this.#sql.lockNote, [project, noteId]);
        const current = locked.rows[0];
        if (current === undefined) throw noteNotFound(noteName(project, noteId));
        const row = update(recordOf(current));
        if (row.project !== project || row.noteId !== noteId) {
          throw rowMismatch(row.name, noteName(project, noteId));
        }
        await this.#on(client, this.#sql.updateNote, [
          row.name,
          row.kind,
          row.createTime,
          row.updateTime,
          row.json,
          current.seq,
        ]);
        return created(row);
      }),
    );
  }

  deleteNote(project: string, noteId: string): Promise<void> {
    return this.#run(async () => {
      const name = noteName(project, noteId);
      let deleted: pg.QueryResult;
      try {
        // One statement: the foreign key refuses it atomically while occurrences use the note.
        deleted = await this.#query(this.#sql.deleteNote, [project, noteId]);
      } catch (error) {
        if (isForeignKeyViolation(error)) throw noteInUse(name);
        throw error;
      }
      if (deleted.rowCount === 0) throw noteNotFound(name);
    });
  }

  createOccurrence(row: OccurrenceRow): Promise<StoredRecord> {
    return this.#run(async () => {
      try {
        await this.#query(this.#sql.createOccurrence, [
          row.project,
          projectName(row.project),
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
        ]);
      } catch (error) {
        // The unique index is checked as the row goes in, the foreign keys at the end of the
        // statement: a duplicate ID is reported before a missing note, as in every adapter.
        if (isUniqueViolation(error)) throw occurrenceExists(row.name);
        if (isForeignKeyViolation(error)) {
          if (constraintOf(error) === "occurrences_note_fkey") throw occurrenceNoteMissing(row.noteName);
          throw new RaceLost(error);
        }
        throw error;
      }
      return created(row);
    });
  }

  batchCreateOccurrences(project: string, rows: readonly OccurrenceRow[]): Promise<StoredRecord[]> {
    return this.#run(() =>
      this.#transaction(async (client) => {
        const ids = rows.map((row) => row.occurrenceId);
        const existingIds = await this.#on<{ occurrence_id: string }>(client, this.#sql.existingOccurrenceIds, [
          project,
          ids,
        ]);
        const existingNotes = await this.#on<{ project: string; note_id: string }>(client, this.#sql.existingNotes, [
          rows.map((row) => row.noteProject),
          rows.map((row) => row.noteId),
        ]);
        checkOccurrenceBatch(
          project,
          rows,
          new Set(existingIds.rows.map((r) => r.occurrence_id)),
          new Set(existingNotes.rows.map((r) => noteKey(r.project, r.note_id))),
        );
        if (rows.length === 0) return [];
        await this.#on(client, this.#sql.ensureProject, [project, projectName(project)]);
        try {
          await this.#on(client, this.#sql.insertOccurrences, [
            project,
            ids,
            rows.map((row) => row.name),
            rows.map((row) => row.noteName),
            rows.map((row) => row.noteProject),
            rows.map((row) => row.noteId),
            rows.map((row) => row.kind),
            rows.map((row) => row.resourceUri),
            rows.map((row) => row.createTime),
            rows.map((row) => row.updateTime),
            rows.map((row) => row.json),
          ]);
        } catch (error) {
          if (isUniqueViolation(error) || isForeignKeyViolation(error)) throw new RaceLost(error);
          throw error;
        }
        return rows.map(created);
      }),
    );
  }

  getOccurrence(project: string, occurrenceId: string): Promise<StoredRecord> {
    return this.#run(async () => {
      const found = await this.#query<DataRow>(this.#sql.getOccurrence, [project, occurrenceId]);
      const row = found.rows[0];
      if (row === undefined) throw occurrenceNotFound(occurrenceName(project, occurrenceId));
      return recordOf(row);
    });
  }

  listOccurrences(project: string, query: ListQuery): Promise<Page> {
    return this.#run(() => this.#page(occurrenceListSql(this.#schema, project, query), query.pageSize));
  }

  listNoteOccurrences(noteProject: string, noteId: string, query: ListQuery): Promise<Page> {
    return this.#run(async () => {
      const listQuery = noteOccurrenceListSql(this.#schema, noteProject, noteId, query);
      return this.#withClient(async (client) => {
        if (!(await this.#hasNote(client, noteProject, noteId))) throw noteNotFound(noteName(noteProject, noteId));
        return this.#page(listQuery, query.pageSize, client);
      });
    });
  }

  updateOccurrence(project: string, occurrenceId: string, update: OccurrenceUpdate): Promise<StoredRecord> {
    return this.#run(() =>
      this.#transaction(async (client) => {
        const locked = await this.#on<DataRow>(client, this.#sql.lockOccurrence, [project, occurrenceId]);
        const current = locked.rows[0];
        if (current === undefined) throw occurrenceNotFound(occurrenceName(project, occurrenceId));
        const row = update(recordOf(current));
        if (row.project !== project || row.occurrenceId !== occurrenceId) {
          throw rowMismatch(row.name, occurrenceName(project, occurrenceId));
        }
        try {
          await this.#on(client, this.#sql.updateOccurrence, [
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
          ]);
        } catch (error) {
          if (isForeignKeyViolation(error)) throw occurrenceNoteMissing(row.noteName);
          throw error;
        }
        return created(row);
      }),
    );
  }

  deleteOccurrence(project: string, occurrenceId: string): Promise<void> {
    return this.#run(async () => {
      const deleted = await this.#query(this.#sql.deleteOccurrence, [project, occurrenceId]);
      if (deleted.rowCount === 0) throw occurrenceNotFound(occurrenceName(project, occurrenceId));
    });
  }

  /**
   * `SELECT 1` within the ping timeout, including the wait for a connection.
   * A connection that did not answer in time is closed, not reused.
   */
  async ping(): Promise<void> {
    if (this.#closed) throw storeClosed();
    const timeoutMs = this.#connection.pingTimeoutMs;
    const noAnswer = new ScribaError("UNAVAILABLE", `the database did not answer within ${timeoutMs} ms`);
    let timer: NodeJS.Timeout | undefined;
    const expired = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(noAnswer), timeoutMs);
    });
    const checkout = this.#pool.connect();
    let client: PoolClient | undefined;
    try {
      client = await Promise.race([checkout, expired]);
      await Promise.race([this.#on(client, this.#sql.ping), expired]);
      client.release();
      client = undefined;
    } catch (error) {
      // A connection that did not answer in time is closed; one that arrives too late goes back.
      if (client !== undefined) client.release(true);
      else checkout.then((late) => late.release(), () => undefined);
      const mapped = toScribaError(error);
      throw mapped.code === "UNAVAILABLE" ? mapped : new ScribaError("UNAVAILABLE", "the database does not answer", { cause: error });
    } finally {
      clearTimeout(timer);
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.#pool.end();
  }
}
