/**
 * @module wire/rpc
 *
 * The contract between the wire edges (gRPC, REST transcoding, v1alpha1) and
 * the RPC glue that calls the services. An edge decodes a request into the
 * method's protobuf-es input message, calls the method's handler, and encodes
 * the Reply for its wire. Handlers hold no wire knowledge; edges hold no
 * business rules.
 */
import type { DescMessage, DescMethod, Message } from "@bufbuild/protobuf";

/** Who is calling and how long they may take; built by the edge. */
export interface CallContext {
  /** The authenticated principal, when the edge knows one (mTLS subject, token). */
  readonly principal?: string | undefined;
  /** Aborted when the client goes away or its deadline passes. */
  readonly signal?: AbortSignal | undefined;
}

export interface JsonReplyOptions {
  /** Enums as numbers (`$alt=json;enum-encoding=int`), as google-gax's REST transport asks. */
  readonly enumAsInteger: boolean;
}

/**
 * A handler's result. Stored objects are canonical proto3 JSON, so a Reply can
 * often be written to a REST client without ever being parsed; gRPC asks for
 * the message instead.
 */
export interface Reply {
  readonly schema: DescMessage;
  /** The reply as a protobuf-es message of `schema`. */
  message(): Message;
  /** The reply as proto3 JSON text. */
  json(options: JsonReplyOptions): string;
}

export type UnaryHandler = (request: Message, context: CallContext) => Promise<Reply>;

/** One RPC an edge can serve: its descriptor (for paths, HTTP rules, schemas) and its handler. */
export interface RpcMethod {
  readonly method: DescMethod;
  readonly handler: UnaryHandler;
}
