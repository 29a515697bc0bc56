/**
 * @module client/grafeas-grpc-client
 *
 * A small grafeas.v1 gRPC client on plain @grpc/grpc-js, carrying the
 * generated protobuf-es messages: the method paths and message types come
 * from the `Grafeas` service descriptor, so no .proto is loaded at run time
 * (the server side does the same, wire/grpc-edge). It offers the calls the
 * admission webhook's metadata source makes ({@link GrafeasMetadataClient});
 * the CLI's other commands speak REST.
 *
 * - `grpc://host:port` is plaintext HTTP/2 (h2c), as Scriba serves it on its
 *   one port; `grpcs://host:port` is TLS, trusting the system's CAs or the
 *   given `ca` (`--server-ca`) for this channel only.
 * - Every call has a deadline (the client's timeout) sent to the server,
 *   and is cancelled when the caller's or the client's signal fires.
 * - Failures: the deadline is DEADLINE_EXCEEDED, a fired signal CANCELLED, an
 *   UNAVAILABLE status (no connection, connection lost, or the server saying
 *   so) UNAVAILABLE naming the server; any other status is the ScribaError of
 *   that code with the server's message, as a {@link ServerReplyError} whose
 *   `reply` is the status name.
 * - `listAll…` follow `nextPageToken` up to a page bound (OUT_OF_RANGE past
 *   it); replies are bounded by grpc-js's receive limit (RESOURCE_EXHAUSTED).
 *
 * One channel per client: connections are reused across calls, and reconnect
 * within seconds after the server comes back (the default backoff of grpc-js
 * grows to two minutes, too long for an admission webhook). `close()`
 * releases it.
 */
import {
  type DescMessage,
  type DescMethodUnary,
  type MessageInitShape,
  type MessageShape,
  create,
  fromBinary,
  toBinary,
} from "@bufbuild/protobuf";
import { FieldMaskSchema } from "@bufbuild/protobuf/wkt";
import * as grpc from "@grpc/grpc-js";
import { ScribaError, errorCodeFromGrpc } from "../errors.js";
import { Grafeas, type Note, type Occurrence } from "../gen/grafeas/v1/grafeas_pb.js";
import {
  type CallOptions,
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
import { ServerReplyError } from "./server-reply-error.js";
import { parseServerUrl } from "./server-url.js";

export type GrafeasGrpcClientOptions = GrafeasClientOptions;

/** How soon a channel retries a server it lost, at most. */
const maxReconnectBackoffMs = 5_000;

type UnaryMethod = DescMethodUnary<DescMessage, DescMessage>;

/** The grpc-js target (`host:port`) of a checked grpc(s) URL, with the scheme's default port. */
export function grpcTargetOf(url: URL): string {
  const port = url.port !== "" ? url.port : url.protocol === "grpcs:" ? "443" : "80";
  return `${url.hostname}:${port}`;
}

/** Long server messages are cut: they end up on a terminal or in a log line. */
const clip = (text: string) => (text.length > 1000 ? `${text.slice(0, 1000)}…` : text);

const statusName = (code: number): string => grpc.status[code] ?? `status ${code}`;

export class GrafeasGrpcClient implements GrafeasMetadataClient {
  /** `grpc(s)://host:port`, as given. */
  readonly baseUrl: string;
  private readonly client: grpc.Client;
  private readonly token: string | undefined;
  private readonly timeoutMs: number;
  private readonly maxPages: number;
  private readonly signal: AbortSignal | undefined;

  constructor(options: GrafeasGrpcClientOptions) {
    const url = parseServerUrl(String(options.baseUrl), ["grpc"]);
    this.baseUrl = `${url.protocol}//${url.host}`;
    this.token = options.bearerToken === undefined || options.bearerToken === "" ? undefined : options.bearerToken;
    this.timeoutMs = options.timeoutMs ?? defaultTimeoutMs;
    this.maxPages = options.maxPages ?? defaultMaxPages;
    this.signal = options.signal;
    const credentials =
      url.protocol === "grpcs:"
        ? grpc.credentials.createSsl(
            options.ca === undefined ? null : Buffer.from(options.ca, "utf8"),
            options.clientCertificate === undefined ? null : Buffer.from(options.clientCertificate.key, "utf8"),
            options.clientCertificate === undefined ? null : Buffer.from(options.clientCertificate.cert, "utf8"),
          )
        : grpc.credentials.createInsecure();
    this.client = new grpc.Client(grpcTargetOf(url), credentials, {
      "grpc.max_receive_message_length": options.maxResponseBytes ?? defaultMaxResponseBytes,
      "grpc.max_reconnect_backoff_ms": maxReconnectBackoffMs,
    });
  }

  // ---- notes ----

  async listNotes(parent: string, options: ListOptions = {}): Promise<Page<Note>> {
    checkPageSize(options.pageSize);
    const reply = await this.call(Grafeas.method.listNotes, { parent, ...listFields(options) }, options);
    return { items: reply.notes, nextPageToken: reply.nextPageToken };
  }

  /** Creates `parent`/notes/`noteId`; ALREADY_EXISTS if it exists. */
  createNote(parent: string, noteId: string, note: Note, options: CallOptions = {}): Promise<Note> {
    return this.call(Grafeas.method.createNote, { parent, noteId, note }, options);
  }

  /** The occurrences attached to a note, from every project. */
  async listNoteOccurrences(noteName: string, options: ListOptions = {}): Promise<Page<Occurrence>> {
    checkPageSize(options.pageSize);
    const reply = await this.call(Grafeas.method.listNoteOccurrences, { name: noteName, ...listFields(options) }, options);
    return { items: reply.occurrences, nextPageToken: reply.nextPageToken };
  }

  listAllNoteOccurrences(noteName: string, options: ListAllOptions = {}): Promise<Occurrence[]> {
    return readAllPages(`the occurrences of ${noteName}`, options.maxPages ?? this.maxPages, (pageToken) =>
      this.listNoteOccurrences(noteName, { ...options, pageToken }),
    );
  }

  // ---- occurrences ----

  async listOccurrences(parent: string, options: ListOptions = {}): Promise<Page<Occurrence>> {
    checkPageSize(options.pageSize);
    const reply = await this.call(Grafeas.method.listOccurrences, { parent, ...listFields(options) }, options);
    return { items: reply.occurrences, nextPageToken: reply.nextPageToken };
  }

  listAllOccurrences(parent: string, options: ListAllOptions = {}): Promise<Occurrence[]> {
    return readAllPages(`the occurrences of ${parent}`, options.maxPages ?? this.maxPages, (pageToken) =>
      this.listOccurrences(parent, { ...options, pageToken }),
    );
  }

  /** Creates an occurrence in `parent`; the server names it. FAILED_PRECONDITION if its note does not exist. */
  createOccurrence(parent: string, occurrence: Occurrence, options: CallOptions = {}): Promise<Occurrence> {
    return this.call(Grafeas.method.createOccurrence, { parent, occurrence }, options);
  }

  updateOccurrence(name: string, occurrence: Occurrence, options: UpdateOptions = {}): Promise<Occurrence> {
    const updateMask = options.updateMask === undefined ? undefined : create(FieldMaskSchema, { paths: [...options.updateMask] });
    return this.call(Grafeas.method.updateOccurrence, { name, occurrence, updateMask }, options);
  }

  /** Closes the channel; calls made afterwards fail. */
  close(): void {
    this.client.close();
  }

  // ---- plumbing ----

  private call<M extends UnaryMethod>(
    method: M,
    init: MessageInitShape<M["input"]>,
    options: CallOptions,
  ): Promise<MessageShape<M["output"]>> {
    const request = create(method.input, init) as MessageShape<M["input"]>;
    const signal = AbortSignal.any([this.signal, options.signal].filter((s): s is AbortSignal => s !== undefined));
    const metadata = new grpc.Metadata();
    if (this.token !== undefined) metadata.set("authorization", `Bearer ${this.token}`);
    const where = `${this.baseUrl} ${method.parent.typeName}/${method.name}`;
    return new Promise((resolve, reject) => {
      if (signal.aborted) {
        reject(new ScribaError("CANCELLED", `${where}: cancelled`));
        return;
      }
      // Ends the abort listener once the call is over, so a long-lived client signal does not collect them.
      const finished = new AbortController();
      let call: grpc.ClientUnaryCall;
      try {
        call = this.start<M>(method, request, metadata, (error, reply) => {
          finished.abort();
          if (error === null && reply !== undefined) resolve(reply);
          else reject(this.failure(error, where, signal));
        });
      } catch (error) {
        // grpc-js throws at once on a closed channel.
        reject(new ScribaError("UNAVAILABLE", `${where}: ${error instanceof Error ? error.message : String(error)}`, { cause: error }));
        return;
      }
      signal.addEventListener("abort", () => call.cancel(), { once: true, signal: finished.signal });
    });
  }

  private start<M extends UnaryMethod>(
    method: M,
    request: MessageShape<M["input"]>,
    metadata: grpc.Metadata,
    done: grpc.requestCallback<MessageShape<M["output"]>>,
  ): grpc.ClientUnaryCall {
    return this.client.makeUnaryRequest<MessageShape<M["input"]>, MessageShape<M["output"]>>(
      `/${method.parent.typeName}/${method.name}`,
      (message) => Buffer.from(toBinary(method.input, message)),
      (bytes) => fromBinary(method.output, bytes) as MessageShape<M["output"]>,
      request,
      metadata,
      { deadline: Date.now() + this.timeoutMs },
      done,
    );
  }

  /** The ScribaError for a failed call (see the module comment). */
  private failure(error: grpc.ServiceError | null, where: string, signal: AbortSignal): ScribaError {
    if (error === null) return new ScribaError("UNKNOWN", `${where}: the server ended the call without a reply`);
    if (error.code === grpc.status.CANCELLED && signal.aborted) return new ScribaError("CANCELLED", `${where}: cancelled`, { cause: error });
    if (error.code === grpc.status.DEADLINE_EXCEEDED) {
      return new ScribaError("DEADLINE_EXCEEDED", `${where}: no reply within ${this.timeoutMs} ms`, { cause: error });
    }
    if (error.code === grpc.status.UNAVAILABLE) {
      return new ScribaError("UNAVAILABLE", `the Grafeas server at ${this.baseUrl} is unavailable: ${clip(error.details)}`, { cause: error });
    }
    return new ServerReplyError(errorCodeFromGrpc(error.code), clip(error.details), statusName(error.code));
  }
}

function listFields(options: ListOptions) {
  return { filter: options.filter ?? "", pageSize: options.pageSize ?? 0, pageToken: options.pageToken ?? "" };
}
