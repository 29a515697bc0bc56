/**
 * @module store/sqlite/connection
 *
 * Opens the SQLite database file the way the store needs it.
 *
 * - WAL journal: readers never block the writer, and a commit is one append.
 * - `synchronous=FULL` by default: each commit is fsynced to the WAL before it
 *   is acknowledged, so an acknowledged write survives a power loss or kernel
 *   crash. Attestations and vulnerability findings decide what may run in a
 *   cluster, so losing an acknowledged one is worse than a slower write.
 *   `NORMAL` syncs only at checkpoints: it is still safe against a killed or
 *   crashed *process* (the WAL is in the OS page cache and the database stays
 *   consistent), but a power loss may roll back the last commits.
 * - `foreign_keys=ON`: SQLite leaves them off by default, and the schema relies
 *   on them (notes in use, projects holding objects).
 * - A busy timeout, so that another process writing to the same file makes a
 *   writer wait briefly instead of failing at once.
 * - Memory-mapped reads (`mmap_size`): pages are read straight from the OS
 *   page cache instead of one `pread` each into SQLite's own small cache. This
 *   is not a cache of ours: the mapping is the file, shared with every other
 *   process using it, so readers still see every committed write. Writes still
 *   go through the WAL.
 */
import { mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import Database from "better-sqlite3";
import { ScribaError } from "../../errors.js";
import { migrate } from "./migrate.js";
import { sqliteCodeOf } from "./sqlite-errors.js";

export interface SqliteStoreOptions {
  /** The database file; its parent directories are created. `:memory:` for a throw-away database. */
  readonly path: string;
  /** `FULL` (the default) survives power loss; `NORMAL` survives a killed process only. */
  readonly synchronous?: "FULL" | "NORMAL" | undefined;
}

/** How long a writer waits for another process's write lock before answering UNAVAILABLE. */
export const busyTimeoutMs = 5000;

/**
 * The most of the database file that is memory-mapped (address space, not
 * memory: the pages belong to the OS page cache). 1 GiB covers a million
 * occurrences' indexes and most of their rows; the rest is read as before.
 */
export const mmapSizeBytes = 1024 * 1024 * 1024;

/** `:memory:` (or an empty path): a database private to one connection. */
export const inMemory = (path: string) => path === ":memory:" || path === "";

function cannotOpen(path: string, error: unknown): ScribaError {
  if (error instanceof ScribaError) return error;
  const code = sqliteCodeOf(error) ?? (error instanceof Error ? error.message : "unknown error");
  return new ScribaError("UNAVAILABLE", `cannot open the SQLite database ${JSON.stringify(path)}: ${code}`, {
    cause: error,
  });
}

/** Opens (creating if needed), configures and migrates the database. */
export function openDatabase(options: SqliteStoreOptions): Database.Database {
  const synchronous = options.synchronous ?? "FULL";
  if (synchronous !== "FULL" && synchronous !== "NORMAL") {
    throw new ScribaError("INVALID_ARGUMENT", `SQLite synchronous must be FULL or NORMAL, got ${String(synchronous)}`);
  }
  let db: Database.Database;
  try {
    if (!inMemory(options.path)) mkdirSync(dirname(resolve(options.path)), { recursive: true });
    db = new Database(options.path, { timeout: busyTimeoutMs });
  } catch (error) {
    throw cannotOpen(options.path, error);
  }
  try {
    const journal = db.pragma("journal_mode = WAL", { simple: true });
    if (!inMemory(options.path) && journal !== "wal") {
      throw new ScribaError("UNAVAILABLE", `SQLite refused WAL mode for ${JSON.stringify(options.path)}`);
    }
    db.pragma(`synchronous = ${synchronous}`);
    db.pragma("foreign_keys = ON");
    db.pragma(`mmap_size = ${mmapSizeBytes}`);
    migrate(db);
    return db;
  } catch (error) {
    db.close();
    throw cannotOpen(options.path, error);
  }
}
