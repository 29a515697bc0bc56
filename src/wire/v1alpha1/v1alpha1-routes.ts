/**
 * @module wire/v1alpha1/v1alpha1-routes
 *
 * The v1alpha1 REST paths of the 2017 Grafeas walkthrough, served as a
 * translation onto the grafeas.v1 services: the same objects are visible
 * through both APIs. Errors follow the v1 rules and shapes (404 for a missing
 * object, 409 for a duplicate, Google-style JSON bodies), not the 2017 sample
 * server's blanket 400.
 *
 *   POST   /v1alpha1/projects                         CreateProject
 *   GET    /v1alpha1/projects[/{p}]                   List/GetProject
 *   DELETE /v1alpha1/projects/{p}                     DeleteProject
 *   POST   /v1alpha1/projects/{p}/notes?noteId=N      CreateNote
 *   GET    /v1alpha1/projects/{p}/notes[/{n}]         List/GetNote
 *   PATCH  /v1alpha1/projects/{p}/notes/{n}           UpdateNote (PUT too, as in 2017)
 *   DELETE /v1alpha1/projects/{p}/notes/{n}           DeleteNote
 *   GET    /v1alpha1/projects/{p}/notes/{n}/occurrences
 *   POST   /v1alpha1/projects/{p}/occurrences         CreateOccurrence
 *   GET    /v1alpha1/projects/{p}/occurrences[/{o}]   List/GetOccurrence
 *   PATCH  /v1alpha1/projects/{p}/occurrences/{o}     UpdateOccurrence (PUT too)
 *   DELETE /v1alpha1/projects/{p}/occurrences/{o}     DeleteOccurrence
 *   GET    /v1alpha1/projects/{p}/occurrences/{o}/notes
 */
import type { IncomingMessage, ServerResponse } from "node:http";
import { create, type JsonValue } from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import {
  CreateNoteRequestSchema,
  CreateOccurrenceRequestSchema,
  DeleteNoteRequestSchema,
  DeleteOccurrenceRequestSchema,
  GetNoteRequestSchema,
  GetOccurrenceNoteRequestSchema,
  GetOccurrenceRequestSchema,
  ListNoteOccurrencesRequestSchema,
  ListNotesRequestSchema,
  ListOccurrencesRequestSchema,
  NoteSchema,
  OccurrenceSchema,
  UpdateNoteRequestSchema,
  UpdateOccurrenceRequestSchema,
} from "../../gen/grafeas/v1/grafeas_pb.js";
import {
  CreateProjectRequestSchema,
  DeleteProjectRequestSchema,
  GetProjectRequestSchema,
  ListProjectsRequestSchema,
} from "../../gen/grafeas/v1/project_pb.js";
import { invalidArgument, ScribaError } from "../../errors.js";
import type { GrafeasService, RecordPage } from "../../grafeas/grafeas-service.js";
import { messageFromJson } from "../../grafeas/proto-json.js";
import type { ProjectsService } from "../../grafeas/projects-service.js";
import type { StoredRecord } from "../../store/store.js";
import { toClientError, type InternalErrorLogger } from "../client-error.js";
import { googleErrorBody } from "../google-error-body.js";
import { BodyReadError, readBody } from "../request-body.js";
import type { CallContext } from "../rpc.js";
import { pgpSignedText } from "./pgp-signed-text.js";
import { noteToAlpha, noteToV1, occurrenceToAlpha, occurrenceToV1, type Json } from "./v1alpha1-json.js";

export interface V1alpha1Options {
  readonly grafeas: GrafeasService;
  readonly projects: ProjectsService;
  readonly maxBodyBytes: number;
  readonly bodyTimeoutMs?: number;
  readonly logInternalError: InternalErrorLogger;
}

type Handler = (call: AlphaCall) => Promise<unknown>;

interface AlphaCall {
  readonly segments: readonly string[];
  readonly query: URLSearchParams;
  readonly ctx: CallContext;
  body(): Promise<Json>;
}

const prefix = "/v1alpha1/";

function queryValue(query: URLSearchParams, camel: string, snake: string): string {
  return query.get(camel) ?? query.get(snake) ?? "";
}

function listParameters(query: URLSearchParams) {
  const size = queryValue(query, "pageSize", "page_size");
  const pageSize = size === "" ? 0 : Number(size);
  if (!Number.isInteger(pageSize)) throw invalidArgument(`pageSize must be a whole number, got ${JSON.stringify(size)}`);
  return {
    filter: query.get("filter") ?? "",
    pageSize,
    pageToken: queryValue(query, "pageToken", "page_token"),
  };
}

function updateMask(query: URLSearchParams) {
  const text = queryValue(query, "updateMask", "update_mask");
  return text === "" ? undefined : create(FieldMaskSchema, { paths: text.split(",").map((p) => p.trim()) });
}

const parseJson = (record: StoredRecord) => JSON.parse(record.json) as Json;
const notePage = (page: RecordPage) => listBody("notes", page.records.map((r) => noteToAlpha(parseJson(r))), page.nextPageToken);
const occurrencePage = (page: RecordPage) =>
  listBody("occurrences", page.records.map((r) => occurrenceToAlpha(parseJson(r))), page.nextPageToken);

function listBody(field: string, items: Json[], nextPageToken: string): Json {
  return { [field]: items, ...(nextPageToken ? { nextPageToken } : {}) };
}

/** Routes by [method, shape of the path after /v1alpha1/]. */
function routes(options: V1alpha1Options): Map<string, Handler> {
  const { grafeas, projects } = options;
  const project = (c: AlphaCall) => `projects/${c.segments[1]}`;
  const note = (c: AlphaCall) => `${project(c)}/notes/${c.segments[3]}`;
  const occurrence = (c: AlphaCall) => `${project(c)}/occurrences/${c.segments[3]}`;
  const noteBody = async (c: AlphaCall) => messageFromJson(NoteSchema, noteToV1(await c.body()) as JsonValue, "note");
  const occurrenceBody = async (c: AlphaCall) =>
    messageFromJson(OccurrenceSchema, (await occurrenceToV1(await c.body(), pgpSignedText)) as JsonValue, "occurrence");
  const updateNote: Handler = async (c) =>
    noteToAlpha(parseJson(await grafeas.updateNote(create(UpdateNoteRequestSchema, { name: note(c), note: await noteBody(c), updateMask: updateMask(c.query) }), c.ctx)));
  const updateOccurrence: Handler = async (c) =>
    occurrenceToAlpha(parseJson(await grafeas.updateOccurrence(create(UpdateOccurrenceRequestSchema, { name: occurrence(c), occurrence: await occurrenceBody(c), updateMask: updateMask(c.query) }), c.ctx)));

  return new Map<string, Handler>([
    ["POST projects", async (c) => {
      const body = await c.body();
      const created = await projects.createProject(create(CreateProjectRequestSchema, { project: { name: typeof body.name === "string" ? body.name : "" } }), c.ctx);
      return parseJson(created);
    }],
    ["GET projects", async (c) => {
      const page = await projects.listProjects(create(ListProjectsRequestSchema, listParameters(c.query)), c.ctx);
      return listBody("projects", page.records.map(parseJson), page.nextPageToken);
    }],
    ["GET projects/*", async (c) => parseJson(await projects.getProject(create(GetProjectRequestSchema, { name: project(c) }), c.ctx))],
    ["DELETE projects/*", async (c) => {
      await projects.deleteProject(create(DeleteProjectRequestSchema, { name: project(c) }), c.ctx);
      return {};
    }],
    ["POST projects/*/notes", async (c) => {
      const noteId = queryValue(c.query, "noteId", "note_id");
      const created = await grafeas.createNote(create(CreateNoteRequestSchema, { parent: project(c), noteId, note: await noteBody(c) }), c.ctx);
      return noteToAlpha(parseJson(created));
    }],
    ["GET projects/*/notes", async (c) =>
      notePage(await grafeas.listNotes(create(ListNotesRequestSchema, { parent: project(c), ...listParameters(c.query) }), c.ctx))],
    ["GET projects/*/notes/*", async (c) => noteToAlpha(parseJson(await grafeas.getNote(create(GetNoteRequestSchema, { name: note(c) }), c.ctx)))],
    ["PATCH projects/*/notes/*", updateNote],
    ["PUT projects/*/notes/*", updateNote],
    ["DELETE projects/*/notes/*", async (c) => {
      await grafeas.deleteNote(create(DeleteNoteRequestSchema, { name: note(c) }), c.ctx);
      return {};
    }],
    ["GET projects/*/notes/*/occurrences", async (c) =>
      occurrencePage(await grafeas.listNoteOccurrences(create(ListNoteOccurrencesRequestSchema, { name: note(c), ...listParameters(c.query) }), c.ctx))],
    ["POST projects/*/occurrences", async (c) => {
      const created = await grafeas.createOccurrence(create(CreateOccurrenceRequestSchema, { parent: project(c), occurrence: await occurrenceBody(c) }), c.ctx);
      return occurrenceToAlpha(parseJson(created));
    }],
    ["GET projects/*/occurrences", async (c) =>
      occurrencePage(await grafeas.listOccurrences(create(ListOccurrencesRequestSchema, { parent: project(c), ...listParameters(c.query) }), c.ctx))],
    ["GET projects/*/occurrences/*", async (c) =>
      occurrenceToAlpha(parseJson(await grafeas.getOccurrence(create(GetOccurrenceRequestSchema, { name: occurrence(c) }), c.ctx)))],
    ["PATCH projects/*/occurrences/*", updateOccurrence],
    ["PUT projects/*/occurrences/*", updateOccurrence],
    ["DELETE projects/*/occurrences/*", async (c) => {
      await grafeas.deleteOccurrence(create(DeleteOccurrenceRequestSchema, { name: occurrence(c) }), c.ctx);
      return {};
    }],
    ["GET projects/*/occurrences/*/notes", async (c) =>
      noteToAlpha(parseJson(await grafeas.getOccurrenceNote(create(GetOccurrenceNoteRequestSchema, { name: occurrence(c) }), c.ctx)))],
  ]);
}

/** `projects/p/notes/n` → `projects/*\/notes/*`: literal segments kept, IDs starred. */
function shapeOf(segments: readonly string[]): string {
  return segments.map((s, i) => (i % 2 === 1 ? "*" : s)).join("/");
}

function sendJson(res: ServerResponse, status: number, text: string, close = false): void {
  res.writeHead(status, {
    "content-type": "application/json; charset=utf-8",
    "content-length": Buffer.byteLength(text),
    ...(close ? { connection: "close" } : {}),
  });
  res.end(text);
}

/**
 * A body over the limit is 413 with the connection closed, as on the v1 REST
 * edge: its code alone (RESOURCE_EXHAUSTED) would map to 429, and the unread
 * rest of the body cannot be followed by another request.
 */
function sendError(res: ServerResponse, error: ScribaError, bodyTooLarge = false): void {
  const httpStatus = bodyTooLarge ? 413 : error.httpStatus;
  sendJson(res, httpStatus, googleErrorBody({ httpStatus, code: error.code, message: error.message, violations: error.violations }), bodyTooLarge);
}

/** An extra-routes handler for the REST edge: returns false for paths outside /v1alpha1/. */
export function v1alpha1Routes(options: V1alpha1Options) {
  const table = routes(options);
  const bodyLimits = { maxBytes: options.maxBodyBytes, timeoutMs: options.bodyTimeoutMs ?? 30_000 };
  return (req: IncomingMessage, res: ServerResponse): boolean => {
    // The 2017 tutorial's webhook calls `http://grafeas:8080//v1alpha1/…`.
    const url = new URL((req.url ?? "/").replace(/^\/+/, "/"), "http://localhost");
    if (!url.pathname.startsWith(prefix)) return false;
    const segments = url.pathname.slice(prefix.length).split("/").filter((s) => s !== "").map(decodeURIComponent);
    const shape = shapeOf(segments);
    const handler = table.get(`${req.method} ${shape}`);
    if (handler === undefined) {
      const allowed = ["GET", "POST", "PATCH", "PUT", "DELETE"].filter((m) => table.has(`${m} ${shape}`));
      if (allowed.length === 0) {
        sendError(res, new ScribaError("NOT_FOUND", `no v1alpha1 route for ${url.pathname}`));
      } else {
        res.setHeader("allow", allowed.join(", "));
        const message = `${req.method} is not allowed on ${url.pathname}; use ${allowed.join(", ")}`;
        sendJson(res, 405, googleErrorBody({ httpStatus: 405, code: "UNIMPLEMENTED", message, violations: [] }));
      }
      return true;
    }
    const controller = new AbortController();
    res.on("close", () => controller.abort());
    let bodyTooLarge = false;
    const call: AlphaCall = {
      segments,
      query: url.searchParams,
      ctx: { signal: controller.signal },
      async body() {
        let text: string;
        try {
          text = await readBody(req, bodyLimits);
        } catch (error) {
          if (error instanceof BodyReadError && error.reason === "too-large") {
            bodyTooLarge = true;
            throw new ScribaError("RESOURCE_EXHAUSTED", error.message);
          }
          throw invalidArgument(error instanceof Error ? error.message : "unreadable request body");
        }
        if (text.trim() === "") return {};
        try {
          const parsed = JSON.parse(text) as unknown;
          if (typeof parsed !== "object" || parsed === null || Array.isArray(parsed)) throw new Error("not an object");
          return parsed as Json;
        } catch {
          throw invalidArgument("the request body must be a JSON object");
        }
      },
    };
    handler(call).then(
      (body) => sendJson(res, 200, JSON.stringify(body)),
      (error: unknown) =>
        sendError(res, toClientError(error, `v1alpha1 ${req.method} ${shape}`, options.logInternalError), bodyTooLarge),
    );
    return true;
  };
}
