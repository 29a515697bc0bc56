/**
 * @module grafeas/grafeas-service
 *
 * The grafeas.v1.Grafeas service. Every call follows the Grafeas pipeline:
 * parse the resource name → authorize → validate → store → respond. The edges
 * (gRPC, REST, v1alpha1) call these methods with grafeas.v1 request messages
 * and render the stored records they return; they add no rules of their own.
 *
 * Choices where upstream Grafeas is silent or buggy are listed in docs/api.md.
 */
import { randomUUID } from "node:crypto";
import type { FieldMask, Timestamp } from "@bufbuild/protobuf/wkt";
import {
  NoteSchema,
  OccurrenceSchema,
  type BatchCreateNotesRequest,
  type BatchCreateOccurrencesRequest,
  type CreateNoteRequest,
  type CreateOccurrenceRequest,
  type DeleteNoteRequest,
  type DeleteOccurrenceRequest,
  type GetNoteRequest,
  type GetOccurrenceNoteRequest,
  type GetOccurrenceRequest,
  type ListNoteOccurrencesRequest,
  type ListNotesRequest,
  type ListOccurrencesRequest,
  type Note,
  type Occurrence,
  type UpdateNoteRequest,
  type UpdateOccurrenceRequest,
} from "../gen/grafeas/v1/grafeas_pb.js";
import { invalidArgument, ScribaError } from "../errors.js";
import type { OccurrenceRow, StoredRecord, Store } from "../store/store.js";
import type { CallContext } from "../wire/rpc.js";
import { allowAll, type Authorizer, type Permission } from "./authorizer.js";
import { applyUpdate } from "./field-mask.js";
import { prepareList, type PageLimits } from "./list-request.js";
import { kindOfNote, kindOfOccurrence } from "./note-kind.js";
import { PageTokens } from "./page-token.js";
import { messageFromStoredJson, systemClock, type Clock } from "./proto-json.js";
import {
  isValidId,
  noteName,
  occurrenceName,
  parseNoteName,
  parseOccurrenceName,
  parseProjectName,
  type NoteName,
  type OccurrenceName,
} from "./resource-names.js";
import { noteRow, occurrenceRow } from "./rows.js";
import { validateNote } from "./validation/validate-note.js";
import { validateOccurrence } from "./validation/validate-occurrence.js";
import { Violations } from "./validation/violations.js";

export interface GrafeasLimits extends PageLimits {
  /** Items in one BatchCreate call. */
  readonly maxBatchSize: number;
}

export const defaultGrafeasLimits: GrafeasLimits = {
  defaultPageSize: 20,
  maxPageSize: 1000,
  maxBatchSize: 1000,
};

export interface GrafeasServiceOptions {
  readonly store: Store;
  readonly authorizer?: Authorizer;
  readonly pageTokens?: PageTokens;
  readonly limits?: GrafeasLimits;
  readonly clock?: Clock;
  /** Occurrence IDs; UUIDv4 unless a test needs determinism. */
  readonly newId?: () => string;
}

/**
 * A record the service has just written, with the message its JSON was made
 * from: a gRPC reply can encode that message instead of parsing the JSON again
 * (see json-round-trip for when the two encode alike).
 */
export interface WrittenRecord extends StoredRecord {
  readonly message: Note | Occurrence;
}

/** `stored` with the message it was written from; the name guards against a store answering another record. */
function written(stored: StoredRecord, message: Note | Occurrence | undefined): StoredRecord | WrittenRecord {
  return stored.name === message?.name ? { name: stored.name, json: stored.json, message } : stored;
}

/** A page of stored records and the token for the next one ("" on the last page). */
export interface RecordPage {
  readonly records: readonly StoredRecord[];
  readonly nextPageToken: string;
}

const occurrenceRules = {
  outputOnly: ["name", "kind", "createTime", "updateTime"],
  immutable: ["resourceUri", "noteName"],
};
const noteRules = { outputOnly: ["name", "kind", "createTime", "updateTime"], immutable: [] };

function requireMessage<T>(value: T | undefined, field: string): T {
  if (value === undefined) throw invalidArgument(`${field} is required`);
  return value;
}

/** `headline` says what was refused (`note is invalid`); the violations follow it. */
function throwIfInvalid(v: Violations, headline: string): void {
  if (v.empty) return;
  const list = v.list.map((x) => `${x.field}: ${x.description}`).join("; ");
  throw invalidArgument(`${headline}: ${list}`, v.list);
}

function maskPaths(mask: FieldMask | undefined): readonly string[] {
  return mask?.paths ?? [];
}

export class GrafeasService {
  readonly store: Store;
  readonly #auth: Authorizer;
  readonly #tokens: PageTokens;
  readonly #limits: GrafeasLimits;
  readonly #clock: Clock;
  readonly #newId: () => string;

  constructor(options: GrafeasServiceOptions) {
    this.store = options.store;
    this.#auth = options.authorizer ?? allowAll;
    this.#tokens = options.pageTokens ?? new PageTokens();
    this.#limits = options.limits ?? defaultGrafeasLimits;
    this.#clock = options.clock ?? systemClock;
    this.#newId = options.newId ?? randomUUID;
  }

  #authorize(ctx: CallContext, project: string, permission: Permission): Promise<void> {
    return this.#auth.check(ctx, project, permission);
  }

  // ---- Notes ---------------------------------------------------------------

  async getNote(request: GetNoteRequest, ctx: CallContext): Promise<StoredRecord> {
    const { project, noteId } = parseNoteName(request.name);
    await this.#authorize(ctx, project, "notes.get");
    return this.store.getNote(project, noteId);
  }

  async listNotes(request: ListNotesRequest, ctx: CallContext): Promise<RecordPage> {
    const project = parseProjectName(request.parent, "parent");
    await this.#authorize(ctx, project, "notes.list");
    const list = prepareList("ListNotes", project, "note", request, this.#limits, this.#tokens);
    const page = await this.store.listNotes(project, list.query);
    return { records: page.records, nextPageToken: list.nextPageToken(page.nextCursor) };
  }

  async createNote(request: CreateNoteRequest, ctx: CallContext): Promise<StoredRecord> {
    const project = parseProjectName(request.parent, "parent");
    await this.#authorize(ctx, project, "notes.create");
    // noteId is a field of the request, not of the note: name it so.
    const violations = new Violations();
    const note = this.#prepareNote(project, request.noteId, requireMessage(request.note, "note"), this.#clock(), violations.at("note."), violations);
    throwIfInvalid(violations, "note is invalid");
    return written(await this.store.createNote(noteRow(note)), note);
  }

  async batchCreateNotes(
    request: BatchCreateNotesRequest,
    ctx: CallContext,
  ): Promise<StoredRecord[]> {
    const project = parseProjectName(request.parent, "parent");
    await this.#authorize(ctx, project, "notes.create");
    const entries = Object.entries(request.notes);
    this.#checkBatchSize(entries.length, "notes");
    const violations = new Violations();
    // One instant for the whole batch: it is written in one transaction.
    const now = this.#clock();
    const notes = entries.map(([id, note]) =>
      this.#prepareNote(project, id, note, now, violations.at(`notes[${JSON.stringify(id)}].`)),
    );
    throwIfInvalid(violations, `one or more notes are invalid, no notes were created`);
    const stored = await this.store.batchCreateNotes(project, notes.map(noteRow));
    return stored.map((record, i) => written(record, notes[i]));
  }

  async updateNote(request: UpdateNoteRequest, ctx: CallContext): Promise<StoredRecord> {
    const { project, noteId } = parseNoteName(request.name);
    await this.#authorize(ctx, project, "notes.update");
    const incoming = requireMessage(request.note, "note");
    const paths = maskPaths(request.updateMask);
    return this.store.updateNote(project, noteId, (current) => {
      const existing = messageFromStoredJson(NoteSchema, current.json);
      const updated = applyUpdate(NoteSchema, existing, incoming, paths, noteRules);
      if (kindOfNote(updated) !== existing.kind) {
        throw invalidArgument("the note's type (and so its kind) cannot change; create a new note");
      }
      throwIfInvalid(validateNote(updated, new Violations("note.")), "note is invalid");
      updated.updateTime = this.#clock();
      return noteRow(updated);
    });
  }

  async deleteNote(request: DeleteNoteRequest, ctx: CallContext): Promise<void> {
    const { project, noteId } = parseNoteName(request.name);
    await this.#authorize(ctx, project, "notes.delete");
    await this.store.deleteNote(project, noteId);
  }

  async getOccurrenceNote(
    request: GetOccurrenceNoteRequest,
    ctx: CallContext,
  ): Promise<StoredRecord> {
    const { project, occurrenceId } = parseOccurrenceName(request.name);
    await this.#authorize(ctx, project, "occurrences.get");
    const stored = await this.store.getOccurrence(project, occurrenceId);
    const occurrence = messageFromStoredJson(OccurrenceSchema, stored.json);
    const note = parseNoteName(occurrence.noteName);
    return this.store.getNote(note.project, note.noteId);
  }

  async listNoteOccurrences(
    request: ListNoteOccurrencesRequest,
    ctx: CallContext,
  ): Promise<RecordPage> {
    const { project, noteId } = parseNoteName(request.name);
    await this.#authorize(ctx, project, "notes.listOccurrences");
    const list = prepareList(
      "ListNoteOccurrences",
      noteName(project, noteId),
      "occurrence",
      request,
      this.#limits,
      this.#tokens,
    );
    const page = await this.store.listNoteOccurrences(project, noteId, list.query);
    return { records: page.records, nextPageToken: list.nextPageToken(page.nextCursor) };
  }

  // ---- Occurrences ---------------------------------------------------------

  async getOccurrence(request: GetOccurrenceRequest, ctx: CallContext): Promise<StoredRecord> {
    const { project, occurrenceId } = parseOccurrenceName(request.name);
    await this.#authorize(ctx, project, "occurrences.get");
    return this.store.getOccurrence(project, occurrenceId);
  }

  async listOccurrences(request: ListOccurrencesRequest, ctx: CallContext): Promise<RecordPage> {
    const project = parseProjectName(request.parent, "parent");
    await this.#authorize(ctx, project, "occurrences.list");
    const list = prepareList(
      "ListOccurrences",
      project,
      "occurrence",
      request,
      this.#limits,
      this.#tokens,
    );
    const page = await this.store.listOccurrences(project, list.query);
    return { records: page.records, nextPageToken: list.nextPageToken(page.nextCursor) };
  }

  async createOccurrence(
    request: CreateOccurrenceRequest,
    ctx: CallContext,
  ): Promise<StoredRecord> {
    const project = parseProjectName(request.parent, "parent");
    await this.#authorize(ctx, project, "occurrences.create");
    const incoming = requireMessage(request.occurrence, "occurrence");
    const violations = new Violations("occurrence.");
    const prepared = this.#prepareOccurrence(project, incoming, this.#clock(), violations);
    throwIfInvalid(violations, "occurrence is invalid");
    await this.#authorizeAttach(ctx, [prepared]);
    return written(await this.store.createOccurrence(rowOf(prepared)), prepared.message);
  }

  async batchCreateOccurrences(
    request: BatchCreateOccurrencesRequest,
    ctx: CallContext,
  ): Promise<StoredRecord[]> {
    const project = parseProjectName(request.parent, "parent");
    await this.#authorize(ctx, project, "occurrences.create");
    this.#checkBatchSize(request.occurrences.length, "occurrences");
    const violations = new Violations();
    // One instant for the whole batch: it is written in one transaction.
    const now = this.#clock();
    const occurrences = request.occurrences.map((o, i) =>
      this.#prepareOccurrence(project, o, now, violations.at(`occurrences[${i}].`)),
    );
    throwIfInvalid(violations, "one or more occurrences are invalid, no occurrences were created");
    await this.#authorizeAttach(ctx, occurrences);
    const stored = await this.store.batchCreateOccurrences(project, occurrences.map(rowOf));
    return stored.map((record, i) => written(record, occurrences[i]?.message));
  }

  async updateOccurrence(
    request: UpdateOccurrenceRequest,
    ctx: CallContext,
  ): Promise<StoredRecord> {
    const { project, occurrenceId } = parseOccurrenceName(request.name);
    await this.#authorize(ctx, project, "occurrences.update");
    const incoming = requireMessage(request.occurrence, "occurrence");
    const paths = maskPaths(request.updateMask);
    return this.store.updateOccurrence(project, occurrenceId, (current) => {
      const existing = messageFromStoredJson(OccurrenceSchema, current.json);
      const updated = applyUpdate(OccurrenceSchema, existing, incoming, paths, occurrenceRules);
      if (kindOfOccurrence(updated) !== existing.kind) {
        throw invalidArgument(
          "the occurrence's details type (and so its kind) cannot change; create a new occurrence",
        );
      }
      throwIfInvalid(validateOccurrence(updated, new Violations("occurrence.")), "occurrence is invalid");
      updated.updateTime = this.#clock();
      return occurrenceRow(updated);
    });
  }

  async deleteOccurrence(request: DeleteOccurrenceRequest, ctx: CallContext): Promise<void> {
    const { project, occurrenceId } = parseOccurrenceName(request.name);
    await this.#authorize(ctx, project, "occurrences.delete");
    await this.store.deleteOccurrence(project, occurrenceId);
  }

  // ---- Helpers -------------------------------------------------------------

  #checkBatchSize(count: number, what: "notes" | "occurrences"): void {
    if (count === 0) throw invalidArgument(`at least one ${what.slice(0, -1)} must be specified`);
    if (count > this.#limits.maxBatchSize) {
      throw invalidArgument(
        `${count} is too many ${what} to batch create, a maximum of ${this.#limits.maxBatchSize} ${what} is allowed per batch`,
      );
    }
  }

  /** Creating an occurrence attaches it to a note, which may live in another project. */
  async #authorizeAttach(ctx: CallContext, occurrences: readonly PreparedOccurrence[]): Promise<void> {
    const noteProjects = new Set(occurrences.map((o) => o.note?.project));
    for (const noteProject of noteProjects) {
      if (noteProject === undefined) continue;
      await this.#authorize(ctx, noteProject, "notes.attachOccurrence");
    }
  }

  /**
   * Sets the server-owned fields of a new note and collects its violations;
   * problems with the ID go to `idViolations` (the request level in CreateNote).
   */
  #prepareNote(
    project: string,
    noteId: string,
    note: Note,
    now: Timestamp,
    v: Violations,
    idViolations: Violations = v,
  ): Note {
    if (noteId === "") {
      idViolations.add("noteId", "is required");
    } else if (!isValidId(noteId)) {
      idViolations.add("noteId", "must be 1-256 characters from A-Z a-z 0-9 _ . ~ : @ + - (and never /)");
    }
    const name = isValidId(noteId) ? noteName(project, noteId) : "";
    if (note.name !== "" && name !== "" && canonicalNoteName(note.name) !== name) {
      v.add("name", `${JSON.stringify(note.name)} does not match the parent and note ID (${name})`);
    }
    validateNote(note, v);
    return { ...note, name, kind: kindOfNote(note), createTime: now, updateTime: now };
  }

  /**
   * Sets the server-owned fields of a new occurrence and collects its
   * violations. The note name is stored in its canonical form
   * (`projects/P/locations/L/notes/N` → `projects/P/notes/N`).
   */
  #prepareOccurrence(project: string, occurrence: Occurrence, now: Timestamp, v: Violations): PreparedOccurrence {
    validateOccurrence(occurrence, v);
    const name: OccurrenceName = { project, occurrenceId: this.#newId() };
    const note = parsedNoteName(occurrence.noteName);
    return {
      message: {
        ...occurrence,
        name: occurrenceName(name.project, name.occurrenceId),
        noteName: note === undefined ? occurrence.noteName : noteName(note.project, note.noteId),
        kind: kindOfOccurrence(occurrence),
        createTime: now,
        updateTime: now,
      },
      name,
      note,
    };
  }
}

/** A new occurrence with its server-set fields, and its names parsed (so that nothing parses them again). */
interface PreparedOccurrence {
  readonly message: Occurrence;
  readonly name: OccurrenceName;
  /** Undefined when the note name does not parse, which validation refuses. */
  readonly note: NoteName | undefined;
}

function rowOf({ message, name, note }: PreparedOccurrence): OccurrenceRow {
  return note === undefined ? occurrenceRow(message) : occurrenceRow(message, { occurrence: name, note });
}

/** `projects/P/locations/L/notes/N` → `projects/P/notes/N`; anything unparsable unchanged. */
function canonicalNoteName(name: string): string {
  const parsed = parsedNoteName(name);
  return parsed === undefined ? name : noteName(parsed.project, parsed.noteId);
}

function parsedNoteName(name: string): NoteName | undefined {
  try {
    return parseNoteName(name);
  } catch (error) {
    if (error instanceof ScribaError) return undefined;
    throw error;
  }
}
