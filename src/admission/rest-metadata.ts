/**
 * @module admission/rest-metadata
 *
 * The metadata port over the grafeas.v1 REST mapping of a Scriba (or any
 * Grafeas v1) server, for a webhook running as its own process
 * (`--server https://scriba.example:8443`):
 *
 * | need | request |
 * |---|---|
 * | attestations | `GET /v1/projects/P/notes/N/occurrences?filter=…&pageSize=…&pageToken=…` |
 * | vulnerabilities | `GET /v1/projects/P/occurrences?filter=…&pageSize=…&pageToken=…` |
 * | attest-on-pass, records | `POST /v1/projects/P/notes?noteId=N`, `POST /v1/projects/P/occurrences` |
 * | re-check | `GET /v1/projects/P/occurrences?filter=…`, `PATCH /v1/projects/P/occurrences/O?updateMask=…` |
 * | readiness | `GET /v1/projects/P/notes?pageSize=1` (a Grafeas NOT_FOUND counts as an answer) |
 *
 * node:http(s) rather than fetch, so a private CA (`--server-ca`) can be
 * trusted without touching the process-wide trust store. Every call has a
 * timeout, every listing a page bound, every reply a size bound; whatever
 * goes wrong becomes UNAVAILABLE (or DEADLINE_EXCEEDED) with a message that
 * says which server and why, never a hang. A 404 counts as "no such note or
 * project" only when the body is a Google-style error saying NOT_FOUND; a
 * bare 404 means the URL is not a Grafeas server, which must not read as "no
 * attestations".
 */
import { request as httpRequest } from "node:http";
import { request as httpsRequest } from "node:https";
import type { IncomingMessage } from "node:http";
import { ScribaError, invalidArgument } from "../errors.js";
import type { JsonObject } from "../policy/crds/field-reader.js";
import { parseOccurrenceName } from "../grafeas/resource-names.js";
import type { ListCallOptions, MetadataSource, NoteCreation } from "./metadata-source.js";
import { defaultMaxPages, probeProject } from "./metadata-source.js";
import { resourceUriFilter, vulnerabilityFilter } from "./resource-uris.js";

export interface RestMetadataOptions {
  /** `http(s)://host:port`, optionally with a path prefix. */
  readonly baseUrl: string;
  /** PEM CA certificate(s) to trust for an https server. */
  readonly ca?: string | undefined;
  /** Sent as `Authorization: Bearer …` when given. */
  readonly bearerToken?: string | undefined;
  /** Per HTTP call (default 5000 ms). */
  readonly timeoutMs?: number;
  readonly pageSize?: number;
  readonly maxPages?: number;
  /** Largest reply body read (default 32 MiB). */
  readonly maxResponseBytes?: number;
}

interface HttpReply {
  readonly status: number;
  readonly body: unknown;
  readonly isJson: boolean;
}

type Json = Record<string, unknown>;

const isObject = (value: unknown): value is Json =>
  typeof value === "object" && value !== null && !Array.isArray(value);

/** `projects/p/notes/n` → `projects/p/notes/n` with each segment escaped. */
const escapePath = (name: string) => name.split("/").map(encodeURIComponent).join("/");

/** The Google error body's status (`NOT_FOUND`) and message, when there is one. */
function googleError(body: unknown): { status: string | undefined; message: string | undefined } {
  const error = isObject(body) ? body["error"] : undefined;
  if (!isObject(error)) return { status: undefined, message: undefined };
  const status = typeof error["status"] === "string" ? error["status"] : undefined;
  const message = typeof error["message"] === "string" ? error["message"].slice(0, 300) : undefined;
  return { status, message };
}

/** Parses and checks `--server`; throws INVALID_ARGUMENT for anything but http(s) URLs. */
export function parseServerUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw invalidArgument(`--server must be an http:// or https:// URL, got ${JSON.stringify(text)}`);
  }
  if (url.protocol !== "http:" && url.protocol !== "https:") {
    throw invalidArgument(`--server must be an http:// or https:// URL, got ${JSON.stringify(text)}`);
  }
  if (url.username !== "" || url.password !== "") {
    throw invalidArgument("--server must not carry credentials in the URL");
  }
  if (url.search !== "" || url.hash !== "") throw invalidArgument("--server must not have a query or fragment");
  return url;
}

export function restMetadata(options: RestMetadataOptions): MetadataSource {
  const base = parseServerUrl(options.baseUrl);
  const prefix = base.pathname.replace(/\/+$/, "");
  const timeoutMs = options.timeoutMs ?? 5000;
  const pageSize = options.pageSize ?? 1000;
  const maxPages = options.maxPages ?? defaultMaxPages;
  const maxBytes = options.maxResponseBytes ?? 32 * 1024 * 1024;
  const server = base.origin;

  function send(method: "GET" | "POST" | "PATCH", path: string, body: unknown, signal: AbortSignal | undefined): Promise<HttpReply> {
    const url = new URL(`${prefix}${path}`, base);
    const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body), "utf8");
    const headers: Record<string, string> = { accept: "application/json" };
    if (payload !== undefined) {
      headers["content-type"] = "application/json";
      headers["content-length"] = String(payload.length);
    }
    if (options.bearerToken !== undefined) headers["authorization"] = `Bearer ${options.bearerToken}`;
    const open = url.protocol === "https:" ? httpsRequest : httpRequest;
    return new Promise<HttpReply>((resolve, reject) => {
      if (signal?.aborted) {
        reject(new ScribaError("DEADLINE_EXCEEDED", `${server}: the request deadline passed`));
        return;
      }
      const request = open(url, {
        method,
        headers,
        timeout: timeoutMs,
        ...(options.ca === undefined ? {} : { ca: options.ca }),
      });
      const onAbort = () => request.destroy(new ScribaError("DEADLINE_EXCEEDED", `${server}: the request deadline passed`));
      signal?.addEventListener("abort", onAbort, { once: true });
      const done = () => signal?.removeEventListener("abort", onAbort);
      request.on("timeout", () =>
        request.destroy(new ScribaError("DEADLINE_EXCEEDED", `${server} did not answer within ${timeoutMs} ms`)),
      );
      request.on("error", (error: NodeJS.ErrnoException) => {
        done();
        reject(
          error instanceof ScribaError
            ? error
            : new ScribaError("UNAVAILABLE", `cannot reach ${server}: ${error.code ?? error.message}`, { cause: error }),
        );
      });
      request.on("response", (response: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on("data", (chunk: Buffer) => {
          size += chunk.length;
          if (size > maxBytes) {
            response.destroy();
            request.destroy(new ScribaError("UNAVAILABLE", `${server} sent a reply larger than ${maxBytes} bytes`));
            return;
          }
          chunks.push(chunk);
        });
        response.on("error", (error) => request.destroy(error));
        response.on("end", () => {
          done();
          const text = Buffer.concat(chunks).toString("utf8");
          const isJson = /^application\/json\b/i.test(response.headers["content-type"] ?? "");
          let parsed: unknown = undefined;
          if (isJson && text !== "") {
            try {
              parsed = JSON.parse(text);
            } catch {
              reject(new ScribaError("UNAVAILABLE", `${server} sent a reply that is not valid JSON`));
              return;
            }
          }
          resolve({ status: response.statusCode ?? 0, body: parsed, isJson });
        });
      });
      request.end(payload);
    });
  }

  /** A reply that is not 2xx, as the error the port promises. */
  function failure(reply: HttpReply, what: string): ScribaError {
    const { status, message } = googleError(reply.body);
    if (reply.status === 404 && status === "NOT_FOUND") return new ScribaError("NOT_FOUND", message ?? "not found");
    if (reply.status === 409 && status === "ALREADY_EXISTS") return new ScribaError("ALREADY_EXISTS", message ?? "exists");
    const detail = message === undefined ? "" : `: ${message}`;
    if (reply.status === 404) {
      return new ScribaError("UNAVAILABLE", `${what}: ${server} answered 404 without a Grafeas error; is it a Grafeas v1 server?`);
    }
    return new ScribaError("UNAVAILABLE", `${what}: ${server} answered HTTP ${reply.status}${detail}`);
  }

  async function allPages(what: string, path: string, filter: string, call: ListCallOptions | undefined) {
    const occurrences: unknown[] = [];
    const pageLimit = call?.maxPages ?? maxPages;
    let token = "";
    for (let pages = 0; ; pages += 1) {
      if (pages === pageLimit) {
        throw new ScribaError("UNAVAILABLE", `${what}: more than ${pageLimit} pages of ${pageSize} occurrences; refusing to read further`);
      }
      const query = new URLSearchParams({ filter, pageSize: String(pageSize) });
      if (token !== "") query.set("pageToken", token);
      const reply = await send("GET", `${path}?${query.toString()}`, undefined, call?.signal);
      if (reply.status < 200 || reply.status > 299) {
        const error = failure(reply, what);
        if (error.code === "NOT_FOUND") return [];
        throw error;
      }
      const body = reply.body;
      const list = isObject(body) ? (body["occurrences"] ?? []) : undefined;
      const next = isObject(body) ? (body["nextPageToken"] ?? "") : undefined;
      if (!Array.isArray(list) || typeof next !== "string") {
        throw new ScribaError("UNAVAILABLE", `${what}: ${server} sent a reply that is not a list of occurrences`);
      }
      occurrences.push(...(list as unknown[]));
      if (next === "") return occurrences;
      token = next;
    }
  }

  return {
    description: server,

    noteOccurrences(noteName, resourceUris, call) {
      return allPages(
        `listing the occurrences of ${noteName}`,
        `/v1/${escapePath(noteName)}/occurrences`,
        resourceUriFilter(resourceUris),
        call,
      );
    },

    vulnerabilityOccurrences(project, resourceUris, call) {
      return allPages(
        `listing the vulnerabilities in projects/${project}`,
        `/v1/projects/${encodeURIComponent(project)}/occurrences`,
        vulnerabilityFilter(resourceUris),
        call,
      );
    },

    async createNote(project, noteId, note: JsonObject, call): Promise<NoteCreation> {
      const what = `creating note ${noteId} in projects/${project}`;
      const path = `/v1/projects/${encodeURIComponent(project)}/notes?${new URLSearchParams({ noteId }).toString()}`;
      const reply = await send("POST", path, note, call?.signal);
      if (reply.status >= 200 && reply.status <= 299) return "created";
      const error = failure(reply, what);
      if (error.code === "ALREADY_EXISTS") return "exists";
      throw error;
    },

    async createOccurrence(project, occurrence: JsonObject, call) {
      const what = `creating an occurrence in projects/${project}`;
      const reply = await send("POST", `/v1/projects/${encodeURIComponent(project)}/occurrences`, occurrence, call?.signal);
      if (reply.status >= 200 && reply.status <= 299) return reply.body;
      const error = failure(reply, what);
      throw error.code === "UNAVAILABLE" ? error : new ScribaError("UNAVAILABLE", `${what}: ${error.message}`);
    },

    listOccurrences(project, filter, call) {
      return allPages(
        `listing the occurrences in projects/${project}`,
        `/v1/projects/${encodeURIComponent(project)}/occurrences`,
        filter,
        call,
      );
    },

    async updateOccurrence(name, occurrence: JsonObject, updateMask, call) {
      const { project, occurrenceId } = parseOccurrenceName(name);
      const what = `updating ${name}`;
      const query = new URLSearchParams({ updateMask: updateMask.join(",") });
      const path = `/v1/projects/${encodeURIComponent(project)}/occurrences/${encodeURIComponent(occurrenceId)}?${query.toString()}`;
      const reply = await send("PATCH", path, occurrence, call?.signal);
      if (reply.status >= 200 && reply.status <= 299) return reply.body;
      const error = failure(reply, what);
      if (error.code === "NOT_FOUND") throw new ScribaError("NOT_FOUND", `${what}: ${error.message}`);
      throw error.code === "UNAVAILABLE" ? error : new ScribaError("UNAVAILABLE", `${what}: ${error.message}`);
    },

    async probe(call) {
      const reply = await send("GET", `/v1/projects/${encodeURIComponent(probeProject)}/notes?pageSize=1`, undefined, call?.signal);
      if (reply.status >= 200 && reply.status <= 299) return;
      const error = failure(reply, "probing the metadata server");
      if (error.code !== "NOT_FOUND") throw error;
    },
  };
}
