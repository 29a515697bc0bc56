/**
 * @module store/batch-checks
 *
 * The all-or-nothing rule of batch creates, shared by every adapter: check
 * every item first, and if any fails, throw one error that names each bad item
 * by its field in the request, having written nothing.
 *
 * Adapters look up what already exists (in their own way, inside their write
 * transaction) and hand the answers in as sets, so the verdicts and their
 * wording cannot drift between adapters.
 */
import type { ScribaError } from "../errors.js";
import { noteName as formatNoteName, projectName } from "../grafeas/resource-names.js";
import type { NoteRow, OccurrenceRow } from "./store.js";
import {
  batchFailed,
  noteExists,
  occurrenceExists,
  occurrenceNoteMissing,
  rowMismatch,
} from "./store-errors.js";

interface Failure {
  field: string;
  error: ScribaError;
}

/**
 * Throws when the service put a row of another project into the batch. The
 * batch checks start with it; an adapter that lets constraints find the other
 * problems calls it before writing.
 */
export function checkBatchProject(project: string, rows: readonly { project: string; name: string }[]): void {
  for (const row of rows) {
    if (row.project !== project) throw rowMismatch(row.name, projectName(project));
  }
}

/**
 * Checks a batch of notes for `project`.
 * @param existingIds the IDs of the batch that already exist in the project
 */
export function checkNoteBatch(
  project: string,
  rows: readonly NoteRow[],
  existingIds: ReadonlySet<string>,
): void {
  checkBatchProject(project, rows);
  const seen = new Set<string>();
  const failures: Failure[] = [];
  for (const row of rows) {
    if (existingIds.has(row.noteId) || seen.has(row.noteId)) {
      failures.push({ field: `notes[${JSON.stringify(row.noteId)}]`, error: noteExists(row.name) });
    }
    seen.add(row.noteId);
  }
  if (failures.length > 0) throw batchFailed("notes", rows.length, failures);
}

/** The key under which `checkOccurrenceBatch` looks a note up. */
export const noteKey = (noteProject: string, noteId: string) => formatNoteName(noteProject, noteId);

/**
 * Checks a batch of occurrences for `project`. A duplicate ID is reported
 * before a missing note when an item has both problems.
 * @param existingIds the occurrence IDs of the batch that already exist in the project
 * @param existingNotes `noteKey`s of the referenced notes that exist
 */
export function checkOccurrenceBatch(
  project: string,
  rows: readonly OccurrenceRow[],
  existingIds: ReadonlySet<string>,
  existingNotes: ReadonlySet<string>,
): void {
  checkBatchProject(project, rows);
  const seen = new Set<string>();
  const failures: Failure[] = [];
  rows.forEach((row, index) => {
    const field = `occurrences[${index}]`;
    if (existingIds.has(row.occurrenceId) || seen.has(row.occurrenceId)) {
      failures.push({ field, error: occurrenceExists(row.name) });
    } else if (!existingNotes.has(noteKey(row.noteProject, row.noteId))) {
      failures.push({ field, error: occurrenceNoteMissing(row.noteName) });
    }
    seen.add(row.occurrenceId);
  });
  if (failures.length > 0) throw batchFailed("occurrences", rows.length, failures);
}
