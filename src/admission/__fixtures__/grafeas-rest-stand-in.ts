/**
 * @module admission/__fixtures__/grafeas-rest-stand-in
 *
 * A STAND-IN for Scriba's REST edge, for testing the REST metadata adapter and
 * the REST client (over TLS with a private CA): a loopback HTTP(S) server that
 * maps four grafeas.v1 REST calls (the listings and creations) onto a real
 * GrafeasService (real filters, page tokens and validation), answering with
 * the stored canonical JSON and Google-style errors. It is deliberately small and not the product's REST edge; it also
 * lets tests make the server misbehave (fail, stall, answer from another
 * application).
 */
import { createServer as createHttpServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import { createServer as createHttpsServer } from "node:https";
import type { AddressInfo } from "node:net";
import { create, type JsonValue } from "@bufbuild/protobuf";
import { ScribaError } from "../../errors.js";
import {
  CreateNoteRequestSchema,
  CreateOccurrenceRequestSchema,
  ListNoteOccurrencesRequestSchema,
  ListOccurrencesRequestSchema,
  NoteSchema,
  OccurrenceSchema,
} from "../../gen/grafeas/v1/grafeas_pb.js";
import type { GrafeasService, RecordPage } from "../../grafeas/grafeas-service.js";
import { messageFromJson } from "../../grafeas/proto-json.js";

export type Misbehaviour = "none" | "fail" | "stall" | "not-grafeas";

export interface RestStandIn {
  readonly url: string;
  /** Every request path and query received, for assertions on what the adapter asked. */
  readonly requests: string[];
  misbehave(mode: Misbehaviour): void;
  close(): Promise<void>;
}

function readJson(request: IncomingMessage): Promise<JsonValue> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on("data", (c: Buffer) => chunks.push(c));
    request.on("end", () => {
      try {
        resolve(JSON.parse(Buffer.concat(chunks).toString("utf8")) as JsonValue);
      } catch {
        reject(new ScribaError("INVALID_ARGUMENT", "the body is not JSON"));
      }
    });
  });
}

function send(response: ServerResponse, status: number, body: unknown): void {
  response.writeHead(status, { "content-type": "application/json" });
  response.end(JSON.stringify(body));
}

const pageBody = (page: RecordPage) => ({
  occurrences: page.records.map((r) => JSON.parse(r.json) as unknown),
  nextPageToken: page.nextPageToken,
});

export async function startRestStandIn(service: GrafeasService, tls?: { cert: string; key: string }): Promise<RestStandIn> {
  let mode: Misbehaviour = "none";
  const requests: string[] = [];
  const stalled: ServerResponse[] = [];

  async function route(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const url = new URL(request.url ?? "/", "http://stand-in");
    requests.push(`${request.method} ${url.pathname}${url.search}`);
    if (mode === "fail") return send(response, 500, { error: { code: 500, status: "INTERNAL", message: "storage exploded" } });
    if (mode === "stall") {
      stalled.push(response);
      return;
    }
    if (mode === "not-grafeas") {
      response.writeHead(404, { "content-type": "text/html" });
      response.end("<h1>Not Found</h1>");
      return;
    }
    const q = url.searchParams;
    const list = { filter: q.get("filter") ?? "", pageSize: Number(q.get("pageSize") ?? 0), pageToken: q.get("pageToken") ?? "" };
    const segments = url.pathname.split("/").map(decodeURIComponent);
    // ["", "v1", "projects", P, ...]
    if (segments[1] !== "v1" || segments[2] !== "projects") return send(response, 404, { error: { code: 404, status: "NOT_FOUND", message: "no route" } });
    const project = segments[3]!;
    const rest = segments.slice(4).join("/");
    if (request.method === "GET" && segments[4] === "notes" && segments[6] === "occurrences") {
      const page = await service.listNoteOccurrences(create(ListNoteOccurrencesRequestSchema, { name: `projects/${project}/notes/${segments[5]}`, ...list }), {});
      return send(response, 200, pageBody(page));
    }
    if (request.method === "GET" && rest === "occurrences") {
      const page = await service.listOccurrences(create(ListOccurrencesRequestSchema, { parent: `projects/${project}`, ...list }), {});
      return send(response, 200, pageBody(page));
    }
    if (request.method === "POST" && rest === "notes") {
      const note = messageFromJson(NoteSchema, await readJson(request), "note");
      const stored = await service.createNote(create(CreateNoteRequestSchema, { parent: `projects/${project}`, noteId: q.get("noteId") ?? "", note }), {});
      return send(response, 200, JSON.parse(stored.json));
    }
    if (request.method === "POST" && rest === "occurrences") {
      const occurrence = messageFromJson(OccurrenceSchema, await readJson(request), "occurrence");
      const stored = await service.createOccurrence(create(CreateOccurrenceRequestSchema, { parent: `projects/${project}`, occurrence }), {});
      return send(response, 200, JSON.parse(stored.json));
    }
    return send(response, 404, { error: { code: 404, status: "NOT_FOUND", message: "no route" } });
  }

  const listener = (request: IncomingMessage, response: ServerResponse) => {
    route(request, response).catch((error: unknown) => {
      const e = ScribaError.from(error);
      send(response, e.httpStatus, { error: { code: e.httpStatus, status: e.code, message: e.message } });
    });
  };
  const server: Server = tls === undefined ? createHttpServer(listener) : createHttpsServer(tls, listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `${tls === undefined ? "http" : "https"}://127.0.0.1:${port}`,
    requests,
    misbehave: (next) => {
      mode = next;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const response of stalled) response.destroy();
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
