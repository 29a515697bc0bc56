/**
 * @module admission/__fixtures__/grafeas-grpc-stand-in
 *
 * A STAND-IN for a misbehaving gRPC server, for testing the gRPC metadata
 * adapter's failure modes, which the real Scriba server cannot be made to
 * show: a loopback HTTP/2 (h2c) server that records what each call asked
 * (method path, metadata, request message) and then answers as told —
 * an empty listing, a gRPC error status, an HTTP 404 page from something
 * that is not a gRPC server, or nothing at all (a stalled server).
 * Answers to well-behaved calls come from the real server in the tests.
 */
import { createServer, type Http2Server, type Http2Session, type ServerHttp2Stream, type IncomingHttpHeaders } from "node:http2";
import type { AddressInfo } from "node:net";

export type GrpcMisbehaviour = "empty" | "fail" | "stall" | "not-grpc";

export interface ReceivedCall {
  readonly path: string;
  readonly headers: IncomingHttpHeaders;
  /** The request message, without the 5-byte gRPC frame header. */
  readonly message: Uint8Array;
}

export interface GrpcStandIn {
  /** `grpc://127.0.0.1:PORT` */
  readonly url: string;
  readonly calls: ReceivedCall[];
  misbehave(mode: GrpcMisbehaviour): void;
  close(): Promise<void>;
}

/** One gRPC message frame: not compressed, 4-byte big-endian length, the bytes. */
function frame(message: Uint8Array): Buffer {
  const header = Buffer.alloc(5);
  header.writeUInt32BE(message.length, 1);
  return Buffer.concat([header, message]);
}

function answer(stream: ServerHttp2Stream, mode: GrpcMisbehaviour): void {
  switch (mode) {
    case "stall":
      return;
    case "fail":
      stream.respond(
        { ":status": 200, "content-type": "application/grpc", "grpc-status": "13", "grpc-message": "storage exploded" },
        { endStream: true },
      );
      return;
    case "not-grpc":
      stream.respond({ ":status": 404, "content-type": "text/html" });
      stream.end("<h1>Not Found</h1>");
      return;
    case "empty":
      // Every list response's fields are optional: an empty message is an empty last page.
      stream.respond({ ":status": 200, "content-type": "application/grpc" }, { waitForTrailers: true });
      stream.on("wantTrailers", () => stream.sendTrailers({ "grpc-status": "0" }));
      stream.end(frame(new Uint8Array()));
      return;
  }
}

export async function startGrpcStandIn(): Promise<GrpcStandIn> {
  let mode: GrpcMisbehaviour = "empty";
  const calls: ReceivedCall[] = [];
  const sessions = new Set<Http2Session>();
  const server: Http2Server = createServer();
  server.on("session", (session: Http2Session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
  });
  server.on("stream", (stream: ServerHttp2Stream, headers: IncomingHttpHeaders) => {
    const chunks: Buffer[] = [];
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", () => {});
    stream.on("end", () => {
      const body = Buffer.concat(chunks);
      calls.push({ path: String(headers[":path"]), headers, message: new Uint8Array(body.subarray(5)) });
      answer(stream, mode);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `grpc://127.0.0.1:${port}`,
    calls,
    misbehave(next) {
      mode = next;
    },
    close() {
      for (const session of sessions) session.destroy();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}
