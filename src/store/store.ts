/**
 * @module store/store
 *
 * The storage port. Every adapter (memory, SQLite, PostgreSQL) implements this
 * interface and passes the one conformance suite in `store/conformance.ts`.
 *
 * Stores hold canonical proto3 JSON (the `json` of a row) plus the indexed
 * columns that filters and pagination use. They know nothing of Grafeas
 * validation: the service hands them finished rows. They do own the rules that
 * need a transaction to be true under concurrency: uniqueness, the existence of
 * a referenced note, refusing to delete a note that occurrences still use, and
 * all-or-nothing batches.
 *
 * SQL tables use these column names, which compiled filters rely on:
 * - `projects`: `name` (`projects/P`), `project`
 * - `notes`: `name`, `project`, `note_id`, `kind`, `create_time`, `update_time`, `data`
 * - `occurrences`: `name`, `project`, `occurrence_id`, `note_name`, `note_project`,
 *   `note_id`, `kind`, `resource_uri`, `create_time`, `update_time`, `data`
 * `kind` holds the NoteKind name; times are integer microseconds since the epoch;
 * `data` is the canonical JSON. Lists are ordered by an insertion sequence.
 */
import type { CompiledFilter } from "../filter/compiled-filter.js";

export interface NoteRow {
  readonly project: string;
  readonly noteId: string;
  /** `projects/P/notes/N` */
  readonly name: string;
  /** The NoteKind name, e.g. `ATTESTATION`. */
  readonly kind: string;
  /** Microseconds since the epoch. */
  readonly createTime: number;
  readonly updateTime: number;
  /** Canonical proto3 JSON of the whole Note. */
  readonly json: string;
}

export interface OccurrenceRow {
  readonly project: string;
  readonly occurrenceId: string;
  /** `projects/P/occurrences/O` */
  readonly name: string;
  readonly noteProject: string;
  readonly noteId: string;
  /** `projects/NP/notes/N` */
  readonly noteName: string;
  readonly kind: string;
  readonly resourceUri: string;
  readonly createTime: number;
  readonly updateTime: number;
  readonly json: string;
}

/** A stored object as read back: its name and canonical JSON. */
export interface StoredRecord {
  readonly name: string;
  readonly json: string;
}

export interface ListQuery {
  readonly filter?: CompiledFilter | undefined;
  /** 1…1000, already validated by the service. */
  readonly pageSize: number;
  /** Where the previous page ended (a store-defined string); absent for the first page. */
  readonly cursor?: string | undefined;
}

export interface Page {
  readonly records: readonly StoredRecord[];
  /** Present only when more records may follow. */
  readonly nextCursor?: string | undefined;
}

/**
 * Computes the new row from the current record. The store writes the row only
 * if the object is still that record (by computing it inside the write
 * transaction, or by a compare-and-swap that calls this again after a
 * concurrent change), so a read-modify-write never loses a concurrent update.
 * It must therefore have no side effects. It may throw a ScribaError to refuse
 * the update; nothing is written then.
 */
export type NoteUpdate = (current: StoredRecord) => NoteRow;
export type OccurrenceUpdate = (current: StoredRecord) => OccurrenceRow;

export interface Store {
  /** `memory`, `sqlite` or `postgres`, for logs and /readyz. */
  readonly kind: string;

  /** ALREADY_EXISTS if it exists (explicitly or because it holds objects). */
  createProject(project: string): Promise<StoredRecord>;
  /** NOT_FOUND if the project was never created and holds nothing. */
  getProject(project: string): Promise<StoredRecord>;
  listProjects(query: ListQuery): Promise<Page>;
  /** NOT_FOUND if missing; FAILED_PRECONDITION while it still holds notes or occurrences. */
  deleteProject(project: string): Promise<void>;

  /** ALREADY_EXISTS on a duplicate ID. Creates the project implicitly. */
  createNote(row: NoteRow): Promise<StoredRecord>;
  /** All or nothing; the error names every item that failed. */
  batchCreateNotes(project: string, rows: readonly NoteRow[]): Promise<StoredRecord[]>;
  getNote(project: string, noteId: string): Promise<StoredRecord>;
  listNotes(project: string, query: ListQuery): Promise<Page>;
  updateNote(project: string, noteId: string, update: NoteUpdate): Promise<StoredRecord>;
  /** FAILED_PRECONDITION while occurrences (in any project) still refer to the note. */
  deleteNote(project: string, noteId: string): Promise<void>;

  /** FAILED_PRECONDITION if the row's note does not exist. Creates the project implicitly. */
  createOccurrence(row: OccurrenceRow): Promise<StoredRecord>;
  /** All or nothing; the error names every item that failed (by index). */
  batchCreateOccurrences(
    project: string,
    rows: readonly OccurrenceRow[],
  ): Promise<StoredRecord[]>;
  getOccurrence(project: string, occurrenceId: string): Promise<StoredRecord>;
  listOccurrences(project: string, query: ListQuery): Promise<Page>;
  /** The occurrences of one note, from every project. NOT_FOUND if the note is missing. */
  listNoteOccurrences(noteProject: string, noteId: string, query: ListQuery): Promise<Page>;
  updateOccurrence(
    project: string,
    occurrenceId: string,
    update: OccurrenceUpdate,
  ): Promise<StoredRecord>;
  deleteOccurrence(project: string, occurrenceId: string): Promise<void>;

  /** Resolves when the store can serve requests; rejects with UNAVAILABLE otherwise. */
  ping(): Promise<void>;
  close(): Promise<void>;
}
