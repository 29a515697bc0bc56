/**
 * @module store/memory-store
 *
 * The in-memory adapter of the storage port, for tests and for trying Scriba
 * out; it keeps nothing across restarts. It answers exactly as the SQL
 * adapters do (the conformance suite holds it to that): the same errors, the
 * same insertion order, the same page tokens, and filters evaluated with
 * `CompiledFilter.matches` on the parsed JSON of each record.
 *
 * Every method runs to completion without awaiting, so on Node's single thread
 * each call is atomic, which is what transactions give the SQL adapters.
 */
import { ScribaError } from "../errors.js";
import { noteName, occurrenceName, projectName } from "../grafeas/resource-names.js";
import { checkNoteBatch, checkOccurrenceBatch, noteKey } from "./batch-checks.js";
import { cursorAfter, filterFor, pageOf, projectRecord, type SequencedRecord } from "./list-query.js";
import type { FilterResource } from "../filter/compiled-filter.js";
import type {
  ListQuery,
  NoteRow,
  NoteUpdate,
  OccurrenceRow,
  OccurrenceUpdate,
  Page,
  Store,
  StoredRecord,
} from "./store.js";
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
} from "./store-errors.js";

/** A stored record with its sequence number and its parsed JSON, parsed once for filters. */
interface Slot extends SequencedRecord {
  readonly data: unknown;
}

interface NoteSlot extends Slot {
  readonly row: NoteRow;
}

interface OccurrenceSlot extends Slot {
  readonly row: OccurrenceRow;
}

export function createMemoryStore(): Store {
  return new MemoryStore();
}

const recordOf = (slot: Slot): StoredRecord => ({ name: slot.name, json: slot.json });

class MemoryStore implements Store {
  readonly kind = "memory";
  #closed = false;
  /** One sequence for every kind of record: only its order matters. */
  #lastSeq = 0;
  readonly #projects = new Map<string, Slot>();
  /** project → note ID → note. Maps iterate in insertion order, which is sequence order. */
  readonly #notes = new Map<string, Map<string, NoteSlot>>();
  /** project → occurrence ID → occurrence. */
  readonly #occurrences = new Map<string, Map<string, OccurrenceSlot>>();
  /** noteKey → occurrence name → occurrence: who uses each note, across projects. */
  readonly #noteUsers = new Map<string, Map<string, OccurrenceSlot>>();

  /** Runs one call; anything that is not a ScribaError becomes INTERNAL, as in the SQL adapters. */
  #run<T>(call: () => T): Promise<T> {
    try {
      if (this.#closed) throw storeClosed();
      return Promise.resolve(call());
    } catch (error) {
      return Promise.reject(ScribaError.from(error));
    }
  }

  /** Parses the JSON (refusing invalid JSON as the SQL CHECK constraints do) before anything is written. */
  #slot<R extends NoteRow | OccurrenceRow>(row: R, seq?: number): Slot & { row: R } {
    const data: unknown = JSON.parse(row.json);
    return { seq: seq ?? ++this.#lastSeq, name: row.name, json: row.json, data, row };
  }

  #ensureProject(project: string): void {
    if (this.#projects.has(project)) return;
    const record = projectRecord(project);
    this.#projects.set(project, { ...record, seq: ++this.#lastSeq, data: JSON.parse(record.json) });
  }

  #notesOf(project: string): Map<string, NoteSlot> {
    let notes = this.#notes.get(project);
    if (notes === undefined) this.#notes.set(project, (notes = new Map<string, NoteSlot>()));
    return notes;
  }

  #occurrencesOf(project: string): Map<string, OccurrenceSlot> {
    let occurrences = this.#occurrences.get(project);
    if (occurrences === undefined) this.#occurrences.set(project, (occurrences = new Map<string, OccurrenceSlot>()));
    return occurrences;
  }

  #usersOf(noteProject: string, noteId: string): Map<string, OccurrenceSlot> {
    const key = noteKey(noteProject, noteId);
    let users = this.#noteUsers.get(key);
    if (users === undefined) this.#noteUsers.set(key, (users = new Map<string, OccurrenceSlot>()));
    return users;
  }

  #hasNote(noteProject: string, noteId: string): boolean {
    return this.#notes.get(noteProject)?.has(noteId) ?? false;
  }

  #addOccurrence(slot: OccurrenceSlot): void {
    this.#occurrencesOf(slot.row.project).set(slot.row.occurrenceId, slot);
    this.#usersOf(slot.row.noteProject, slot.row.noteId).set(slot.name, slot);
  }

  #removeOccurrence(slot: OccurrenceSlot): void {
    this.#occurrences.get(slot.row.project)?.delete(slot.row.occurrenceId);
    this.#noteUsers.get(noteKey(slot.row.noteProject, slot.row.noteId))?.delete(slot.name);
  }

  /** Validates the query, then walks `slots` in sequence order. */
  #list(query: ListQuery, resource: FilterResource, slots: () => Iterable<Slot>): Page {
    const after = cursorAfter(query);
    const filter = filterFor(query, resource);
    const found: Slot[] = [];
    for (const slot of slots()) {
      if (slot.seq <= after || (filter !== undefined && !filter.matches(slot.data))) continue;
      found.push(slot);
      if (found.length > query.pageSize) break;
    }
    return pageOf(found, query.pageSize);
  }

  createProject(project: string): Promise<StoredRecord> {
    return this.#run(() => {
      if (this.#projects.has(project)) throw projectExists(projectName(project));
      this.#ensureProject(project);
      return projectRecord(project);
    });
  }

  getProject(project: string): Promise<StoredRecord> {
    return this.#run(() => {
      if (!this.#projects.has(project)) throw projectNotFound(projectName(project));
      return projectRecord(project);
    });
  }

  listProjects(query: ListQuery): Promise<Page> {
    return this.#run(() => this.#list(query, "project", () => this.#projects.values()));
  }

  deleteProject(project: string): Promise<void> {
    return this.#run(() => {
      if (!this.#projects.has(project)) throw projectNotFound(projectName(project));
      const notes = this.#notes.get(project)?.size ?? 0;
      const occurrences = this.#occurrences.get(project)?.size ?? 0;
      if (notes + occurrences > 0) throw projectNotEmpty(projectName(project));
      this.#projects.delete(project);
      this.#notes.delete(project);
      this.#occurrences.delete(project);
    });
  }

  createNote(row: NoteRow): Promise<StoredRecord> {
    return this.#run(() => {
      if (this.#hasNote(row.project, row.noteId)) throw noteExists(row.name);
      const slot = this.#slot(row);
      this.#ensureProject(row.project);
      this.#notesOf(row.project).set(row.noteId, slot);
      return recordOf(slot);
    });
  }

  batchCreateNotes(project: string, rows: readonly NoteRow[]): Promise<StoredRecord[]> {
    return this.#run(() => {
      const existing = new Set(rows.filter((r) => this.#hasNote(project, r.noteId)).map((r) => r.noteId));
      checkNoteBatch(project, rows, existing);
      const slots = rows.map((row) => this.#slot(row));
      if (slots.length === 0) return [];
      this.#ensureProject(project);
      const notes = this.#notesOf(project);
      for (const slot of slots) notes.set(slot.row.noteId, slot);
      return slots.map(recordOf);
    });
  }

  getNote(project: string, noteId: string): Promise<StoredRecord> {
    return this.#run(() => {
      const slot = this.#notes.get(project)?.get(noteId);
      if (slot === undefined) throw noteNotFound(noteName(project, noteId));
      return recordOf(slot);
    });
  }

  listNotes(project: string, query: ListQuery): Promise<Page> {
    return this.#run(() => this.#list(query, "note", () => this.#notes.get(project)?.values() ?? []));
  }

  updateNote(project: string, noteId: string, update: NoteUpdate): Promise<StoredRecord> {
    return this.#run(() => {
      const current = this.#notes.get(project)?.get(noteId);
      if (current === undefined) throw noteNotFound(noteName(project, noteId));
      const row = update(recordOf(current));
      if (row.project !== project || row.noteId !== noteId) {
        throw rowMismatch(row.name, noteName(project, noteId));
      }
      const slot = this.#slot(row, current.seq);
      this.#notesOf(project).set(noteId, slot);
      return recordOf(slot);
    });
  }

  deleteNote(project: string, noteId: string): Promise<void> {
    return this.#run(() => {
      const name = noteName(project, noteId);
      if (!this.#hasNote(project, noteId)) throw noteNotFound(name);
      if ((this.#noteUsers.get(noteKey(project, noteId))?.size ?? 0) > 0) throw noteInUse(name);
      this.#notes.get(project)?.delete(noteId);
      this.#noteUsers.delete(noteKey(project, noteId));
    });
  }

  createOccurrence(row: OccurrenceRow): Promise<StoredRecord> {
    return this.#run(() => {
      if (this.#occurrences.get(row.project)?.has(row.occurrenceId)) throw occurrenceExists(row.name);
      if (!this.#hasNote(row.noteProject, row.noteId)) throw occurrenceNoteMissing(row.noteName);
      const slot = this.#slot(row);
      this.#ensureProject(row.project);
      this.#addOccurrence(slot);
      return recordOf(slot);
    });
  }

  batchCreateOccurrences(project: string, rows: readonly OccurrenceRow[]): Promise<StoredRecord[]> {
    return this.#run(() => {
      const stored = this.#occurrences.get(project);
      const existingIds = new Set(rows.map((r) => r.occurrenceId).filter((id) => stored?.has(id)));
      const existingNotes = new Set(
        rows
          .filter((r) => this.#hasNote(r.noteProject, r.noteId))
          .map((r) => noteKey(r.noteProject, r.noteId)),
      );
      checkOccurrenceBatch(project, rows, existingIds, existingNotes);
      const slots = rows.map((row) => this.#slot(row));
      if (slots.length === 0) return [];
      this.#ensureProject(project);
      for (const slot of slots) this.#addOccurrence(slot);
      return slots.map(recordOf);
    });
  }

  getOccurrence(project: string, occurrenceId: string): Promise<StoredRecord> {
    return this.#run(() => {
      const slot = this.#occurrences.get(project)?.get(occurrenceId);
      if (slot === undefined) throw occurrenceNotFound(occurrenceName(project, occurrenceId));
      return recordOf(slot);
    });
  }

  listOccurrences(project: string, query: ListQuery): Promise<Page> {
    return this.#run(() =>
      this.#list(query, "occurrence", () => this.#occurrences.get(project)?.values() ?? []),
    );
  }

  listNoteOccurrences(noteProject: string, noteId: string, query: ListQuery): Promise<Page> {
    return this.#run(() => {
      // A bad token or filter is reported before a missing note, as the SQL adapters do.
      cursorAfter(query);
      filterFor(query, "occurrence");
      if (!this.#hasNote(noteProject, noteId)) throw noteNotFound(noteName(noteProject, noteId));
      // Users span projects, and an update can move an occurrence to another note: sort by sequence.
      const users = [...(this.#noteUsers.get(noteKey(noteProject, noteId))?.values() ?? [])];
      return this.#list(query, "occurrence", () => users.sort((a, b) => a.seq - b.seq));
    });
  }

  updateOccurrence(
    project: string,
    occurrenceId: string,
    update: OccurrenceUpdate,
  ): Promise<StoredRecord> {
    return this.#run(() => {
      const current = this.#occurrences.get(project)?.get(occurrenceId);
      if (current === undefined) throw occurrenceNotFound(occurrenceName(project, occurrenceId));
      const row = update(recordOf(current));
      if (row.project !== project || row.occurrenceId !== occurrenceId) {
        throw rowMismatch(row.name, occurrenceName(project, occurrenceId));
      }
      if (!this.#hasNote(row.noteProject, row.noteId)) throw occurrenceNoteMissing(row.noteName);
      const slot = this.#slot(row, current.seq);
      // Replacing the entry in place keeps its position in the project's insertion order.
      this.#noteUsers.get(noteKey(current.row.noteProject, current.row.noteId))?.delete(current.name);
      this.#addOccurrence(slot);
      return recordOf(slot);
    });
  }

  deleteOccurrence(project: string, occurrenceId: string): Promise<void> {
    return this.#run(() => {
      const slot = this.#occurrences.get(project)?.get(occurrenceId);
      if (slot === undefined) throw occurrenceNotFound(occurrenceName(project, occurrenceId));
      this.#removeOccurrence(slot);
    });
  }

  ping(): Promise<void> {
    return this.#run(() => undefined);
  }

  close(): Promise<void> {
    this.#closed = true;
    return Promise.resolve();
  }
}
