/**
 * @module client/grafeas-client
 *
 * What the project's Grafeas clients share, whatever carries the calls: the
 * options of a call, a listing page, the page-following loop, and
 * {@link GrafeasMetadataClient} — the calls the admission webhook makes of a
 * remote server, which the REST client (./grafeas-rest-client.ts) and the gRPC
 * client (./grafeas-grpc-client.ts) both offer, so the code above them
 * (admission/remote-metadata) is written once.
 *
 * Errors, in both clients: the server's own failure is the ScribaError it
 * reported (a ServerReplyError, ./server-reply-error.ts); a server that cannot be reached is
 * UNAVAILABLE; the client's own timeout is DEADLINE_EXCEEDED; a caller's
 * signal is CANCELLED; a listing past its page bound is OUT_OF_RANGE.
 */
import { ScribaError, invalidArgument } from "../errors.js";
import type { Note, Occurrence } from "../gen/grafeas/v1/grafeas_pb.js";

/** A client certificate and its key (PEM), for servers that require mutual TLS. */
export interface ClientCertificate {
  readonly cert: string;
  readonly key: string;
}

/** How either client is set up; the URL scheme says which transport it is for. */
export interface GrafeasClientOptions {
  /** REST: `http(s)://host:port`, optionally with a path prefix; gRPC: `grpc://host:port` or `grpcs://host:port`. */
  readonly baseUrl: string | URL;
  /** Sent as `Authorization: Bearer …`, for servers behind an authenticating proxy. */
  readonly bearerToken?: string | undefined;
  /** PEM CA certificate(s) trusted for an https or grpcs server instead of the system's (`--server-ca`). */
  readonly ca?: string | undefined;
  /** Presented to a server that requires client certificates (`--client-cert`, `--client-key`). */
  readonly clientCertificate?: ClientCertificate | undefined;
  /** Per call (REST: the HTTP request, reply included; gRPC: the deadline); default {@link defaultTimeoutMs}. */
  readonly timeoutMs?: number | undefined;
  /** The most pages a `listAll…` call follows; default {@link defaultMaxPages}. */
  readonly maxPages?: number | undefined;
  /** The largest reply read; default {@link defaultMaxResponseBytes}. */
  readonly maxResponseBytes?: number | undefined;
  /** Cancels every call of the client when it fires (e.g. on SIGINT). */
  readonly signal?: AbortSignal | undefined;
}

export const defaultTimeoutMs = 10_000;
export const defaultMaxPages = 100;
export const defaultMaxResponseBytes = 64 * 1024 * 1024;

export interface CallOptions {
  /** Cancels this call (CANCELLED). */
  readonly signal?: AbortSignal | undefined;
}

export interface ListOptions extends CallOptions {
  /** An AIP-160 filter, e.g. `resourceUri="https://gcr.io/p/app@sha256:…"`. */
  readonly filter?: string | undefined;
  /** Items per page; the server's default when absent. */
  readonly pageSize?: number | undefined;
  /** The `nextPageToken` of the previous page. */
  readonly pageToken?: string | undefined;
}

export interface ListAllOptions extends CallOptions {
  readonly filter?: string | undefined;
  readonly pageSize?: number | undefined;
  /** Overrides the client's page bound for this call. */
  readonly maxPages?: number | undefined;
}

export interface Page<T> {
  readonly items: T[];
  /** Empty on the last page. */
  readonly nextPageToken: string;
}

export interface UpdateOptions extends CallOptions {
  /** Field paths to change (`shortDescription`, `attestation.hint`); every mutable field when absent. */
  readonly updateMask?: readonly string[] | undefined;
}

/** The calls a metadata source makes of a remote Grafeas server. */
export interface GrafeasMetadataClient {
  /** The server, as given (`https://scriba.example:8443`, `grpcs://scriba.example:8443`), for messages. */
  readonly baseUrl: string;
  listNotes(parent: string, options?: ListOptions): Promise<Page<Note>>;
  listAllNoteOccurrences(noteName: string, options?: ListAllOptions): Promise<Occurrence[]>;
  listAllOccurrences(parent: string, options?: ListAllOptions): Promise<Occurrence[]>;
  /** ALREADY_EXISTS if the note exists. */
  createNote(parent: string, noteId: string, note: Note, options?: CallOptions): Promise<Note>;
  createOccurrence(parent: string, occurrence: Occurrence, options?: CallOptions): Promise<Occurrence>;
  updateOccurrence(name: string, occurrence: Occurrence, options?: UpdateOptions): Promise<Occurrence>;
  /** Releases the connections the client holds. */
  close?(): void;
}

/**
 * Follows `nextPageToken` until the last page, reading at most `maxPages`:
 * past the bound the listing fails with OUT_OF_RANGE rather than come back
 * silently partial. `what` names the listing (`the occurrences of projects/p`).
 */
export async function readAllPages<T>(
  what: string,
  maxPages: number,
  fetchPage: (pageToken: string | undefined) => Promise<Page<T>>,
): Promise<T[]> {
  const items: T[] = [];
  let pageToken: string | undefined;
  for (let pages = 0; pages < maxPages; pages++) {
    const page = await fetchPage(pageToken);
    items.push(...page.items);
    if (page.nextPageToken === "") return items;
    pageToken = page.nextPageToken;
  }
  throw new ScribaError(
    "OUT_OF_RANGE",
    `${what} fill more than ${maxPages} pages (${items.length} items so far); narrow the filter or raise the page bound`,
  );
}

/** A positive whole page size, or none (the server's default). */
export function checkPageSize(pageSize: number | undefined): void {
  if (pageSize !== undefined && (!Number.isInteger(pageSize) || pageSize <= 0)) {
    throw invalidArgument(`pageSize must be a positive whole number, got ${pageSize}`);
  }
}
