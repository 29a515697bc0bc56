/**
 * @module store/sqlite/sqlite-writer
 *
 * Where the SQLite store's writes run. On a database file they run on a
 * thread of their own (`writer-thread.ts`), so that while one commit waits for
 * its fsync the event loop goes on decoding, validating and answering other
 * calls; an in-memory database exists only on its one connection, so its
 * writes run in the caller's thread ({@link InThreadWriter}). Both take the
 * same operations (`sqlite-writes.ts`) and fail with the same ScribaErrors.
 */
import type Database from "better-sqlite3";
import { toScribaError } from "./sqlite-errors.js";
import { SqliteWrites, type WriteArguments, type WriteOperation, type WriteResult } from "./sqlite-writes.js";

export interface SqliteWriter {
  /** Runs one write; rejects with a ScribaError. */
  run<K extends WriteOperation>(operation: K, ...args: WriteArguments<K>): Promise<WriteResult<K>>;
  /** Proves the writer can write: its connection answers. */
  ping(): Promise<void>;
  /** Lets the writes already asked for finish, then stops taking more. */
  close(): Promise<void>;
}

/** Runs every write synchronously on the caller's connection. */
export class InThreadWriter implements SqliteWriter {
  readonly #writes: SqliteWrites;

  constructor(db: Database.Database) {
    this.#writes = new SqliteWrites(db);
  }

  run<K extends WriteOperation>(operation: K, ...args: WriteArguments<K>): Promise<WriteResult<K>> {
    try {
      return Promise.resolve(this.#writes.perform(operation, args));
    } catch (error) {
      return Promise.reject(toScribaError(error));
    }
  }

  ping(): Promise<void> {
    return this.run("ping");
  }

  close(): Promise<void> {
    return Promise.resolve();
  }
}
