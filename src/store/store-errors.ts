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
