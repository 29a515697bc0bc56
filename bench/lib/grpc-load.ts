/**
 * @module bench/lib/grpc-load
 *
 * The gRPC load generator: unary calls over node:http2 with pre-serialized,
 * pre-framed request messages. A grpc-js client on its own core tops out
 * around 3.6k calls/s on this kind of machine, below what one core of
 * grpc-js server answers, so driving a server with it measures the client. A
 * raw HTTP/2 stream per call (the gRPC wire protocol is only headers, a
 * 5-byte length prefix and trailers) costs much less: about 65 µs of client
 * CPU per GetOccurrence call here.
 */
import { connect, constants, type ClientHttp2Session } from "node:http2";
import type { GrpcLoadSpec, LoadOutcome } from "./load-spec.js";
import { LoadWindow, picker, type WindowEvents } from "./load-window.js";

/** The gRPC length-prefixed message: flag 0 (uncompressed), 4-byte big-endian length, bytes. */
export function grpcFrame(message: Uint8Array): Buffer {
  const frame = Buffer.alloc(5 + message.length);
  frame.writeUInt32BE(message.length, 1);
  frame.set(message, 5);
  return frame;
}

/** The message inside one gRPC length-prefixed frame (the first one, for unary replies). */
export function grpcUnframe(data: Buffer): Buffer {
  if (data.length < 5) throw new Error("a gRPC reply shorter than its frame header");
  const length = data.readUInt32BE(1);
  if (data[0] !== 0) throw new Error("a compressed gRPC reply");
  return data.subarray(5, 5 + length);
}

const window16MiB = 16 * 1024 * 1024;

export function openGrpcSession(url: string): Promise<ClientHttp2Session> {
  return new Promise((resolve, reject) => {
    const session = connect(url, { settings: { initialWindowSize: window16MiB } });
    session.once("error", reject);
    session.once("connect", () => {
      session.setLocalWindowSize(window16MiB);
      session.on("error", () => undefined);
      resolve(session);
    });
  });
}

export interface GrpcReply {
  readonly status: string;
  readonly message: string | undefined;
  readonly body: Buffer;
}

/** One unary call; resolves with grpc-status (from trailers or a trailers-only answer) and the reply bytes. */
export function grpcCall(session: ClientHttp2Session, path: string, frame: Buffer): Promise<GrpcReply> {
  return new Promise((resolve, reject) => {
    const stream = session.request({
      [constants.HTTP2_HEADER_METHOD]: "POST",
      [constants.HTTP2_HEADER_PATH]: path,
      "content-type": "application/grpc",
      te: "trailers",
    });
    const chunks: Buffer[] = [];
    let status: string | undefined;
    let message: string | undefined;
    stream.on("response", (headers) => {
      if (headers["grpc-status"] !== undefined) {
        status = String(headers["grpc-status"]);
        message = headers["grpc-message"] === undefined ? undefined : String(headers["grpc-message"]);
      }
    });
    stream.on("trailers", (trailers) => {
      status = String(trailers["grpc-status"]);
      message = trailers["grpc-message"] === undefined ? undefined : decodeURIComponent(String(trailers["grpc-message"]));
    });
    stream.on("data", (chunk: Buffer) => chunks.push(chunk));
    stream.on("error", reject);
    stream.on("close", () => {
      resolve({ status: status ?? `missing (rst ${stream.rstCode})`, message, body: Buffer.concat(chunks) });
    });
    stream.end(frame);
  });
}

/** Runs unary calls as described by `spec` and reports what was measured. */
export async function runGrpcLoad(spec: GrpcLoadSpec, events: WindowEvents = {}): Promise<LoadOutcome> {
  const urls = [spec.url, ...(spec.extraUrls ?? [])];
  const frames = spec.messages.map((m) => grpcFrame(Buffer.from(m, "base64")));
  const sessions = await Promise.all(
    Array.from({ length: spec.connections }, (_, index) => openGrpcSession(urls[index % urls.length]!)),
  );
  const window = new LoadWindow(spec, events);
  const lanes = sessions.flatMap((session, s) =>
    Array.from({ length: spec.streamsPerConnection }, (_, k) => ({
      session,
      next: picker(frames, spec.order, (s * spec.streamsPerConnection + k) * 7919),
    })),
  );
  let active = lanes.length;
  let allIdle: (() => void) | undefined;
  const idle = new Promise<void>((resolve) => (allIdle = resolve));

  const run = (lane: (typeof lanes)[number]): void => {
    if (!window.mayIssue()) {
      active -= 1;
      if (active === 0) allIdle?.();
      return;
    }
    const sentAt = performance.now();
    grpcCall(lane.session, spec.path, lane.next()).then(
      (reply) => {
        window.record(sentAt, reply.status === "0" ? undefined : `grpc-status ${reply.status} ${reply.message ?? ""}`);
        run(lane);
      },
      (error: Error) => {
        window.record(sentAt, `stream: ${error.message}`);
        run(lane);
      },
    );
  };

  const closed = window.start();
  for (const lane of lanes) run(lane);
  await closed;
  await Promise.race([idle, new Promise((resolve) => setTimeout(resolve, 2000))]);
  for (const session of sessions) session.destroy();
  return window.outcome("node-h2-grpc");
}
