/**
 * @module store/sqlite/statement-cache
 *
 * Prepared statements, cached by SQL text. Fixed queries are prepared once;
 * filtered lists produce one SQL text per filter shape (values are always
 * parameters), so the cache is a bounded LRU: a client cycling through many
 * filter shapes costs re-preparation, never unbounded memory.
 */
import type Database from "better-sqlite3";

export class StatementCache {
  readonly #db: Database.Database;
  readonly #capacity: number;
  /** A Map iterates in insertion order; re-inserting on use keeps the least recent first. */
  readonly #statements = new Map<string, Database.Statement>();

  constructor(db: Database.Database, capacity = 256) {
    this.#db = db;
    this.#capacity = capacity;
  }

  /** The prepared statement for `sql`, preparing it on first use. */
  get(sql: string): Database.Statement {
    let statement = this.#statements.get(sql);
    if (statement !== undefined) {
      this.#statements.delete(sql);
    } else {
      statement = this.#db.prepare(sql);
      if (this.#statements.size >= this.#capacity) {
        const oldest = this.#statements.keys().next();
        if (oldest.done !== true) this.#statements.delete(oldest.value);
      }
    }
    this.#statements.set(sql, statement);
    return statement;
  }

  get size(): number {
    return this.#statements.size;
  }
}
