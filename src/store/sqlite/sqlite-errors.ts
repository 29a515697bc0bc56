/**
 * @module store/sqlite/sqlite-errors
 *
 * Reads better-sqlite3 errors. Constraint violations are expected outcomes
 * that the store turns into its own errors where it knows which constraint
 * fired; a locked database is UNAVAILABLE (retryable); anything else is
 * INTERNAL with a fixed message, the SQLite error kept only as the cause.
 */
import Database from "better-sqlite3";
import { ScribaError } from "../../errors.js";
import { storeBusy } from "../store-errors.js";

/** The extended SQLite result code (`SQLITE_CONSTRAINT_UNIQUE`), if `error` came from SQLite. */
export function sqliteCodeOf(error: unknown): string | undefined {
  return error instanceof Database.SqliteError ? error.code : undefined;
}

export const isUniqueViolation = (error: unknown) => {
  const code = sqliteCodeOf(error);
  return code === "SQLITE_CONSTRAINT_UNIQUE" || code === "SQLITE_CONSTRAINT_PRIMARYKEY";
};

/**
 * A child row without its parent reports SQLITE_CONSTRAINT_FOREIGNKEY; deleting
 * a parent that an ON DELETE RESTRICT key protects reports
 * SQLITE_CONSTRAINT_TRIGGER (SQLite runs RESTRICT as an action), with SQLite's
 * fixed foreign-key message.
 */
export function isForeignKeyViolation(error: unknown): boolean {
  const code = sqliteCodeOf(error);
  if (code === "SQLITE_CONSTRAINT_FOREIGNKEY") return true;
  return code === "SQLITE_CONSTRAINT_TRIGGER" && (error as Error).message === "FOREIGN KEY constraint failed";
}

/** Any failure as a ScribaError that is safe to show a client. */
export function toScribaError(error: unknown): ScribaError {
  const code = sqliteCodeOf(error);
  if (code !== undefined && /^SQLITE_(BUSY|LOCKED)/.test(code)) {
    return storeBusy(error);
  }
  return ScribaError.from(error);
}
