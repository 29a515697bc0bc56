/**
 * @module store/store-errors
 *
 * The errors every store adapter raises, worded once so that all adapters
 * answer the same failure with the same code and message.
 */
import { ScribaError, type FieldViolation } from "../errors.js";

const q = (name: string) => JSON.stringify(name);

export const projectNotFound = (name: string) =>
  new ScribaError("NOT_FOUND", `project ${q(name)} not found`);
export const projectExists = (name: string) =>
  new ScribaError("ALREADY_EXISTS", `project ${q(name)} already exists`);
export const projectNotEmpty = (name: string) =>
  new ScribaError(
    "FAILED_PRECONDITION",
    `project ${q(name)} still holds notes or occurrences; delete them first`,
  );

export const noteNotFound = (name: string) =>
  new ScribaError("NOT_FOUND", `note ${q(name)} not found`);
export const noteExists = (name: string) =>
  new ScribaError("ALREADY_EXISTS", `note ${q(name)} already exists`);
export const noteInUse = (name: string) =>
  new ScribaError(
    "FAILED_PRECONDITION",
    `note ${q(name)} still has occurrences; delete them before the note`,
  );

export const occurrenceNotFound = (name: string) =>
  new ScribaError("NOT_FOUND", `occurrence ${q(name)} not found`);
/** An occurrence may only be attached to a note that exists (in any project). */
export const occurrenceNoteMissing = (noteName: string) =>
  new ScribaError(
    "FAILED_PRECONDITION",
    `note ${q(noteName)} does not exist; create the note before its occurrences`,
  );

/** A concurrent writer won the race for the same ID (caught by a unique constraint). */
export const occurrenceExists = (name: string) =>
  new ScribaError("ALREADY_EXISTS", `occurrence ${q(name)} already exists`);

/**
 * One error for a batch that failed, naming every bad item. The code is the
 * items' shared code when they agree (all duplicates → ALREADY_EXISTS), else
 * INVALID_ARGUMENT.
 */
export function batchFailed(
  what: "notes" | "occurrences",
  total: number,
  failures: readonly { field: string; error: ScribaError }[],
): ScribaError {
  const codes = new Set(failures.map((f) => f.error.code));
  const code = codes.size === 1 ? [...codes][0]! : "INVALID_ARGUMENT";
  const violations: FieldViolation[] = failures.map((f) => ({
    field: f.field,
    description: f.error.message,
  }));
  const list = violations.map((v) => `${v.field}: ${v.description}`).join("; ");
  return new ScribaError(
    code,
    `${failures.length} of ${total} ${what} failed, no ${what} were created: ${list}`,
    { violations },
  );
}

/** A page token this store did not hand out (or that was altered). */
export const invalidCursor = () =>
  new ScribaError("INVALID_ARGUMENT", "page token is invalid; use the nextPageToken of a previous page");

/** The store was closed (the server is shutting down). */
export const storeClosed = () => new ScribaError("UNAVAILABLE", "the store is closed");

/** The database stayed locked by another writer for longer than the store waits. */
export const storeBusy = (cause?: unknown) =>
  new ScribaError("UNAVAILABLE", "the database is busy; retry the request", { cause });

/** The database was migrated by a newer Scriba; an older one must not guess at its schema. */
export const schemaTooNew = (found: number, known: number) =>
  new ScribaError(
    "FAILED_PRECONDITION",
    `the database schema is at version ${found}, but this Scriba knows versions up to ${known}; upgrade Scriba`,
  );

/**
 * The service handed a store a row that does not belong where the call says
 * (another project, or an update that renames the object). A bug, not a client
 * mistake, hence INTERNAL.
 */
export const rowMismatch = (name: string, expected: string) =>
  new ScribaError("INTERNAL", `row ${q(name)} does not belong to ${q(expected)}`);

/** An object changed under an update again and again: the update gives up rather than loop. */
export const updateContended = (name: string, attempts: number) =>
  new ScribaError("ABORTED", `${q(name)} changed under this update ${attempts} times in a row; retry the update`);
