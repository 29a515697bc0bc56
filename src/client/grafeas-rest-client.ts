/**
 * @module client/grafeas-rest-client
 *
 * A small typed client for the grafeas.v1 REST mapping of a Scriba (or any
 * Grafeas v1) server: the `scriba` CLI talks to servers through it, and so can
 * anything else that needs notes and occurrences from another process.
 *
 * - Requests and replies are protobuf-es messages of the generated grafeas.v1
 *   types; the wire carries canonical proto3 JSON. Replies are read with
 *   unknown fields ignored, so a newer server does not break an older client.
 * - Resource names are parsed before anything is sent (a malformed name is
 *   INVALID_ARGUMENT here, never a request to a surprising path); the
 *   `projects/P/locations/L/…` spellings are accepted and sent without the
 *   location, as Scriba stores them.
 * - Every call has a timeout (DEADLINE_EXCEEDED) and a reply size bound; a
 *   server that cannot be reached is UNAVAILABLE with the reason; the
 *   server's own errors come back as the ScribaError it threw (./rest-error.ts).
 * - An https server may be trusted through a private CA (`ca`) without
 *   touching the process-wide trust store (./http-exchange.ts).
 * - `listAll…` follow `nextPageToken` to the end, up to a page bound, and
 *   fail with OUT_OF_RANGE past it rather than return a silently partial list.
 *
 * The call options, pages and the page loop are shared with the gRPC client
 * (./grafeas-client.ts); so is {@link GrafeasMetadataClient}, which this
 * client implements for the admission webhook's REST metadata source.
 */
import { type DescMessage, type MessageShape, create, fromJson, toJson } from "@bufbuild/protobuf";
import type { JsonValue } from "@bufbuild/protobuf";
import { ScribaError, invalidArgument } from "../errors.js";
import {
  BatchCreateNotesRequestSchema,
  BatchCreateNotesResponseSchema,
  BatchCreateOccurrencesRequestSchema,
  BatchCreateOccurrencesResponseSchema,
  ListNoteOccurrencesResponseSchema,
  ListNotesResponseSchema,
  ListOccurrencesResponseSchema,
  type Note,
  NoteSchema,
  type Occurrence,
  OccurrenceSchema,
} from "../gen/grafeas/v1/grafeas_pb.js";
import { grafeasRegistry } from "../grafeas/proto-json.js";
import { isValidId, parseNoteName, parseOccurrenceName, parseProjectName } from "../grafeas/resource-names.js";
import {
  type CallOptions,
  type ClientCertificate,
  type GrafeasClientOptions,
  type GrafeasMetadataClient,
  type ListAllOptions,
  type ListOptions,
  type Page,
  type UpdateOptions,
  checkPageSize,
  readAllPages,
  defaultMaxPages,
  defaultMaxResponseBytes,
  defaultTimeoutMs,
} from "./grafeas-client.js";
import { exchange } from "./http-exchange.js";
import { errorFromReply } from "./rest-error.js";
import { parseServerUrl } from "./server-url.js";

export type GrafeasRestClientOptions = GrafeasClientOptions;

type Query = Record<string, string | number | undefined>;

interface Call {
  readonly method: "GET" | "POST" | "PATCH" | "DELETE";
  /** Path below the base URL, already escaped: `/v1/projects/p/notes/n`. */
  readonly path: string;
  readonly query?: Query | undefined;
  readonly body?: JsonValue | undefined;
  readonly signal?: AbortSignal | undefined;
}

const escapeSegments = (name: string) => name.split("/").map(encodeURIComponent).join("/");

function projectPath(parent: string): string {
  return `projects/${parseProjectName(parent, "parent")}`;
}

function notePath(name: string): string {
  const { project, noteId } = parseNoteName(name);
  return `projects/${project}/notes/${noteId}`;
}

function occurrencePath(name: string): string {
  const { project, occurrenceId } = parseOccurrenceName(name);
  return `projects/${project}/occurrences/${occurrenceId}`;
}

/** The reason a request failed (`ECONNREFUSED`, `DEPTH_ZERO_SELF_SIGNED_CERT`). */
function networkReason(error: unknown): string {
  const code = (error as { code?: unknown } | undefined)?.code;
  if (typeof code === "string") return code;
  return error instanceof Error ? error.message : String(error);
}

export class GrafeasRestClient implements GrafeasMetadataClient {
  /** The base URL, without a trailing slash. */
  readonly baseUrl: string;
  private readonly token: string | undefined;
  private readonly ca: string | undefined;
  private readonly clientCertificate: ClientCertificate | undefined;
  private readonly timeoutMs: number;
  private readonly maxPages: number;
  private readonly maxResponseBytes: number;
  private readonly signal: AbortSignal | undefined;

  constructor(options: GrafeasRestClientOptions) {
    const url = parseServerUrl(String(options.baseUrl));
    this.baseUrl = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
    this.token = options.bearerToken === undefined || options.bearerToken === "" ? undefined : options.bearerToken;
    this.ca = options.ca;
    this.clientCertificate = options.clientCertificate;
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.maxPages = options.maxPages ?? defaultMaxPages;
    this.maxResponseBytes = options.maxResponseBytes ?? defaultMaxResponseBytes;
    this.signal = options.signal;
  }

  // ---- notes ----

  async getNote(name: string, options: CallOptions = {}): Promise<Note> {
    const reply = await this.call({ method: "GET", path: `/v1/${escapeSegments(notePath(name))}`, signal: options.signal });
    return this.parse(NoteSchema, reply);
  }

  async listNotes(parent: string, options: ListOptions = {}): Promise<Page<Note>> {
    const reply = await this.call({
      method: "GET",
      path: `/v1/${escapeSegments(projectPath(parent))}/notes`,
      query: listQuery(options),
      signal: options.signal,
    });
    const page = this.parse(ListNotesResponseSchema, reply);
    return { items: page.notes, nextPageToken: page.nextPageToken };
  }

  async listAllNotes(parent: string, options: ListAllOptions = {}): Promise<Note[]> {
    return this.all(`the notes of ${parent}`, options, (pageToken) => this.listNotes(parent, { ...options, pageToken }));
  }

  /** Creates `parent`/notes/`noteId`; ALREADY_EXISTS if it exists. */
  async createNote(parent: string, noteId: string, note: Note, options: CallOptions = {}): Promise<Note> {
    if (!isValidId(noteId)) throw invalidArgument(`note ID ${JSON.stringify(noteId)} is not valid`);
    const reply = await this.call({
      method: "POST",
      path: `/v1/${escapeSegments(projectPath(parent))}/notes`,
      query: { noteId },
      body: this.json(NoteSchema, note),
      signal: options.signal,
    });
    return this.parse(NoteSchema, reply);
  }

  async updateNote(name: string, note: Note, options: UpdateOptions = {}): Promise<Note> {
    const reply = await this.call({
      method: "PATCH",
      path: `/v1/${escapeSegments(notePath(name))}`,
      query: { updateMask: options.updateMask?.join(",") },
      body: this.json(NoteSchema, note),
      signal: options.signal,
    });
    return this.parse(NoteSchema, reply);
  }

  async deleteNote(name: string, options: CallOptions = {}): Promise<void> {
    await this.call({ method: "DELETE", path: `/v1/${escapeSegments(notePath(name))}`, signal: options.signal });
  }

  /** Creates several notes in one transaction (all or none), keyed by note ID. */
  async batchCreateNotes(parent: string, notes: Readonly<Record<string, Note>>, options: CallOptions = {}): Promise<Note[]> {
    const request = create(BatchCreateNotesRequestSchema, { notes: { ...notes } });
    const reply = await this.call({
      method: "POST",
      path: `/v1/${escapeSegments(projectPath(parent))}/notes:batchCreate`,
      body: this.json(BatchCreateNotesRequestSchema, request),
      signal: options.signal,
    });
    return this.parse(BatchCreateNotesResponseSchema, reply).notes;
  }

  /** The occurrences attached to a note, from every project. */
  async listNoteOccurrences(noteName: string, options: ListOptions = {}): Promise<Page<Occurrence>> {
    const reply = await this.call({
      method: "GET",
      path: `/v1/${escapeSegments(notePath(noteName))}/occurrences`,
      query: listQuery(options),
      signal: options.signal,
    });
    const page = this.parse(ListNoteOccurrencesResponseSchema, reply);
    return { items: page.occurrences, nextPageToken: page.nextPageToken };
  }

  async listAllNoteOccurrences(noteName: string, options: ListAllOptions = {}): Promise<Occurrence[]> {
    return this.all(`the occurrences of ${noteName}`, options, (pageToken) =>
      this.listNoteOccurrences(noteName, { ...options, pageToken }),
    );
  }

  // ---- occurrences ----

  async getOccurrence(name: string, options: CallOptions = {}): Promise<Occurrence> {
    const reply = await this.call({ method: "GET", path: `/v1/${escapeSegments(occurrencePath(name))}`, signal: options.signal });
    return this.parse(OccurrenceSchema, reply);
  }

  /** The note an occurrence is attached to. */
  async getOccurrenceNote(name: string, options: CallOptions = {}): Promise<Note> {
    const reply = await this.call({
      method: "GET",
      path: `/v1/${escapeSegments(occurrencePath(name))}/notes`,
      signal: options.signal,
    });
    return this.parse(NoteSchema, reply);
  }

  async listOccurrences(parent: string, options: ListOptions = {}): Promise<Page<Occurrence>> {
    const reply = await this.call({
      method: "GET",
      path: `/v1/${escapeSegments(projectPath(parent))}/occurrences`,
      query: listQuery(options),
      signal: options.signal,
    });
    const page = this.parse(ListOccurrencesResponseSchema, reply);
    return { items: page.occurrences, nextPageToken: page.nextPageToken };
  }

  async listAllOccurrences(parent: string, options: ListAllOptions = {}): Promise<Occurrence[]> {
    return this.all(`the occurrences of ${parent}`, options, (pageToken) =>
      this.listOccurrences(parent, { ...options, pageToken }),
    );
  }

  /** Creates an occurrence in `parent`; the server names it. FAILED_PRECONDITION if its note does not exist. */
  async createOccurrence(parent: string, occurrence: Occurrence, options: CallOptions = {}): Promise<Occurrence> {
    const reply = await this.call({
      method: "POST",
      path: `/v1/${escapeSegments(projectPath(parent))}/occurrences`,
      body: this.json(OccurrenceSchema, occurrence),
      signal: options.signal,
    });
    return this.parse(OccurrenceSchema, reply);
  }

  async updateOccurrence(name: string, occurrence: Occurrence, options: UpdateOptions = {}): Promise<Occurrence> {
    const reply = await this.call({
      method: "PATCH",
      path: `/v1/${escapeSegments(occurrencePath(name))}`,
      query: { updateMask: options.updateMask?.join(",") },
      body: this.json(OccurrenceSchema, occurrence),
      signal: options.signal,
    });
    return this.parse(OccurrenceSchema, reply);
  }

  async deleteOccurrence(name: string, options: CallOptions = {}): Promise<void> {
    await this.call({ method: "DELETE", path: `/v1/${escapeSegments(occurrencePath(name))}`, signal: options.signal });
  }

  /** Creates several occurrences in one transaction (all or none). */
  async batchCreateOccurrences(parent: string, occurrences: readonly Occurrence[], options: CallOptions = {}): Promise<Occurrence[]> {
    const request = create(BatchCreateOccurrencesRequestSchema, { occurrences: [...occurrences] });
    const reply = await this.call({
      method: "POST",
      path: `/v1/${escapeSegments(projectPath(parent))}/occurrences:batchCreate`,
      body: this.json(BatchCreateOccurrencesRequestSchema, request),
      signal: options.signal,
    });
    return this.parse(BatchCreateOccurrencesResponseSchema, reply).occurrences;
  }

  // ---- plumbing ----

  private all<T>(what: string, options: ListAllOptions, fetchPage: (pageToken: string | undefined) => Promise<Page<T>>): Promise<T[]> {
    return readAllPages(what, options.maxPages ?? this.maxPages, fetchPage);
  }

  private json<Desc extends DescMessage>(schema: Desc, message: MessageShape<Desc>): JsonValue {
    return toJson(schema, message, { registry: grafeasRegistry });
  }

  private parse<Desc extends DescMessage>(schema: Desc, reply: unknown): MessageShape<Desc> {
    try {
      return fromJson(schema, (reply ?? {}) as JsonValue, { registry: grafeasRegistry, ignoreUnknownFields: true });
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new ScribaError("UNKNOWN", `${this.baseUrl} replied with something that is not ${schema.typeName} JSON: ${reason}`);
    }
  }

  private async call(call: Call): Promise<unknown> {
    const url = new URL(`${this.baseUrl}${call.path}`);
    for (const [key, value] of Object.entries(call.query ?? {})) {
      if (value !== undefined && value !== "") url.searchParams.set(key, String(value));
    }
    const where = `${call.method} ${url.origin}${url.pathname}`;
    const timeout = AbortSignal.timeout(this.timeoutMs);
    const signals = [timeout, this.signal, call.signal].filter((s): s is AbortSignal => s !== undefined);
    const signal = AbortSignal.any(signals);
    const headers: Record<string, string> = { accept: "application/json" };
    if (call.body !== undefined) headers["content-type"] = "application/json";
    if (this.token !== undefined) headers["authorization"] = `Bearer ${this.token}`;

    let status: number;
    let text: string;
    try {
      ({ status, text } = await exchange({
        method: call.method,
        url,
        headers,
        body: call.body === undefined ? undefined : JSON.stringify(call.body),
        ca: this.ca,
        clientCertificate: this.clientCertificate,
        signal,
        maxResponseBytes: this.maxResponseBytes,
        where,
      }));
    } catch (error) {
      if (error instanceof ScribaError) throw error;
      if (timeout.aborted) {
        throw new ScribaError("DEADLINE_EXCEEDED", `${where}: no reply within ${this.timeoutMs} ms`, { cause: error });
      }
      if (signal.aborted) throw new ScribaError("CANCELLED", `${where}: cancelled`, { cause: error });
      throw new ScribaError("UNAVAILABLE", `cannot reach the Grafeas server at ${this.baseUrl}: ${networkReason(error)}`, {
        cause: error,
      });
    }
    if (status < 200 || status > 299) throw errorFromReply(status, text, where);
    if (text.trim() === "") return {};
    try {
      return JSON.parse(text) as unknown;
    } catch {
      throw new ScribaError("UNKNOWN", `${where} answered HTTP ${status} with a body that is not JSON; is it a Grafeas server?`);
    }
  }
}

function listQuery(options: ListOptions): Query {
  checkPageSize(options.pageSize);
  return { filter: options.filter, pageSize: options.pageSize, pageToken: options.pageToken };
}
